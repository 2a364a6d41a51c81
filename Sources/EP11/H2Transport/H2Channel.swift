import GRPCCore
import IAM
internal import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import SwiftProtobuf
import Synchronization

/// The direct unary path of the ``EP11Client/Transport/nio`` transport: GREP11 calls straight on SwiftNIO HTTP/2.
///
/// One HTTP/2 connection per endpoint, made by the first call (concurrent first calls share the connect) and
/// replaced by the next call once it closed, received GOAWAY, idled out or used up its stream IDs. A call is one
/// HTTP/2 stream with one ``H2Exchange`` handler: HEADERS and one DATA frame (end of stream) in one flush, then
/// the response headers, the one length-prefixed message and the trailers, and one wake-up of the calling task.
/// SwiftNIO HTTP/2 holds back streams over the server's `SETTINGS_MAX_CONCURRENT_STREAMS` until one closes.
///
/// Failures are GRPCCore's `RPCError`, as grpc-swift-2 raises them: the server's status with its trailers, or
/// `unavailable` with the connection's SwiftNIO or NIOSSL error as the cause.
final class H2Channel: UnaryCaller {
    /// What every connection and call of the channel uses; fixed at init.
    struct Settings: Sendable {
        var host: String
        var port: Int
        /// Whether `host` is an IP address (connected to without name resolution).
        var isIPLiteral: Bool
        /// `host:port` (`[v6]:port`), the `:authority` of every call.
        var authority: String
        /// TLS, or nil for plaintext HTTP/2 (h2c).
        var tls: TLS?
        /// How long a connection without calls is kept; nil: for ever.
        var maximumIdleTime: TimeAmount?
        /// Whether flushes within one event-loop batch become one write (``H2FlushCoalescingHandler``).
        var flushCoalescing = false
        /// The `bluemix-instance` value of every call.
        var instanceID: String?
        /// The largest response message accepted (as grpc-swift-2's default, 4 MiB).
        var maximumResponseBytes = 4 * 1024 * 1024
    }

    /// A client TLS context with the server name to send (nil for an IP address) and the custom verification.
    struct TLS: Sendable {
        typealias Verification =
            @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void
        var context: NIOSSLContext
        var serverHostname: String?
        var verification: Verification?
    }

    private enum Connection {
        case none
        case connecting(EventLoopFuture<H2Connection>)
        case ready(H2Connection)
    }

    private struct State {
        var connection: Connection = .none
        var stopped = false
        var runWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let settings: Settings
    private let group: any EventLoopGroup
    private let state = Mutex(State())
    /// `:scheme`, `:authority` and the fixed headers of every call, built once.
    private let scheme: String
    private let fixedHeaders: HPACKHeaders

