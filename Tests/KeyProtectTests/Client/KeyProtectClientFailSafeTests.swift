import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import TestSupport
import Testing

/// A token source that takes `delay` (real time) to answer.
private struct SlowTokenSource: BearerTokenSource {
    var delay: Duration
    func bearerToken() async throws -> BearerToken {
        try await Task.sleep(for: delay)
        return BearerToken("slow-token-secret")
    }
    func invalidate() async {}
}

@Suite("KeyProtectClient: plain HTTP only to loopback, never credentials in the endpoint URL")
struct KeyProtectClientEndpointTests {
    static let refusedEndpoints = [
        "http://127.0.0.1@10.99.99.99:PORT",
        "http://[::1]@10.99.99.99:PORT",
        "http://user:pw-secret@127.0.0.1:PORT",
        "https://user:pw-secret@127.0.0.1:PORT",
        "http://127.0.0.1.attacker.example:PORT",
        "http://0x7f.1:PORT",
        "http://127.1:PORT",
        "http://localhost.:PORT",
        "http://10.99.99.99:PORT",
        "http://127.0.0.1:PORT?@10.99.99.99",
    ]

    @Test("each refused KMS endpoint fails at init: no client, no connection", arguments: refusedEndpoints)
    func refusedKMSEndpoint(template: String) throws {
        let listener = try ConnectionCountingListener()
        let endpoint = template.replacingOccurrences(of: "PORT", with: "\(listener.port)")
        let error = try #require(throws: KeyProtectError.self) {
            try tokenClient(endpoint)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("KMS endpoint"), "\(error.message)")
        #expect(!String(describing: error).contains("pw-secret"))
        #expect(listener.acceptedConnections() == 0)
    }

    @Test("insecureAllowPlainHTTP lifts only the loopback rule, never the userinfo one")
    func plaintextOptIn() throws {
        let tokens = StaticTokenSource(BearerToken("t"))
        let open = KeyProtectClient.Configuration(insecureAllowPlainHTTP: true)
        let client = try KeyProtectClient(
            instance: .init(endpoint: "http://10.99.99.99:8080", instanceID: "i"), credentials: .tokenSource(tokens),
            configuration: open)
        #expect(client.endpoint == "http://10.99.99.99:8080")
        #expect(throws: KeyProtectError.invalidConfiguration) {
            try KeyProtectClient(
                instance: .init(endpoint: "http://127.0.0.1@10.99.99.99:8080", instanceID: "i"),
                credentials: .tokenSource(tokens), configuration: open)
        }
        #expect(KeyProtectClient.Configuration.defaults.insecureAllowPlainHTTP == false)
    }

    @Test("a refused IAM endpoint fails the call before the API key or a KMS request goes anywhere")
    func refusedIAMEndpoint() async throws {
        let kms = try ConnectionCountingListener()
        let iam = try ConnectionCountingListener()
        for template in ["http://[::1]@10.99.99.99:PORT", "http://user:pw-secret@127.0.0.1:PORT", "http://127.1:PORT"] {
            let client = try KeyProtectClient(
                instance: .init(endpoint: "http://127.0.0.1:\(kms.port)", instanceID: UUID().uuidString),
                credentials: .apiKey(
                    APIKey("api-key-secret"),
                    iam: .init(endpoint: template.replacingOccurrences(of: "PORT", with: "\(iam.port)"))))
            let error = try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: "k") }
            #expect(error.code == .authenticationFailed)
            #expect((error.cause as? IAMError)?.code == .invalidConfiguration, "\(error)")
            #expect(error.message.contains("IAM endpoint"), "\(error.message)")
            #expect(!String(describing: error).contains("api-key-secret"))
            #expect(!String(describing: error).contains("pw-secret"))
        }
        #expect(kms.acceptedConnections() == 0)
        #expect(iam.acceptedConnections() == 0)
    }
}

