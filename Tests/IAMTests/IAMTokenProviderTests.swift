import AsyncHTTPClient
import TestSupport
import Testing

@testable import IAM

@Suite("IAM token provider")
struct IAMTokenProviderTests {
    /// A ``TokenServer`` on loopback and a provider for `apiKey` that exchanges it there on `clock`, with the
    /// defaults but for what `configure` changes.
    func withProvider(
        apiKey: String = "good-key",
        clock: some Clock<Duration> = ManualClock(),
        configure: @escaping @Sendable (inout IAMTokenProvider.Configuration) -> Void = { _ in },
        _ body: @escaping @Sendable (TokenServer, IAMTokenProvider) async throws -> Void
    ) async throws {
        let server = TokenServer()
        try await withTokenServer(server) { url in
            var configuration = IAMTokenProvider.Configuration(endpoint: url)
            configure(&configuration)
            try await body(
                server, IAMTokenProvider(apiKey: APIKey(apiKey), configuration: configuration, clock: clock))
        }
    }

    @Test("exchanges the API key as a form body and caches the token")
    func exchangeAndCache() async throws {
        try await withProvider { server, provider in
            let first = try await provider.bearerToken()
            let second = try await provider.bearerToken()
            #expect(first.secretValue == "token-1")
            #expect(second == first)
            #expect(first.authorizationHeaderValue == "Bearer token-1")
            #expect(server.issuedCount == 1)
            let recorded = try #require(server.requests.first)
            #expect(recorded.contentType == "application/x-www-form-urlencoded")
            #expect(recorded.body == "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=good-key")
        }
    }

    @Test("refreshes once 80% of the lifetime has passed, not before")
    func refreshAheadOfExpiry() async throws {
        let clock = ManualClock()
        try await withProvider(clock: clock) { server, provider in
            do { let token = try await provider.bearerToken(); #expect(token.secretValue == "token-1") }
            clock.advance(by: .seconds(2879))  // 3600 * 0.8 = 2880
            do { let token = try await provider.bearerToken(); #expect(token.secretValue == "token-1") }
            clock.advance(by: .seconds(1))
            do { let token = try await provider.bearerToken(); #expect(token.secretValue == "token-2") }
            #expect(server.issuedCount == 2)
        }
    }

    @Test("concurrent callers share one exchange")
    func coalescing() async throws {
        try await withProvider { server, provider in
            let tokens = try await withThrowingTaskGroup(of: BearerToken.self) { group in
                for _ in 0..<16 { group.addTask { try await provider.bearerToken() } }
                return try await group.reduce(into: [BearerToken]()) { $0.append($1) }
            }
            #expect(tokens.count == 16)
            #expect(Set(tokens.map(\.secretValue)) == ["token-1"])
            #expect(server.issuedCount == 1)
        }
    }

    @Test("a rejected API key is a typed error that names IAM's code and never the key")
    func rejectedKey() async throws {
        try await withProvider(apiKey: "wrong-secret-value") { _, provider in
            let error = try await #require(throws: IAMError.self) { try await provider.bearerToken() }
            #expect(error.code == .invalidAPIKey)
            #expect(error.httpStatus == 400)
            #expect(error.serviceErrorCode == "BXNIM0415E")
            #expect(!String(describing: error).contains("wrong-secret-value"))
        }
    }

    @Test("5xx and 429 answers are retried, bounded")
    func retries() async throws {
        try await withProvider(
            clock: ContinuousClock(),
            configure: {
                $0.maximumAttempts = 3
                $0.retryBackoff = .milliseconds(1)
            }
        ) { server, provider in
            server.failNext(withStatuses: [503, 429])
            do { let token = try await provider.bearerToken(); #expect(token.secretValue == "token-1") }
            #expect(server.requests.count == 3)

            server.failNext(withStatuses: [500, 500, 500, 500])
            await provider.invalidate()
            let error = try await #require(throws: IAMError.self) { try await provider.bearerToken() }
            #expect(error.code == .serviceError)
            #expect(error.httpStatus == 500)
            #expect(server.requests.count == 6)
        }
    }

    @Test(
        "a 200 answer without a usable token is a typed error",
        arguments: [
            "not json", "{}", #"{"access_token":""}"#, #"{"access_token":"t"}"#,
            #"{"access_token":"t","expires_in":-5}"#, #"{"access_token":7,"expires_in":60}"#, "[1,2,3]",
        ]
    )
    func malformedTokenResponse(body: String) async throws {
        try await withProvider(clock: ContinuousClock()) { server, provider in
            server.garbleNext(withBodies: [body])
            await #expect(throws: IAMError.malformedResponse) { try await provider.bearerToken() }
        }
    }

    @Test("an unreachable IAM is a transport failure")
    func unreachable() async throws {
        let provider = IAMTokenProvider(
            apiKey: APIKey("good-key"),
            configuration: .init(
                endpoint: "http://127.0.0.1:1", requestTimeout: .seconds(1), maximumAttempts: 2,
                retryBackoff: .milliseconds(1))
        )
        await #expect(throws: IAMError.transportFailure) { try await provider.bearerToken() }
    }

    @Test("a malformed token response is a typed error")
    func malformedEndpoint() async throws {
        let provider = IAMTokenProvider(apiKey: APIKey("k"), configuration: .init(endpoint: "ftp://example"))
        await #expect(throws: IAMError.invalidConfiguration) { try await provider.bearerToken() }
    }

    @Test("plain http is refused for a non-loopback IAM endpoint, so the API key never travels in the clear")
    func plainHTTPRefused() async throws {
        let provider = IAMTokenProvider(apiKey: APIKey("k"), configuration: .init(endpoint: "http://iam.example.com"))
        await #expect(throws: IAMError.invalidConfiguration) { try await provider.bearerToken() }
        #expect(HTTPEndpointPolicy.isLoopback(host: "127.0.0.1"))
        #expect(HTTPEndpointPolicy.isLoopback(host: "::1"))
        #expect(HTTPEndpointPolicy.isLoopback(host: "localhost"))
        #expect(!HTTPEndpointPolicy.isLoopback(host: "127.0.0.1.evil.example"))
    }

    @Test("secrets never print")
    func redaction() {
        let key = APIKey("super-secret-api-key")
        let token = BearerToken("secret-token-value")
        #expect(String(describing: key) == "APIKey(redacted)")
        #expect(String(reflecting: token) == "BearerToken(redacted)")
        #expect(!"\(key) \(token)".contains("secret-"))
        #expect(APIKey("a") != APIKey("b"))
        #expect(APIKey("same") == APIKey("same"))
        #expect(Set([APIKey("same"), APIKey("same"), APIKey("other")]).count == 2)
        #expect(BearerToken("a") != BearerToken("b"))
    }
}
