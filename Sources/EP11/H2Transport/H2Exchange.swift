import Foundation
import GRPCCore
internal import NIOCore
import NIOHPACK
import NIOHTTP2

/// One unary gRPC call on its own HTTP/2 stream: the stream channel's only handler.
///
/// It writes the request (HEADERS, one DATA frame with end of stream, one flush), reads the response headers
/// (`:status` 200 and a gRPC content type, or a trailers-only answer), the one length-prefixed message (at most
/// the configured size) and the trailers (`grpc-status`, percent-decoded `grpc-message`, the other trailers as
/// metadata, `-bin` ones base64-decoded), and resumes the calling task once. Cancellation and the deadline reset
/// the stream (RST_STREAM CANCEL).
///
/// All state belongs to the connection's event loop (hence `@unchecked Sendable`).
final class H2Exchange: ChannelInboundHandler, NIOScheduledCallbackHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// A failure of a stream the server did not process (refused, or beyond its GOAWAY): another connection may
    /// take the call. `error` is what the call fails with when none does.
    struct Unprocessed: Error {
        var error: RPCError
    }

    let eventLoop: any EventLoop
    private let connection: H2Connection
    private let headers: HPACKHeaders
    private var payload: ByteBuffer?
    private let maximumResponseBytes: Int

    private var continuation: UnsafeContinuation<ByteBuffer, any Error>?
    /// A failure (cancellation) that came before ``begin(_:deadline:)``.
    private var earlyFailure: (any Error)?
    private var begun = false
    private var opened = false
    private var timer: NIOScheduledCallback?
    private var context: ChannelHandlerContext?
    private var responseHeadersSeen = false
    private var received: ByteBuffer?
    private var resetCode: HTTP2ErrorCode?

    init(connection: H2Connection, headers: HPACKHeaders, payload: ByteBuffer, maximumResponseBytes: Int) {
        self.connection = connection
        self.eventLoop = connection.eventLoop
        self.headers = headers
        self.payload = payload
        self.maximumResponseBytes = maximumResponseBytes
    }

    // MARK: - The call

    func begin(_ continuation: UnsafeContinuation<ByteBuffer, any Error>, deadline: NIODeadline) {
        begun = true
        if let earlyFailure {
            continuation.resume(throwing: earlyFailure)
            return
        }
        self.continuation = continuation
        do {
            timer = try eventLoop.scheduleCallback(at: deadline, handler: self)
        } catch {
            // The event loop is shutting down.
            fail(Self.unavailable(error), reset: false)
            return
        }
        guard connection.open(self) else {
            finish(
                .failure(
                    Unprocessed(
                        error: RPCError(
                            code: .unavailable, message: "The connection to the GREP11 service has closed.",
                            cause: connection.failure))),
                reset: false)
            return
        }
        opened = true
    }

    /// From any thread: the calling task was cancelled.
    func cancel() {
        eventLoop.execute {
            guard self.begun else {
                self.earlyFailure = CancellationError()
                return
            }
            self.finish(.failure(CancellationError()), reset: true)
        }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        finish(.failure(DeadlineScheduler.DeadlinePassed()), reset: true)
    }

    /// Resumes the caller once; with `reset`, closes a stream still open (RST_STREAM CANCEL).
    private func finish(_ result: Result<ByteBuffer, any Error>, reset: Bool) {
        guard let continuation else { return }
        self.continuation = nil
        timer?.cancel()
        timer = nil
        payload = nil
        received = nil
        if opened { connection.closed(self) }
        if reset, let context { context.close(promise: nil) }
        continuation.resume(with: result)
    }

    /// Fails the call; the stream, if still open, is reset unless the server has ended it (`reset: false`).
    private func fail(_ error: RPCError, reset: Bool = true) {
        finish(.failure(error), reset: reset)
    }

    // MARK: - The stream

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if continuation == nil {
            // Cancelled or past its deadline before the stream came up.
            context.close(promise: nil)
        } else if context.channel.isActive {
            writeRequest(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        streamEnded()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        writeRequest(context: context)
        context.fireChannelActive()
    }

    private func writeRequest(context: ChannelHandlerContext) {
        guard continuation != nil, let payload else { return }
        self.payload = nil
        context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(payload), endStream: true))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard continuation != nil else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if responseHeadersSeen {
                guard frame.endStream else {
                    fail(RPCError(code: .internalError, message: "The server sent headers after the response headers."))
                    return
                }
                finish(trailers: frame.headers)
            } else {
                responseHeaders(frame.headers, endStream: frame.endStream)
            }
        case .data(let frame):
            guard responseHeadersSeen, case .byteBuffer(var bytes) = frame.data else {
                fail(RPCError(code: .internalError, message: "The server sent a message before the response headers."))
                return
            }
            guard append(&bytes) else { return }
            if frame.endStream {
                fail(RPCError(code: .internalError, message: "The response ended without a status."))
            }
        case .rstStream(let code):
            resetCode = code
            streamEnded()
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let closed = event as? StreamClosedEvent, let reason = closed.reason, resetCode == nil {
            resetCode = reason
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard continuation != nil else { return }
        if connection.goAwayLastStreamID != nil, !responseHeadersSeen {
            finish(.failure(Unprocessed(error: Self.unavailable(connection.failure ?? error))), reset: true)
        } else {
            fail(Self.unavailable(connection.failure ?? error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        streamEnded()
        context.fireChannelInactive()
    }

    // MARK: - Reading the response

    private func responseHeaders(_ headers: HPACKHeaders, endStream: Bool) {
        let status = headers.first(name: ":status")
        if let status, status.utf8.first == UInt8(ascii: "1"), status.utf8.count == 3, !endStream {
            return  // 1xx: the real headers follow.
        }
        responseHeadersSeen = true
        if endStream, headers.first(name: "grpc-status") != nil {
            // Trailers-only: the status without a message.
            finish(trailers: headers)
            return
        }
        guard status == "200" else {
            let code = status.flatMap { Int($0) }.map(Self.code(httpStatus:)) ?? .unknown
            fail(
                RPCError(
                    code: code,
                    message: status.map { "Unexpected non-200 HTTP Status Code (\($0))." }
                        ?? "HTTP Status Code is missing.",
                    metadata: Self.metadata(headers)))
            return
        }
        guard let contentType = headers.first(name: "content-type"), contentType.hasPrefix("application/grpc") else {
            fail(
                RPCError(code: .internalError, message: "Missing content-type header", metadata: Self.metadata(headers))
            )
            return
        }
        if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
            fail(
                RPCError(
                    code: .internalError,
                    message: "The server picked a compression algorithm the client does not know about."))
            return
        }
        if endStream {
            fail(RPCError(code: .internalError, message: "The response ended without a status."))
        }
    }

    /// Adds response bytes; false (and the call failed) when they break the one-message rule or the size limit.
    private func append(_ bytes: inout ByteBuffer) -> Bool {
        if received == nil {
            received = bytes
        } else {
            received?.writeBuffer(&bytes)
        }
        guard let received, received.readableBytes >= 5 else { return true }
        guard let length = received.getInteger(at: received.readerIndex + 1, as: UInt32.self) else { return true }
        guard length <= maximumResponseBytes else {
            fail(
                RPCError(
                    code: .resourceExhausted,
                    message: "Message has exceeded the configured maximum payload size "
                        + "(max: \(maximumResponseBytes), actual: \(length))"))
            return false
        }
        guard received.readableBytes <= 5 + Int(length) else {
            fail(RPCError(code: .unimplemented, message: "Multiple messages received, but only one is expected."))
            return false
        }
        return true
    }

    private func finish(trailers: HPACKHeaders) {
        let statusValue = trailers.first(name: "grpc-status")
        guard let statusValue, let number = Int(statusValue), let code = Status.Code(rawValue: number) else {
            fail(
                RPCError(
                    code: .unknown,
                    message: statusValue.map { "Invalid 'grpc-status' in trailers (\(Self.printable($0)))" }
                        ?? "No 'grpc-status' value in trailers",
                    metadata: Self.metadata(trailers)),
                reset: false)
            return
        }
        let message = trailers.first(name: "grpc-message").map(Self.percentDecoded) ?? ""
        if let error = RPCError(status: Status(code: code, message: message), metadata: Self.metadata(trailers)) {
            fail(error, reset: false)
            return
        }
        guard var received, received.readableBytes >= 5,
            let compressed = received.readInteger(as: UInt8.self),
            let length = received.readInteger(as: UInt32.self)
        else {
            fail(
                RPCError(code: .unimplemented, message: "No messages received, exactly one was expected."), reset: false
            )
            return
        }
        guard compressed == 0 else {
            fail(
                RPCError(
                    code: .internalError, message: "The server sent a compressed message the client did not ask for."),
                reset: false)
            return
        }
        guard received.readableBytes == Int(length) else {
            fail(RPCError(code: .internalError, message: "The response message is incomplete."), reset: false)
            return
        }
        finish(.success(received), reset: false)
    }

    /// The stream of the call could not be created: the request never left, so another connection may take it.
    func streamNotCreated(_ error: any Error) {
        guard continuation != nil else { return }
        finish(.failure(Unprocessed(error: Self.unavailable(connection.failure ?? error))), reset: false)
    }

    /// The connection ended: a call still waiting (its stream perhaps never created) fails.
    func connectionEnded() {
        streamEnded()
    }

    /// The stream ended (closed, reset, or its channel went away) without a complete answer.
    private func streamEnded() {
        guard continuation != nil else { return }
        let error: RPCError
        if let resetCode {
            error = Self.error(reset: resetCode, cause: connection.failure)
        } else {
            error = Self.unavailable(connection.failure ?? ChannelError.eof)
        }
        let unprocessed =
            resetCode == .refusedStream || (connection.goAwayLastStreamID != nil && !responseHeadersSeen)
        finish(unprocessed ? .failure(Unprocessed(error: error)) : .failure(error), reset: false)
    }

    // MARK: - Mapping

    static func unavailable(_ cause: any Error) -> RPCError {
        RPCError(
            code: .unavailable, message: "The connection to the GREP11 service closed before the call completed.",
            cause: cause)
    }

    /// gRPC's mapping of an HTTP/2 reset to a status code.
    static func error(reset code: HTTP2ErrorCode, cause: (any Error)?) -> RPCError {
        let status: RPCError.Code
        switch code {
        case .refusedStream: status = .unavailable
        case .cancel: status = .cancelled
        case .enhanceYourCalm: status = .resourceExhausted
        case .inadequateSecurity: status = .permissionDenied
        default: status = .internalError
        }
        return RPCError(code: status, message: "The server reset the stream (\(code)).", cause: cause)
    }

    /// gRPC's mapping of an HTTP status without `grpc-status` to a status code.
    static func code(httpStatus: Int) -> RPCError.Code {
        switch httpStatus {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }

    /// The headers as GRPCCore metadata, without pseudo-headers and the status; `-bin` values base64-decoded.
    static func metadata(_ headers: HPACKHeaders) -> Metadata {
        var metadata = Metadata()
        for (name, value, _) in headers {
            if name.hasPrefix(":") || name == "grpc-status" || name == "grpc-message" { continue }
            if name.hasSuffix("-bin"), let bytes = base64Decoded(value) {
                metadata.addBinary(bytes, forKey: name)
            } else {
                metadata.addString(value, forKey: name)
            }
        }
        return metadata
    }

    /// Base64 with or without padding, as gRPC sends binary metadata.
    static func base64Decoded(_ value: String) -> [UInt8]? {
        var text = value.trimmingCharacters(in: .whitespaces)
        let remainder = text.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder != 0 { text += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: text).map { Array($0) }
    }

    /// `grpc-message`: percent-encoded UTF-8; a `%` not followed by two hex digits stays as it is.
    static func percentDecoded(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return value }
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// A header value for a message: printable ASCII, at most 64 characters.
    static func printable(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.prefix(64).filter { $0.isASCII && $0.value >= 0x20 }))
    }
}
