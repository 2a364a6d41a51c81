import Foundation
public import Hummingbird
import Logging
import NIOCore

extension KeyProtectMock {
    /// A Hummingbird application serving this mock on `host:port`; `port` 0 picks a free port, which
    /// `onServerRunning` receives. Run it with `runService()` or in a `ServiceGroup`.
    public func makeServer(
        host: String = "127.0.0.1",
        port: Int = 0,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: MockResponder(mock: self),
            configuration: .init(address: .hostname(host, port: port), serverName: "kp-mock"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Why a server made by ``makeServer(host:port:onServerRunning:)`` could not listen, as a sentence ("address
    /// 127.0.0.1:9877 is in use"), when `error` (or an error it wraps) is a socket error; nil otherwise.
    public static func listenFailure(_ error: any Error, host: String, port: Int) -> String? {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case EADDRINUSE: return "address \(address) is in use"
            case EADDRNOTAVAIL: return "address \(address) is not an address of this host"
            case EACCES: return "permission denied to listen on \(address) (a port below 1024?)"
            default: return "cannot listen on \(address): \(String(cString: strerror(ioError.errnoCode)))"
            }
        }
        if error is SocketAddressError || error is SocketAddressError.UnknownHost {
            return "\(host) is not an address to listen on"
        }
        return nil
    }

    /// Serves the mock on `host:port` (0: a free port) while `body` runs; `body` receives the base URL
    /// (`http://host:port`), which is both the IAM URL and the Key Protect endpoint.
    public func withServer<T: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        _ body: @Sendable (_ baseURL: String) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = makeServer(host: host, port: port) { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var bound: Int?
            for await value in ports { bound = value }
            defer { group.cancelAll() }
            guard let bound else { throw AdminError("the server did not start") }
            let hostPart = host.contains(":") ? "[\(host)]" : host
            return try await body("http://\(hostPart):\(bound)")
        }
    }
}

/// The request context of the mock's server: keeps the channel, so a fault can drop the connection.
struct MockRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Thrown after the mock closed a connection on purpose.
struct MockDroppedConnection: Error {}

/// Routes every request: `/admin/...`, the IAM token paths, `/api/v2/...`.
struct MockResponder: HTTPResponder {
    typealias Context = MockRequestContext
    let mock: KeyProtectMock

    func respond(to request: Request, context: MockRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/identity/token" || path == "/oidc/token" {
            if let response = try await mock.applyFault(target: .iam, context: context) { return response }
            return try await mock.handleIAM(request)
        }
        if path == "/identity/introspect" {
            if let response = try await mock.applyFault(target: .iam, context: context) { return response }
            return try await mock.handleIntrospect(request)
        }
        if path == "/admin" || path.hasPrefix("/admin/") {
            return mock.persistingChanges(try await mock.handleAdmin(request), request: request)
        }
        if path == "/api/v2" || path.hasPrefix("/api/v2/") {
            var recorded = KeyProtectMock.RecordedRequest(
                method: request.method.rawValue,
                path: path,
                query: request.uri.query,
                instanceHeader: request.headers.value(named: "bluemix-instance"),
                correlationID: request.headers.value(named: "correlation-id"),
                contentType: request.headers.value(named: "content-type"),
                hadAuthorization: request.headers.value(named: "authorization") != nil,
                status: 0
            )
            let response: Response
            do {
                if let faulted = try await mock.applyFault(target: .keyProtect, context: context) {
                    response = faulted
                } else {
                    response = await mock.handleKMS(request)
                }
            } catch {
                mock.state.withLock { $0.record(recorded) }
                throw error
            }
            recorded.status = Int(response.status.code)
            mock.state.withLock { $0.record(recorded) }
            return mock.withCorrelationID(mock.persistingChanges(response, request: request), request: request)
        }
        return mock.errorResponse(.init(status: 404, message: "Not Found: no such path", reasons: []))
    }
}

extension HTTPFields {
    /// The first value of the field `name` (case-insensitive), or nil.
    func value(named name: String) -> String? {
        first { $0.name.canonicalName == name }?.value
    }
}

extension KeyProtectMock {
    /// Applies the next fault for `target`, if any: returns the faulty answer, delays, or drops the connection.
    func applyFault(target: Fault.Target, context: MockRequestContext) async throws -> Response? {
        guard let action = state.withLock({ $0.takeFault(for: target) }) else { return nil }
        switch action {
        case .delay(let duration):
            try await Task.sleep(for: duration)
            return nil
        case .status(let status, let retryAfter):
            let phrase = HTTPResponse.Status(code: Self.validStatus(status)).reasonPhrase
            var response = errorResponse(.init(status: status, message: phrase.isEmpty ? "Error" : phrase, reasons: []))
            if let retryAfter, let name = HTTPFields.Element.Name("Retry-After") {
                response.headers[name] = String(retryAfter)
            }
            return response
        case .dropConnection:
            try? await context.channel.close()
            throw MockDroppedConnection()
        case .truncatedBody:
            let channel = context.channel
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: 4096) { writer in
                    try await writer.write(ByteBuffer(string: #"{"plaintext":"AAAA"#))
                    try? await channel.close()
                    throw MockDroppedConnection()
                }
            )
        case .raw(let status, let contentType, let body):
            return Self.response(status: status, contentType: contentType, body: body)
        }
    }

    /// `response`, once a change the request made to the keys is in the state file (when one is bound); a 500
    /// when it could not be written, so that no client believes in a change that would not survive a restart.
    func persistingChanges(_ response: Response, request: Request) -> Response {
        guard request.method != .get, request.method != .head else { return response }
        do {
            try saveStateIfChanged()
            return response
        } catch {
            logger.error("the state file could not be written", metadata: ["hpcs.mock.error": "\(error)"])
            return errorResponse(.init(status: 500, message: "the mock could not save its state file", reasons: []))
        }
    }

    /// Echoes the request's correlation id (or makes one up) in `Correlation-Id`.
    func withCorrelationID(_ response: Response, request: Request) -> Response {
        var response = response
        let id =
            request.headers.value(named: "correlation-id") ?? request.headers.value(named: "x-correlation-id")
            ?? UUID().uuidString.lowercased()
        if let name = HTTPFields.Element.Name("Correlation-Id") { response.headers[name] = id }
        return response
    }

    /// `status` when it is a valid HTTP status (100...599), 500 otherwise: a bad fault never crashes the mock.
    static func validStatus(_ status: Int) -> Int {
        (100...599).contains(status) ? status : 500
    }

    /// A Key Protect answer: `contentType` is the service's vendor type, sent as `application/json` when the mock
    /// is configured so.
    func jsonResponse(status: Int, contentType: String, body: [UInt8]) -> Response {
        Self.response(
            status: status, contentType: configuration.contentTypes == .json ? "application/json" : contentType,
            body: body)
    }

    /// `value` as `application/json`, whatever the content-type configuration (IAM and the admin API).
    static func plainJSONResponse(status: Int, _ value: some Encodable) -> Response {
        response(status: status, contentType: "application/json", body: MockJSON.encode(value))
    }

    /// An answer with exactly this status (a valid one, see ``validStatus(_:)``), content type (none when `nil`)
    /// and body.
    static func response(status: Int, contentType: String?, body: [UInt8]) -> Response {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return Response(
            status: HTTPResponse.Status(code: validStatus(status)),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    func noContent() -> Response {
        Response(status: .noContent)
    }
}
