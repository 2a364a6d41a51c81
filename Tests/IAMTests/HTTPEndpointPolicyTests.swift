import Foundation
import TestSupport
import Testing

@testable import IAM

@Suite("HTTP endpoint policy: plain HTTP only to loopback, never credentials in a URL")
struct HTTPEndpointPolicyTests {
    /// `PORT` is replaced by the port of a listener on 127.0.0.1 that counts connections.
    static let refused: [(url: String, refusal: HTTPEndpointPolicy.Refusal)] = [
        ("http://127.0.0.1@10.99.99.99:PORT", .userInfo),
        ("http://[::1]@10.99.99.99:PORT", .userInfo),
        ("http://localhost@10.99.99.99:PORT", .userInfo),
        ("http://127.0.0.1:PORT@10.99.99.99:PORT", .userInfo),
        ("http://user:pw-secret@localhost:PORT", .userInfo),
        ("http://user@127.0.0.1:PORT", .userInfo),
        ("http://@127.0.0.1:PORT", .userInfo),
        ("https://user:pw-secret@127.0.0.1:PORT", .userInfo),
        ("http://127.0.0.1\\@10.99.99.99:PORT", .userInfo),
        ("http://127.0.0.1.attacker.example:PORT", .plaintextToRemoteHost("127.0.0.1.attacker.example")),
        ("http://0x7f.1:PORT/", .plaintextToRemoteHost("0x7f.1")),
        ("http://127.1:PORT/", .plaintextToRemoteHost("127.1")),
        ("http://2130706433:PORT/", .plaintextToRemoteHost("2130706433")),
        ("http://localhost.:PORT", .plaintextToRemoteHost("localhost.")),
        ("http://localhost.attacker.example:PORT", .plaintextToRemoteHost("localhost.attacker.example")),
        ("http://[::ffff:127.0.0.1]:PORT", .plaintextToRemoteHost("::ffff:127.0.0.1")),
        ("http://[::1%25lo]:PORT", .plaintextToRemoteHost("::1%lo")),
        ("http://10.99.99.99:PORT", .plaintextToRemoteHost("10.99.99.99")),
        ("ftp://127.0.0.1:PORT", .unsupportedScheme),
        ("http://127.0.0.1:PORT?x=@10.99.99.99", .queryOrFragment),
        ("http://127.0.0.1:PORT#@10.99.99.99", .queryOrFragment),
        ("http://", .notAURL),
        ("http:///identity", .notAURL),
        ("http://127.0.0.1 :PORT", .notAURL),
    ]

    static let accepted: [String] = [
        "http://127.0.0.1:PORT", "http://127.255.255.254:PORT/", "http://[::1]:PORT", "http://localhost:PORT",
        "HTTP://LOCALHOST:PORT", "Http://127.0.0.1:PORT/api/v2", "https://iam.cloud.ibm.com",
        "https://127.0.0.1.attacker.example", "HTTPS://us-south.kms.cloud.ibm.com/",
    ]

