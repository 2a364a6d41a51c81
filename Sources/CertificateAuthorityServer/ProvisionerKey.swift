import Crypto
import Foundation
import JWTKit

/// A provisioner's public key: what verifies its one-time tokens. ES256 (P-256) or EdDSA (Ed25519), given as a
/// JWK (`{"kty": "EC", "crv": "P-256", "x": ..., "y": ...}` or `{"kty": "OKP", "crv": "Ed25519", "x": ...}`) or
/// as a PEM `PUBLIC KEY`.
public struct ProvisionerKey: Sendable {
    /// The JWS algorithm the key verifies: `ES256` or `EdDSA`.
    public let algorithm: String
    private let key: Key

    /// The key itself: jwt-kit reads the JWK or PEM, swift-crypto checks each signature (no key collection, no
    /// actor and no second parse of the token per request).
    private enum Key: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// The largest key text read (JWK or PEM).
    public static let maximumTextSize = 16 * 1024

    /// Parses `text`, a JWK or PEM public key.
    ///
    /// - Throws: ``CAServiceError`` (reason ``CAServiceError/Reason/badRequest``) saying what is wrong: not a JWK
    ///   or PEM, a private key, another curve or key type.
    public init(text: String) async throws {
        guard text.utf8.count <= Self.maximumTextSize else {
            throw CAServiceError.badRequest("a provisioner key is at most \(Self.maximumTextSize / 1024) KiB")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let key: Key
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw CAServiceError.badRequest("the provisioner key is not a JSON object (JWK)")
            }
            if object["d"] != nil {
                throw CAServiceError.badRequest(
                    "the provisioner key is a private JWK (it has \"d\"): register the public key only")
            }
            let kty = object["kty"] as? String
            let crv = object["crv"] as? String
            switch (kty, crv) {
            case ("EC", "P-256"):
                guard let x = object["x"] as? String, let y = object["y"] as? String else {
                    throw CAServiceError.badRequest("the EC JWK needs \"x\" and \"y\"")
                }
                do {
                    key = try Self.p256(try ES256PublicKey(parameters: (x: x, y: y)))
                } catch {
                    throw CAServiceError.badRequest("the EC JWK's \"x\" and \"y\" are not a P-256 point")
                }
                algorithm = "ES256"
            case ("OKP", "Ed25519"):
                guard let x = object["x"] as? String else {
                    throw CAServiceError.badRequest("the OKP JWK needs \"x\"")
                }
                do {
                    key = try Self.ed25519(try EdDSA.PublicKey(x: x, curve: .ed25519))
                } catch {
                    throw CAServiceError.badRequest("the OKP JWK's \"x\" is not an Ed25519 public key")
                }
                algorithm = "EdDSA"
            default:
                throw CAServiceError.badRequest(
                    "the provisioner JWK must be EC P-256 (ES256) or OKP Ed25519 (EdDSA), not "
                        + "kty \(Self.printable(kty)) crv \(Self.printable(crv))")
            }
        } else if trimmed.hasPrefix("-----BEGIN PUBLIC KEY-----") {
            if let parsed = try? ES256PublicKey(pem: trimmed), let p256 = try? Self.p256(parsed) {
                key = p256
                algorithm = "ES256"
            } else if let parsed = try? EdDSA.PublicKey(pem: trimmed), let ed25519 = try? Self.ed25519(parsed) {
                key = ed25519
                algorithm = "EdDSA"
            } else {
                throw CAServiceError.badRequest(
                    "the PEM public key is neither P-256 (ES256) nor Ed25519 (EdDSA)")
            }
        } else if trimmed.hasPrefix("-----BEGIN") {
            throw CAServiceError.badRequest(
                "the provisioner key must be a PEM PUBLIC KEY (never a private key or a certificate)")
        } else {
            throw CAServiceError.badRequest("the provisioner key is neither a JWK nor a PEM public key")
        }
        self.key = key
    }

    private static func p256(_ key: ES256PublicKey) throws -> Key {
        .p256(try P256.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
    }

    private static func ed25519(_ key: EdDSA.PublicKey) throws -> Key {
        .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: key.rawRepresentation))
    }

    /// Whether `token`'s signature (its third part, unpadded base64url) verifies with this key over the token's
    /// signing input (`header.payload`, RFC 7515 §5.2): for ES256 the raw 64-byte `r || s` over SHA-256 of it
    /// (RFC 7518 §3.4), for EdDSA the Ed25519 signature of it (RFC 8037). The caller has checked that the
    /// token's `alg` is this key's ``algorithm``.
    func verifies(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard let last = bytes.lastIndex(of: UInt8(ascii: ".")), last > 0,
            let signature = ProvisionerToken.base64URLDecoded(bytes[(last + 1)...]),
            bytes[..<last].firstIndex(of: UInt8(ascii: ".")) != nil
        else { return false }
        let input = bytes[..<last]
        switch key {
        case .p256(let key):
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: SHA256.hash(data: input))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: input)
        }
    }

    private static func printable(_ value: String?) -> String {
        guard let value else { return "(none)" }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: value.unicodeScalars.prefix(32).filter { $0.isASCII && $0.value >= 0x20 })
        return "\"" + String(scalars) + "\""
    }
}
