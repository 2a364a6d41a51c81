import Crypto
import Foundation
import IAM
import X509
import _CryptoExtras

/// Reading RSA keys and certificates from PEM, with errors that name the key's role and never its bytes.
enum RSAKeys {
    /// The label of the first PEM block, e.g. `CERTIFICATE`, `PUBLIC KEY`, `RSA PRIVATE KEY`.
    static func pemLabel(_ pem: String) -> String? {
        guard let begin = pem.range(of: "-----BEGIN ") else { return nil }
        let rest = pem[begin.upperBound...]
        guard let end = rest.range(of: "-----") else { return nil }
        return String(rest[..<end.lowerBound])
    }

    /// An RSA public key from a PEM certificate, a PEM `PUBLIC KEY` (SPKI) or a PEM `RSA PUBLIC KEY` (PKCS#1).
    /// Returns the certificate's validity when the input was a certificate.
    static func publicKey(
        fromPEM pem: String, role: String, field: ContractField? = nil, code: ContractError.Code = .invalidKey
    ) throws -> (key: _RSA.Signing.PublicKey, validity: CertificateValidity?) {
        let pem = try strictPEM(pem, role: role, field: field, code: code)
        switch pemLabel(pem) {
        case "CERTIFICATE"?, "X509 CERTIFICATE"?:
            let certificate: Certificate
            do {
                certificate = try Certificate(pemEncoded: pem)
            } catch {
                throw ContractError(
                    code: .invalidCertificate, message: "\(role) is not a readable X.509 certificate", field: field,
                    cause: error)
            }
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                throw ContractError(
                    code: .invalidCertificate,
                    message: "\(role) holds a \(certificate.publicKey) key; only RSA keys are supported",
                    field: field)
            }
            try checkSize(key.keySizeInBits, role: role, field: field, code: .invalidCertificate)
            let validity = CertificateValidity(
                subject: certificate.subject.description, notBefore: certificate.notValidBefore,
                notAfter: certificate.notValidAfter)
            return (key, validity)
        case "PUBLIC KEY"?, "RSA PUBLIC KEY"?:
            do {
                let key = try _RSA.Signing.PublicKey(pemRepresentation: pem)
                return (key, nil)
            } catch {
                throw ContractError(
                    code: code, message: "\(role) is not an RSA public key of at least 2048 bits", field: field)
            }
        case let label?:
            throw ContractError(
                code: code,
                message: "\(role) is a PEM \"\(label)\"; expected a CERTIFICATE or an RSA PUBLIC KEY", field: field)
        case nil:
            throw ContractError(code: code, message: "\(role) is not PEM", field: field)
        }
    }

    /// An RSA private key from PEM: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`), or their encrypted
    /// forms when a passphrase is given.
    static func privateKey(fromPEM pem: String, passphrase: [UInt8]?, role: String) throws -> _RSA.Signing.PrivateKey {
        let pem = try strictPEM(pem, role: role, field: nil, code: .invalidKey)
        let label = pemLabel(pem)
        let encrypted = label == "ENCRYPTED PRIVATE KEY" || pem.contains("Proc-Type: 4,ENCRYPTED")
        switch label {
        case "RSA PRIVATE KEY"?, "PRIVATE KEY"?, "ENCRYPTED PRIVATE KEY"?:
            break
        case let label?:
            throw ContractError(
                code: .invalidKey,
                message: "\(role) is a PEM \"\(label)\"; expected an RSA PRIVATE KEY or PRIVATE KEY")
        case nil:
            throw ContractError(code: .invalidKey, message: "\(role) is not PEM")
        }
        let key: _RSA.Signing.PrivateKey
        if encrypted {
            guard let passphrase else {
                throw ContractError(
                    code: .invalidKey, message: "\(role) is encrypted: its passphrase is needed")
            }
            do {
                key = try _RSA.Signing.PrivateKey(
                    encryptedPEMRepresentation: pem,
                    passphraseCallback: { (setter: ([UInt8]) -> Void) in setter(passphrase) })
            } catch {
                throw ContractError(
                    code: .invalidKey,
                    message: "\(role) does not open: wrong passphrase, or not an RSA key")
            }
        } else {
            do {
                key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw ContractError(
                    code: .invalidKey, message: "\(role) is not an RSA private key of at least 2048 bits")
            }
        }
        try checkSize(key.keySizeInBits, role: role, field: nil, code: .invalidKey)
        return key
    }

    /// PEM as other tools write it (76-column lines from Python's base64, CRLF, no wrapping) rewritten in the strict
    /// 64-column form swift-certificates and swift-crypto read (RFC 7468 lax parsing, shared `PEMText`). Text that
    /// is not PEM is left for the caller to refuse.
    private static func strictPEM(
        _ pem: String, role: String, field: ContractField?, code: ContractError.Code
    ) throws -> String {
        guard PEMText.looksLikePEM(pem) else { return pem }
        do {
            return try PEMText.canonical(pem)
        } catch {
            throw ContractError(code: code, message: "\(role): \(error.message)", field: field)
        }
    }

    private static func checkSize(_ bits: Int, role: String, field: ContractField?, code: ContractError.Code) throws {
        guard bits >= 2048 else {
            throw ContractError(
                code: code, message: "\(role) is an RSA-\(bits) key; at least 2048 bits are required",
                field: field)
        }
    }

    /// The same key for PKCS#1 v1.5 encryption (the encryption key types are not `Sendable`, so they are made
    /// when needed from the DER of the `Sendable` signing types).
    static func encryptionKey(_ key: _RSA.Signing.PublicKey) throws -> _RSA.Encryption.PublicKey {
        try _RSA.Encryption.PublicKey(derRepresentation: key.derRepresentation)
    }

    /// The same key for PKCS#1 v1.5 decryption.
    static func decryptionKey(_ key: _RSA.Signing.PrivateKey) throws -> _RSA.Encryption.PrivateKey {
        try _RSA.Encryption.PrivateKey(derRepresentation: key.derRepresentation)
    }

    /// The SPKI PEM of a public key, ending with a newline, as `openssl rsa -pubout` writes it.
    static func publicKeyPEM(_ key: _RSA.Signing.PublicKey) -> String {
        let pem = key.pemRepresentation
        return pem.hasSuffix("\n") ? pem : pem + "\n"
    }
}
