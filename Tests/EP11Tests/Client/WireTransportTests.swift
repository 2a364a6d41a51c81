import EP11
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import HSMMock
import IAM
import NIOPosix
import TestSupport
import Testing

/// The two network transports every client test runs against.
let wireTransports: [EP11Client.Transport] = [.nio, .cgrpc]

/// Runs `body` with a client on `transport` to a real HTTP/2 server on 127.0.0.1 (plaintext) serving `mock` with
/// `interceptors`.
func withHTTP2Mock<T: Sendable>(
    _ transport: EP11Client.Transport,
    mock: HSMMock? = nil,
    interceptors: [any ServerInterceptor] = [],
    ownEventLoops: Bool = false,
    configure: (inout EP11Client.Configuration) -> Void = { _ in },
    _ body: (EP11Client) async throws -> T
) async throws -> T {
    // A test that loads the server and the client on purpose (1,000 calls at once) runs them on event loops of
    // its own: on SwiftNIO's shared ones, a debug build's HTTP/2 bookkeeping for 1,000 streams keeps a loop busy
    // for seconds, and the tests running beside it miss their deadlines.
    let loops = ownEventLoops ? MultiThreadedEventLoopGroup(numberOfThreads: 2) : MultiThreadedEventLoopGroup.singleton
    defer { if ownEventLoops { loops.shutdownGracefully { _ in } } }
    let mock = try mock ?? HSMMock()
    // The server advertises its stream limit, as HSMMock's standalone server does. Left unset, grpc-swift-2 sends
    // no SETTINGS_MAX_CONCURRENT_STREAMS (HTTP/2 then means "unlimited") yet SwiftNIO HTTP/2 refuses a 101st open
    // stream with GOAWAY (PROTOCOL_ERROR): the C core, which trusts the advertised value, opens all its calls at
    // once; grpc-swift-2's client assumes 100 and queues the rest.
    let serverTransport = HTTP2ServerTransport.Posix(
        address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext,
        config: .defaults { $0.http2.maxConcurrentStreams = HSMRequestLimits.maximumConcurrentStreams },
        eventLoopGroup: loops)
    let server = GRPCServer(transport: serverTransport, services: [mock.service], interceptors: interceptors)
    return try await withServing(server, on: serverTransport) { port in
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
        configuration.transport = transport
        if ownEventLoops { configuration.nioEventLoopGroup = loops }
        configure(&configuration)
        return try await withEP11Client(configuration, body)
    }
}

/// Serves `server` while `body` runs with the IPv4 port `transport` listens on, and ends with a graceful shutdown,
/// also when `body` throws: cancelling a SwiftNIO server while it accepts a connection traps (apple/swift-nio#2637)
/// and would end every test of the process.
func withServing<T: Sendable>(
    _ server: GRPCServer<HTTP2ServerTransport.Posix>,
    on transport: HTTP2ServerTransport.Posix,
    _ body: (Int) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask { try await server.serve() }
        let outcome: Result<T, any Error>
        do {
            let address = try #require(try await transport.listeningAddress.ipv4)
            outcome = .success(try await body(address.port))
        } catch {
            outcome = .failure(error)
        }
        server.beginGracefulShutdown()
        try await group.waitForAll()
        return try outcome.get()
    }
}

