/// The HSM mock's software crypto engine.
///
/// `SoftCrypto` is a stateless namespace of static functions backed by OpenSSL 3
/// libcrypto (through the `COpenSSL` system-library module). Every input and
/// output byte string is a `[UInt8]`; keys travel as DER:
///
/// - private keys as PKCS#8 `PrivateKeyInfo` (import is tolerant: anything
///   `d2i_AutoPrivateKey` understands, e.g. Go's PKCS#8 EC form whose inner
///   `ECPrivateKey` has no parameters and/or no public key),
/// - RSA / EC public keys as X.509 `SubjectPublicKeyInfo`,
/// - Ed25519 public keys as the raw 32-byte RFC 8032 encoding.
///
/// Every failure is a thrown ``SoftCryptoError``. The functions are written to
/// be safe on hostile input (empty, short, oversized or garbage bytes never
/// trap) and free every OpenSSL object they allocate. They are thread-safe:
/// no state is shared between calls (OpenSSL's error queue is per thread and
/// is cleared before returning).
///
/// Capabilities (see the extensions in this folder):
/// - random: ``randomBytes(_:)``
/// - hashing / MACs: ``digest(_:_:)``, ``hmac(_:key:data:)``, ``cmacAES(key:data:)``
/// - AES: ``aesECB(encrypt:key:data:)``, ``aesCBC(encrypt:key:iv:data:padding:)``,
///   ``aesCTR(key:iv:data:)``, ``aesGCMSeal(key:nonce:aad:plaintext:tagLength:)``,
///   ``aesGCMOpen(key:nonce:aad:ciphertext:tag:)``, ``aesKeyWrap(kek:key:)``,
///   ``aesKeyUnwrap(kek:wrapped:)``, ``aesKeyWrapPad(kek:key:)``,
///   ``aesKeyUnwrapPad(kek:wrapped:)``, ``aesCheckValue(_:)``
/// - Triple-DES: ``des3ECB(encrypt:key:data:)``, ``des3CBC(encrypt:key:iv:data:padding:)``,
///   ``des3CheckValue(_:)``
/// - RSA: ``generateRSA(bits:publicExponent:)``, ``rsaEncrypt(publicKeySPKI:data:padding:)``,
///   ``rsaDecrypt(privateKeyPKCS8:data:padding:)``, ``rsaSign(privateKeyPKCS8:message:scheme:)``,
///   ``rsaVerify(publicKeySPKI:message:signature:scheme:)``, ``rsaModulusBits(_:)``,
///   ``rsaPublicComponents(_:)``
/// - EC: ``generateEC(_:)``, ``ecdsaSign(privateKeyPKCS8:digest:)``,
///   ``ecdsaVerify(publicKeySPKI:digest:signature:)``, ``ecdh(privateKeyPKCS8:peerPoint:)``,
///   ``ecPublicPoint(_:)``, ``ecPublicKeySPKI(curve:point:)``, ``ecCurve(ofPrivateKey:)``
/// - Ed25519: ``generateEd25519()``, ``ed25519Sign(privateKeyPKCS8:message:)``,
///   ``ed25519Verify(publicKeyRaw:message:signature:)``
/// - generic: ``privateKeyKind(_:)``, ``publicKeyFromPrivate(_:)``
package enum SoftCrypto {}

/// Errors thrown by ``SoftCrypto``. Messages never contain key or data bytes.
package enum SoftCryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A key is malformed, of the wrong type or size, or (for EC) not on the curve.
    case invalidKey
    /// A signature does not verify, or is malformed (wrong length, out of range).
    case invalidSignature
    /// Input data has a length the operation cannot accept.
    case invalidLength
    /// A mechanism parameter (IV, nonce, exponent, salt length, size, …) is invalid.
    case invalidParameter
    /// Decryption or unwrapping failed an integrity / padding check.
    case decryptionFailed
    /// The algorithm, curve or key type is not supported by the engine.
    case unsupported
    /// OpenSSL failed unexpectedly; the string names the failing step and OpenSSL's reason.
    case internalFailure(String)

    package var description: String {
        switch self {
        case .invalidKey: "invalid key"
        case .invalidSignature: "invalid signature"
        case .invalidLength: "invalid length"
        case .invalidParameter: "invalid parameter"
        case .decryptionFailed: "decryption failed"
        case .unsupported: "unsupported"
        case .internalFailure(let what): "internal crypto failure: \(what)"
        }
    }
}