    @Test("refused URLs, each for its own reason", arguments: refused.indices)
    func refusals(index: Int) throws {
        let (url, refusal) = Self.refused[index]
        let text = url.replacingOccurrences(of: "PORT", with: "8080")
        #expect(HTTPEndpointPolicy.evaluate(text, allowPlaintext: false) == .failure(refusal), "\(text)")
        let error = try #require(throws: IAMError.self) {
            try HTTPEndpointPolicy.check(text, allowPlaintext: false, what: "IAM endpoint")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("IAM endpoint"))
        #expect(!error.message.contains("pw-secret"), "a password in the URL must not be echoed")
        if case .plaintextToRemoteHost(let host) = refusal {
            #expect(error.message.contains("refusing plain HTTP to \(host)"))
            // --plaintext (a trusted network) lifts only this refusal.
            #expect(try HTTPEndpointPolicy.check(text, allowPlaintext: true, what: "x").host != nil)
        } else if refusal == .userInfo {
            #expect(error.message.contains("user name or password"))
            #expect(HTTPEndpointPolicy.evaluate(text, allowPlaintext: true) == .failure(.userInfo))
        }
    }

    @Test("accepted URLs", arguments: accepted)
    func acceptances(url: String) throws {
        let text = url.replacingOccurrences(of: "PORT", with: "8080")
        let parsed = try HTTPEndpointPolicy.check(text, allowPlaintext: false, what: "IAM endpoint")
        #expect(parsed.host != nil)
    }

    @Test("IP literals are read as addresses, not by prefix")
    func loopbackHosts() {
        for host in ["127.0.0.1", "127.0.0.2", "127.255.255.255", "::1", "0:0:0:0:0:0:0:1", "localhost", "LocalHost"] {
            #expect(HTTPEndpointPolicy.isLoopback(host: host), "\(host)")
        }
        for host in [
            "127.0.0.1.attacker.example", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "128.0.0.1",
            "126.255.255.255", "::2", "::ffff:127.0.0.1", "localhost.", "[::1]", "", "127.0.0.1 ",
        ] {
            #expect(!HTTPEndpointPolicy.isLoopback(host: host), "\(host)")
        }
    }

    @Test("the token provider refuses each URL before connecting: the API key goes nowhere", arguments: refused.indices)
    func providerMakesNoConnection(index: Int) async throws {
        let listener = try ConnectionCountingListener()
        let url = Self.refused[index].url.replacingOccurrences(of: "PORT", with: "\(listener.port)")
        let provider = IAMTokenProvider(
            apiKey: APIKey("api-key-never-sent"),
            configuration: .init(endpoint: url, requestTimeout: .seconds(2), maximumAttempts: 1)
        )
        // invalidConfiguration comes only before a request is sent; a connection attempt would be transportFailure.
        let error = try await #require(throws: IAMError.self) { try await provider.bearerToken() }
        #expect(error.code == .invalidConfiguration, "\(url): \(error)")
        #expect(await provider.exchangeCount == 0)
        #expect(listener.acceptedConnections() == 0, "\(url)")
        #expect(!String(describing: error).contains("api-key-never-sent"))
        #expect(!String(describing: error).contains("pw-secret"))
    }

    @Test("a loopback endpoint on the same listener is contacted: the counting works")
    func listenerCounts() async throws {
        let listener = try ConnectionCountingListener()
        let provider = IAMTokenProvider(
            apiKey: APIKey("k"),
            configuration: .init(
                endpoint: "http://127.0.0.1:\(listener.port)", requestTimeout: .seconds(2),
                maximumAttempts: 1)
        )
        await #expect(throws: IAMError.transportFailure) { try await provider.bearerToken() }
        // The listener's accept loop may run a moment after the client gave up on a loaded machine.
        let clock = ContinuousClock()
        let until = clock.now.advanced(by: .seconds(10))
        while listener.acceptedConnections() == 0, clock.now < until { try await Task.sleep(for: .milliseconds(20)) }
        #expect(listener.acceptedConnections() == 1)
    }
}

@Suite("IAM token provider: fail fast and say why")
struct IAMFailFastTests {
    @Test("connection refused ends within the deadline, says 'connection refused' and where, never the key")
    func connectionRefused() async throws {
        let port = try closedLoopbackPort()
        let provider = IAMTokenProvider(
            apiKey: APIKey("api-key-never-sent"),
            configuration: .init(endpoint: "http://127.0.0.1:\(port)", deadline: .seconds(10))
        )
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: IAMError.self) { try await provider.bearerToken() }
        let elapsed = start.duration(to: clock.now)
        #expect(error.code == .transportFailure)
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(error.message.contains("127.0.0.1:\(port)"), "\(error.message)")
        // A pool that redials until the deadline would end at 10 s with a timeout, not "connection refused".
        #expect(elapsed < .seconds(10) + .seconds(3), "took \(elapsed)")
        #expect(!String(describing: error).contains("api-key-never-sent"))
    }

    @Test("with the default settings, connection refused fails in seconds, not minutes")
    func connectionRefusedDefaults() async throws {
        let port = try closedLoopbackPort()
        let provider = IAMTokenProvider(
            apiKey: APIKey("k"), configuration: .init(endpoint: "http://localhost:\(port)"))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: IAMError.self) { try await provider.bearerToken() }
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(error.message.contains("after 3 attempts"), "\(error.message)")
        #expect(start.duration(to: clock.now) < .seconds(10))
    }

    @Test("a server that accepts but never answers ends at the deadline, not after every attempt's timeout")
    func silentServerHonoursDeadline() async throws {
        let listener = try ConnectionCountingListener()
        let provider = IAMTokenProvider(
            apiKey: APIKey("k"),
            configuration: .init(
                endpoint: "http://127.0.0.1:\(listener.port)", requestTimeout: .seconds(30), maximumAttempts: 5,
                deadline: .seconds(1))
        )
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: IAMError.transportFailure) { try await provider.bearerToken() }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed < .seconds(8), "took \(elapsed)")
        #expect(listener.acceptedConnections() <= 1, "no time was left for a second attempt")
    }
}
