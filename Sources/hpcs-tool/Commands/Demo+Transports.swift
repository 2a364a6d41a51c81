import EP11
import HSMMock

extension Demo {
    /// GREP11 over real HTTP/2 on 127.0.0.1: the mock served on the gRPC C core, the client on each of its two
    /// transports, then a return value injected into the mock that the client reports as the HSM's.
    static func transports() async throws {
        step("GREP11 over HTTP/2 on 127.0.0.1: the mock on the gRPC C core, the client on both transports, a fault")
        let mock = try HSMMock()
        var settings = HSMMock.ServerSettings()
        settings.transport = .cgrpc
        try await mock.withServer(settings: settings) { port in
            func configuration(_ transport: EP11Client.Transport) -> EP11Client.Configuration {
                var configuration = EP11Client.Configuration(
                    host: "127.0.0.1", port: port, transportSecurity: .plaintext)
                configuration.transport = transport
                configuration.retryPolicy = .none
                return configuration
            }
            for transport in [EP11Client.Transport.cgrpc, .nio] {
                let random = try await withEP11Client(configuration(transport)) {
                    try await $0.generateRandom(count: 16)
                }
                print("client on \(transport), mock on the C core: GenerateRandom returned \(random.count) bytes")
            }
            // A loop of calls on the C core's completion-queue thread: each answer resumes the loop where it arrived.
            let onQueueThread = try await withEP11Client(configuration(.cgrpc)) { client in
                try await withTaskExecutorPreference(EP11Client.cgrpcTaskExecutor) {
                    var resumedThere = 0
                    for _ in 0..<200 {
                        _ = try await client.generateRandom(count: 32)
                        if EP11Client.isOnCompletionQueueThread { resumedThere += 1 }
                    }
                    return resumedThere
                }
            }
            print(
                "200 calls in a loop on EP11Client.cgrpcTaskExecutor: \(onQueueThread) resumed on the completion-queue thread"
            )
            let generateRandom = HSMMock.RPC(Grep11_Crypto.Method.GenerateRandom.self)
            try mock.injectFault(HSMMock.Fault(.returnValue(.deviceError), target: .rpc(generateRandom), times: 1))
            do {
                _ = try await withEP11Client(configuration(.cgrpc)) { try await $0.generateRandom(count: 16) }
                print("injected CKR_DEVICE_ERROR was not reported")
            } catch let error as EP11Error {
                print("injected CKR_DEVICE_ERROR (once): the call failed with \(error.message)")
            }
            let random = try await withEP11Client(configuration(.cgrpc)) { try await $0.generateRandom(count: 16) }
            print(
                "the next call succeeds: \(random.count) bytes; the mock counted \(mock.callCount(generateRandom)) calls"
            )
        }
    }
}
