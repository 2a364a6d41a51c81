import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// A configuration for `endpoints` on 127.0.0.1 in plaintext on `transport`.
func failoverConfiguration(
    ports: [Int], transport: EP11Client.Transport, timeout: Duration = .seconds(20)
) -> EP11Client.Configuration {
    var configuration = EP11Client.Configuration(host: "127.0.0.1", port: ports[0], transportSecurity: .plaintext)
    configuration.failoverEndpoints = ports.dropFirst().map { EP11Client.Endpoint(host: "127.0.0.1", port: $0) }
    configuration.transport = transport
    configuration.timeouts = .init(call: timeout)
    // Failover is not a retry: it happens with retries off.
    configuration.retryPolicy = .none
    return configuration
}

@Suite("EP11 client: several GREP11 endpoints, failover on transport failures")
struct FailoverTests {
    static let generateRandom = HSMMock.RPC(name: "GenerateRandom")

    @Test("a refused first endpoint: the call goes to the next one, under the one deadline", arguments: wireTransports)
    func refusedThenLive(transport: EP11Client.Transport) async throws {
        let dead = try closedLoopbackPort()
        let live = try HSMMock()
        let rpc = try #require(Self.generateRandom)
        try await live.withServer { port in
            let configuration = failoverConfiguration(ports: [dead, port], transport: transport)
            #expect(configuration.endpoints.map(\.port) == [dead, port])
            let bytes = try await withEP11Client(configuration) { client in
                try await client.generateRandom(count: 8) + client.generateRandom(count: 8)
            }
            #expect(bytes.count == 16)
            #expect(live.callCount(rpc) == 2)
        }
    }

    @Test("an endpoint that answers 'unavailable' is left for the next; later calls start at the one that answered")
    func unavailableThenLiveIsSticky() async throws {
        let rpc = try #require(Self.generateRandom)
        for transport in wireTransports {
            let dropping = try HSMMock()
            try dropping.injectFault(.init(.dropConnection))
            let live = try HSMMock()
            try await dropping.withServer { droppingPort in
                try await live.withServer { livePort in
                    let configuration = failoverConfiguration(ports: [droppingPort, livePort], transport: transport)
                    try await withEP11Client(configuration) { client in
                        for _ in 0..<3 { _ = try await client.generateRandom(count: 4) }
                    }
                }
            }
            #expect(dropping.callCount(rpc) == 1, "\(transport)")
            #expect(live.callCount(rpc) == 3, "\(transport)")
        }
    }

    @Test("a TLS handshake failure on the first endpoint fails over to the next", arguments: wireTransports)
    func tlsFailureThenLive(transport: EP11Client.Transport) async throws {
        let pki = TestPKI.shared
        let other = try EP11TLSFailureTests.serverCertificate(dnsName: "localhost")
        let untrusted = try HSMMock()
        let trusted = try HSMMock()
        let rpc = try #require(Self.generateRandom)
        let untrustedTLS = HSMMock.ServerTLS(certificateChainPEM: other.chainPEM, privateKeyPEM: other.keyPEM)
        try await untrusted.withServer(tls: untrustedTLS) { badPort in
            try await trusted.withServer(tls: pki.serverTLS()) { goodPort in
                var configuration = EP11Client.Configuration(
                    host: "localhost", port: badPort,
                    transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: pki.caPEM)))
                configuration.failoverEndpoints = [EP11Client.Endpoint(host: "localhost", port: goodPort)]
                configuration.transport = transport
                configuration.retryPolicy = .none
                let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
                #expect(bytes.count == 8)
                #expect(trusted.callCount(rpc) == 1)
                #expect(untrusted.callCount(rpc) == 0)
            }
        }
    }

    @Test("no endpoint answers: the error says so and names the last one", arguments: wireTransports)
    func allDead(transport: EP11Client.Transport) async throws {
        let first = try closedLoopbackPort()
        let second = try closedLoopbackPort()
        let configuration = failoverConfiguration(ports: [first, second], transport: transport, timeout: .seconds(10))
        let (error, _) = try await failedCall(configuration)
        #expect(error.code == .transportFailure, "\(error)")
        #expect(error.message.contains("none of the 2 GREP11 endpoints answered"), "\(error.message)")
        #expect(error.message.contains("127.0.0.1:"), "\(error.message)")
    }

    @Test("an HSM's answer is not a transport failure: no failover on a CKR", arguments: wireTransports)
    func noFailoverOnEP11Errors(transport: EP11Client.Transport) async throws {
        let rpc = try #require(Self.generateRandom)
        let failing = try HSMMock()
        try failing.injectFault(.init(.returnValue(.deviceError)))
        let live = try HSMMock()
        try await failing.withServer { failingPort in
            try await live.withServer { livePort in
                let configuration = failoverConfiguration(ports: [failingPort, livePort], transport: transport)
                await #expect(throws: EP11Error(returnValue: .deviceError)) {
                    try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
                }
            }
        }
        #expect(failing.callCount(rpc) == 1)
        #expect(live.callCount(rpc) == 0)
    }

    @Test("a deadline is not a transport failure: a silent endpoint ends the call with timeout, no failover")
    func noFailoverOnDeadline() async throws {
        let rpc = try #require(Self.generateRandom)
        let silent = try ConnectionCountingListener()
        let live = try HSMMock()
        try await live.withServer { livePort in
            let configuration = failoverConfiguration(
                ports: [silent.port, livePort], transport: .nio, timeout: .milliseconds(500))
            let (error, _) = try await failedCall(configuration)
            #expect(error.code == .timeout, "\(error)")
        }
        #expect(live.callCount(rpc) == 0)
    }

    @Test("endpoints parse like GREP11_ADDRESS and print as host:port")
    func endpointParsing() throws {
        let plain = try EP11Client.Endpoint(address: "grep11.example.com:9876")
        #expect(plain == EP11Client.Endpoint(host: "grep11.example.com", port: 9876))
        #expect(plain.description == "grep11.example.com:9876")
        let v6 = try EP11Client.Endpoint(address: "[::1]:9876")
        #expect(v6.host == "::1" && v6.port == 9876 && v6.description == "[::1]:9876")
        #expect(try EP11Client.Endpoint(address: "hsm.example").port == 443)
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Endpoint(address: "hsm:99999") }
        var configuration = EP11Client.Configuration(host: "a.example", port: 1)
        configuration.failoverEndpoints = [plain, v6]
        #expect(configuration.endpoints.map(\.description) == ["a.example:1", "grep11.example.com:9876", "[::1]:9876"])
    }

    @Test("every endpoint is checked before any connection: a bad port among the failover endpoints is refused")
    func everyEndpointChecked() {
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: 9876, transportSecurity: .plaintext)
        configuration.failoverEndpoints = [EP11Client.Endpoint(host: "127.0.0.1", port: 0)]
        #expect(throws: EP11Error.invalidArgument) { try EP11Client(configuration: configuration) }
    }
}
