import CGRPC
import EP11
import Foundation
import GRPCCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The HSM mock's `grep11.Crypto` service on the gRPC C core (Debian `libgrpc`): every RPC is registered with the
/// server so that a call arrives with its request message, a few completion-queue threads (never the Swift
/// cooperative pool: `grpc_completion_queue_next` blocks) pick calls up, run them through ``CoreDispatch`` on the
/// same thread (`Task.immediate`: the handlers do not suspend, so a call costs no thread hop) and send the whole
/// answer in one batch. Only a bearer-token check that must ask IAM suspends; the call then finishes on the Swift
/// pool, which may start batches on any thread.
///
/// Lifecycle: ``run()`` binds, starts and serves until ``beginGracefulShutdown()``: no new calls, calls in flight
/// finish (cancelled after the grace period), then the server and its queues are destroyed and the threads exit.
final class CoreGRPCServer: @unchecked Sendable {
    private let dispatch: CoreDispatch
    private let verifier: (any BearerTokenVerifier)?
    private let logger: Logger
    private let bindAddress: String
    private let addressText: String
    private let tls: HSMMock.ServerTLS?
    private let threadCount: Int
    private let gracePeriod: Duration

    /// Requests kept posted per method and queue (the core queues further calls until one is taken).
    private static let postedPerMethod = 2

    // Set once in `run()` before any thread starts; read-only afterwards.
    private var server: OpaquePointer?
    private var queues: [OpaquePointer] = []
    private var methods: [UnsafeMutableRawPointer] = []

    private enum Phase {
        case idle
        case starting
        case running(port: Int)
        case stopping(port: Int)
        case failed(EP11Error)
        case stopped
    }

    private struct State {
        var phase: Phase = .idle
        var portWaiters: [CheckedContinuation<Int, any Error>] = []
        var runWaiter: CheckedContinuation<Void, Never>?
        var finished = false
        var finalized = false
        var shutdownNotified = false
        var threadsRunning = 0
    }

    private let state = Mutex(State())
    /// Calls taken from the core whose answer batch has not completed yet.
    private let active = Atomic<Int>(0)

    /// The core as the client initialises it (once per process, Abseil's mutex deadlock detection off: about half a
    /// microsecond of every call in Debian's build), with the mock's core log silenced.
    private static let runtime: Bool = {
        cgrpc_srv_silence_core_log()
        return CoreRuntime.initialised
    }()

    init(
        dispatch: CoreDispatch, verifier: (any BearerTokenVerifier)?, logger: Logger, bindHost: String, port: Int,
        tls: HSMMock.ServerTLS?, threads: Int, gracePeriod: Duration
    ) {
        self.dispatch = dispatch
        self.verifier = verifier
        self.logger = logger
        self.tls = tls
        self.threadCount = max(1, threads)
        self.gracePeriod = gracePeriod
        let bare = bindHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.bindAddress = bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
        self.addressText = self.bindAddress
    }

    // MARK: Lifecycle

