import EP11
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import HSMMock
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Synchronization
import Testing

/// What the raw HTTP/2 server does with a request stream: it gets the request headers and body and answers on
/// the stream's context (or not at all).
struct RawStreamContext {
    let context: ChannelHandlerContext
    let headers: HPACKHeaders
    let body: ByteBuffer
    /// The connection's number, from 1.
    let connectionNumber: Int
    let record: RawH2Server.Recorder

    func send(_ payload: HTTP2Frame.FramePayload, flush: Bool = true) {
        context.write(NIOAny(payload), promise: nil)
        if flush { context.flush() }
    }

    /// `:status` 200 and the gRPC content type.
    func sendResponseHeaders() {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "content-type", value: "application/grpc")
        send(.headers(.init(headers: headers)))
    }

    /// One length-prefixed message.
    func sendMessage(_ bytes: [UInt8], declaredLength: UInt32? = nil, endStream: Bool = false) {
        var buffer = context.channel.allocator.buffer(capacity: 5 + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(declaredLength ?? UInt32(bytes.count))
        buffer.writeBytes(bytes)
        send(.data(.init(data: .byteBuffer(buffer), endStream: endStream)))
    }

    func sendTrailers(status: Int, message: String? = nil) {
        var trailers = HPACKHeaders()
        trailers.add(name: "grpc-status", value: "\(status)")
        if let message { trailers.add(name: "grpc-message", value: message) }
        send(.headers(.init(headers: trailers, endStream: true)))
    }

    /// A GenerateRandom answer of `count` bytes 0x2a.
    func answerRandom(_ count: Int) throws {
        var response = Grep11_GenerateRandomResponse()
        response.rnd = Data(repeating: 0x2a, count: count)
        sendResponseHeaders()
        sendMessage(try response.serializedBytes())
        sendTrailers(status: 0)
    }
}

/// A bare SwiftNIO HTTP/2 server on 127.0.0.1 (plaintext) that hands every request stream to `behaviour` and
/// records what it saw: request headers, RST_STREAM frames, connections.
final class RawH2Server: Sendable {
    struct Record: Sendable {
        var requests: [HPACKHeaders] = []
        var requestBodies: [ByteBuffer] = []
        var dataFramesPerRequest: [Int] = []
        var resets: [HTTP2ErrorCode] = []
        var connections = 0
    }

    /// The record, shared with the server's handlers.
    final class Recorder: Sendable {
        private let record = Mutex(Record())
        func withLock<T>(_ body: (inout Record) -> T) -> T { record.withLock { body(&$0) } }
    }

    let record: Recorder
    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(
        maxConcurrentStreams: Int = 100,
        _ behaviour: @escaping @Sendable (RawStreamContext) throws -> Void
    ) async throws {
        let record = Recorder()
        self.record = record
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let number = record.withLock { record in
                    record.connections += 1
                    return record.connections
                }
                return channel.eventLoop.makeCompletedFuture {
                    var settings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
                    settings.append(HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams))
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    connection.initialSettings = settings
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: connection,
                        streamConfiguration: .init()
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(
                                RawStreamHandler(record: record, connectionNumber: number, behaviour: behaviour))
                        }
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() {
        channel.close(promise: nil)
    }

    /// A client to this server on the NIO transport, no retries.
    func configuration(timeout: Duration = .seconds(10)) -> EP11Client.Configuration {
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
        configuration.transport = .nio
        configuration.retryPolicy = .none
        configuration.timeouts = .init(call: timeout)
        return configuration
    }

