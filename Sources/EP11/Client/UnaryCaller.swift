import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Synchronization

/// The layer under ``EP11Client``'s `perform`: one attempt of one unary call, ending within `timeout`.
///
/// `timeout` is what was left of the call's deadline when the client measured it just before this attempt: a
/// transport turns it into its own deadline form with one clock read (the C core's `gpr_timespec`, an instant on
/// the continuous clock), instead of the client making an instant that the transport turns back into a duration.
///
/// ``call(_:_:authorization:timeout:)`` runs on the caller's executor (`nonisolated(nonsending)`), as the client's
/// call chain above it does: a call then switches executors only where a transport waits for its answer, and not
/// on entry to and return from each layer (with a task executor preference, each switch reads the task's status
/// records under its lock).
protocol UnaryCaller: Sendable {
    nonisolated(nonsending) func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        timeout: Duration
    ) async throws -> Method.Output

    func run() async throws
    func beginGracefulShutdown()
}

/// grpc-swift-2 (NIO HTTP/2 or in-process). A unary call is one stream of the transport, written and read here in
/// the calling task: `GRPCClient` keeps the connections (``run()``), but its per-call machinery (an interceptor and
/// method-configuration lookup under a lock, a task group with a child task writing the request, and the wrapping
/// of the response into sequences) is not used, since a GREP11 call has no interceptors, no service config and
/// exactly one message each way. The deadline is enforced by ``DeadlineScheduler``, not by `CallOptions.timeout`,
/// whose timer task outlived each call on Linux.
struct GRPCCoreCaller<Transport: ClientTransport>: UnaryCaller {
    let client: GRPCClient<Transport>
    /// The client's transport (a reference to the same connections: transports are classes or wrap one).
    let transport: Transport
    /// `bluemix-instance`, built once.
    let baseMetadata: Metadata
    /// Set by ``beginGracefulShutdown()``: later calls are refused as `GRPCClient` refuses them.
    private let stopped = StopFlag()

    init(transport: Transport, instanceID: String?) {
        self.client = GRPCClient(transport: transport)
        self.transport = transport
        var metadata = Metadata()
        if let instanceID { metadata.addString(instanceID, forKey: "bluemix-instance") }
        self.baseMetadata = metadata
    }

    nonisolated(nonsending) func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        timeout: Duration
    ) async throws -> Method.Output {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        guard !stopped.value.load(ordering: .relaxed) else {
            throw RuntimeError(code: .clientIsStopped, message: "Client has been stopped. Can't make any more RPCs.")
        }
        var metadata = baseMetadata
        if let authorization { metadata.addString(authorization, forKey: "authorization") }
        let payload: Transport.Bytes = try ProtobufSerializer<Method.Input>().serialize(request)
        let transport = self.transport
        return try await DeadlineScheduler.shared.run(until: deadline) { [metadata] in
            try await transport.withStream(descriptor: Method.descriptor, options: .defaults) { stream, _ in
                try await Self.exchange(metadata, payload, on: stream, decoding: Method.Output.self)
            }
        }
    }

    /// Writes the request (metadata, the one message, end of stream) and reads the response: metadata, exactly one
    /// message, and the status, which fails the call as GRPCCore's `RPCError` (trailers included) unless it is OK.
    private static func exchange<Output: SwiftProtobuf.Message>(
        _ metadata: Metadata,
        _ payload: Transport.Bytes,
        on stream: RPCStream<Transport.Inbound, Transport.Outbound>,
        decoding: Output.Type
    ) async throws -> Output {
        do {
            try await stream.outbound.write(contentsOf: [.metadata(metadata), .message(payload)])
            await stream.outbound.finish()
        } catch {
            let failure = (error as? RPCError) ?? RPCError(code: .unknown, message: "Write failed.", cause: error)
            await stream.outbound.finish(throwing: failure)
            throw failure
        }
        var message: Transport.Bytes?
        do {
            for try await part in stream.inbound {
                switch part {
                case .metadata:
                    continue
                case .message(let bytes):
                    guard message == nil else {
                        throw RPCError(
                            code: .unimplemented,
                            message: "Multiple messages received, but only one is expected.")
                    }
                    message = bytes
                case .status(let status, let trailers):
                    if let error = RPCError(status: status, metadata: trailers) { throw error }
                    guard let message else {
                        throw RPCError(code: .unimplemented, message: "No messages received, exactly one was expected.")
                    }
                    return try ProtobufDeserializer<Output>().deserialize(message)
                }
            }
        } catch let error as RPCError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw RPCError(code: .unknown, message: "The transport threw an unexpected error.", cause: error)
        }
        if Task.isCancelled { throw CancellationError() }
        throw RPCError(code: .internalError, message: "The stream from the transport ended without a status.")
    }

    func run() async throws {
        try await client.runConnections()
    }

    func beginGracefulShutdown() {
        stopped.value.store(true, ordering: .relaxed)
        client.beginGracefulShutdown()
    }
}

/// Whether a caller has begun shutting down (a class: callers are copied).
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
