import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The CA service benchmark's requesters: plain HTTP/1.1 POSTs over keep-alive connections on SwiftNIO, one request
/// per connection at a time, idle connections kept per port for the next request.
///
/// The requesters stand for clients on other machines, but here they share the cores with the nodes they measure;
/// this client does only what a load generator needs (no redirects, pooling policy or decompression; one timeout
/// per request, ``LeanHTTPConnection/timeoutSeconds``), so that the figures measure the service rather than the HTTP
/// client.
final class LeanHTTPClient: Sendable {
    private let group: any EventLoopGroup
    private let idle = Mutex([Int: [LeanHTTPConnection]]())

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    /// POSTs `body` (JSON) to `path` on 127.0.0.1:`port` and returns the status and the body of the answer.
    func post(port: Int, path: String, body: ByteBuffer) async throws -> (status: Int, body: ByteBuffer) {
        // A connection the node closed while it was idle is dropped here.
        var reused: LeanHTTPConnection?
        while let next = idle.withLock({ $0[port]?.popLast() }) {
            if next.isActive {
                reused = next
                break
            }
            next.close()
        }
        let connection: LeanHTTPConnection
        if let reused {
            connection = reused
        } else {
            connection = try await LeanHTTPConnection.connect(port: port, group: group)
        }
        let answer: LeanHTTPConnection.Answer
        do {
            answer = try await connection.post(path: path, body: body)
        } catch {
            connection.close()
            throw error
        }
        if answer.keepAlive, connection.isActive {
            idle.withLock { $0[port, default: []].append(connection) }
        } else {
            connection.close()
        }
        return (answer.status, answer.body)
    }

    /// Closes every idle connection.
    func shutdown() {
        let connections = idle.withLock { pool in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        for connection in connections { connection.close() }
    }
}

/// One keep-alive connection and the handler that turns its next answer into a result.
final class LeanHTTPConnection: Sendable {
    /// An answer: its status, its body, and whether the server keeps the connection open after it.
    typealias Answer = (status: Int, body: ByteBuffer, keepAlive: Bool)

    /// The largest answer body read (as AsyncHTTPClient's `collect(upTo:)` bounded it before).
    static let maximumBodyBytes = 1 << 20

    /// How long, in seconds, a request may wait for its whole answer before it fails and its connection is closed.
    static let timeoutSeconds: Int64 = 60

    private let channel: any Channel
    private let handler: NIOLoopBound<AnswerHandler>

    private init(channel: any Channel, handler: NIOLoopBound<AnswerHandler>) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(port: Int, group: any EventLoopGroup) async throws -> LeanHTTPConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.handler(type: AnswerHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return LeanHTTPConnection(channel: channel, handler: handler)
    }

    /// Whether the connection is still open.
    var isActive: Bool { channel.isActive }

    func post(path: String, body: ByteBuffer) async throws -> Answer {
        let channel = self.channel
        let handler = self.handler
        return try await channel.eventLoop.flatSubmit {
            guard channel.isActive else {
                return channel.eventLoop.makeFailedFuture(BenchError("the node closed the connection"))
            }
            let promise = channel.eventLoop.makePromise(of: Answer.self)
            handler.value.expect(promise)
            // Failed through the handler, which completes each promise once (the close that follows fails nothing).
            let timer = channel.eventLoop.scheduleTask(in: .seconds(Self.timeoutSeconds)) {
                handler.value.fail(BenchError("the node did not answer \(path) within \(Self.timeoutSeconds) s"))
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            head.headers.add(name: "host", value: "127.0.0.1")
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: String(body.readableBytes))
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult
        }.get()
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Collects one answer at a time: its status, then its body, completed at its end.
private final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<LeanHTTPConnection.Answer>?
    private var status = 0
    private var keepAlive = false
    private var body = ByteBuffer()

    func expect(_ promise: EventLoopPromise<LeanHTTPConnection.Answer>) {
        self.promise = promise
        status = 0
        keepAlive = false
        body.clear()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
        case .body(var part):
            guard body.readableBytes + part.readableBytes <= LeanHTTPConnection.maximumBodyBytes else {
                fail(BenchError("the node's answer is larger than \(LeanHTTPConnection.maximumBodyBytes) bytes"))
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&part)
        case .end:
            let answer = (status: status, body: body, keepAlive: keepAlive)
            let promise = self.promise
            self.promise = nil
            promise?.succeed(answer)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(BenchError("the connection to the node failed: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(BenchError("the node closed the connection"))
        context.fireChannelInactive()
    }

    /// Fails the answer awaited, if any.
    func fail(_ error: BenchError) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
    }
}