@Suite("EP11 client on both transports: deadlines, metadata, retries, errors, concurrency")
struct WireTransportTests {
    @Test(
        "a server that accepts and never answers: the call fails with timeout at its deadline",
        arguments: wireTransports)
    func silentServer(transport: EP11Client.Transport) async throws {
        let listener = try ConnectionCountingListener()
        let (error, elapsed) = try await failedCall(
            loopbackConfiguration(port: listener.port, transport: transport, timeout: .milliseconds(600)))
        #expect(error.code == .timeout, "\(error)")
        #expect(elapsed >= .milliseconds(550), "ended before its deadline: \(elapsed)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }

    @Test("the deadline scheduler keeps nothing of a finished call and cancels an overdue one at its deadline")
    func deadlineScheduler() async throws {
        let scheduler = DeadlineScheduler()
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for index in 0..<500 {
                        let echoed = try await scheduler.run(until: deadline) { index }
                        #expect(echoed == index)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(scheduler.outstandingCount == 0)
        #expect(scheduler.firedTotal == 0)

        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: DeadlineScheduler.DeadlinePassed.self) {
            try await scheduler.run(until: clock.now.advanced(by: .milliseconds(300))) {
                try await Task.sleep(for: .seconds(60))
            }
        }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed >= .milliseconds(280) && elapsed < .seconds(20), "took \(elapsed)")
        #expect(scheduler.outstandingCount == 0)
        #expect(scheduler.firedTotal == 1)
        // A failure before the deadline stays that failure.
        await #expect(throws: CancellationError.self) {
            try await scheduler.run(until: clock.now.advanced(by: .seconds(30))) { throw CancellationError() }
        }
        #expect(scheduler.outstandingCount == 0)
    }

    // The server accepts and never completes the HTTP/2 handshake: leaving withEP11Client must not wait for that
    // connection forever (it did on NIO, whose graceful shutdown waited for it).
    @Test("cancelling the calling task cancels the call at once", arguments: wireTransports)
    func cancellation(transport: EP11Client.Transport) async throws {
        let listener = try ConnectionCountingListener()
        let configuration = loopbackConfiguration(port: listener.port, transport: transport, timeout: .seconds(60))
        let clock = ContinuousClock()
        let start = clock.now
        try await withEP11Client(configuration) { client in
            let call = Task { try await client.generateRandom(count: 8) }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            let result = await call.result
            #expect(throws: EP11Error.self) { try result.get() }
        }
        #expect(start.duration(to: clock.now) < .seconds(30))
    }

    @Test(
        "calls carry authorization and bluemix-instance over TLS, also when the first attempt is retried",
        arguments: wireTransports, [0, 1])
    func metadata(transport: EP11Client.Transport, retriedAttempts: Int) async throws {
        let interceptor = RecordingInterceptor()
        // A retryable failure of the first attempt, as under load, where a retry happens unasked.
        interceptor.failNext(retriedAttempts)
        let tokens = CountingTokenSource()
        // Credentials are only sent over TLS.
        let pki = TestPKI.shared
        let mock = try HSMMock()
        let serverTransport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0),
            transportSecurity: .tls(
                certificateChain: [.bytes(pki.serverChainPEM, format: .pem)],
                privateKey: .bytes(pki.serverKeyPEM, format: .pem)))
        let server = GRPCServer(transport: serverTransport, services: [mock.service], interceptors: [interceptor])
        try await withServing(server, on: serverTransport) { port in
            var configuration = EP11Client.Configuration(
                host: "localhost", port: port,
                transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: pki.caPEM)))
            configuration.transport = transport
            configuration.authentication = .tokenSource(tokens)
            configuration.instanceID = "1234-instance"
            // The counting source makes a new token each time it is asked, and the client asks once per attempt:
            // an attempt retried under load (a connection that failed before the request reached the server) used
            // up a token the server never saw. So each call is checked against the source's count when it ends:
            // its last attempt, the one the server answered, carried the newest token.
            var issuedAfterCall: [Int] = []
            var recordedAfterCall: [Int] = []
            try await withEP11Client(configuration) { client in
                for _ in 0..<2 {
                    _ = try await client.generateRandom(count: 8)
                    issuedAfterCall.append(tokens.issued)
                    recordedAfterCall.append(interceptor.recorded.count)
                }
            }
            let recorded = interceptor.recorded
            #expect(recorded.count >= 2)
            #expect(issuedAfterCall.count == 2 && issuedAfterCall[0] < issuedAfterCall[1], "\(issuedAfterCall)")
            for (call, (issued, seen)) in zip(issuedAfterCall, recordedAfterCall).enumerated() {
                let previous = call == 0 ? 0 : recordedAfterCall[call - 1]
                #expect(seen > previous, "call \(call + 1) reached the server \(seen - previous) times")
                guard seen > previous, seen <= recorded.count else { continue }
                #expect(Array(recorded[seen - 1][stringValues: "authorization"]) == ["Bearer token-\(issued)"])
            }
            for metadata in recorded {
                #expect(Array(metadata[stringValues: "bluemix-instance"]) == ["1234-instance"])
            }
        }
    }

    @Test(
        "retryable GREP11 errors are retried with backoff on the client's clock; others are not",
        arguments: wireTransports)
    func retries(transport: EP11Client.Transport) async throws {
        let interceptor = RecordingInterceptor()
        let clock = ManualClock()
        try await withHTTP2Mock(
            transport, interceptors: [interceptor],
            configure: {
                $0.retryPolicy = EP11Client.RetryPolicy(maximumAttempts: 3, initialBackoff: .seconds(1))
                $0.clock = ErasedClock(clock)
            }
        ) { client in
            try await interceptor.expectRetries(of: client, on: clock, waits: [.seconds(1), .seconds(2)])
        }
    }

    @Test("an HSM failure decodes to the same EP11Error on both transports", arguments: wireTransports)
    func hsmErrors(transport: EP11Client.Transport) async throws {
        try await withHTTP2Mock(transport) { client in
            let error = try await #require(throws: EP11Error.self) {
                try await client.sign([1, 2, 3], key: KeyBlob([0xde, 0xad]), mechanism: .ecdsa)
            }
            #expect(error.returnValue != nil, "\(error)")
            #expect(!error.isRetryable)
            let unknown = try await #require(throws: EP11Error.self) {
                try await client.mechanismInfo(MechanismType(rawValue: 0xFFFF_FFF0))
            }
            #expect(unknown.returnValue == .mechanismInvalid, "\(unknown)")
        }
    }

    @Test("1,000 concurrent calls on one client all succeed", arguments: wireTransports)
    func thousandConcurrentCalls(transport: EP11Client.Transport) async throws {
        try await withHTTP2Mock(transport, ownEventLoops: true) { try await Self.concurrentCalls($0, count: 1_000) }
    }

    @Test("HSMMock's NIO server advertises its stream limit: the C core's burst of more than 100 calls succeeds")
    func burstToTheMocksNIOServer() async throws {
        let mock = try HSMMock()
        try await mock.withServer(settings: HSMMock.ServerSettings(transport: .nio)) { port in
            var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
            configuration.transport = .cgrpc
            try await withEP11Client(configuration) { try await Self.concurrentCalls($0, count: 300) }
        }
    }

    /// `count` calls at once on `client`, each answered with its own length.
    static func concurrentCalls(_ client: EP11Client, count: Int) async throws {
        let results = try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { group in
            for index in 0..<count {
                group.addTask { try await client.generateRandom(count: 1 + index % 32).count }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == count)
        #expect(results.sorted() == (0..<count).map { 1 + $0 % 32 }.sorted())
    }

    @Test("transport and server name check names parse and print as the command line spells them")
    func settingNames() {
        #expect(EP11Client.Transport("cgrpc") == .cgrpc)
        #expect(EP11Client.Transport("nio") == .nio)
        #expect(EP11Client.Transport("grpc") == nil)
        #expect(EP11Client.Transport.cgrpc.description == "cgrpc")
        #expect(EP11Client.Transport.nio.description == "nio")
        #expect(EP11Client.ServerNameCheck("standard") == .standard)
        #expect(EP11Client.ServerNameCheck("host-or-host-and-port") == .hostOrHostAndPort)
        #expect(EP11Client.ServerNameCheck("hostOrHostAndPort") == nil)
        #expect(EP11Client.ServerNameCheck.hostOrHostAndPort.description == "host-or-host-and-port")
    }

    @Test("the refusals apply to both transports before any connection", arguments: wireTransports)
    func refusals(transport: EP11Client.Transport) throws {
        var plaintext = EP11Client.Configuration(host: "127.0.0.1", port: 9, transportSecurity: .plaintext)
        plaintext.transport = transport
        plaintext.authentication = .apiKey(APIKey("never-sent"))
        let error = #expect(throws: EP11Error.invalidArgument) { try EP11Client(configuration: plaintext) }
        #expect(!String(describing: error).contains("never-sent"))
        var byIP = EP11Client.Configuration(
            host: "127.0.0.1", port: 9, transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: TestPKI.shared.caPEM)))
        byIP.transport = transport
        #expect(throws: EP11Error.invalidArgument) { _ = try EP11Client(configuration: byIP) }
        var notPEM = EP11Client.Configuration(
            host: "localhost", port: 9, transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: Array("x\0y".utf8))))
        notPEM.transport = transport
        if transport == .cgrpc {
            #expect(throws: EP11Error.invalidArgument) { _ = try EP11Client(configuration: notPEM) }
        }
    }
}
