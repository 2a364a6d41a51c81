import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A small IAM token endpoint on 127.0.0.1 for tests: `POST /identity/token` with a form body.
/// Accepts the API key `good-key`; answers 400 `BXNIM0415E` for any other; can be told to fail with a status.
final class TokenServer: Sendable {
    struct Recorded: Sendable {
        var contentType: String?
        var body: String
    }
    private struct State {
        var issued = 0
        var requests: [Recorded] = []
        var failuresToSend: [Int] = []
        var lifetime = 3600
        var garbledBodies: [String] = []
    }
    private let state = Mutex(State())

    var issuedCount: Int { state.withLock { $0.issued } }
    var requests: [Recorded] { state.withLock { $0.requests } }
    func failNext(withStatuses statuses: [Int]) { state.withLock { $0.failuresToSend = statuses } }
    func setLifetime(seconds: Int) { state.withLock { $0.lifetime = seconds } }
    /// The next answers are HTTP 200 with these bodies instead of a token.
    func garbleNext(withBodies bodies: [String]) { state.withLock { $0.garbledBodies = bodies } }

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 65536)
        let body = String(buffer: buffer)
        let contentType = request.headers[.contentType]
        if let garbled = state.withLock({ $0.garbledBodies.isEmpty ? nil : $0.garbledBodies.removeFirst() }) {
            return Self.json(status: .ok, garbled)
        }
        let outcome = state.withLock { state -> (Int?, Int, Int) in
            state.requests.append(Recorded(contentType: contentType, body: body))
            if !state.failuresToSend.isEmpty { return (state.failuresToSend.removeFirst(), 0, 0) }
            state.issued += 1
            return (nil, state.issued, state.lifetime)
        }
        if let failure = outcome.0 {
            return Self.json(
                status: HTTPResponse.Status(code: failure), #"{"errorCode":"BXNIM0999E","errorMessage":"try later"}"#)
        }
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                fields[parts[0]] = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
        }
        guard fields["grant_type"] == "urn:ibm:params:oauth:grant-type:apikey", fields["apikey"] == "good-key" else {
            return Self.json(
                status: .badRequest,
                #"{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}"#
            )
        }
        let token = "token-\(outcome.1)"
        return Self.json(
            status: .ok,
            #"{"access_token":"\#(token)","refresh_token":"not_supported","token_type":"Bearer","expires_in":\#(outcome.2),"expiration":0,"scope":"ibm openid"}"#
        )
    }

    private static func json(status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}

/// Runs `server` on 127.0.0.1 (a free port) for the duration of `body`, which receives the base URL.
func withTokenServer<T: Sendable>(
    _ server: TokenServer,
    _ body: @Sendable (String) async throws -> T
) async throws -> T {
    let router = Router()
    router.post("/identity/token") { request, context in try await server.handle(request, context: context) }
    let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: {
            var logger = Logger(label: "test-iam-server")
            logger.logLevel = .critical
            return logger
        }()
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await value in portStream { port = value }
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)")
    }
}
