import Crypto
import Foundation

/// JWT-shaped access tokens: base64url(header).base64url(payload).base64url(HMAC-SHA256 signature).
enum MockTokens {
    struct Claims: Codable, Sendable {
        var iam_id: String
        var sub: String
        var iat: Int64
        var exp: Int64
        var iss: String
        var grant_type: String
        var jti: String
        /// The mock's revocation generation; tokens of an older generation are refused.
        var kpmock_gen: Int
    }

    static func issue(claims: Claims, key: SymmetricKey) -> String {
        let header = base64URL(Data(#"{"alg":"RS256","kid":"kp-mock","typ":"JWT"}"#.utf8))
        let payload = base64URL(Data(MockJSON.encode(claims)))
        let signingInput = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + base64URL(Data(signature))
    }

    /// The claims of a token this mock signed, or nil.
    static func verify(_ token: String, key: SymmetricKey) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = decodeBase64URL(String(parts[2])),
            let payload = decodeBase64URL(String(parts[1]))
        else { return nil }
        let signingInput = Data((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            return nil
        }
        return try? JSONDecoder().decode(Claims.self, from: payload)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
