import Crypto
import Foundation
import _CryptoExtras

/// Decrypts `hyper-protect-basic.<A>.<B>` (and `contract-basic.<A>.<B>`) tokens with an RSA private key: contract
/// sections with the private key of an encryption certificate, attestation records (`se-checksums.txt.enc`)
/// with the auditor's key.
///
/// It applies `openssl enc -pass stdin`'s reading of the password: only the unwrapped bytes before the first
/// `0x0A` or `0x00` feed PBKDF2. About 22% of the tokens made by IBM's documented shell pipeline (and by
/// contract-go) depend on that cut.
///
/// ```swift
/// let decryptor = try ContractDecryptor(privateKeyPEM: privateKeyPEM)
/// let plaintext = try decryptor.decrypt(token: token)
/// ```
public struct ContractDecryptor: Sendable {
    private let key: _RSA.Signing.PrivateKey

    /// A decryptor for an unencrypted PEM RSA private key: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
    public init(privateKeyPEM: String) throws {
        self.key = try RSAKeys.privateKey(fromPEM: privateKeyPEM, passphrase: nil, role: "the private key")
    }

    /// A decryptor for a PEM RSA private key that may be passphrase-protected (`ENCRYPTED PRIVATE KEY`, or a
    /// PKCS#1 key with `Proc-Type: 4,ENCRYPTED`, as `openssl genrsa -aes128` writes).
    public init(privateKeyPEM: String, passphrase: [UInt8]) throws {
        self.key = try RSAKeys.privateKey(fromPEM: privateKeyPEM, passphrase: passphrase, role: "the private key")
    }

    /// The SPKI PEM of the matching public key.
    public var publicKeyPEM: String { RSAKeys.publicKeyPEM(key.publicKey) }

    /// The key size in bits.
    public var keySizeInBits: Int { key.keySizeInBits }

    /// Decrypts a token with one of the ``TokenPrefix/known`` prefixes.
    ///
    /// Surrounding whitespace (a file's final newline) is ignored; everything else must be exact.
    /// - Throws: ``ContractError/invalidPrefix``, ``ContractError/malformedToken`` for a token of the wrong
    ///   shape, ``ContractError/decryptionFailed`` when it does not decrypt with this key.
    public func decrypt(token: String) throws -> [UInt8] {
        try decrypt(token: token, acceptedPrefixes: TokenPrefix.known)
    }

    /// Decrypts a token whose prefix is one of `acceptedPrefixes`.
    public func decrypt(token: String, acceptedPrefixes: [TokenPrefix]) throws -> [UInt8] {
        try decrypt(token: token, acceptedPrefixes: acceptedPrefixes, field: nil)
    }

    func decrypt(token: String, acceptedPrefixes: [TokenPrefix] = TokenPrefix.known, field: ContractField?) throws
        -> [UInt8]
    {
        let parsed = try SectionToken.parse(token, acceptedPrefixes: acceptedPrefixes, field: field)
        let modulusBytes = (key.keySizeInBits + 7) / 8
        guard parsed.wrappedPassword.count == modulusBytes else {
            throw ContractError(
                code: .decryptionFailed,
                message: "the wrapped password (part A) has \(parsed.wrappedPassword.count) bytes but this "
                    + "RSA-\(key.keySizeInBits) key needs \(modulusBytes): the token was made for another key",
                field: field)
        }
        let unwrapped: [UInt8]
        do {
            let decryptionKey = try RSAKeys.decryptionKey(key)
            unwrapped = Array(try decryptionKey.decrypt(parsed.wrappedPassword, padding: ._WEAK_AND_INSECURE_PKCS_V1_5))
        } catch {
            throw ContractError(
                code: .decryptionFailed,
                message: "the wrapped password (part A) does not decrypt with this key: wrong key or corrupted token",
                field: field)
        }
        do {
            return try SaltedEnvelope.open(parsed.envelope, password: SaltedEnvelope.effectivePassword(unwrapped))
        } catch var error as ContractError {
            error.field = field
            throw error
        }
    }
}
