import Hummingbird
import Logging
import NIOCore
import NIOSSL

/// The request context of the CA service: Hummingbird's core context and the connection, for the client
/// certificate of mutual TLS.
struct CAServiceRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The client certificate the TLS handshake verified (DER), or `nil` without TLS or without one.
    func peerCertificateDER() async -> [UInt8]? {
        let channel = self.channel
        let future = channel.eventLoop.submit { () -> [UInt8]? in
            guard let handler = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) else {
                return nil
            }
            return try handler.peerCertificate?.toDERBytes()
        }
        return (try? await future.get()) ?? nil
    }
}

/// One structured log line per request: method, path, status and duration (never a body or a header value).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let message = status == .notFound ? "no such endpoint" : "the request failed"
            response = CAService.jsonResponse(status: status.code, ["status": status.code, "message": message])
        }
        let elapsed = start.duration(to: clock.now)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "hpcs.http.method": "\(request.method)",
                "hpcs.http.path": "\(request.uri.path)",
                "hpcs.http.status": "\(response.status.code)",
                "hpcs.http.duration_ms": "\(String(format: "%.1f", milliseconds))",
            ])
        return response
    }
}
