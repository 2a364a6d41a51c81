import Foundation
import JWTKit

/// A provisioner's public key: what verifies its one-time tokens. ES256 (P-256) or EdDSA (Ed25519), given as a
/// JWK (`{"kty": "EC", "crv": "P-256", "x": ..., "y": ...}` or `{"kty": "OKP", "crv": "Ed25519", "x": ...}`) or
/// as a PEM `PUBLIC KEY`.
public struct ProvisionerKey: Sendable {
    /// The JWS algorithm the key verifies: `ES256` or `EdDSA`.
    public let algorithm: String
    let keys: JWTKeyCollection

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
        let keys = JWTKeyCollection()
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
                    await keys.add(ecdsa: try ES256PublicKey(parameters: (x: x, y: y)))
                } catch {
                    throw CAServiceError.badRequest("the EC JWK's \"x\" and \"y\" are not a P-256 point")
                }
                algorithm = "ES256"
            case ("OKP", "Ed25519"):
                guard let x = object["x"] as? String else {
                    throw CAServiceError.badRequest("the OKP JWK needs \"x\"")
                }
                do {
                    await keys.add(eddsa: try EdDSA.PublicKey(x: x, curve: .ed25519))
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
            if let key = try? ES256PublicKey(pem: trimmed) {
                await keys.add(ecdsa: key)
                algorithm = "ES256"
            } else if let key = try? EdDSA.PublicKey(pem: trimmed) {
                await keys.add(eddsa: key)
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
        self.keys = keys
    }

    /// Whether `token`'s signature verifies with this key.
    func verifies(_ token: String) async -> Bool {
        do {
            _ = try await keys.verify(token, as: OpaquePayload.self)
            return true
        } catch {
            return false
        }
    }

    private static func printable(_ value: String?) -> String {
        guard let value else { return "(none)" }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: value.unicodeScalars.prefix(32).filter { $0.isASCII && $0.value >= 0x20 })
        return "\"" + String(scalars) + "\""
    }
}

/// A payload that decodes from any JSON object: the claims are read and checked by ``ProvisionerToken``.
private struct OpaquePayload: JWTPayload {
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
