import Crypto
import Foundation
import _CryptoExtras

/// Encrypts contract sections into `hyper-protect-basic.<A>.<B>` tokens, byte-compatible with IBM's tooling.
///
/// - A = base64(RSAES-PKCS1-v1_5(encryption key, password)), where the password is 32 random bytes free of
///   `0x00` and `0x0A` (so `openssl`'s cut at those bytes never shortens it);
/// - B = base64(`"Salted__"` ‖ salt ‖ AES-256-CBC(PKCS#7(plaintext))), key and IV from
///   PBKDF2-HMAC-SHA256(password, salt, 10 000 rounds), exactly as `openssl enc -aes-256-cbc -pbkdf2` writes it.
///
/// The encryption key comes from the image's encryption certificate (or, for an attestation record or tests,
/// from a PEM public key). An expired certificate is refused; ``expiryWarning`` tells when fewer than 180 days
/// remain.
///
/// ```swift
/// let encryptor = try ContractEncryptor(encryptionKeyPEM: certificatePEM)
/// if let warning = encryptor.expiryWarning { print(warning) }
/// let token = try encryptor.encrypt("type: workload\n...")
/// ```
public struct ContractEncryptor: Sendable {
    /// How long before `notAfter` ``expiryWarning`` starts to warn: 180 days, as IBM's tooling does.
    public static let expiryWarningInterval: TimeInterval = 180 * 24 * 60 * 60

    /// The prefix written before the two base64 parts.
    public var prefix: TokenPrefix
    /// The encryption certificate's validity, or `nil` when a bare public key was given.
    public let certificateValidity: CertificateValidity?
    /// A sentence to show the user (on stderr) when the certificate expires within 180 days of the `now` given
    /// at creation; `nil` otherwise.
    public let expiryWarning: String?
    /// The key size in bits (4096 for IBM's encryption certificates).
    public var keySizeInBits: Int { key.keySizeInBits }

    private let key: _RSA.Signing.PublicKey

    /// An encryptor for a PEM encryption certificate or a PEM RSA public key.
    ///
    /// - Parameters:
    ///   - encryptionKeyPEM: a PEM `CERTIFICATE` (the image's `...-encrypt.crt`) or a PEM `PUBLIC KEY`.
    ///   - prefix: the token prefix: ``TokenPrefix/hyperProtectBasic`` (default) or
    ///     ``TokenPrefix/contractBasic`` for CCRT/CCRV.
    ///   - now: the time against which the certificate's validity is checked.
    /// - Throws: ``ContractError/certificateExpired`` or ``ContractError/certificateNotYetValid`` for a
    ///   certificate outside its validity, ``ContractError/invalidCertificate`` or ``ContractError/invalidKey``
    ///   for unusable input.
    public init(encryptionKeyPEM: String, prefix: TokenPrefix = .hyperProtectBasic, now: Date = Date()) throws {
        let (key, validity) = try RSAKeys.publicKey(fromPEM: encryptionKeyPEM, role: "the encryption certificate")
        try validity?.check(at: now, role: "the encryption certificate")
        self.key = key
        self.prefix = prefix
        self.certificateValidity = validity
        if let validity, validity.remaining(at: now) < Self.expiryWarningInterval {
            let days = Int(validity.remaining(at: now) / 86_400)
            self.expiryWarning =
                "warning: the encryption certificate (\(validity.subject)) expires on "
                + "\(CertificateValidity.format(validity.notAfter)), in \(days) day\(days == 1 ? "" : "s"); "
                + "contracts encrypted for it stop working when the image's certificate expires"
        } else {
            self.expiryWarning = nil
        }
    }

    /// Encrypts `plaintext` (exactly these bytes) into a token.
    public func encrypt(_ plaintext: [UInt8]) throws -> String {
        try encrypt(plaintext, password: ContractPassword.generate(), salt: ContractPassword.salt())
    }

    /// Encrypts the UTF-8 bytes of `text` (exactly, no trimming) into a token.
    public func encrypt(_ text: String) throws -> String {
        try encrypt(Array(text.utf8))
    }

    /// Encrypts with a given password and salt: for tests and known-answer vectors only.
    func encrypt(_ plaintext: [UInt8], password: [UInt8], salt: [UInt8]) throws -> String {
        let wrapped: Data
        do {
            let encryptionKey = try RSAKeys.encryptionKey(key)
            wrapped = try encryptionKey.encrypt(password, padding: ._WEAK_AND_INSECURE_PKCS_V1_5)
        } catch {
            throw ContractError(code: .encryptionFailed, message: "RSA encryption of the section password failed")
        }
        let envelope = try SaltedEnvelope.seal(plaintext, password: password, salt: salt)
        return SectionToken(prefix: prefix, wrappedPassword: Array(wrapped), envelope: envelope).text
    }
}