    /// Binds, serves until ``beginGracefulShutdown()`` and returns once every call has ended and every resource is
    /// released.
    ///
    /// - Throws: `EP11Error` with code `transportFailure` naming why the server cannot listen.
    func run() async throws {
        let proceed = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .starting
            return true
        }
        guard proceed else {
            throw EP11Error(code: .transportFailure, message: "the mock server was already started or stopped")
        }
        let port: Int
        switch Result(catching: { () throws(EP11Error) -> Int in try start() }) {
        case .success(let bound):
            port = bound
        case .failure(let error):
            let waiters = state.withLock { state in
                state.phase = .failed(error)
                defer { state.portWaiters = [] }
                return state.portWaiters
            }
            waiters.forEach { $0.resume(throwing: error) }
            throw error
        }
        let (waiters, stopRequested) = state.withLock { state -> ([CheckedContinuation<Int, any Error>], Bool) in
            let stopRequested: Bool
            if case .stopping = state.phase { stopRequested = true } else { stopRequested = false }
            state.phase = stopRequested ? .stopping(port: port) : .running(port: port)
            defer { state.portWaiters = [] }
            return (state.portWaiters, stopRequested)
        }
        waiters.forEach { $0.resume(returning: port) }
        if stopRequested { requestShutdown() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.finished { return true }
                    state.runWaiter = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            self.beginGracefulShutdown()
        }
    }

    /// The port once listening; the startup error when binding failed.
    func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<Int, any Error>? in
                switch state.phase {
                case .running(let port), .stopping(let port): return .success(port)
                case .failed(let error): return .failure(error)
                case .stopped:
                    return .failure(EP11Error(code: .transportFailure, message: "the mock server is stopped"))
                case .idle, .starting:
                    state.portWaiters.append(continuation)
                    return nil
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Stops taking calls; calls in flight finish, or are cancelled after the grace period.
    func beginGracefulShutdown() {
        let (running, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Int, any Error>]) in
            switch state.phase {
            case .running(let port):
                state.phase = .stopping(port: port)
                return (true, [])
            case .idle:
                state.phase = .stopped
                state.finished = true
                defer { state.portWaiters = [] }
                return (false, state.portWaiters)
            case .starting:
                // `run()` sees the request once bound.
                state.phase = .stopping(port: 0)
                return (false, [])
            case .stopping, .failed, .stopped:
                return (false, [])
            }
        }
        waiters.forEach {
            $0.resume(throwing: EP11Error(code: .transportFailure, message: "the mock server is stopped"))
        }
        if running { requestShutdown() }
    }

    private func requestShutdown() {
        guard let server, let queue = queues.first,
            let tag = cgrpc_srv_call_create(Int32(CGRPC_SRV_SHUTDOWN), -1, 0)
        else { return }
        grpc_server_shutdown_and_notify(server, queue, tag)
        let grace = gracePeriod
        Thread.detachNewThread { [self] in
            let deadline = ContinuousClock.now.advanced(by: grace)
            while ContinuousClock.now < deadline {
                if state.withLock({ $0.finalized }) { return }
                usleep(20_000)
            }
            state.withLock { state in
                // Under the lock: the server is not destroyed meanwhile.
                if !state.finalized, let server = self.server {
                    grpc_server_cancel_all_calls(server)
                }
            }
        }
    }

    /// Creates, binds and starts the server, posts the first requests and starts the queue threads.
    private func start() throws(EP11Error) -> Int {
        _ = Self.runtime
        guard
            let server = cgrpc_srv_server_create(
                Int32(HSMRequestLimits.maximumRequestBytes), Int32(HSMRequestLimits.maximumConcurrentStreams))
        else { throw EP11Error(code: .transportFailure, message: "the gRPC core cannot create a server") }
        let queues = (0..<threadCount).compactMap { _ in grpc_completion_queue_create_for_next(nil) }
        for queue in queues { grpc_server_register_completion_queue(server, queue, nil) }
        var methods: [UnsafeMutableRawPointer] = []
        for handler in CoreDispatch.handlers {
            guard
                let handle = grpc_server_register_method(
                    server, CoreDispatch.path(handler), nil, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0)
            else { break }
            methods.append(handle)
        }
        let credentials: OpaquePointer?
        if let tls {
            credentials = tls.certificateChainPEM.cString { chain in
                tls.privateKeyPEM.cString { key in
                    if let roots = tls.clientCertificateRootsPEM {
                        return roots.cString { cgrpc_srv_tls_credentials(chain, key, $0) }
                    }
                    return cgrpc_srv_tls_credentials(chain, key, nil)
                }
            }
        } else {
            credentials = grpc_insecure_server_credentials_create()
        }
        let port = credentials.map { grpc_server_add_http2_port(server, bindAddress, $0) } ?? 0
        if let credentials { grpc_server_credentials_release(credentials) }
        guard port > 0, queues.count == threadCount, methods.count == CoreDispatch.handlers.count else {
            // No listener was added: the server may be destroyed unstarted; each queue is drained first.
            grpc_server_destroy(server)
            for queue in queues {
                grpc_completion_queue_shutdown(queue)
                while grpc_completion_queue_next(queue, cgrpc_srv_infinite_future(), nil).type != GRPC_QUEUE_SHUTDOWN {}
                grpc_completion_queue_destroy(queue)
            }
            if credentials == nil {
                throw EP11Error(code: .transportFailure, message: "the gRPC core refused the TLS settings")
            }
            throw Self.listenError(bindAddress: bindAddress, addressText: addressText)
        }
        grpc_server_start(server)
        self.server = server
        self.queues = queues
        self.methods = methods
        state.withLock { $0.threadsRunning = queues.count }
        for index in queues.indices {
            for method in CoreDispatch.handlers.indices {
                for _ in 0..<Self.postedPerMethod { post(method, queue: index) }
            }
            postGeneric(queue: index)
        }
        for index in queues.indices {
            let thread = Thread { [self] in poll(index) }
            thread.name = "hsm-mock-cq-\(index)"
            thread.start()
        }
        logger.debug(
            "HSM mock serving on the gRPC core",
            metadata: ["hpcs.mock.port": "\(port)", "hpcs.mock.threads": "\(queues.count)"])
        return Int(port)
    }

    // MARK: Completion queues

    private func post(_ method: Int, queue index: Int) {
        guard let server,
            let tag = cgrpc_srv_call_create(Int32(CGRPC_SRV_REGISTERED_REQUEST), Int32(method), Int32(index))
        else { return }
        if cgrpc_srv_request_registered(server, methods[method], queues[index], tag) != GRPC_CALL_OK {
            cgrpc_srv_call_destroy(tag)
        }
    }

    private func postGeneric(queue index: Int) {
        guard let server, let tag = cgrpc_srv_call_create(Int32(CGRPC_SRV_GENERIC_REQUEST), -1, Int32(index))
        else { return }
        if cgrpc_srv_request_generic(server, queues[index], tag) != GRPC_CALL_OK {
            cgrpc_srv_call_destroy(tag)
        }
    }

    private func poll(_ index: Int) {
        let queue = queues[index]
        while true {
            let event = grpc_completion_queue_next(queue, cgrpc_srv_infinite_future(), nil)
            if event.type == GRPC_QUEUE_SHUTDOWN { break }
            guard event.type == GRPC_OP_COMPLETE, let tag = event.tag else { continue }
            let call = tag.assumingMemoryBound(to: cgrpc_srv_call.self)
            switch Int(call.pointee.kind) {
            case Int(CGRPC_SRV_REGISTERED_REQUEST):
                // A failed request: the server is shutting down.
                guard event.success != 0 else {
                    cgrpc_srv_call_destroy(call)
                    continue
                }
                active.add(1, ordering: .sequentiallyConsistent)
                post(Int(call.pointee.method), queue: index)
                handle(CallHandle(pointer: call))
            case Int(CGRPC_SRV_GENERIC_REQUEST):
                guard event.success != 0 else {
                    cgrpc_srv_call_destroy(call)
                    continue
                }
                active.add(1, ordering: .sequentiallyConsistent)
                postGeneric(queue: index)
                var path = [CChar](repeating: 0, count: 256)
                cgrpc_srv_generic_method(call, &path, path.count)
                let name = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                logger.debug("GREP11 call to an unknown method", metadata: ["hpcs.ep11.method": "\(name)"])
                respond(
                    CallHandle(pointer: call),
                    .failure(.unimplemented, "Requested RPC isn't implemented by this server."))
            case Int(CGRPC_SRV_RESPONSE_SENT):
                cgrpc_srv_call_destroy(call)
                callEnded()
            case Int(CGRPC_SRV_SHUTDOWN):
                cgrpc_srv_call_destroy(call)
                let finalize = state.withLock { state -> Bool in
                    state.shutdownNotified = true
                    return active.load(ordering: .sequentiallyConsistent) == 0
                }
                if finalize { self.finalize() }
            default:
                continue
            }
        }
        grpc_completion_queue_destroy(queue)
        let (last, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            state.threadsRunning -= 1
            guard state.threadsRunning == 0 else { return (false, nil) }
            state.phase = .stopped
            state.finished = true
            defer { state.runWaiter = nil }
            return (true, state.runWaiter)
        }
        if last {
            logger.debug("HSM mock on the gRPC core stopped")
            waiter?.resume()
        }
    }

    private func callEnded() {
        let left = active.subtract(1, ordering: .sequentiallyConsistent).newValue
        guard left == 0 else { return }
        if state.withLock({ $0.shutdownNotified }) { finalize() }
    }

    /// Destroys the server and shuts the queues down (each thread exits once its queue is drained). Once only.
    private func finalize() {
        let first = state.withLock { state -> Bool in
            guard !state.finalized, active.load(ordering: .sequentiallyConsistent) == 0 else { return false }
            state.finalized = true
            if let server { grpc_server_destroy(server) }
            return true
        }
        guard first else { return }
        for queue in queues { grpc_completion_queue_shutdown(queue) }
    }

    // MARK: Calls

    /// A call's state block, handed between the queue thread and the task that answers it.
    struct CallHandle: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<cgrpc_srv_call>
    }

    private func handle(_ call: CallHandle) {
        let index = Int(call.pointer.pointee.method)
        guard CoreDispatch.handlers.indices.contains(index) else {
            respond(call, .failure(.internalError, "unknown method"))
            return
        }
        let length = cgrpc_srv_payload_length(call.pointer)
        guard length >= 0 else {
            respond(call, .failure(.internalError, "a unary call carries exactly one request message"))
            return
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: max(1, length)) { buffer, count in
            count = length == 0 ? 0 : max(0, cgrpc_srv_payload_copy(call.pointer, buffer.baseAddress, length))
        }
        let authorization: String? =
            verifier == nil ? nil : metadataValue(call, "authorization")
        let dispatch = self.dispatch
        let verifier = self.verifier
        let handler = CoreDispatch.handlers[index]
        Task.immediate { [self] in
            if let verifier {
                if let refusal = await authorize(authorization, verifier: verifier, method: handler.descriptor.method) {
                    respond(call, refusal)
                    return
                }
            }
            respond(call, await dispatch.answer(handler, request: bytes))
        }
    }

    private func metadataValue(_ call: CallHandle, _ key: String) -> String? {
        var length = 0
        guard let value = cgrpc_srv_metadata(call.pointer, key, &length) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: value, count: length), as: UTF8.self)
    }

    /// The bearer-token check of ``BearerTokenInterceptor``, with the same refusals.
    private func authorize(
        _ header: String?, verifier: any BearerTokenVerifier, method name: String
    ) async -> CoreAnswer? {
        func refuse(_ message: String) -> CoreAnswer {
            logger.debug(
                "GREP11 call unauthenticated",
                metadata: ["hpcs.ep11.method": "\(name)", "hpcs.mock.reason": "\(message)"])
            return .failure(.unauthenticated, message)
        }
        guard let header else { return refuse("missing authorization metadata") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            return refuse("authorization is not a bearer token")
        }
        do {
            guard try await verifier.isValid(String(parts[1])) else {
                return refuse("invalid or expired bearer token")
            }
        } catch {
            logger.debug("token check failed", metadata: ["hpcs.ep11.method": "\(name)"])
            return .failure(.unavailable, "the token could not be checked with IAM")
        }
        return nil
    }

    private func respond(_ call: CallHandle, _ answer: CoreAnswer) {
        let status = grpc_status_code(rawValue: numericCast(answer.status))
        let message = Array(answer.statusMessage.utf8)
        let result = withOptionalBytes(answer.message) { body, bodyLength in
            message.withUnsafeBufferPointer { text in
                withOptionalBytes(answer.statusDetails) { details, detailsLength in
                    cgrpc_srv_respond(
                        call.pointer, answer.message == nil ? 0 : 1, body, bodyLength, status, text.baseAddress,
                        text.count, details, detailsLength)
                }
            }
        }
        if result != GRPC_CALL_OK {
            cgrpc_srv_call_destroy(call.pointer)
            callEnded()
        }
    }

    private func withOptionalBytes<R>(
        _ bytes: [UInt8]?, _ body: (UnsafePointer<UInt8>?, Int) -> R
    ) -> R {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            // An empty message still needs a pointer: the count says it is empty.
            var zero: UInt8 = 0
            return body(&zero, 0)
        }
    }

    // MARK: Errors

    /// Why binding failed, found by binding a plain socket to the same address (the core only says it failed).
    static func listenError(bindAddress: String, addressText: String) -> EP11Error {
        var host = bindAddress
        var port: UInt16 = 0
        if let colon = bindAddress.lastIndex(of: ":") {
            host = String(bindAddress[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = UInt16(bindAddress[bindAddress.index(after: colon)...]) ?? 0
        }
        var code: Int32 = 0
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = v4
            code = probe(AF_INET, &address, socklen_t(MemoryLayout<sockaddr_in>.size))
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = v6
            code = probe(AF_INET6, &address, socklen_t(MemoryLayout<sockaddr_in6>.size))
        } else {
            return EP11Error(code: .transportFailure, message: "\(addressText) is not an IP address to listen on")
        }
        switch code {
        case EADDRINUSE:
            return EP11Error(code: .transportFailure, message: "address \(addressText) is in use")
        case EADDRNOTAVAIL:
            return EP11Error(code: .transportFailure, message: "address \(addressText) is not an address of this host")
        case EACCES:
            return EP11Error(
                code: .transportFailure, message: "permission denied to listen on \(addressText) (a port below 1024?)")
        case 0:
            return EP11Error(code: .transportFailure, message: "cannot listen on \(addressText)")
        default:
            return EP11Error(
                code: .transportFailure, message: "cannot listen on \(addressText): \(String(cString: strerror(code)))")
        }
    }

    private static func probe<Address>(_ family: Int32, _ address: inout Address, _ length: socklen_t) -> Int32 {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        return result == 0 ? 0 : errno
    }
}

extension Array where Element == UInt8 {
    /// The bytes as a NUL-terminated C string for the duration of `body` (PEM text has no NUL).
    fileprivate func cString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        String(decoding: self, as: UTF8.self).withCString(body)
    }
}
