import AsyncHTTPClient
import Foundation
import GRPCCore
import IAM
import Logging
import NIOCore
import Synchronization

/// Decides whether a bearer token presented to the HSM mock is valid.
public protocol BearerTokenVerifier: Sendable {
    /// Whether `token` (without the `Bearer ` prefix) is valid now. Throws when the answer cannot be had (the
    /// issuer is unreachable); the call is then refused with `unavailable`, not `unauthenticated`.
    func isValid(_ token: String) async throws -> Bool
}

/// Checks tokens with an IAM endpoint's introspection route, `POST {endpoint}/identity/introspect` with the form
/// field `token`, answered RFC 7662 style: `{"active": true, "exp": <epoch seconds>, ...}` or `{"active": false}`.
/// The Key Protect mock (`hpcs-tool mock kms`) serves that route beside its token endpoint.
///
/// A valid answer is cached for at most ``cacheLifetime`` and never past the token's `exp`, so a busy client costs
/// one introspection per token per cache lifetime; a token revoked at the issuer can therefore still be accepted for
/// up to that long. Refusals are not cached. The cache is keyed by SHA-256 of the token, never the token itself.
/// By default it asks through `HTTPClient.failFast`: no redirects (a redirect could carry the token elsewhere),
/// and a refused connection fails at once.
public final class IAMTokenIntrospection: BearerTokenVerifier {
    /// The IAM base URL, e.g. `http://127.0.0.1:8080` (no trailing `/identity/...`).
    public let endpoint: String
    /// How long a positive answer is reused.
    public let cacheLifetime: Duration
    private let httpClient: HTTPClient
    private let cache = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])

    public init(endpoint: String, cacheLifetime: Duration = .seconds(30), httpClient: HTTPClient = .failFast) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.cacheLifetime = cacheLifetime
        self.httpClient = httpClient
    }

    public func isValid(_ token: String) async throws -> Bool {
        let key = (try? SoftCrypto.digest(.sha256, Array(token.utf8))) ?? Array(token.utf8)
        let now = ContinuousClock.now
        if let until = cache.withLock({ $0[key] }), now < until { return true }

        var request = HTTPClientRequest(url: endpoint + "/identity/introspect")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let encoded = token.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        request.body = .bytes(ByteBuffer(string: "token=" + encoded))
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status.code == 200 else {
            throw IntrospectionFailure(status: Int(response.status.code))
        }
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        guard let json, let active = json["active"] as? Bool else { throw IntrospectionFailure(status: 200) }
        guard active else {
            cache.withLock { _ = $0.removeValue(forKey: key) }
            return false
        }
        var lifetime = cacheLifetime
        if let exp = (json["exp"] as? NSNumber)?.doubleValue {
            let left = exp - Date().timeIntervalSince1970
            guard left > 0 else { return false }
            if left < 1e9 { lifetime = min(lifetime, .milliseconds(Int64(left * 1000))) }
        }
        cache.withLock { cache in
            if cache.count >= 4096 { cache.removeAll(keepingCapacity: true) }
            cache[key] = now.advanced(by: lifetime)
        }
        return true
    }

    struct IntrospectionFailure: Error, CustomStringConvertible {
        var status: Int
        var description: String { "token introspection answered HTTP \(status) without an \"active\" field" }
    }
}

/// Refuses every call without `authorization: Bearer <token>` that the verifier accepts: gRPC `unauthenticated`
/// with no `Grep11Error` detail (the refusal comes from the gRPC front end, before any EP11 function runs).
struct BearerTokenInterceptor: ServerInterceptor {
    let verifier: any BearerTokenVerifier
    let logger: Logger

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            throw refuse(context, "missing authorization metadata")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw refuse(context, "authorization is not a bearer token")
        }
        let valid: Bool
        do {
            valid = try await verifier.isValid(String(parts[1]))
        } catch {
            logger.debug("token check failed", metadata: ["hpcs.ep11.method": "\(context.descriptor.method)"])
            throw RPCError(code: .unavailable, message: "the token could not be checked with IAM")
        }
        guard valid else { throw refuse(context, "invalid or expired bearer token") }
        return try await next(request, context)
    }

    private func refuse(_ context: ServerContext, _ message: String) -> RPCError {
        logger.debug(
            "GREP11 call unauthenticated",
            metadata: ["hpcs.ep11.method": "\(context.descriptor.method)", "hpcs.mock.reason": "\(message)"]
        )
        return RPCError(code: .unauthenticated, message: message)
    }
}
