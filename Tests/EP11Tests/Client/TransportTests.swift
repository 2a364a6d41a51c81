import EP11
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import HSMMock
import IAM
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

/// Records request metadata and can fail the first calls with a retryable GREP11 error.
final class RecordingInterceptor: ServerInterceptor {
    private let state = Mutex<(metadata: [Metadata], failuresLeft: Int, retryable: Bool)>(([], 0, true))

    func failNext(_ count: Int, retryable: Bool = true) {
        state.withLock {
            $0.failuresLeft = count; $0.retryable = retryable
        }
    }
    var recorded: [Metadata] { state.withLock { $0.metadata } }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let (fail, retryable) = state.withLock { state -> (Bool, Bool) in
            state.metadata.append(request.metadata)
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return (true, state.retryable)
            }
            return (false, state.retryable)
        }
        if fail {
            var detail = Grep11_Grep11Error()
            detail.code = ReturnValue.ibmInternalError.rawValue
            detail.detail = "injected"
            detail.retry = retryable
            throw GoogleRPCStatus(
                code: .unknown, message: "CKR_IBM_INTERNAL_ERROR",
                details: [.any(try Google_Protobuf_Any(message: detail))])
        }
        return try await next(request, context)
    }
}

extension RecordingInterceptor {
    /// Checks `client`'s retries through this interceptor on `clock`, for a policy that waits `waits` between its
    /// attempts: a call that fails fewer times than it has attempts succeeds after those waits; one that keeps
    /// failing ends with the last failure after every attempt; one that is not retryable makes one attempt and
    /// waits for nothing.
    func expectRetries(of client: EP11Client, on clock: ManualClock, waits: [Duration]) async throws {
        let attempts = waits.count + 1
        failNext(waits.count)
        let before = recorded.count
        let bytes = try await clock.drive { try await client.generateRandom(count: 4) }
        #expect(bytes.count == 4)
        #expect(recorded.count - before == attempts)
        #expect(clock.requestedSleeps == waits)

        failNext(attempts + 2)
        let start = recorded.count
        let error = try await #require(throws: EP11Error.self) {
            try await clock.drive { try await client.generateRandom(count: 4) }
        }
        #expect(error.returnValue == .ibmInternalError)
        #expect(error.isRetryable)
        #expect(error.detail == "injected", "\(error)")
        #expect(recorded.count - start == attempts)
        #expect(clock.requestedSleeps == waits + waits)

        failNext(1, retryable: false)
        let once = recorded.count
        await #expect(throws: EP11Error(returnValue: .ibmInternalError)) {
            try await clock.drive { try await client.generateRandom(count: 4) }
        }
        #expect(recorded.count - once == 1)
        #expect(clock.requestedSleeps.count == 2 * waits.count, "a failure that is not retryable waits for nothing")
        failNext(0)
    }
}

/// A token source that counts how often it is asked and invalidated.
final class CountingTokenSource: BearerTokenSource {
    private let state = Mutex<(issued: Int, invalidated: Int)>((0, 0))
    var issued: Int { state.withLock { $0.issued } }
    var invalidated: Int { state.withLock { $0.invalidated } }
    func bearerToken() async throws -> BearerToken {
        let count = state.withLock {
            $0.issued += 1; return $0.issued
        }
        return BearerToken("token-\(count)")
    }
    func invalidate() async { state.withLock { $0.invalidated += 1 } }
}

func withInterceptedMock<T: Sendable>(
    _ interceptor: RecordingInterceptor,
    configuration: EP11Client.Configuration = EP11Client.Configuration(host: "in-process"),
    _ body: (EP11Client) async throws -> T
) async throws -> T {
    try await HSMMock().withClient(configuration: configuration, serverInterceptors: [interceptor], body)
}

