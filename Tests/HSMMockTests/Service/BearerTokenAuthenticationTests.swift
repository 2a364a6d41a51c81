import EP11
import Foundation
import HSMMock
import IAM
import KeyProtectMock
import TestSupport
import Testing

/// `--require-auth`: the HSM mock accepts a call only with a bearer token that the IAM endpoint (the Key Protect
/// mock) vouches for through `POST /identity/introspect`.
@Suite("HSM mock: bearer tokens checked with IAM")
struct BearerTokenAuthenticationTests {
    static let apiKey = "hsm-auth-test-key"

    static func configuration(apiKey: String, iam: String) -> EP11Client.Configuration {
        EP11Client.Configuration(
            host: "in-process",
            authentication: .apiKey(APIKey(apiKey), iam: .init(endpoint: iam, maximumAttempts: 1)),
            retryPolicy: .init(maximumAttempts: 1)
        )
    }

    @Test("an IAM token from the right API key is accepted; the mock asked IAM")
    func validToken() async throws {
        let iam = KeyProtectMock(configuration: .init(apiKeys: [Self.apiKey]))
        try await iam.withServer { url in
            let mock = try HSMMock(tokenVerifier: IAMTokenIntrospection(endpoint: url))
            let random = try await mock.withClient(configuration: Self.configuration(apiKey: Self.apiKey, iam: url)) {
                client in
                let first = try await client.generateRandom(count: 32)
                let second = try await client.generateRandom(count: 32)
                return first + second
            }
            #expect(random.count == 64)
            #expect(iam.tokensIssued == 1)
        }
    }

    @Test("a wrong API key gets no token, so no call is made")
    func wrongAPIKey() async throws {
        let iam = KeyProtectMock(configuration: .init(apiKeys: [Self.apiKey]))
        try await iam.withServer { url in
            let mock = try HSMMock(tokenVerifier: IAMTokenIntrospection(endpoint: url))
            await #expect(throws: EP11Error.unauthenticated) {
                try await mock.withClient(configuration: Self.configuration(apiKey: "not-the-key", iam: url)) {
                    try await $0.generateRandom(count: 8)
                }
            }
            #expect(iam.tokensIssued == 0)
        }
    }

    @Test("no token, a token IAM did not issue, and a revoked token are refused with gRPC unauthenticated")
    func refusedTokens() async throws {
        let iam = KeyProtectMock(configuration: .init(apiKeys: [Self.apiKey]))
        try await iam.withServer { url in
            // No cache: a revocation at IAM takes effect on the next call.
            let mock = try HSMMock(tokenVerifier: IAMTokenIntrospection(endpoint: url, cacheLifetime: .zero))
            await #expect(throws: EP11Error.unauthenticated) {
                try await mock.withClient(
                    configuration: .init(host: "in-process", retryPolicy: .init(maximumAttempts: 1))
                ) {
                    try await $0.generateRandom(count: 8)
                }
            }
            let forged = EP11Client.Configuration(
                host: "in-process",
                authentication: .tokenSource(StaticTokenSource(BearerToken("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))),
                retryPolicy: .init(maximumAttempts: 1)
            )
            await #expect(throws: EP11Error.unauthenticated) {
                try await mock.withClient(configuration: forged) { try await $0.generateRandom(count: 8) }
            }

            // A token that worked stops working once IAM revokes it (the client then fetches a new one once).
            let provider = IAMTokenProvider(apiKey: APIKey(Self.apiKey), configuration: .init(endpoint: url))
            let token = try await provider.bearerToken()
            let fixed = EP11Client.Configuration(
                host: "in-process",
                authentication: .tokenSource(StaticTokenSource(token)),
                retryPolicy: .init(maximumAttempts: 1)
            )
            try await mock.withClient(configuration: fixed) { client throws in
                let before = try await client.generateRandom(count: 16)
                #expect(before.count == 16)
                iam.revokeTokens()
                await #expect(throws: EP11Error.unauthenticated) { try await client.generateRandom(count: 16) }
            }
        }
    }

    @Test("hpcs-tool mock hsm --require-auth over TLS: the EP11 client with an API key works, a wrong key does not")
    func standaloneServer() async throws {
        let tool = HPCSTool.path
        try #require(HPCSTool.isBuilt, "build hpcs-tool first (swift build)")
        let tls = try await SelfSignedCertificate.make(prefix: "hsm-auth", subjectAltName: "DNS:localhost")
        defer { tls.remove() }
        let (certificate, key) = (tls.certificatePath, tls.keyPath)
        let roots = try tls.certificatePEM()

        let iam = KeyProtectMock(configuration: .init(apiKeys: [Self.apiKey]))
        try await iam.withServer { url in
            let arguments = [
                "mock", "hsm", "--listen", "127.0.0.1:0", "--tls-cert", certificate, "--tls-key", key,
                "--require-auth", "--iam-endpoint", url,
            ]
            try await ChildProcess.withListeningServer(tool, arguments) { port, output in
                func configuration(_ apiKey: String) -> EP11Client.Configuration {
                    EP11Client.Configuration(
                        host: "localhost",
                        port: port,
                        transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: roots)),
                        authentication: .apiKey(APIKey(apiKey), iam: .init(endpoint: url, maximumAttempts: 1)),
                        retryPolicy: .init(maximumAttempts: 1)
                    )
                }
                let random = try await withEP11Client(configuration(Self.apiKey)) { client in
                    try await client.generateRandom(count: 24)
                }
                #expect(random.count == 24)
                #expect(iam.tokensIssued == 1)
                await #expect(throws: EP11Error.unauthenticated) {
                    try await withEP11Client(configuration("wrong-key")) {
                        try await $0.generateRandom(count: 24)
                    }
                }
                // Without a token the server itself refuses (TLS, no authentication configured).
                let anonymous = EP11Client.Configuration(
                    host: "localhost", port: port, transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: roots)),
                    retryPolicy: .init(maximumAttempts: 1))
                await #expect(throws: EP11Error.unauthenticated) {
                    try await withEP11Client(anonymous) { try await $0.generateRandom(count: 24) }
                }
                #expect(!output().contains(Self.apiKey), "the API key leaked into the server's output")
            }
        }
    }
}