    init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
        self.scheme = settings.tls == nil ? "http" : "https"
        var headers = HPACKHeaders()
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "te", value: "trailers")
        if let instanceID = settings.instanceID { headers.add(name: "bluemix-instance", value: instanceID) }
        self.fixedHeaders = headers
    }

    // MARK: - Calls

    func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        timeout: Duration
    ) async throws -> Method.Output {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let payload = try Self.framed(request)
        // Pseudo-headers first (RFC 9113 8.3).
        var headers = HPACKHeaders()
        headers.reserveCapacity(fixedHeaders.count + 6)
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: scheme)
        headers.add(name: ":path", value: "/" + Method.descriptor.fullyQualifiedMethod)
        headers.add(name: ":authority", value: settings.authority)
        headers.add(contentsOf: fixedHeaders)
        headers.add(name: "grpc-timeout", value: Self.timeoutHeader(timeout))
        if let authorization { headers.add(name: "authorization", value: authorization) }
        // A stream the server provably did not process (refused, or beyond a GOAWAY) goes to a new connection.
        var attempt = 1
        while true {
            let connection = try await connection(by: deadline)
            do {
                let message = try await connection.exchange(
                    headers: headers, payload: payload, deadline: deadline,
                    maximumResponseBytes: settings.maximumResponseBytes)
                return try Self.decode(message, as: Method.Output.self)
            } catch let unprocessed as H2Exchange.Unprocessed {
                guard attempt < 3, ContinuousClock.now < deadline, !Task.isCancelled else { throw unprocessed.error }
                attempt += 1
            }
        }
    }

    /// The message with gRPC's 5-byte prefix (not compressed, 32-bit big-endian length).
    static func framed(_ message: some SwiftProtobuf.Message) throws -> ByteBuffer {
        let bytes: [UInt8] = try message.serializedBytes()
        guard let length = UInt32(exactly: bytes.count) else {
            throw RPCError(code: .resourceExhausted, message: "The request message is too large to send.")
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(5 + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(length)
        buffer.writeBytes(bytes)
        return buffer
    }

    static func decode<Output: SwiftProtobuf.Message>(_ message: ByteBuffer, as: Output.Type) throws -> Output {
        do {
            return try Output(serializedBytes: H2MessageBytes(message))
        } catch {
            throw RPCError(code: .internalError, message: "The response message could not be decoded.", cause: error)
        }
    }

    /// `grpc-timeout`: at most 8 digits, in milliseconds (rounded up) or, beyond, in seconds.
    static func timeoutHeader(_ remaining: Duration) -> String {
        let (seconds, attoseconds) = remaining.components
        guard seconds >= 0, attoseconds >= 0 else { return "1m" }
        let limit: Int64 = 99_999_999
        if seconds < limit / 1000 {
            let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            return "\(max(1, milliseconds))m"
        }
        return "\(min(seconds, limit))S"
    }

    // MARK: - The connection

    /// The connection for the next call: the current one while it is usable, else a new one.
    private func connection(by deadline: ContinuousClock.Instant) async throws -> H2Connection {
        let (ready, pending, toConnect):
            (H2Connection?, EventLoopFuture<H2Connection>?, EventLoopPromise<H2Connection>?) = try state.withLock {
                state in
                guard !state.stopped else {
                    throw RuntimeError(
                        code: .clientIsStopped, message: "Client has been stopped. Can't make any more RPCs.")
                }
                switch state.connection {
                case .ready(let connection) where connection.isUsable:
                    return (connection, nil, nil)
                case .connecting(let future):
                    return (nil, future, nil)
                case .none, .ready:
                    let promise = group.next().makePromise(of: H2Connection.self)
                    state.connection = .connecting(promise.futureResult)
                    return (nil, promise.futureResult, promise)
                }
            }
        if let ready { return ready }
        // Connected outside the lock: on an event-loop thread (NIO's loops as the global executor) a connect that
        // fails at once completes inline, and its outcome takes the lock again.
        if let toConnect { connect(completing: toConnect) }
        guard let pending else { throw RPCError(code: .internalError, message: "No connection was made.") }
        // The connection is shared: a call that ends (deadline, cancellation) stops waiting, not connecting.
        let wait = FirstResult<H2Connection>()
        let timer = pending.eventLoop.scheduleTask(
            deadline: NIODeadline.now() + TimeAmount(ContinuousClock.now.duration(to: deadline))
        ) { wait.finish(.failure(DeadlineScheduler.DeadlinePassed())) }
        pending.whenComplete { result in
            timer.cancel()
            wait.finish(
                result.mapError {
                    RPCError(code: .unavailable, message: "Could not connect to the GREP11 service.", cause: $0)
                })
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in wait.start(continuation) }
        } onCancel: {
            wait.finish(.failure(CancellationError()))
        }
    }

    /// Starts a connection that completes `promise`, whose future the state already holds as `.connecting`; its
    /// outcome becomes the channel's state.
    private func connect(completing promise: EventLoopPromise<H2Connection>) {
        let settings = self.settings
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, settings: settings)
                }
            }
        let connected: EventLoopFuture<any Channel>
        if settings.isIPLiteral {
            // An address: no name resolution.
            do {
                connected = bootstrap.connect(to: try SocketAddress(ipAddress: settings.host, port: settings.port))
            } catch {
                connected = group.next().makeFailedFuture(error)
            }
        } else {
            connected = bootstrap.connect(host: settings.host, port: settings.port)
        }
        // Ready once the server's SETTINGS arrived, as grpc-swift-2 and the C core wait for them.
        let future = connected.flatMap { channel in
            do {
                let connection = try channel.pipeline.syncOperations.handler(type: H2ConnectionHandler.self).connection
                return connection.ready.futureResult.map { connection }
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        future.cascade(to: promise)
        let outcome = promise.futureResult
        outcome.whenComplete { [weak self] result in
            guard let self else { return }
            let retire: H2Connection? = self.state.withLock { state in
                guard case .connecting(let current) = state.connection, current === outcome else {
                    return try? result.get()
                }
                switch result {
                case .success(let connection):
                    state.connection = .ready(connection)
                    return state.stopped ? connection : nil
                case .failure:
                    state.connection = .none
                    return nil
                }
            }
            retire?.retire()
        }
    }

    /// TLS (when configured), HTTP/2 as a client with grpc-swift-2's settings, and the connection's handler.
    private static func configure(_ channel: any Channel, settings: Settings) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls = settings.tls {
            if let verification = tls.verification {
                try pipeline.addHandler(
                    NIOSSLClientHandler(
                        context: tls.context, serverHostname: tls.serverHostname,
                        customVerificationCallbackWithMetadata: verification))
            } else {
                try pipeline.addHandler(
                    NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname))
            }
        }
        if settings.flushCoalescing { try pipeline.addHandler(H2FlushCoalescingHandler()) }
        let windowSize = 8 * 1024 * 1024
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .initialWindowSize, value: windowSize),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
            HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
        ]
        connection.targetWindowSize = windowSize
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = windowSize
        // A server that refuses calls resets their streams: allow as many resets as grpc-swift-2's client does.
        stream.streamResetFrameRateLimit.maximumCount = 200
        stream.streamResetFrameRateLimit.windowLength = .seconds(10)
        let multiplexer = try pipeline.configureHTTP2Pipeline(
            mode: .client, connectionConfiguration: connection, streamConfiguration: stream
        ) { pushed in
            // Push is disabled; a server-initiated stream is closed at once.
            pushed.close(promise: nil)
            return pushed.eventLoop.makeSucceededVoidFuture()
        }
        let h2Connection = H2Connection(
            channel: channel, multiplexer: multiplexer, maximumIdleTime: settings.maximumIdleTime)
        try pipeline.addHandler(H2ConnectionHandler(connection: h2Connection))
    }

    // MARK: - Running

    /// Waits until ``beginGracefulShutdown()``, then until the connection has closed (its calls ended); a
    /// cancelled wait closes the connection at once.
    func run() async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.stopped { return true }
                state.runWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        let last: H2Connection? = state.withLock { state in
            if case .ready(let connection) = state.connection { return connection }
            return nil
        }
        guard let last else { return }
        let closed = FirstResult<Void>()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                closed.start(continuation)
                last.channel.closeFuture.whenComplete { _ in closed.finish(.success(())) }
            }
        } onCancel: {
            last.channel.close(promise: nil)
            closed.finish(.success(()))
        }
    }

    /// Refuses new calls; the connection closes once its calls have ended, which ends ``run()``.
    func beginGracefulShutdown() {
        let (connection, waiters): (H2Connection?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            state.stopped = true
            let waiters = state.runWaiters
            state.runWaiters = []
            if case .ready(let connection) = state.connection { return (connection, waiters) }
            return (nil, waiters)
        }
        connection?.retire()
        for waiter in waiters { waiter.resume() }
    }
}

/// A response message as swift-protobuf reads it, without a copy.
struct H2MessageBytes: SwiftProtobufContiguousBytes {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    init(repeating: UInt8, count: Int) {
        buffer = ByteBuffer(repeating: repeating, count: count)
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        buffer = ByteBuffer(bytes: sequence)
    }

    var count: Int { buffer.readableBytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}
