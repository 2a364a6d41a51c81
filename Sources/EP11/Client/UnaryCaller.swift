import GRPCCore
import GRPCProtobuf

/// The layer under ``EP11Client``'s `perform`: one attempt of one unary call, ending by `deadline`.
protocol UnaryCaller: Sendable {
    func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        deadline: ContinuousClock.Instant
    ) async throws -> Method.Output

    func run() async throws
    func beginGracefulShutdown()
}

/// grpc-swift-2 (NIO HTTP/2 or in-process). The deadline is enforced by ``DeadlineScheduler``, not by
/// `CallOptions.timeout`, whose timer task outlived each call on Linux.
struct GRPCCoreCaller<Transport: ClientTransport>: UnaryCaller {
    let client: GRPCClient<Transport>
    /// `bluemix-instance`, built once.
    let baseMetadata: Metadata

    init(client: GRPCClient<Transport>, instanceID: String?) {
        self.client = client
        var metadata = Metadata()
        if let instanceID { metadata.addString(instanceID, forKey: "bluemix-instance") }
        self.baseMetadata = metadata
    }

    func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        deadline: ContinuousClock.Instant
    ) async throws -> Method.Output {
        var metadata = baseMetadata
        if let authorization { metadata.addString(authorization, forKey: "authorization") }
        let request = ClientRequest(message: request, metadata: metadata)
        let client = self.client
        return try await DeadlineScheduler.shared.run(until: deadline) {
            try await client.unary(
                request: request,
                descriptor: Method.descriptor,
                serializer: ProtobufSerializer<Method.Input>(),
                deserializer: ProtobufDeserializer<Method.Output>(),
                options: .defaults
            ) { try $0.message }
        }
    }

    func run() async throws {
        try await client.runConnections()
    }

    func beginGracefulShutdown() {
        client.beginGracefulShutdown()
    }
}

/// The gRPC C core, called directly (see ``CoreChannel``).
struct CoreCaller: UnaryCaller {
    let channel: CoreChannel

    func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        deadline: ContinuousClock.Instant
    ) async throws -> Method.Output {
        try await channel.unary(method, request, authorization: authorization, deadline: deadline)
    }

    func run() async throws {
        await channel.run()
    }

    func beginGracefulShutdown() {
        channel.beginGracefulShutdown()
    }
}
