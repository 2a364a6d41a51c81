import GRPCCore
internal import NIOCore
import NIOHPACK
import NIOHTTP2
import Synchronization

/// One HTTP/2 connection of an ``H2Channel`` and its calls.
///
/// Its mutable state belongs to the connection's event loop (hence `@unchecked Sendable`); only ``isUsable`` is
/// read from other threads.
final class H2Connection: @unchecked Sendable {
    let channel: any Channel
    let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    var eventLoop: any EventLoop { channel.eventLoop }
    private let usable = Atomic<Bool>(true)
    private let maximumIdleTime: TimeAmount?

    // On the event loop:
    /// The first error the connection raised (e.g. the TLS handshake's), the cause of its calls' failures.
    private(set) var failure: (any Error)?
    /// The last stream the server will process, once it sent GOAWAY.
    private(set) var goAwayLastStreamID: HTTP2StreamID?
    /// The calls opened here and not yet ended, so that the end of the connection ends every one of them (also
    /// one whose stream was still being created).
    private var openExchanges: [ObjectIdentifier: H2Exchange] = [:]
    private var openCalls: Int { openExchanges.count }
    private var streamsOpened = 0
    private var idleSince: NIODeadline = .now()
    /// No more calls: close as soon as the open ones have ended.
    private var retiring = false
    private var idleTimer: Scheduled<Void>?
    /// Succeeded by the server's first SETTINGS frame (the HTTP/2 handshake), failed when the connection ends
    /// before it or does not complete the handshake in ``handshakeTimeout``.
    let ready: EventLoopPromise<Void>
    private var isReady = false
    private var handshakeTimer: Scheduled<Void>?

    /// How long the TLS and HTTP/2 handshakes may take after the TCP connection is made.
    static let handshakeTimeout: TimeAmount = .seconds(15)

    /// Client stream IDs are odd 31-bit numbers; a connection that used most of them is replaced.
    static let maximumStreams = 1 << 29