@Suite("KeyProtectClient: fail fast and say why")
struct KeyProtectClientFailFastTests {
    @Test("a refused KMS connection ends within the deadline and says 'connection refused' and where")
    func connectionRefused() async throws {
        let port = try closedLoopbackPort()
        let client = try tokenClient(
            "http://127.0.0.1:\(port)",
            configuration: .init(retryPolicy: .init(initialBackoff: .milliseconds(100), deadline: .seconds(10))))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: "k") }
        let elapsed = start.duration(to: clock.now)
        #expect(error.code == .transportFailure)
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(error.message.contains("127.0.0.1:\(port)"), "\(error.message)")
        #expect(error.attempts >= 2, "refused is worth a retry within the deadline")
        // A pool that redials until the deadline would end at 10 s with a timeout, not "connection refused".
        #expect(elapsed < .seconds(10) + .seconds(3), "took \(elapsed)")
        #expect(!String(describing: error).contains("bearer-token-secret"))
    }

    @Test("defaults: one call is bounded by 30 s in all")
    func defaultDeadline() {
        #expect(KeyProtectClient.Configuration.defaults.retryPolicy.deadline == .seconds(30))
        #expect(IAMTokenProvider.Configuration.defaults.deadline == .seconds(30))
    }

    @Test("defaults: 5 attempts, waits from 1 s doubling up to 30 s, a fifth of each random")
    func defaultRetries() {
        let policy = KeyProtectClient.Configuration.defaults.retryPolicy
        #expect(
            policy.backoff
                == RetryPolicy(
                    maximumAttempts: 5, initialBackoff: .seconds(1), maximumBackoff: .seconds(30),
                    backoffMultiplier: 2, jitter: 0.2))
        #expect(policy.maximumRetryAfter == .seconds(60))
        #expect(policy.retryUnauthorizedWithFreshToken)
        let none = KeyProtectClient.Configuration.RetryPolicy.none
        #expect(none.maximumAttempts == 1 && none.initialBackoff == .seconds(1) && none.deadline == .seconds(30))
        var changed = policy
        changed.maximumAttempts = 2
        changed.jitter = 0
        #expect(changed.backoff.maximumAttempts == 2 && changed.backoff.jitter == 0)
    }

    @Test("a retry policy without a single attempt is refused when the client is made")
    func noAttemptsRefused() {
        #expect(throws: KeyProtectError.invalidConfiguration) {
            try tokenClient("http://127.0.0.1:9", configuration: .init(retryPolicy: .init(maximumAttempts: 0)))
        }
    }

    @Test("a refused IAM connection fails the call at once and says so")
    func iamConnectionRefused() async throws {
        let port = try closedLoopbackPort()
        try await withMockKeyProtect { fixture in
            let client = try KeyProtectClient(
                instance: .init(endpoint: fixture.baseURL, instanceID: fixture.instanceID),
                credentials: .apiKey(APIKey(testAPIKey), iam: .init(endpoint: "http://127.0.0.1:\(port)")))
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await fixture.metadataError(through: client)
            #expect(error.code == .authenticationFailed)
            #expect(error.message.contains("connection refused"), "\(error.message)")
            #expect(error.message.contains("127.0.0.1:\(port)"), "\(error.message)")
            #expect(start.duration(to: clock.now) < .seconds(10))
            #expect(!String(describing: error).contains(testAPIKey))
            #expect(fixture.requestCount == 0)
        }
    }

    @Test("the token fetch counts against the call's deadline")
    func tokenFetchWithinDeadline() async throws {
        let client = try tokenClient(
            "http://127.0.0.1:9", token: SlowTokenSource(delay: .seconds(60)),
            configuration: .init(retryPolicy: .init(deadline: .seconds(1))))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: "k") }
        #expect(error.code == .timeout, "\(error)")
        #expect(start.duration(to: clock.now) < .seconds(8))
    }

    @Test("an untrusted KMS certificate is a tlsFailure: not retried, and it says the certificate was refused")
    func untrustedCertificate() async throws {
        let tls = try await SelfSignedCertificate.make(prefix: "kp-tls")
        defer { tls.remove() }
        let (cert, key) = (tls.certificatePath, tls.keyPath)
        let script = """
            import http.server, ssl, sys
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            class Server(http.server.ThreadingHTTPServer):
                def get_request(self):
                    sock, address = self.socket.accept()
                    print("tls connection", flush=True)
                    return context.wrap_socket(sock, server_side=True), address
            server = Server(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
            print("listening on port", server.server_address[1], flush=True)
            server.serve_forever()
            """
        try await ChildProcess.withListeningServer("/usr/bin/env", ["python3", "-c", script, cert, key]) {
            port, output in
            let client = try tokenClient(
                "https://localhost:\(port)",
                configuration: .init(
                    retryPolicy: .init(
                        initialBackoff: .seconds(20), maximumBackoff: .seconds(20), jitter: 0, deadline: .seconds(60))))
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: "k") }
            #expect(error.code == .tlsFailure, "\(error)")
            #expect(!error.isTransient)
            #expect(error.attempts == 1)
            #expect(error.message.contains("certificate was refused"), "\(error.message)")
            #expect(error.message.contains("localhost:\(port)"), "\(error.message)")
            #expect(start.duration(to: clock.now) < .seconds(15), "no retry (a retry would wait 20 s)")
            #expect(output().components(separatedBy: "tls connection").count - 1 == 1, "\(output())")
        }
    }
}