    /// Waits (up to 10 s) until `condition` holds for the record.
    func waitFor(_ condition: (Record) -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if record.withLock({ condition($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

private final class RawStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    let record: RawH2Server.Recorder
    let connectionNumber: Int
    let behaviour: @Sendable (RawStreamContext) throws -> Void
    var headers = HPACKHeaders()
    var body = ByteBuffer()
    var dataFrames = 0

    init(
        record: RawH2Server.Recorder, connectionNumber: Int,
        behaviour: @escaping @Sendable (RawStreamContext) throws -> Void
    ) {
        self.record = record
        self.connectionNumber = connectionNumber
        self.behaviour = behaviour
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch payload {
        case .headers(let frame):
            headers = frame.headers
            if frame.endStream { requestEnded(context: context) }
        case .data(let frame):
            dataFrames += 1
            if case .byteBuffer(var bytes) = frame.data { body.writeBuffer(&bytes) }
            if frame.endStream { requestEnded(context: context) }
        case .rstStream(let code):
            record.withLock { $0.resets.append(code) }
        default:
            break
        }
    }

    private func requestEnded(context: ChannelHandlerContext) {
        record.withLock { record in
            record.requests.append(headers)
            record.requestBodies.append(body)
            record.dataFramesPerRequest.append(dataFrames)
        }
        do {
            try behaviour(
                RawStreamContext(
                    context: context, headers: headers, body: body, connectionNumber: connectionNumber,
                    record: record))
        } catch {
            context.close(promise: nil)
        }
    }
}

@Suite("EP11 client, NIO transport: the direct HTTP/2 unary path")
struct H2TransportTests {
    @Test("a call is HEADERS and one DATA frame with end of stream, as a gRPC server expects")
    func requestOnTheWire() async throws {
        let server = try await RawH2Server { try $0.answerRandom(8) }
        defer { server.close() }
        var configuration = server.configuration()
        configuration.instanceID = "instance-1"
        let random = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
        #expect(random == [UInt8](repeating: 0x2a, count: 8))

        let record = server.record.withLock { $0 }
        let headers = try #require(record.requests.first)
        let names = headers.map(\.name)
        #expect(Array(names.prefix(4)).allSatisfy { $0.hasPrefix(":") }, "pseudo-headers first: \(names)")
        #expect(headers.first(name: ":method") == "POST")
        #expect(headers.first(name: ":scheme") == "http")
        #expect(headers.first(name: ":path") == "/grep11.Crypto/GenerateRandom")
        #expect(headers.first(name: ":authority") == "127.0.0.1:\(server.port)")
        #expect(headers.first(name: "content-type") == "application/grpc")
        #expect(headers.first(name: "te") == "trailers")
        #expect(headers.first(name: "bluemix-instance") == "instance-1")
        let timeout = try #require(headers.first(name: "grpc-timeout"))
        #expect(timeout.hasSuffix("m") && (Int(timeout.dropLast()) ?? 0) > 9_000, "grpc-timeout \(timeout)")
        #expect(record.dataFramesPerRequest == [1])
        let body = Array(try #require(record.requestBodies.first).readableBytesView)
        try #require(body.count >= 5)
        #expect(body[0] == 0, "not compressed")
        let length = body[1...4].reduce(0) { $0 << 8 | Int($1) }
        #expect(length == body.count - 5)
        let bytes = Array(body[5...])
        let request = try Grep11_GenerateRandomRequest(serializedBytes: bytes)
        #expect(request.len == 8)
    }

    @Test("a trailers-only answer carries the status; grpc-message is percent-decoded")
    func trailersOnly() async throws {
        let server = try await RawH2Server { stream in
            var headers = HPACKHeaders()
            headers.add(name: ":status", value: "200")
            headers.add(name: "content-type", value: "application/grpc")
            headers.add(name: "grpc-status", value: "16")
            headers.add(name: "grpc-message", value: "token%20expired%3A%20renew%20it%")
            stream.send(.headers(.init(headers: headers, endStream: true)))
        }
        defer { server.close() }
        let error = try await #require(throws: EP11Error.self) {
            try await withEP11Client(server.configuration()) { try await $0.generateRandom(count: 8) }
        }
        #expect(error.code == .unauthenticated, "\(error)")
        #expect(error.message == "token expired: renew it%", "\(error)")
    }

    @Test("a response over the size limit fails the call and resets the stream")
    func oversizedResponse() async throws {
        let server = try await RawH2Server { stream in
            stream.sendResponseHeaders()
            stream.sendMessage([1, 2, 3], declaredLength: 5 * 1024 * 1024)
        }
        defer { server.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: EP11Error.self) {
            try await withEP11Client(server.configuration(timeout: .seconds(30))) {
                try await $0.generateRandom(count: 8)
            }
        }
        #expect(error.description.contains("maximum payload size"), "\(error)")
        #expect(start.duration(to: clock.now) < .seconds(20))
        #expect(await server.waitFor { $0.resets == [.cancel] }, "\(server.record.withLock { $0.resets })")
    }

    @Test("GOAWAY before the server processed the call: the call goes to a new connection and succeeds")
    func goAwayMidCall() async throws {
        let server = try await RawH2Server { stream in
            if stream.connectionNumber == 1 {
                let goAway = HTTP2Frame(
                    streamID: .rootStream,
                    payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil))
                stream.context.channel.parent?.writeAndFlush(goAway, promise: nil)
                stream.context.channel.parent?.close(promise: nil)
            } else {
                try stream.answerRandom(4)
            }
        }
        defer { server.close() }
        try await withEP11Client(server.configuration()) { client in
            let first = try await client.generateRandom(count: 4)
            let second = try await client.generateRandom(count: 4)
            #expect(first.count == 4 && second.count == 4)
        }
        #expect(server.record.withLock { $0.connections } == 2)
    }

    @Test("a connection lost mid-call fails that call; the next call succeeds on a new connection")
    func connectionLostMidCall() async throws {
        let server = try await RawH2Server { stream in
            if stream.connectionNumber == 1 {
                stream.sendResponseHeaders()
                stream.context.channel.parent?.close(promise: nil)
            } else {
                try stream.answerRandom(4)
            }
        }
        defer { server.close() }
        try await withEP11Client(server.configuration()) { client in
            let error = await #expect(throws: EP11Error.self) { try await client.generateRandom(count: 4) }
            #expect(error?.code == .transportFailure, "\(String(describing: error))")
            let next = try await client.generateRandom(count: 4)
            #expect(next.count == 4)
        }
        #expect(server.record.withLock { $0.connections } == 2)
    }

    @Test("cancelling a call sends RST_STREAM CANCEL and frees its stream for the next call")
    func cancellationResetsTheStream() async throws {
        // One stream at a time: the second call can only open once the first stream is gone.
        let server = try await RawH2Server(maxConcurrentStreams: 1) { stream in
            guard stream.record.withLock({ $0.requests.count }) > 1 else { return }  // the first: silence
            try stream.answerRandom(4)
        }
        defer { server.close() }
        try await withEP11Client(server.configuration(timeout: .seconds(60))) { client in
            let call = Task { try await client.generateRandom(count: 4) }
            #expect(await server.waitFor { $0.requests.count == 1 })
            call.cancel()
            await #expect(throws: EP11Error.self) { try await call.value }
            #expect(await server.waitFor { $0.resets == [.cancel] }, "\(server.record.withLock { $0.resets })")
            let next = try await client.generateRandom(count: 4)
            #expect(next.count == 4)
        }
        #expect(server.record.withLock { $0.connections } == 1)
    }

    @Test("200 concurrent calls to a grpc-swift-2 server that allows 10 streams all succeed")
    func streamLimit() async throws {
        let mock = try HSMMock()
        let serverTransport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext,
            config: .defaults { $0.http2.maxConcurrentStreams = 10 })
        let server = GRPCServer(transport: serverTransport, services: [mock.service])
        try await withServing(server, on: serverTransport) { port in
            var configuration = EP11Client.Configuration(
                host: "127.0.0.1", port: port, transportSecurity: .plaintext)
            configuration.transport = .nio
            configuration.retryPolicy = .none
            try await withEP11Client(configuration) { client in
                let counts = try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { calls in
                    for _ in 0..<200 { calls.addTask { try await client.generateRandom(count: 16).count } }
                    return try await calls.reduce(into: []) { $0.append($1) }
                }
                #expect(counts == [Int](repeating: 16, count: 200))
            }
        }
    }
}
