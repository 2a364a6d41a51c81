import Crypto
import Foundation
import _CryptoExtras

/// The key that verifies `envWorkloadSignature`, read from `env.signingKey`.
///
/// The contract schema accepts a PEM `PUBLIC KEY`, a PEM `CERTIFICATE`, or base64 of either; a PEM written with
/// literal `\n` escapes (a single-quoted YAML string) is accepted too. With a certificate, only its public key
/// and validity window matter: HPCR receives no CA, so the chain is not checked.
public struct ContractSigningKey: Sendable {
    private let key: _RSA.Signing.PublicKey

    /// The certificate's validity when `signingKey` is a certificate; `nil` for a bare public key.
    public let certificateValidity: CertificateValidity?

    /// The SPKI PEM of the verification key.
    public var publicKeyPEM: String { RSAKeys.publicKeyPEM(key) }

    /// Whether `signingKey` was a certificate.
    public var isCertificate: Bool { certificateValidity != nil }

    /// Reads a `signingKey` value.
    /// - Throws: ``ContractError/invalidSigningKey``.
    public init(signingKeyValue: String) throws {
        var text = signingKeyValue.trimmingASCIIWhitespace()
        if !text.hasPrefix("-----BEGIN") {
            guard let decoded = StrictBase64.decodeIgnoringWhitespace(text),
                let pem = String(validating: decoded, as: UTF8.self), pem.contains("-----BEGIN")
            else {
                throw ContractError(
                    code: .invalidSigningKey,
                    message: "signingKey is neither a PEM public key or certificate nor base64 of one", field: .env)
            }
            text = pem
        }
        if !text.contains("\n"), text.contains("\\n") {
            text = text.replacingOccurrences(of: "\\n", with: "\n")
        }
        do {
            let (key, validity) = try RSAKeys.publicKey(
                fromPEM: text, role: "signingKey", field: .env, code: .invalidSigningKey)
            self.key = key
            self.certificateValidity = validity
        } catch let error as ContractError {
            throw ContractError(code: .invalidSigningKey, message: error.message, field: .env, cause: error.cause)
        }
    }

    /// A verification key from a PEM public key or certificate (same forms as ``init(signingKeyValue:)``).
    public init(pem: String) throws {
        try self.init(signingKeyValue: pem)
    }

    /// Whether `signature` (base64, whitespace between characters tolerated) is a valid RSASSA-PKCS1-v1_5 SHA-256
    /// signature over `workload` followed by `env`.
    public func isValidSignature(_ signature: String, workload: String, env: String) -> Bool {
        guard let bytes = StrictBase64.decodeIgnoringWhitespace(signature) else { return false }
        return isValidSignature(bytes: bytes, over: Array(workload.utf8) + Array(env.utf8))
    }

    func isValidSignature(bytes: [UInt8], over data: [UInt8]) -> Bool {
        key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: bytes), for: SHA256.hash(data: data),
            padding: .insecurePKCS1v1_5)
    }
}
