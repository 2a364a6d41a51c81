import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import Testing

let testAPIKey = "kp-test-api-key-7f3c"

/// A running mock with one Active root key in one instance, and a way to make clients for it.
struct MockFixture: Sendable {
    let mock: KeyProtectMock
    let baseURL: String
    let instanceID: String
    let rootKey: KeyProtectMock.KeyInfo

    /// Retries that wait on `clock` with fixed (jitter-free) backoff; small enough for real time too.
    static func retryPolicy(
        maximumAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(1),
        deadline: Duration? = .seconds(120)
    ) -> KeyProtectClient.Configuration.RetryPolicy {
        .init(
            maximumAttempts: maximumAttempts,
            initialBackoff: initialBackoff,
            maximumBackoff: .seconds(30),
            backoffMultiplier: 2,
            jitter: 0,
            maximumRetryAfter: .seconds(60),
            deadline: deadline
        )
    }

    /// A client that gets its tokens from the mock's IAM with `apiKey`.
    func client(
        apiKey: String = testAPIKey,
        instanceID: String? = nil,
        retryPolicy: KeyProtectClient.Configuration.RetryPolicy = MockFixture.retryPolicy(),
        timeout: Duration = .seconds(30),
        maximumResponseBodySize: Int = 1 << 20,
        clock: some Clock<Duration> = ContinuousClock()
    ) throws -> KeyProtectClient {
        try KeyProtectClient(
            instance: .init(endpoint: baseURL, instanceID: instanceID ?? self.instanceID),
            credentials: .apiKey(APIKey(apiKey), iam: .init(endpoint: baseURL, maximumAttempts: 1)),
            configuration: .init(
                timeouts: .init(request: timeout),
                retryPolicy: retryPolicy,
                maximumResponseBodySize: maximumResponseBodySize
            ), clock: clock)
    }

    /// A client that sends a fixed token.
    func client(token: String, retryPolicy: KeyProtectClient.Configuration.RetryPolicy = .none) throws
        -> KeyProtectClient
    {
        try KeyProtectClient(
            instance: .init(endpoint: baseURL, instanceID: instanceID),
            credentials: .tokenSource(StaticTokenSource(BearerToken(token))),
            configuration: .init(retryPolicy: retryPolicy))
    }

    /// How many Key Protect requests the mock saw.
    var requestCount: Int { mock.recordedRequests.count }
}

extension MockFixture {
    /// The error a request for the root key's metadata through `client` ends in; the test fails when there is none.
    func metadataError(through client: KeyProtectClient) async throws -> KeyProtectError {
        try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: rootKey.id) }
    }
}

/// A client for `endpoint` (a fresh instance id) that sends a fixed bearer token, for tests without a mock.
func tokenClient(
    _ endpoint: String, token: any BearerTokenSource = StaticTokenSource(BearerToken("bearer-token-secret")),
    configuration: KeyProtectClient.Configuration = .defaults
) throws -> KeyProtectClient {
    try KeyProtectClient(
        instance: .init(endpoint: endpoint, instanceID: UUID().uuidString), credentials: .tokenSource(token),
        configuration: configuration)
}

/// Starts a mock on 127.0.0.1 (a free port) with an Active root key, runs `body`, stops the mock.
func withMockKeyProtect<T: Sendable>(
    configuration: KeyProtectMock.Configuration = .init(
        apiKeys: [testAPIKey],
        minimumRotationInterval: .zero,
        enableDelay: .zero
    ),
    _ body: @Sendable (MockFixture) async throws -> T
) async throws -> T {
    let mock = KeyProtectMock(configuration: configuration)
    let instanceID = UUID().uuidString.lowercased()
    let rootKey = mock.createRootKey(instanceID: instanceID, name: "test-root-key", alias: "test-alias")
    return try await mock.withServer { baseURL in
        try await body(MockFixture(mock: mock, baseURL: baseURL, instanceID: instanceID, rootKey: rootKey))
    }
}

extension Array where Element == UInt8 {
    static func pattern(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }
}
