import Foundation

/// A provisioner's one-time token, read and checked: a compact JWS (ES256 or EdDSA) whose claims are
///
/// - `iss`: the provisioner's name (as registered with `hpcs-tool ca provisioner add --name`);
/// - `sub`: the name to certify (for `/1.0/sign`) or the serial number in hex (for `/1.0/revoke`);
/// - `sans`: more names to certify (optional, a list of strings);
/// - `aud`: the URL of the endpoint the token is for (a string or a list of strings; see
///   ``CAServiceConfiguration/audiences(for:)``);
/// - `iat`, `exp` (and optionally `nbf`): NumericDate seconds; `exp - iat` (and `exp - nbf`) at most
///   ``CAServiceConfiguration/maximumTokenLifetime``; all checked with ``CAServiceConfiguration/clockSkew``;
/// - `jti`: a unique id, accepted once across every node on the same store.
struct ProvisionerToken: Sendable {
    var provisioner: String
    var subject: String
    var sans: [String]
    var tokenID: String
    var expiresAt: Date

    /// The largest token read.
    static let maximumSize = 8 * 1024

    /// The parts of a token that can be read before the provisioner is known.
    struct Unverified {
        var algorithm: String
        var claims: Claims
        var times: Times
        var issuer: String
    }

    /// The NumericDate claims, read with a decoder that refuses a string or a boolean where a number belongs.
    struct Times {
        var exp: Double?
        var iat: Double?
        var nbf: Double?
    }

    /// The claims, in one decoder pass over the payload. A claim of the wrong JSON type reads as absent (`nil`),
    /// except a NumericDate, which makes ``timesValid`` false; other claims are ignored.
    struct Claims: Decodable {
        var iss: String?
        var sub: String?
        /// Whether `sans` is present at all (then it must be a list of strings).
        var sansPresent: Bool
        var sans: [String]?
        var aud: [String]?
        var jti: String?
        var times: Times
        var timesValid: Bool

        enum CodingKeys: String, CodingKey {
            case iss, sub, sans, aud, jti, exp, iat, nbf
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            iss = try? container.decode(String.self, forKey: .iss)
            sub = try? container.decode(String.self, forKey: .sub)
            sansPresent = container.contains(.sans)
            sans = try? container.decode([String].self, forKey: .sans)
            if let single = try? container.decode(String.self, forKey: .aud) {
                aud = [single]
            } else {
                aud = try? container.decode([String].self, forKey: .aud)
            }
            jti = try? container.decode(String.self, forKey: .jti)
            do {
                times = Times(
                    exp: try container.decodeIfPresent(Double.self, forKey: .exp),
                    iat: try container.decodeIfPresent(Double.self, forKey: .iat),
                    nbf: try container.decodeIfPresent(Double.self, forKey: .nbf))
                timesValid = [times.exp, times.iat, times.nbf].allSatisfy { $0?.isFinite ?? true }
            } catch {
                times = Times()
                timesValid = false
            }
        }
    }

    /// The JOSE header's members that matter here.
    struct Header: Decodable {
        var alg: String?
        var critPresent: Bool

        enum CodingKeys: String, CodingKey {
            case alg, crit
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            alg = try? container.decode(String.self, forKey: .alg)
            critPresent = container.contains(.crit)
        }
    }

