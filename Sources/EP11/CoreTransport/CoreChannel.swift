import CGRPC
import Foundation
import GRPCCore
import SwiftProtobuf
import Synchronization

/// A channel on the gRPC C core and the direct unary path over it.
///
/// Below ``EP11Client``'s `perform` (which keeps the deadline over all attempts, the token wait and the retries),
/// a call is one `grpc_channel_create_registered_call` with the remaining deadline, one batch of six operations,
/// and one wake-up of the waiting task from the completion-queue thread. Messages are swift-protobuf's.
final class CoreChannel: UnaryCaller, @unchecked Sendable {
    /// `grpc_channel*`; destroyed when the client and every call in flight let go of this object.
    private let channel: OpaquePointer
    /// `grpc_channel_register_call` handles by method; immutable after init.
    private let registered: [ObjectIdentifier: UnsafeMutableRawPointer]
    /// The `bluemix-instance` value, made once; every call's metadata points at it.
    private let instanceID: UnsafeMutablePointer<grpc_slice>?
    /// Set once by ``beginGracefulShutdown()``; read by every call.
    private let shutDown = Atomic<Bool>(false)
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])

    /// A channel to `host:port`. The caller has applied ``EP11Client``'s refusals (credentials over plaintext,
    /// name verification against an IP address) already.
    init(
        host: String,
        port: Int,
        isIPLiteral: Bool,
        security: EP11Client.TransportSecurity,
        serverVerifier: ServerCertificateVerifier? = nil,
        instanceID: String?
    ) throws {
        _ = CoreRuntime.initialised
        let target: String
        if isIPLiteral {
            target = IPLiteral.isIPv6(host) ? "ipv6:[\(host)]:\(port)" : "ipv4:\(host):\(port)"
        } else {
            target = "dns:///\(host):\(port)"
        }
        let credentials = try CoreCredentials.make(security, verifier: serverVerifier)
        defer { grpc_channel_credentials_release(credentials) }
        // Retries are EP11Client's (bounded by its deadline); the core's own would multiply them. A failed
        // connection is tried again soon, so that a retry after the client's backoff can find the server back.
        // (Not grpc.min_reconnect_backoff_ms: the core reads it as the connect timeout.)
        let channel: OpaquePointer? = Self.withChannelArguments([
            ("grpc.enable_retries", 0),
            // No bandwidth-delay probing: its PINGs buy nothing for small unary messages, cost a frame each, and
            // at high concurrency trip SwiftNIO HTTP/2's control-frame flood limit (the server resets).
            ("grpc.http2.bdp_probe", 0),
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ]) { arguments in
            grpc_channel_create(target, credentials, arguments)
        }
        guard let channel else {
            throw EP11Error(code: .invalidArgument, message: "cannot set up the GREP11 channel to \(target)")
        }
        self.channel = channel
        var registered: [ObjectIdentifier: UnsafeMutableRawPointer] = [:]
        for method in grep11Methods {
            let path = "/" + method.descriptor.fullyQualifiedMethod
            if let handle = grpc_channel_register_call(channel, path, nil, nil) {
                registered[ObjectIdentifier(method)] = handle
            }
        }
        self.registered = registered
        self.instanceID = instanceID.map { id in
            let slice = UnsafeMutablePointer<grpc_slice>.allocate(capacity: 1)
            slice.initialize(
                to: id.utf8CString.withUnsafeBufferPointer {
                    grpc_slice_from_copied_buffer($0.baseAddress, max(0, $0.count - 1))
                })
            return slice
        }
    }

    deinit {
        grpc_channel_destroy(channel)
        if let instanceID {
            grpc_slice_unref(instanceID.pointee)
            instanceID.deinitialize(count: 1)
            instanceID.deallocate()
        }
    }

    /// One unary call, ending by `deadline` at the latest (the core fails it with `DEADLINE_EXCEEDED`).
    ///
    /// It runs on the caller's executor (`nonisolated(nonsending)`): no hop on entry and none after the answer,
    /// which costs a task switch each on ``EP11Client/cgrpcTaskExecutor``.
    nonisolated(nonsending) func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        timeout remaining: Duration
    ) async throws -> Method.Output {
        if shutDown.load(ordering: .acquiring) {
            throw EP11Error(code: .transportFailure, message: "\(Method.name): the GREP11 client was shut down")
        }
        guard let handle = registered[ObjectIdentifier(Method.self)] else {
            throw EP11Error(code: .invalidArgument, message: "\(Method.name) is not a GREP11 method")
        }
        // Encoded straight into the slice the core sends.
        var message: CoreSlice = try request.serializedBytes()
        defer { message.release() }
        let (seconds, attoseconds) = remaining.components
        let nanoseconds =
            remaining <= .zero
            ? 0
            : Int64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
                .partialValue &+ attoseconds / 1_000_000_000
        let callDeadline = gpr_time_add(
            gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(max(0, nanoseconds), GPR_TIMESPAN))
        guard
            let call = grpc_channel_create_registered_call(
                channel, nil, hpcs_grpc_propagate_defaults(), CoreCompletionQueue.shared.queue, handle, callDeadline,
                nil)
        else {
            throw RPCError(code: .internalError, message: "the gRPC core could not create a call")
        }
        let coreCall = CoreCall.make(
            call: call, message: &message, authorization: authorization, instanceID: instanceID)
        defer { coreCall.finish() }
        await coreCall.run()
        return try coreCall.response(as: Method.Output.self)
    }

    /// Waits until ``beginGracefulShutdown()``.
    func run() async {
        await withCheckedContinuation { continuation in
            let resumeNow = waiters.withLock { waiters -> Bool in
                if shutDown.load(ordering: .acquiring) { return true }
                waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Refuses new calls and ends ``run()``; calls in flight finish (they keep the channel alive until then).
    func beginGracefulShutdown() {
        let waiting = waiters.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            shutDown.store(true, ordering: .releasing)
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume() }
    }

    // MARK: - Set-up

    private static func withChannelArguments<T>(
        _ integers: [(String, Int32)],
        _ body: (UnsafePointer<grpc_channel_args>) -> T
    ) -> T {
        let keys = integers.map { strdup($0.0) }
        defer { keys.forEach { free($0) } }
        var arguments = zip(keys, integers).map { key, pair in
            var argument = grpc_arg()
            argument.type = GRPC_ARG_INTEGER
            argument.key = key
            argument.value.integer = pair.1
            return argument
        }
        return arguments.withUnsafeMutableBufferPointer { buffer in
            var channelArguments = grpc_channel_args(num_args: buffer.count, args: buffer.baseAddress)
            return withUnsafePointer(to: &channelArguments) { body($0) }
        }
    }
}
