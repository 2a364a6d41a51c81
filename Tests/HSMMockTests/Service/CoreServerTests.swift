import EP11
import Foundation
import HSMMock
import IAM
import KeyProtectMock
import TestSupport
import Testing

/// The HSM mock's server on the gRPC C core (`hpcs-tool mock hsm --transport cgrpc`): the EP11 client (grpc-swift
/// on NIO) against it over h2c, TLS, mutual TLS and bearer tokens, with the same answers and errors as the
/// grpc-swift server.
@Suite("HSM mock: the gRPC C-core server")
struct CoreServerTests {
    static let core = HSMMock.ServerSettings(transport: .cgrpc, completionQueueThreads: 2)

    static func plaintext(_ port: Int, client: EP11Client.Transport = .nio) -> EP11Client.Configuration {
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
        configuration.transport = client
        configuration.retryPolicy = .none
        configuration.timeouts = .init(call: .seconds(20))
        return configuration
    }

    @Test(
        "h2c: random bytes, an EC key pair, a signature the mock verifies; an empty response message",
        arguments: ["nio", "cgrpc"])
    func plaintextCalls(clientTransport: String) async throws {
        let transport = try #require(EP11Client.Transport(clientTransport))
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0, settings: Self.core) { port in
            try await withEP11Client(Self.plaintext(port, client: transport)) { client in
                let random = try await client.generateRandom(count: 48)
                #expect(random.count == 48)
                let pair = try await client.generateKeyPair(
                    .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256), .verify(true)],
                    privateKeyTemplate: [.sign(true)])
                let digest = [UInt8](repeating: 0x42, count: 32)
                let signature = try await client.sign(digest, key: pair.privateKey, mechanism: .ecdsa)
                #expect(signature.count == 64)
                // VerifySingle answers an empty message: it must arrive as a message, not as a missing one.
                try await client.expectSignatureVerifiesAndTamperingFails(
                    signature, for: digest, key: pair.publicKey, mechanism: .ecdsa, flippingByte: 0)
            }
        }
    }

    @Test("an HSM failure carries the same return value and detail from both servers")
    func sameErrors() async throws {
        let mock = try HSMMock()
        // Blobs are sealed with the mock's master key, so one mock's blob is valid at both servers.
        let aes = try await mock.withClient { client in
            try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .encrypt(true)])
        }
        let foreign = KeyBlob([UInt8](repeating: 0x5A, count: 96))
        func failures(_ transport: HSMMock.ServerTransport) async throws -> [EP11Error] {
            let settings = HSMMock.ServerSettings(transport: transport, completionQueueThreads: 2)
            return try await mock.withServer(host: "127.0.0.1", port: 0, settings: settings) { port in
                try await withEP11Client(Self.plaintext(port)) { client in
                    var errors: [EP11Error] = []
                    let digest = [UInt8](repeating: 1, count: 32)
                    let attempts: [@Sendable () async throws -> Void] = [
                        { _ = try await client.sign(digest, key: aes.key, mechanism: .ecdsa) },
                        { _ = try await client.sign(digest, key: foreign, mechanism: .ecdsa) },
                        { _ = try await client.generateKey(.aesKeyGen, template: [.valueLength(7)]) },
                    ]
                    for attempt in attempts {
                        do {
                            try await attempt()
                            Issue.record("\(transport): a call that must fail succeeded")
                        } catch let error as EP11Error {
                            errors.append(error)
                        }
                    }
                    return errors
                }
            }
        }
        let nio = try await failures(.nio)
        let core = try await failures(.cgrpc)
        #expect(nio.count == 3)
        #expect(core.count == nio.count)
        for (fromNIO, fromCore) in zip(nio, core) {
            #expect(fromNIO.returnValue != nil)
            #expect(fromCore.returnValue == fromNIO.returnValue)
            #expect(fromCore.detail == fromNIO.detail)
            #expect(fromCore.message == fromNIO.message)
            #expect(fromCore.code == fromNIO.code)
        }
    }

    @Test("1,000 concurrent calls on one connection all succeed", arguments: ["nio", "cgrpc"])
    func concurrentCalls(clientTransport: String) async throws {
        let transport = try #require(EP11Client.Transport(clientTransport))
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0, settings: Self.core) { port in
            var configuration = Self.plaintext(port, client: transport)
            configuration.timeouts = .init(call: .seconds(60))
            try await withEP11Client(configuration) { client in
                let pair = try await client.generateKeyPair(
                    .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256)], privateKeyTemplate: [.sign(true)])
                let key = pair.privateKey
                let lengths = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<1000 {
                        group.addTask {
                            if index.isMultiple(of: 2) {
                                return try await client.generateRandom(count: 1 + index % 64).count - (1 + index % 64)
                            }
                            let digest = [UInt8](repeating: UInt8(index & 0xFF), count: 32)
                            return try await client.sign(digest, key: key, mechanism: .ecdsa).count - 64
                        }
                    }
                    var results: [Int] = []
                    for try await difference in group { results.append(difference) }
                    return results
                }
                #expect(lengths.count == 1000)
                #expect(lengths.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("TLS, and mutual TLS that refuses a client without a certificate")
    func tls() async throws {
        let pki = try await PKI.make()
        defer { pki.remove() }
        let mock = try HSMMock()
        let serverTLS = HSMMock.ServerTLS(
            certificateChainPEM: try pki.bytes("server.pem"), privateKeyPEM: try pki.bytes("server.key"))
        try await mock.withServer(host: "127.0.0.1", port: 0, tls: serverTLS, settings: Self.core) { port in
            var configuration = EP11Client.Configuration(
                host: "localhost", port: port,
                transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: try pki.bytes("server.pem"))))
            configuration.retryPolicy = .none
            let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 16) }
            #expect(bytes.count == 16)
        }
        let mutualTLS = HSMMock.ServerTLS(
            certificateChainPEM: try pki.bytes("server.pem"), privateKeyPEM: try pki.bytes("server.key"),
            clientCertificateRootsPEM: try pki.bytes("client.pem"))
        try await mock.withServer(host: "127.0.0.1", port: 0, tls: mutualTLS, settings: Self.core) { port in
            var mutual = EP11Client.Configuration(
                host: "localhost", port: port,
                transportSecurity: .tls(
                    EP11Client.TLS(
                        trustRootsPEM: try pki.bytes("server.pem"),
                        clientCertificateChainPEM: try pki.bytes("client.pem"),
                        clientPrivateKeyPEM: try pki.bytes("client.key"))))
            mutual.retryPolicy = .none
            let bytes = try await withEP11Client(mutual) { try await $0.generateRandom(count: 24) }
            #expect(bytes.count == 24)

            var anonymous = EP11Client.Configuration(
                host: "localhost", port: port,
                transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: try pki.bytes("server.pem"))))
            anonymous.retryPolicy = .none
            anonymous.timeouts = .init(call: .seconds(5))
            await #expect(throws: EP11Error.self) {
                _ = try await withEP11Client(anonymous) { try await $0.generateRandom(count: 16) }
            }
        }
    }

    @Test("bearer tokens: a token IAM issued is accepted, none or a forged one is refused with unauthenticated")
    func requireAuth() async throws {
        let pki = try await PKI.make()
        defer { pki.remove() }
        let apiKey = "core-server-auth-key"
        let iam = KeyProtectMock(configuration: .init(apiKeys: [apiKey]))
        try await iam.withServer { url in
            let mock = try HSMMock(tokenVerifier: IAMTokenIntrospection(endpoint: url))
            let serverTLS = HSMMock.ServerTLS(
                certificateChainPEM: try pki.bytes("server.pem"), privateKeyPEM: try pki.bytes("server.key"))
            try await mock.withServer(host: "127.0.0.1", port: 0, tls: serverTLS, settings: Self.core) { port in
                func configuration(_ authentication: EP11Client.Authentication) throws -> EP11Client.Configuration {
                    EP11Client.Configuration(
                        host: "localhost", port: port,
                        transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: try pki.bytes("server.pem"))),
                        authentication: authentication, retryPolicy: .none)
                }
                let good = try configuration(.apiKey(APIKey(apiKey), iam: .init(endpoint: url, maximumAttempts: 1)))
                let random = try await withEP11Client(good) { client in
                    try await client.generateRandom(count: 8) + client.generateRandom(count: 8)
                }
                #expect(random.count == 16)
                await #expect(throws: EP11Error.unauthenticated) {
                    _ = try await withEP11Client(try configuration(.none)) { try await $0.generateRandom(count: 8) }
                }
                let forged = try configuration(
                    .tokenSource(StaticTokenSource(BearerToken("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))))
                await #expect(throws: EP11Error.unauthenticated) {
                    _ = try await withEP11Client(forged) { try await $0.generateRandom(count: 8) }
                }
            }
        }
    }

    @Test("a port in use is named; shutdown returns with no call in flight, and a second shutdown is harmless")
    func lifecycle() async throws {
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0, settings: Self.core) { port in
            let second = try mock.makeServer(host: "127.0.0.1", port: port, settings: Self.core)
            let error = await #expect(throws: EP11Error.self) { try await second.run() }
            #expect(error?.message == "address 127.0.0.1:\(port) is in use")
        }
        let server = try mock.makeServer(host: "127.0.0.1", port: 0, settings: Self.core)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.boundPort()
            let random = try await withEP11Client(Self.plaintext(port)) { try await $0.generateRandom(count: 4) }
            #expect(random.count == 4)
            server.beginGracefulShutdown()
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(server.transport == .cgrpc)
    }

    /// Self-signed P-256 certificates: the server's for `localhost` (the client's trust root) and a client's (the
    /// server's client CA).
    struct PKI {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
        func remove() { try? FileManager.default.removeItem(at: directory) }

        static func make() async throws -> PKI {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("hsm-core-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let pki = PKI(directory: directory)
            for (name, subject) in [("server", "localhost"), ("client", "hsm-core-test-client")] {
                let openssl = try await ChildProcess.run(
                    "/usr/bin/env",
                    [
                        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=\(subject)", "-addext", "subjectAltName=DNS:\(subject)", "-days", "1",
                        "-keyout", pki.path("\(name).key"), "-out", pki.path("\(name).pem"),
                    ],
                    timeout: .seconds(60))
                try #require(openssl.status == 0, "openssl: \(openssl.text)")
            }
            return pki
        }
    }
}