    init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, maximumIdleTime: TimeAmount?) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.maximumIdleTime = maximumIdleTime
        self.ready = channel.eventLoop.makePromise()
    }

    /// Whether new calls may start here.
    var isUsable: Bool { usable.load(ordering: .relaxed) }

    /// One call on a new stream of this connection, ending by `deadline`; the response message (without the
    /// gRPC prefix), or the call's failure.
    func exchange(
        headers: HPACKHeaders,
        payload: ByteBuffer,
        deadline: ContinuousClock.Instant,
        maximumResponseBytes: Int
    ) async throws -> ByteBuffer {
        let exchange = H2Exchange(
            connection: self, headers: headers, payload: payload, maximumResponseBytes: maximumResponseBytes)
        let end = NIODeadline.now() + TimeAmount(ContinuousClock.now.duration(to: deadline))
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                exchange.eventLoop.execute { exchange.begin(continuation, deadline: end) }
            }
        } onCancel: {
            exchange.cancel()
        }
    }

    // MARK: - On the event loop

    /// Opens the stream of `exchange`, or fails it when the connection can take no more calls.
    func open(_ exchange: H2Exchange) -> Bool {
        guard channel.isActive, !retiring, goAwayLastStreamID == nil else {
            usable.store(false, ordering: .relaxed)
            return false
        }
        openExchanges[ObjectIdentifier(exchange)] = exchange
        streamsOpened += 1
        if streamsOpened >= Self.maximumStreams { usable.store(false, ordering: .relaxed) }
        // A stream that cannot be created (the connection went away first) fails its call, which another
        // connection may take: the server never saw it.
        let created = eventLoop.makePromise(of: (any Channel).self)
        created.futureResult.whenFailure { error in exchange.streamNotCreated(error) }
        multiplexer.createStreamChannel(promise: created) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(exchange)
            }
        }
        return true
    }

    /// A call opened with ``open(_:)`` has ended.
    func closed(_ exchange: H2Exchange) {
        openExchanges.removeValue(forKey: ObjectIdentifier(exchange))
        if openCalls == 0 {
            idleSince = .now()
            // Retired, told to go away, or out of stream IDs: its calls have ended, so it closes.
            if !isUsable { close() }
        }
    }

    /// Takes no more calls; closes once the open ones have ended.
    func retire() {
        usable.store(false, ordering: .relaxed)
        eventLoop.execute {
            self.retiring = true
            if self.openCalls == 0 { self.close() }
        }
    }

    func connectionActive() {
        guard idleTimer == nil, handshakeTimer == nil, !isReady else { return }
        scheduleIdleCheck(at: .now() + (maximumIdleTime ?? .zero))
        handshakeTimer = eventLoop.scheduleTask(in: Self.handshakeTimeout) { [weak self] in
            guard let self, !self.isReady else { return }
            self.caught(ChannelError.connectTimeout(Self.handshakeTimeout))
            self.channel.close(promise: nil)
        }
    }

    /// The server's first SETTINGS frame: calls may start.
    func receivedSettings() {
        guard !isReady else { return }
        isReady = true
        handshakeTimer?.cancel()
        handshakeTimer = nil
        ready.succeed()
    }

    func received(goAwayLastStreamID lastStreamID: HTTP2StreamID) {
        usable.store(false, ordering: .relaxed)
        goAwayLastStreamID = min(lastStreamID, goAwayLastStreamID ?? lastStreamID)
        if openCalls == 0 { close() }
    }

    func caught(_ error: any Error) {
        if failure == nil { failure = error }
    }

    func connectionInactive() {
        usable.store(false, ordering: .relaxed)
        idleTimer?.cancel()
        idleTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if !isReady {
            isReady = true
            ready.fail(failure ?? ChannelError.eof)
        }
        for exchange in openExchanges.values { exchange.connectionEnded() }
    }

    private func scheduleIdleCheck(at deadline: NIODeadline) {
        guard maximumIdleTime != nil else { return }
        idleTimer = eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.idleCheck() }
    }

    /// Closes the connection when it has had no call for the idle time; else checks again when it could have.
    private func idleCheck() {
        guard let maximumIdleTime, channel.isActive else { return }
        let due = idleSince + maximumIdleTime
        if openCalls == 0, due <= .now() {
            usable.store(false, ordering: .relaxed)
            close()
        } else {
            scheduleIdleCheck(at: openCalls == 0 ? due : .now() + maximumIdleTime)
        }
    }

    /// GOAWAY (no error), then closes the channel.
    private func close() {
        usable.store(false, ordering: .relaxed)
        guard channel.isActive else { return }
        let goAway = HTTP2Frame(
            streamID: .rootStream, payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil))
        channel.writeAndFlush(goAway, promise: nil)
        channel.close(promise: nil)
    }
}

/// The connection's handler behind SwiftNIO HTTP/2: GOAWAY, errors and the end of the connection.
final class H2ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame

    let connection: H2Connection

    init(connection: H2Connection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { connection.connectionActive() }
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.connectionActive()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .goAway(let lastStreamID, _, _):
            connection.received(goAwayLastStreamID: lastStreamID)
        case .settings(.settings):
            connection.receivedSettings()
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream's error belongs to its stream (SwiftNIO HTTP/2 passes it here too). Any other ends the
        // connection: its calls fail with the error as the cause.
        guard !(error is NIOHTTP2Errors.StreamError) else { return }
        connection.caught(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.connectionInactive()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Also a channel that never became active (the connect failed): the handshake promise ends either way.
        connection.connectionInactive()
    }
}

/// Flush coalescing (``EP11Client/NIOTransportOptions/flushCoalescing``), in front of the socket: flushes asked
/// for while the event loop runs a batch of work become one, at the end of the batch, so calls started together
/// leave in one write.
final class H2FlushCoalescingHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = Any
    private var flushPending = false

    func flush(context: ChannelHandlerContext) {
        guard !flushPending else { return }
        flushPending = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushPending = false
            context.flush()
        }
    }
}