extension SoftCrypto {
    /// Message digest algorithms.
    package enum DigestAlgorithm: String, Hashable, Sendable, CaseIterable {
        case sha1, sha224, sha256, sha384, sha512

        /// Size of the digest in bytes.
        package var outputByteCount: Int {
            switch self {
            case .sha1: 20
            case .sha224: 28
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        /// Size of the hash's input block in bytes.
        package var blockByteCount: Int {
            switch self {
            case .sha1, .sha224, .sha256: 64
            case .sha384, .sha512: 128
            }
        }

        /// OpenSSL algorithm name (for EVP_MAC / fetch).
        var opensslName: String {
            switch self {
            case .sha1: "SHA1"
            case .sha224: "SHA224"
            case .sha256: "SHA256"
            case .sha384: "SHA384"
            case .sha512: "SHA512"
            }
        }
    }

    /// Named elliptic curves supported for ECDSA / ECDH.
    package enum ECCurve: String, Hashable, Sendable, CaseIterable {
        case p256, p384, p521, secp256k1

        /// Byte length of a field element / coordinate (and of each ECDSA half r, s).
        package var coordinateByteCount: Int {
            switch self {
            case .p256, .secp256k1: 32
            case .p384: 48
            case .p521: 66
            }
        }

        /// OpenSSL's group name (`prime256v1`, `secp384r1`, `secp521r1`, `secp256k1`).
        package var opensslGroupName: String {
            switch self {
            case .p256: "prime256v1"
            case .p384: "secp384r1"
            case .p521: "secp521r1"
            case .secp256k1: "secp256k1"
            }
        }

        /// Byte length of the uncompressed point 04‖X‖Y.
        package var uncompressedPointByteCount: Int { 1 + 2 * coordinateByteCount }

        /// Maps an OpenSSL group name (short name or NIST alias) to a curve.
        package init?(opensslGroupName name: String) {
            switch name.lowercased() {
            case "prime256v1", "p-256", "secp256r1": self = .p256
            case "secp384r1", "p-384": self = .p384
            case "secp521r1", "p-521": self = .p521
            case "secp256k1": self = .secp256k1
            default: return nil
            }
        }
    }

    /// Padding for RSA encryption / decryption.
    package enum RSAEncryptionPadding: Hashable, Sendable {
        /// RSAES-PKCS1-v1_5 (CKM_RSA_PKCS).
        case pkcs1v15
        /// RSAES-OAEP (CKM_RSA_PKCS_OAEP) with the given hash, MGF1 hash and label.
        case oaep(hash: DigestAlgorithm, mgf1Hash: DigestAlgorithm, label: [UInt8])
        /// Raw RSA (CKM_RSA_X_509): data is left-padded with zeros to the modulus size.
        case none
    }

    /// RSA signature schemes.
    package enum RSASignatureScheme: Hashable, Sendable {
        /// RSASSA-PKCS1-v1_5 over data the caller prepared.
        /// - `hash == nil`: the message is padded as is (CKM_RSA_PKCS; typically a
        ///   DER DigestInfo; at most modulus size − 11 bytes).
        /// - `hash != nil`: the message is that hash's digest; the DigestInfo is
        ///   added by the engine.
        case pkcs1v15(hash: DigestAlgorithm?)
        /// Hash the message, then RSASSA-PKCS1-v1_5 with DigestInfo (CKM_SHA256_RSA_PKCS, …).
        case pkcs1v15Hashing(DigestAlgorithm)
        /// RSASSA-PSS. `prehashed == true`: the message is the digest (CKM_RSA_PKCS_PSS);
        /// `false`: the message is hashed first (CKM_SHA256_RSA_PKCS_PSS, …).
        /// `saltLength` is the exact salt length in bytes (≥ 0); verification requires it.
        case pss(hash: DigestAlgorithm, mgf1Hash: DigestAlgorithm, saltLength: Int, prehashed: Bool)
    }

    /// The kind of a private key.
    package enum PrivateKeyKind: Hashable, Sendable {
        case rsa
        case ec(ECCurve)
        case ed25519
    }
}
