import Crypto
import Foundation
import _CryptoExtras

/// The `openssl enc -aes-256-cbc -pbkdf2` file format, as IBM's tooling writes part B of a token:
/// `"Salted__" ‖ salt[8] ‖ AES-256-CBC(key, iv, PKCS#7(plaintext))` with
/// `key ‖ iv = PBKDF2-HMAC-SHA256(password, salt, 10 000 rounds, 48 bytes)`.
///
/// These are `openssl enc`'s implicit defaults with `-pbkdf2`: nothing in IBM's commands prints them.
enum SaltedEnvelope {
    /// The 8-byte magic that starts the format.
    static let magic: [UInt8] = Array("Salted__".utf8)
    /// `PKCS5_SALT_LEN`.
    static let saltLength = 8
    /// `openssl enc -pbkdf2`'s default iteration count.
    static let iterations = 10_000
    /// AES block size.
    static let blockSize = 16
    /// Header plus one block: the smallest well-formed envelope.
    static let minimumLength = magic.count + saltLength + blockSize

    /// Checks the shape of an envelope without any key: magic, salt, a whole number of blocks.
    static func validateShape(_ envelope: [UInt8]) throws {
        guard envelope.count >= magic.count, Array(envelope.prefix(magic.count)) == magic else {
            throw ContractError(
                code: .malformedToken,
                message: "the encrypted data (part B) does not start with the \"Salted__\" header of `openssl enc`")
        }
        let body = envelope.count - magic.count - saltLength
        guard body >= blockSize, body % blockSize == 0 else {
            throw ContractError(
                code: .malformedToken,
                message: "the encrypted data (part B) is truncated: \(max(body, 0)) ciphertext bytes after the "
                    + "salt, not a positive multiple of \(blockSize)")
        }
    }

    /// The bytes `openssl enc -pass stdin` really uses as the PBKDF2 password: the unwrapped bytes up to
    /// (excluding) the first `0x0A` or `0x00` (`BIO_gets`, the `\n` cut in `app_get_pass`, then `strlen`).
    static func effectivePassword(_ unwrapped: [UInt8]) -> ArraySlice<UInt8> {
        let end = unwrapped.firstIndex { $0 == 0x0A || $0 == 0x00 } ?? unwrapped.endIndex
        return unwrapped[..<end]
    }

    /// Derives the AES-256 key and the CBC IV from a password and a salt.
    static func deriveKeyAndIV(
        password: some DataProtocol, salt: some DataProtocol
    ) throws -> (key: SymmetricKey, iv: AES._CBC.IV) {
        let material = try KDF.Insecure.PBKDF2.deriveKey(
            from: password, salt: salt, using: .sha256, outputByteCount: 48, unsafeUncheckedRounds: iterations)
        return try material.withUnsafeBytes { bytes in
            let key = SymmetricKey(data: bytes.prefix(32))
            let iv = try AES._CBC.IV(ivBytes: Array(bytes[32..<48]))
            return (key, iv)
        }
    }

    /// Encrypts `plaintext` under `password` with the given 8-byte salt.
    static func seal(_ plaintext: [UInt8], password: some DataProtocol, salt: [UInt8]) throws -> [UInt8] {
        guard salt.count == saltLength else {
            throw ContractError(code: .invalidArgument, message: "the salt must be \(saltLength) bytes")
        }
        let (key, iv) = try deriveKeyAndIV(password: password, salt: salt)
        let ciphertext = try AES._CBC.encrypt(plaintext, using: key, iv: iv)
        return magic + salt + Array(ciphertext)
    }

    /// Decrypts an envelope whose shape ``validateShape(_:)`` accepted; throws `decryptionFailed` on bad padding.
    static func open(_ envelope: [UInt8], password: some DataProtocol) throws -> [UInt8] {
        try validateShape(envelope)
        let salt = envelope[magic.count..<(magic.count + saltLength)]
        let ciphertext = envelope[(magic.count + saltLength)...]
        let (key, iv) = try deriveKeyAndIV(password: password, salt: salt)
        do {
            return Array(try AES._CBC.decrypt(ciphertext, using: key, iv: iv))
        } catch {
            throw ContractError(
                code: .decryptionFailed,
                message: "the encrypted data does not decrypt (bad padding): wrong key or corrupted token")
        }
    }
}

/// The 32-byte section passwords.
enum ContractPassword {
    /// Password length in bytes, as `openssl rand 32` gives.
    static let length = 32

    /// 32 random bytes, none of them `0x00` or `0x0A`, so that `openssl`'s cut (see
    /// ``SaltedEnvelope/effectivePassword(_:)``) leaves the password whole and both readings agree.
    /// Rejection sampling keeps the other 254 byte values uniform.
    static func generate() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// ``generate()`` with an explicit source of randomness.
    static func generate(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var password: [UInt8] = []
        password.reserveCapacity(length)
        while password.count < length {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            if byte != 0x00 && byte != 0x0A { password.append(byte) }
        }
        return password
    }

    /// A fresh 8-byte salt.
    static func salt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<SaltedEnvelope.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
