import Foundation
import Hummingbird

/// IAM's token endpoint: `POST /identity/token` and `/oidc/token` with a form body.
extension KeyProtectMock {
    private struct TokenAnswer: Encodable {
        var access_token: String
        var refresh_token: String
        var token_type: String
        var expires_in: Int64
        var expiration: Int64
        var scope: String
    }

    private struct IAMErrorAnswer: Encodable {
        struct Context: Encodable {
            var requestId: String
            var requestType: String
            var url: String
        }
        var errorCode: String
        var errorMessage: String
        var context: Context
    }

    /// A POST's form fields, or IAM's answer to another method or a body over 64 KiB.
    private func formFields(of request: Request) async -> Result<[String: String], IAMRefusal> {
        guard request.method == .post else {
            return .failure(IAMRefusal(iamError(status: 405, code: "BXNIM0405E", message: "Method not allowed.")))
        }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else {
            return .failure(
                IAMRefusal(iamError(status: 400, code: "BXNIM0109E", message: "The request body is too large.")))
        }
        return .success(Self.formFields(String(buffer: buffer)))
    }

    /// An answer that ends a request early.
    private struct IAMRefusal: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    func handleIAM(_ request: Request) async throws -> Response {
        let fields: [String: String]
        switch await formFields(of: request) {
        case .success(let form): fields = form
        case .failure(let refusal): return refusal.response
        }
        guard fields["grant_type"] == "urn:ibm:params:oauth:grant-type:apikey" else {
            // The mock's own code: only the API key grant is served.
            return iamError(status: 400, code: "BXNIM0109E", message: "Provided grant type is not supported.")
        }
        let presented = Array((fields["apikey"] ?? "").utf8)
        let (accepted, identity) = state.withLock { state -> (Bool, Int) in
            var match = false
            var identity = 0
            for (index, key) in state.apiKeys.enumerated() where Self.constantTimeEquals(Array(key.utf8), presented) {
                match = true
                identity = index
            }
            return (match, identity)
        }
        guard accepted, !presented.isEmpty else {
            return iamError(status: 400, code: "BXNIM0415E", message: "Provided API key could not be found.")
        }
        let now = epochSeconds()
        let lifetime = min(max(configuration.tokenLifetime.components.seconds, 1), 10 * 365 * 86_400)
        let generation = state.withLock { state -> Int in
            state.tokensIssued += 1
            return state.tokenGeneration
        }
        let claims = MockTokens.Claims(
            iam_id: "iam-ServiceId-kpmock-\(identity)",
            sub: "ServiceId-kpmock-\(identity)",
            iat: now,
            exp: now + lifetime,
            iss: "https://iam.cloud.ibm.com/identity",
            grant_type: "urn:ibm:params:oauth:grant-type:apikey",
            jti: UUID().uuidString.lowercased(),
            kpmock_gen: generation
        )
        let answer = TokenAnswer(
            access_token: MockTokens.issue(claims: claims, key: tokenSigningKey),
            refresh_token: "not_supported",
            token_type: "Bearer",
            expires_in: lifetime,
            expiration: now + lifetime,
            scope: "ibm openid"
        )
        return Self.plainJSONResponse(status: 200, answer)
    }

    private struct IntrospectionAnswer: Encodable {
        var active: Bool
        var token_type: String?
        var iam_id: String?
        var sub: String?
        var iat: Int64?
        var exp: Int64?
    }

    /// `POST /identity/introspect` with the form field `token`: RFC 7662 token introspection. An active token
    /// (issued here, not expired, not revoked) gives `{"active": true, "exp": ..., "iam_id": ...}`; anything else
    /// `{"active": false}` and nothing more. Both with status 200.
    ///
    /// The mock's own route, so that another mock (the HSM mock's `--require-auth`) can check a bearer token
    /// without sharing this mock's signing key. Real IAM signs tokens with RS256 and publishes the public keys, which
    /// a real service checks locally; the mock's tokens are HMAC-signed, so a check needs to ask the issuer.
    func handleIntrospect(_ request: Request) async throws -> Response {
        let fields: [String: String]
        switch await formFields(of: request) {
        case .success(let form): fields = form
        case .failure(let refusal): return refusal.response
        }
        guard let token = fields["token"], !token.isEmpty else {
            return iamError(status: 400, code: "BXNIM0109E", message: "Property missing or empty: token.")
        }
        let answer: IntrospectionAnswer
        if let claims = activeClaims(forToken: token) {
            answer = IntrospectionAnswer(
                active: true, token_type: "Bearer", iam_id: claims.iam_id, sub: claims.sub, iat: claims.iat,
                exp: claims.exp)
        } else {
            answer = IntrospectionAnswer(active: false)
        }
        return Self.plainJSONResponse(status: 200, answer)
    }

    private func iamError(status: Int, code: String, message: String) -> Response {
        let body = IAMErrorAnswer(
            errorCode: code,
            errorMessage: message,
            context: .init(
                requestId: UUID().uuidString.lowercased(), requestType: "incoming.Identity_Token", url: "kp-mock")
        )
        return Self.plainJSONResponse(status: status, body)
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = parts.first else { continue }
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(rawName)] = parts.count == 2 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
