import Crypto
import Foundation
import _CryptoExtras

/// Signs contracts: `envWorkloadSignature` = base64(RSASSA-PKCS1-v1_5/SHA-256(workload ‖ env)), where workload
/// and env are the sections' exact string values (the tokens, when encrypted), with no separator.
///
/// The verification key travels inside `env` as `signingKey`: either the public key (PEM) or a certificate for
/// it, whose `notAfter` then is the contract's expiry date. ``signingKeyValue`` is what
/// ``ContractBuilder`` injects: base64 of that PEM, as IBM's contract-go does.
///
/// ```swift
/// let signer = try ContractSigner(privateKeyPEM: signerKeyPEM, certificatePEM: signingCertificatePEM)
/// let signature = try signer.signature(workload: workloadToken, env: envToken)
/// ```
public struct ContractSigner: Sendable {
    private let key: _RSA.Signing.PrivateKey

    /// The PEM that verifies this signer: the certificate when one was given, else the SPKI public key.
    public let signingKeyPEM: String
    /// The signing certificate's validity (its `notAfter` is the contract's expiry), or `nil` without one.
    public let certificateValidity: CertificateValidity?

    /// A signer with a PEM RSA private key (PKCS#1 or PKCS#8) and, optionally, a PEM certificate for its public
    /// key.
    ///
    /// - Throws: ``ContractError/invalidKey``; ``ContractError/invalidCertificate`` when the certificate is
    ///   unreadable or certifies another key; ``ContractError/certificateExpired`` or
    ///   ``ContractError/certificateNotYetValid`` when the certificate is outside its validity at `now` (the
    ///   contract would not boot).
    public init(privateKeyPEM: String, certificatePEM: String? = nil, now: Date = Date()) throws {
        try self.init(privateKeyPEM: privateKeyPEM, passphrase: nil, certificatePEM: certificatePEM, now: now)
    }

    /// A signer whose PEM private key may be passphrase-protected.
    public init(privateKeyPEM: String, passphrase: [UInt8]?, certificatePEM: String? = nil, now: Date = Date())
        throws
    {
        let key = try RSAKeys.privateKey(fromPEM: privateKeyPEM, passphrase: passphrase, role: "the signing key")
        self.key = key
        if let certificatePEM {
            let (certified, validity) = try RSAKeys.publicKey(
                fromPEM: certificatePEM, role: "the signing certificate", code: .invalidCertificate)
            guard let validity else {
                throw ContractError(code: .invalidCertificate, message: "the signing certificate is not a certificate")
            }
            guard certified.derRepresentation == key.publicKey.derRepresentation else {
                throw ContractError(
                    code: .invalidCertificate,
                    message: "the signing certificate certifies another key than the signing key")
            }
            try validity.check(at: now, role: "the signing certificate")
            self.certificateValidity = validity
            self.signingKeyPEM = Self.normalisedPEM(certificatePEM)
        } else {
            self.certificateValidity = nil
            self.signingKeyPEM = RSAKeys.publicKeyPEM(key.publicKey)
        }
    }

    /// The `signingKey` value to put into `env`: base64 of ``signingKeyPEM`` on one line.
    public var signingKeyValue: String { StrictBase64.encode(Array(signingKeyPEM.utf8)) }

    /// The SPKI PEM of the signer's public key.
    public var publicKeyPEM: String { RSAKeys.publicKeyPEM(key.publicKey) }

    /// The `envWorkloadSignature` value for these exact section strings: base64 (one line) of the RSASSA-PKCS1-v1_5
    /// SHA-256 signature over the UTF-8 bytes of `workload` followed by `env`.
    public func signature(workload: String, env: String) throws -> String {
        let signed = Array(workload.utf8) + Array(env.utf8)
        do {
            let signature = try key.signature(for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
            return StrictBase64.encode(signature.rawRepresentation)
        } catch {
            throw ContractError(code: .signingFailed, message: "RSA signing failed", cause: error)
        }
    }

    /// The PEM block(s) of a certificate file: surrounding whitespace trimmed, one final newline.
    private static func normalisedPEM(_ pem: String) -> String {
        pem.trimmingASCIIWhitespace() + "\n"
    }
}