@Suite("EP11 client: wire errors, authentication, retries, TLS")
struct TransportTests {
    @Test("a failure travels as gRPC Unknown with the CKR name and exactly one Grep11Error detail")
    func errorShapeOnTheWire() async throws {
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0) { port in
            let transport = try HTTP2ClientTransportFactory.plaintext(port: port)
            try await withGRPCClient(transport: transport) { grpc in
                let stub = Grep11_Crypto.Client(wrapping: grpc)
                var request = Grep11_GenerateRandomRequest()
                request.len = 0
                let error = await #expect(throws: RPCError.self) { try await stub.generateRandom(request) }
                let rpcError = try #require(error)
                #expect(rpcError.code == .unknown)
                #expect(rpcError.message == "CKR_ARGUMENTS_BAD")
                let status = try #require(try rpcError.unpackGoogleRPCStatus())
                #expect(status.code == .unknown)
                #expect(status.details.count == 1)
                let any = try #require(status.details.first?.any)
                #expect(any.typeURL == "type.googleapis.com/grep11.Grep11Error")
                let detail = try Grep11_Grep11Error(serializedBytes: any.value)
                #expect(detail.code == ReturnValue.argumentsBad.rawValue)
            }
        }
    }

    @Test("calls carry authorization: Bearer and bluemix-instance; a rejected token is refreshed once")
    func authenticationMetadata() async throws {
        let interceptor = RecordingInterceptor()
        let tokens = CountingTokenSource()
        var configuration = EP11Client.Configuration(host: "in-process")
        configuration.authentication = .tokenSource(tokens)
        configuration.instanceID = "1234-instance"
        try await withInterceptedMock(interceptor, configuration: configuration) { client in
            _ = try await client.generateRandom(count: 8)
            let metadata = try #require(interceptor.recorded.last)
            #expect(Array(metadata[stringValues: "authorization"]) == ["Bearer token-1"])
            #expect(Array(metadata[stringValues: "bluemix-instance"]) == ["1234-instance"])
        }
    }

    /// An in-process configuration with `retryPolicy` and `timeout` whose waits run on a manual clock.
    static func onManualClock(
        _ retryPolicy: EP11Client.RetryPolicy, timeout: Duration = .seconds(30)
    ) -> (EP11Client.Configuration, ManualClock) {
        let clock = ManualClock()
        var configuration = EP11Client.Configuration(host: "in-process")
        configuration.timeouts = .init(call: timeout)
        configuration.retryPolicy = retryPolicy
        configuration.clock = ErasedClock(clock)
        return (configuration, clock)
    }

    @Test("retryable GREP11 errors are retried with exponential backoff on the client's clock; others are not")
    func retries() async throws {
        let interceptor = RecordingInterceptor()
        let (configuration, clock) = Self.onManualClock(
            EP11Client.RetryPolicy(maximumAttempts: 4, initialBackoff: .seconds(1), maximumBackoff: .seconds(3)))
        try await withInterceptedMock(interceptor, configuration: configuration) { client in
            try await interceptor.expectRetries(of: client, on: clock, waits: [.seconds(1), .seconds(2), .seconds(3)])
        }
    }

    @Test("the call deadline covers the backoffs: the last wait is cut to what is left, then the call times out")
    func deadlineCoversBackoffs() async throws {
        let interceptor = RecordingInterceptor()
        let (configuration, clock) = Self.onManualClock(
            EP11Client.RetryPolicy(maximumAttempts: 10, initialBackoff: .seconds(10), maximumBackoff: .seconds(100)),
            timeout: .seconds(25))
        try await withInterceptedMock(interceptor, configuration: configuration) { client in
            interceptor.failNext(10)
            let before = interceptor.recorded.count
            let error = try await #require(throws: EP11Error.self) {
                try await clock.drive { try await client.generateRandom(count: 4) }
            }
            #expect(error.code == .timeout, "\(error)")
            #expect(error.message.contains("25.0 seconds"), "\(error.message)")
            #expect(error.message.contains("last attempt: CKR_IBM_INTERNAL_ERROR"), "\(error.message)")
            #expect(clock.requestedSleeps == [.seconds(10), .seconds(15)])
            #expect(interceptor.recorded.count - before == 2)
            interceptor.failNext(0)
        }
    }

    @Test("a retry policy whose growth leaves Duration's range waits its maximum instead of trapping")
    func extremeBackoffDoesNotTrap() async throws {
        let interceptor = RecordingInterceptor()
        let (configuration, clock) = Self.onManualClock(
            EP11Client.RetryPolicy(
                maximumAttempts: 4, initialBackoff: .seconds(1), maximumBackoff: .seconds(Int64.max),
                backoffMultiplier: .infinity),
            timeout: .seconds(1_000))
        try await withInterceptedMock(interceptor, configuration: configuration) { client in
            interceptor.failNext(3)
            let bytes = try await clock.drive { try await client.generateRandom(count: 4) }
            #expect(bytes.count == 4)
            // An infinite multiplier counts as 2; the deadline cuts the last wait to what is left of 1,000 s.
            #expect(clock.requestedSleeps == [.seconds(1), .seconds(2), .seconds(4)])
            interceptor.failNext(0)
        }
    }

    @Test("the retry policy's defaults stay 3 attempts, 100 ms doubling up to 2 s, no jitter")
    func retryPolicyDefaults() {
        let policy = EP11Client.Configuration(host: "in-process").retryPolicy
        #expect(
            policy
                == EP11Client.RetryPolicy(
                    maximumAttempts: 3, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(2),
                    backoffMultiplier: 2, jitter: 0))
    }

    @Test("jitter takes a random part off each wait on the client's clock")
    func retryJitter() async throws {
        let interceptor = RecordingInterceptor()
        let (configuration, clock) = Self.onManualClock(
            EP11Client.RetryPolicy(
                maximumAttempts: 3, initialBackoff: .seconds(10), maximumBackoff: .seconds(10), jitter: 1))
        try await withInterceptedMock(interceptor, configuration: configuration) { client in
            interceptor.failNext(2)
            let bytes = try await clock.drive { try await client.generateRandom(count: 4) }
            #expect(bytes.count == 4)
            #expect(clock.requestedSleeps.count == 2)
            // Each wait is 10 s less a random fraction of it; both exactly 10 s would mean no jitter.
            #expect(clock.requestedSleeps.allSatisfy { $0 >= .zero && $0 <= .seconds(10) })
            #expect(clock.requestedSleeps != [.seconds(10), .seconds(10)])
            interceptor.failNext(0)
        }
    }

    @Test("plaintext with credentials is refused before any call")
    func plaintextRefusesCredentials() throws {
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: 9, transportSecurity: .plaintext)
        configuration.authentication = .apiKey(APIKey("never-sent"))
        let error = #expect(throws: EP11Error.invalidArgument) { try EP11Client(configuration: configuration) }
        #expect(!String(describing: error).contains("never-sent"))
    }

    @Test("an unreachable endpoint fails within the call deadline", arguments: wireTransports)
    func unreachable(transport: EP11Client.Transport) async throws {
        let (_, elapsed) = try await failedCall(
            loopbackConfiguration(port: 1, transport: transport, timeout: .milliseconds(500)))
        // Far below the 30 s a connect timeout would take, with room for a loaded machine.
        #expect(elapsed < .seconds(25))
    }

    @Test(
        "TLS: a client that does not trust the server's CA fails; mutual TLS works with a client certificate",
        arguments: wireTransports)
    func tls(transport: EP11Client.Transport) async throws {
        let pki = TestPKI.shared
        let mock = try HSMMock()
        try await mock.withServer(
            host: "127.0.0.1", port: 0, tls: pki.serverTLS(requiringClientCertificates: true)
        ) { port in
            // Trusted CA and a client certificate: works.
            var mutual = EP11Client.Configuration(
                host: "localhost", port: port, transportSecurity: .tls(pki.mutualClientTLS()))
            mutual.transport = transport
            let bytes = try await withEP11Client(mutual) { try await $0.generateRandom(count: 16) }
            #expect(bytes.count == 16)
            // No client certificate: the server refuses.
            var anonymous = EP11Client.Configuration(
                host: "localhost", port: port, transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: pki.caPEM)))
            anonymous.transport = transport
            anonymous.timeouts = .init(call: .seconds(3))
            anonymous.retryPolicy = .none
            await #expect(throws: EP11Error.self) {
                _ = try await withEP11Client(anonymous) { try await $0.generateRandom(count: 16) }
            }
            // System roots do not trust the test CA.
            var untrusted = EP11Client.Configuration(host: "localhost", port: port)
            untrusted.transport = transport
            untrusted.timeouts = .init(call: .seconds(3))
            untrusted.retryPolicy = .none
            await #expect(throws: EP11Error.self) {
                _ = try await withEP11Client(untrusted) { try await $0.generateRandom(count: 16) }
            }
        }
    }

    @Test("GREP11 addresses parse as host:port, defaulting to 443")
    func addresses() throws {
        let full = try EP11Client.Configuration(address: "abc.ep11.hs-crypto.appdomain.cloud:9443")
        #expect(full.host == "abc.ep11.hs-crypto.appdomain.cloud")
        #expect(full.port == 9443)
        #expect(try EP11Client.Configuration(address: "example.com").port == 443)
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Configuration(address: "host:notaport") }
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Configuration(address: "host:70000") }
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Configuration(address: ":443") }
        let bracketed = try EP11Client.Configuration(address: "[::1]:9876")
        #expect(bracketed.host == "::1" && bracketed.port == 9876)
        let bare = try EP11Client.Configuration(address: "fe80::1")
        #expect(bare.host == "fe80::1" && bare.port == 443)
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Configuration(address: "[::1") }
        #expect(throws: EP11Error.invalidArgument) { try EP11Client.Configuration(address: "[::1]x") }
    }

    @Test(
        "TLS to an IP address must opt out of name verification explicitly; then the chain alone is checked",
        arguments: wireTransports)
    func tlsToIPAddress(transport: EP11Client.Transport) async throws {
        let pki = TestPKI.shared
        var refused = EP11Client.Configuration(
            host: "127.0.0.1", port: 9, transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: pki.caPEM)))
        refused.transport = transport
        #expect(throws: EP11Error.invalidArgument) { _ = try EP11Client(configuration: refused) }
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS()) { port in
            var byIP = EP11Client.Configuration(
                host: "127.0.0.1", port: port,
                transportSecurity: .tls(
                    EP11Client.TLS(trustRootsPEM: pki.caPEM, insecureSkipHostnameVerification: true)))
            byIP.transport = transport
            let bytes = try await withEP11Client(byIP) { try await $0.generateRandom(count: 8) }
            #expect(bytes.count == 8)
        }
    }

    @Test("the standalone mock binds IPv6 loopback and 'localhost' too", arguments: wireTransports)
    func mockBinding(transport: EP11Client.Transport) async throws {
        let mock = try HSMMock()
        for host in ["::1", "localhost"] {
            try await mock.withServer(host: host, port: 0) { port in
                let target = host == "::1" ? "::1" : "127.0.0.1"
                var configuration = EP11Client.Configuration(host: target, port: port, transportSecurity: .plaintext)
                configuration.timeouts = .init(call: .seconds(30))
                configuration.transport = transport
                let list = try await withEP11Client(configuration) { try await $0.mechanismList() }
                #expect(list.first == .rsaPKCS, "\(host)")
            }
        }
    }
}

enum HTTP2ClientTransportFactory {
    static func plaintext(port: Int) throws -> HTTP2ClientTransport.Posix {
        try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    }
}

/// An actor whose own state the body of `withEP11Client` changes: the body runs on the actor.
actor IsolatedCaller {
    private(set) var bytesSeen = 0

    func fetch(port: Int) async throws {
        let configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
        try await withEP11Client(configuration) { client in
            bytesSeen += try await client.generateRandom(count: 8).count
        }
    }
}

@Suite("EP11 client: withEP11Client runs its body on the caller's actor")
struct WithEP11ClientIsolationTests {
    @Test("the body mutates actor state without hopping off the actor")
    func isolatedBody() async throws {
        let caller = IsolatedCaller()
        try await HSMMock().withServer { port in try await caller.fetch(port: port) }
        #expect(await caller.bytesSeen == 8)
    }
}