    /// Reads the header and claims without checking the signature: only to find the provisioner (`iss`).
    static func read(_ token: String) throws -> Unverified {
        guard token.utf8.count <= maximumSize else {
            throw CAServiceError.unauthorized(.tokenMalformed, "the token is longer than \(maximumSize) bytes")
        }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        guard parts.count == 3, let headerBytes = base64URLDecoded(parts[0]),
            let payloadBytes = base64URLDecoded(parts[1]),
            let header = try? decoder.decode(Header.self, from: headerBytes),
            let claims = try? decoder.decode(Claims.self, from: payloadBytes)
        else {
            throw CAServiceError.unauthorized(.tokenMalformed, "the token is not a compact JWS with JSON claims")
        }
        guard let algorithm = header.alg, algorithm == "ES256" || algorithm == "EdDSA" else {
            throw CAServiceError.unauthorized(.tokenMalformed, "the token's algorithm must be ES256 or EdDSA")
        }
        guard !header.critPresent else {
            throw CAServiceError.unauthorized(.tokenMalformed, "the token has critical header parameters (crit)")
        }
        guard let issuer = claims.iss, !issuer.isEmpty else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token has no issuer (iss, the provisioner's name)")
        }
        guard claims.timesValid else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token's iat, nbf and exp must be NumericDate seconds")
        }
        return Unverified(algorithm: algorithm, claims: claims, times: claims.times, issuer: issuer)
    }

    /// Checks a token whose signature verified: audience, times, lifetime and claims. The `jti` is not consumed
    /// here.
    static func check(
        _ token: Unverified,
        audiences: Set<String>,
        audiencePath: String,
        pathOnly: Bool,
        now: Date,
        clockSkew: TimeInterval,
        maximumLifetime: TimeInterval
    ) throws -> ProvisionerToken {
        let claims = token.claims
        let provisioner = printable(token.issuer)
        guard let audienceValues = claims.aud else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token from \(provisioner) has no audience (aud)")
        }
        let matches = audienceValues.contains { value in
            if audiences.contains(value) { return true }
            guard pathOnly, let components = URLComponents(string: value) else { return false }
            return components.path == audiencePath && components.query == nil && components.fragment == nil
        }
        guard matches else {
            throw CAServiceError.unauthorized(
                .tokenAudience,
                "the token's audience is not this service's \(audiencePath) URL (expected "
                    + (pathOnly ? "a URL with path \(audiencePath)" : audiences.sorted().joined(separator: " or "))
                    + ")")
        }
        guard let expires = token.times.exp, let issuedAt = token.times.iat else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token needs iat and exp (NumericDate seconds)")
        }
        let notBefore = token.times.nbf
        let current = now.timeIntervalSince1970
        guard expires + clockSkew > current else {
            throw CAServiceError.unauthorized(.tokenExpired, "the token has expired")
        }
        guard (notBefore ?? issuedAt) - clockSkew <= current, issuedAt - clockSkew <= current else {
            throw CAServiceError.unauthorized(
                .tokenNotYetValid, "the token is not valid yet (nbf or iat in the future)")
        }
        guard expires > issuedAt, expires - issuedAt <= maximumLifetime,
            expires - (notBefore ?? issuedAt) <= maximumLifetime
        else {
            throw CAServiceError.unauthorized(
                .tokenClaims,
                "the token lives longer than \(Int(maximumLifetime)) seconds (exp - iat); one-time tokens are short")
        }
        guard let subject = claims.sub, !subject.isEmpty, subject.utf8.count <= 1024 else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token has no subject (sub)")
        }
        var sans: [String] = []
        if claims.sansPresent {
            guard let list = claims.sans, list.count <= 1024 else {
                throw CAServiceError.unauthorized(.tokenClaims, "the token's sans is not a list of strings")
            }
            sans = list
        }
        guard let tokenID = claims.jti, !tokenID.isEmpty, tokenID.utf8.count <= 256 else {
            throw CAServiceError.unauthorized(.tokenClaims, "the token has no id (jti, at most 256 bytes)")
        }
        return ProvisionerToken(
            provisioner: token.issuer, subject: subject, sans: sans, tokenID: tokenID,
            expiresAt: Date(timeIntervalSince1970: expires))
    }

    /// Unpadded base64url (RFC 4648 §5) to bytes; `nil` for any other character or a bad length. Works on the
    /// UTF-8 bytes (the Foundation string replacements it replaces cost more than the signature check).
    static func base64URLDecoded(_ text: some Collection<UInt8>) -> Data? {
        var base64: [UInt8] = []
        base64.reserveCapacity(text.count + 3)
        for byte in text {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                base64.append(byte)
            case UInt8(ascii: "-"): base64.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): base64.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        while base64.count % 4 != 0 { base64.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(base64))
    }

    /// A name from a token, safe for a message or a log: printable ASCII, at most 64 characters.
    static func printable(_ text: String) -> String {
        // The first 64 Unicode scalars, keeping only printable ASCII, as bytes: a printable ASCII byte is a scalar
        // of its own, and every byte of a longer scalar is 0x80 or more.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(text.utf8.count, 64) + 2)
        bytes.append(UInt8(ascii: "'"))
        var scalars = 0
        for byte in text.utf8 {
            // A byte that starts a scalar: ASCII, or a UTF-8 lead byte (0b11xxxxxx), not a continuation byte.
            if byte < 0x80 || byte >= 0xC0 {
                guard scalars < 64 else { break }
                scalars += 1
            }
            if (0x20...0x7E).contains(byte) { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "'"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
