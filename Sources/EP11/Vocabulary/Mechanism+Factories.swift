// Static factories for the mechanisms EP11 clients use. Weak or legacy choices carry `insecure` in their name.

extension Mechanism {
    // MARK: Digests

    /// `CKM_SHA_1`: SHA-1, which is broken for collision resistance.
    public static let insecureSHA1 = Mechanism(.sha1)
    /// `CKM_SHA224`.
    public static let sha224 = Mechanism(.sha224)
    /// `CKM_SHA256`.
    public static let sha256 = Mechanism(.sha256)
    /// `CKM_SHA384`.
    public static let sha384 = Mechanism(.sha384)
    /// `CKM_SHA512`.
    public static let sha512 = Mechanism(.sha512)

    // MARK: AES

    /// `CKM_AES_KEY_GEN`; give the size with `.valueLength(16/24/32)` in the template.
    public static let aesKeyGen = Mechanism(.aesKeyGen)

    /// `CKM_AES_ECB`: encrypts each block independently, so equal blocks give equal ciphertext. Only for
    /// single blocks of random data.
    public static let aesECB = Mechanism(.aesECB)

    /// `CKM_AES_CBC` without padding: the data must be a multiple of 16 bytes.
    /// - Parameter iv: the 16-byte initialization vector.
    public static func aesCBC(iv: [UInt8]) -> Mechanism {
        Mechanism(.aesCBC, parameter: .bytes(iv))
    }

    /// `CKM_AES_CBC_PAD`: AES-CBC with PKCS #7 padding.
    /// - Parameter iv: the 16-byte initialization vector.
    public static func aesCBCPad(iv: [UInt8]) -> Mechanism {
        Mechanism(.aesCBCPad, parameter: .bytes(iv))
    }

    /// `CKM_AES_CTR`: AES in counter mode, single-part or multi-part, on data of any length.
    /// - Parameters:
    ///   - counterBlock: the 16-byte initial counter block. Never reuse a counter block under the same key.
    ///   - counterBits: how many low bits of the block are the counter (128: the whole block).
    public static func aesCTR(counterBlock: [UInt8], counterBits: UInt64 = 128) -> Mechanism {
        Mechanism(
            .aesCTR, parameter: .bytes(AESCTRParameters(counterBlock: counterBlock, counterBits: counterBits).encoded))
    }

    /// `CKM_AES_GCM`: authenticated encryption. Encryption returns the ciphertext followed by the tag; decryption
    /// takes the same and fails with `CKR_ENCRYPTED_DATA_INVALID` if the tag does not verify.
    ///
    /// The parameter encoding is this library's reading of `CK_GCM_PARAMS` (see ``GCMParameters``); it has not
    /// been checked against HPCS.
    /// - Parameters:
    ///   - iv: the IV (12 bytes recommended). Never reuse an IV under the same key.
    ///   - additionalData: data that is authenticated but not encrypted.
    ///   - tagBits: the tag length in bits.
    public static func aesGCM(iv: [UInt8], additionalData: [UInt8] = [], tagBits: UInt64 = 128) -> Mechanism {
        aesGCM(GCMParameters(iv: iv, additionalData: additionalData, tagBits: tagBits))
    }

    /// `CKM_AES_GCM` with explicit parameters.
    public static func aesGCM(_ parameters: GCMParameters) -> Mechanism {
        Mechanism(.aesGCM, parameter: .bytes(parameters.encoded))
    }

    /// `CKM_AES_KEY_WRAP` (RFC 3394), for wrapping keys whose length is a multiple of 8 bytes.
    public static let aesKeyWrap = Mechanism(.aesKeyWrap)

    /// `CKM_AES_KEY_WRAP_PAD` (RFC 5649), for wrapping keys of any length.
    public static let aesKeyWrapPad = Mechanism(.aesKeyWrapPad)

    // MARK: Triple DES

    /// `CKM_AES_CMAC`: a 16-byte AES-CMAC (NIST SP 800-38B) over the data, as a sign/verify mechanism.
    public static let aesCMAC = Mechanism(.aesCMAC)

    /// `CKM_DES3_KEY_GEN`: Triple DES is a legacy 64-bit block cipher.
    public static let insecureDES3KeyGen = Mechanism(.des3KeyGen)

    /// `CKM_DES3_ECB`: Triple DES on whole 8-byte blocks, a legacy 64-bit block cipher without chaining.
    public static let insecureDES3ECB = Mechanism(.des3ECB)

    /// `CKM_DES3_CBC`: Triple DES in CBC mode on whole blocks; `iv` is 8 bytes.
    public static func insecureDES3CBC(iv: [UInt8]) -> Mechanism {
        Mechanism(.des3CBC, parameter: .bytes(iv))
    }

    /// `CKM_DES3_CBC_PAD`: Triple DES in CBC mode with padding, a legacy 64-bit block cipher.
    /// - Parameter iv: the 8-byte initialization vector.
    public static func insecureDES3CBCPad(iv: [UInt8]) -> Mechanism {
        Mechanism(.des3CBCPad, parameter: .bytes(iv))
    }

    // MARK: RSA

    /// `CKM_RSA_PKCS_KEY_PAIR_GEN`; give the size with `.modulusBits(_:)` and the exponent with
    /// `.publicExponent(_:)` in the public key template.
    public static let rsaKeyPairGen = Mechanism(.rsaPKCSKeyPairGen)

    /// `CKM_RSA_PKCS`: PKCS #1 v1.5 signatures over a caller-built `DigestInfo`, and PKCS #1 v1.5
    /// encryption. Prefer ``rsaOAEP(hash:mgf:label:)`` for encryption: v1.5 encryption is open to padding
    /// oracle attacks.
    public static let rsaPKCS = Mechanism(.rsaPKCS)

    /// `CKM_RSA_X_509`: raw RSA with no padding at all. Only safe when the caller applies a padding scheme.
    public static let insecureRSAX509Raw = Mechanism(.rsaX509)

    /// `CKM_RSA_PKCS_OAEP` encryption.
    /// - Parameters:
    ///   - hash: the OAEP digest.
    ///   - mgf: the mask generation function; `nil` means MGF1 with `hash`.
    ///   - label: the OAEP label, usually empty.
    public static func rsaOAEP(
        hash: MechanismType = .sha256,
        mgf: MaskGenerationFunction? = nil,
        label: [UInt8] = []
    ) -> Mechanism {
        Mechanism(.rsaPKCSOAEP, parameter: .rsaOAEP(RSAOAEPParameters(hash: hash, mgf: mgf, label: label)))
    }

    /// `CKM_RSA_PKCS_PSS`: PSS signatures over a digest the caller computed with `hash`.
    /// - Parameters:
    ///   - hash: the digest the data was hashed with.
    ///   - mgf: the mask generation function; `nil` means MGF1 with `hash`.
    ///   - saltLength: the salt length in bytes; `nil` means the digest length.
    public static func rsaPSS(
        hash: MechanismType = .sha256,
        mgf: MaskGenerationFunction? = nil,
        saltLength: UInt64? = nil
    ) -> Mechanism {
        Mechanism(.rsaPKCSPSS, parameter: .rsaPSS(RSAPSSParameters(hash: hash, mgf: mgf, saltLength: saltLength)))
    }

    /// `CKM_SHA1_RSA_PKCS`: PKCS #1 v1.5 signatures with SHA-1, which is broken for collision resistance.
    public static let insecureSHA1RSAPKCS = Mechanism(.sha1RSAPKCS)
    /// `CKM_SHA224_RSA_PKCS`: PKCS #1 v1.5 signatures with SHA-224.
    public static let sha224RSAPKCS = Mechanism(.sha224RSAPKCS)
    /// `CKM_SHA256_RSA_PKCS`: PKCS #1 v1.5 signatures with SHA-256.
    public static let sha256RSAPKCS = Mechanism(.sha256RSAPKCS)
    /// `CKM_SHA384_RSA_PKCS`: PKCS #1 v1.5 signatures with SHA-384.
    public static let sha384RSAPKCS = Mechanism(.sha384RSAPKCS)
    /// `CKM_SHA512_RSA_PKCS`: PKCS #1 v1.5 signatures with SHA-512.
    public static let sha512RSAPKCS = Mechanism(.sha512RSAPKCS)

    /// `CKM_SHA224_RSA_PKCS_PSS`: PSS with SHA-224 and MGF1-SHA-224.
    /// - Parameter saltLength: the salt length in bytes; the digest length (28) by default.
    public static func sha224RSAPSS(saltLength: UInt64 = 28) -> Mechanism {
        Self.hashedPSS(.sha224RSAPKCSPSS, hash: .sha224, saltLength: saltLength)
    }

    /// `CKM_SHA256_RSA_PKCS_PSS`: PSS with SHA-256 and MGF1-SHA-256.
    /// - Parameter saltLength: the salt length in bytes; the digest length (32) by default.
    public static func sha256RSAPSS(saltLength: UInt64 = 32) -> Mechanism {
        Self.hashedPSS(.sha256RSAPKCSPSS, hash: .sha256, saltLength: saltLength)
    }

    /// `CKM_SHA384_RSA_PKCS_PSS`: PSS with SHA-384 and MGF1-SHA-384.
    /// - Parameter saltLength: the salt length in bytes; the digest length (48) by default.
    public static func sha384RSAPSS(saltLength: UInt64 = 48) -> Mechanism {
        Self.hashedPSS(.sha384RSAPKCSPSS, hash: .sha384, saltLength: saltLength)
    }

    /// `CKM_SHA512_RSA_PKCS_PSS`: PSS with SHA-512 and MGF1-SHA-512.
    /// - Parameter saltLength: the salt length in bytes; the digest length (64) by default.
    public static func sha512RSAPSS(saltLength: UInt64 = 64) -> Mechanism {
        Self.hashedPSS(.sha512RSAPKCSPSS, hash: .sha512, saltLength: saltLength)
    }

    private static func hashedPSS(_ type: MechanismType, hash: MechanismType, saltLength: UInt64) -> Mechanism {
        Mechanism(type, parameter: .rsaPSS(RSAPSSParameters(hash: hash, saltLength: saltLength)))
    }

    // MARK: DSA and Diffie-Hellman

    /// `CKM_DSA_PARAMETER_GEN`; give the sizes with `.primeBits(_:)` (and `.subprimeBits(_:)`).
    public static let dsaParameterGen = Mechanism(.dsaParameterGen)
    /// `CKM_DSA_KEY_PAIR_GEN`; the domain parameters go in the public key template.
    public static let dsaKeyPairGen = Mechanism(.dsaKeyPairGen)
    /// `CKM_DSA`: DSA over a digest the caller computed (20 to 64 bytes); the signature is r || s, each half as
    /// long as q.
    public static let dsa = Mechanism(.dsa)
    /// `CKM_DSA_SHA1`: DSA with SHA-1, which is broken for collision resistance.
    public static let insecureDSASHA1 = Mechanism(.dsaSHA1)
    /// `CKM_DSA_SHA224`: DSA with SHA-224.
    public static let dsaSHA224 = Mechanism(.dsaSHA224)
    /// `CKM_DSA_SHA256`: DSA with SHA-256.
    public static let dsaSHA256 = Mechanism(.dsaSHA256)
    /// `CKM_DSA_SHA384`: DSA with SHA-384.
    public static let dsaSHA384 = Mechanism(.dsaSHA384)
    /// `CKM_DSA_SHA512`: DSA with SHA-512.
    public static let dsaSHA512 = Mechanism(.dsaSHA512)
    /// `CKM_DH_PKCS_PARAMETER_GEN`; give the size with `.primeBits(_:)`.
    public static let dhParameterGen = Mechanism(.dhPKCSParameterGen)
    /// `CKM_DH_PKCS_KEY_PAIR_GEN`; the domain parameters go in the public key template.
    public static let dhKeyPairGen = Mechanism(.dhPKCSKeyPairGen)

    /// `CKM_DH_PKCS_DERIVE`: PKCS #3 Diffie-Hellman.
    /// - Parameter peerPublicValue: the peer's public value y, big-endian without a sign byte.
    public static func dhDerive(peerPublicValue: [UInt8]) -> Mechanism {
        Mechanism(.dhPKCSDerive, parameter: .bytes(peerPublicValue))
    }

    // MARK: Elliptic curves

    /// `CKM_EC_KEY_PAIR_GEN`; give the curve with `.ecParameters(_:)` in the public key template. Also
    /// generates Ed25519, Ed448, X25519 and X448 keys.
    public static let ecKeyPairGen = Mechanism(.ecKeyPairGen)

    /// `CKM_ECDSA`: ECDSA over a digest the caller computed.
    public static let ecdsa = Mechanism(.ecdsa)
    /// `CKM_ECDSA_SHA1`: ECDSA with SHA-1, which is broken for collision resistance.
    public static let insecureECDSASHA1 = Mechanism(.ecdsaSHA1)
    /// `CKM_ECDSA_SHA224`: ECDSA with SHA-224.
    public static let ecdsaSHA224 = Mechanism(.ecdsaSHA224)
    /// `CKM_ECDSA_SHA256`: ECDSA with SHA-256.
    public static let ecdsaSHA256 = Mechanism(.ecdsaSHA256)
    /// `CKM_ECDSA_SHA384`: ECDSA with SHA-384.
    public static let ecdsaSHA384 = Mechanism(.ecdsaSHA384)
    /// `CKM_ECDSA_SHA512`: ECDSA with SHA-512.
    public static let ecdsaSHA512 = Mechanism(.ecdsaSHA512)

    /// `CKM_ECDH1_DERIVE` as the IBM examples send it: the peer's point as the raw parameter, no KDF.
    /// - Parameter peerPublicKey: the peer's uncompressed point `04 || X || Y` (the BIT STRING contents of its
    ///   SPKI).
    public static func ecdh1Derive(peerPublicKey: [UInt8]) -> Mechanism {
        Mechanism(.ecdh1Derive, parameter: .bytes(peerPublicKey))
    }

    /// `CKM_ECDH1_DERIVE` with structured parameters, for a KDF or hybrid derivation.
    public static func ecdh1Derive(_ parameters: ECDH1DeriveParameters) -> Mechanism {
        Mechanism(.ecdh1Derive, parameter: .ecdh1Derive(parameters))
    }

    /// `CKM_IBM_ED25519_SHA512`: Ed25519 signatures (pure EdDSA, no prehashing).
    public static let ed25519 = Mechanism(.ibmED25519SHA512)

    /// `CKM_IBM_ED448_SHA3`: Ed448 signatures (pure EdDSA, no prehashing).
    public static let ed448 = Mechanism(.ibmED448SHA3)

    /// `CKM_IBM_ECDSA_OTHER`: Schnorr or BLS signatures.
    public static func ecdsaOther(_ type: ECSGType) -> Mechanism {
        Mechanism(.ibmECDSAOther, parameter: .ecsg(ECSGParameters(type: type)))
    }

    // MARK: Generic secrets and HMAC

    /// `CKM_GENERIC_SECRET_KEY_GEN`; give the size with `.valueLength(_:)`.
    public static let genericSecretKeyGen = Mechanism(.genericSecretKeyGen)
    /// `CKM_SHA_1_HMAC`: HMAC with SHA-1. Still sound as a MAC, but legacy.
    public static let insecureSHA1HMAC = Mechanism(.sha1HMAC)
    /// `CKM_SHA224_HMAC`.
    public static let sha224HMAC = Mechanism(.sha224HMAC)
    /// `CKM_SHA256_HMAC`.
    public static let sha256HMAC = Mechanism(.sha256HMAC)
    /// `CKM_SHA384_HMAC`.
    public static let sha384HMAC = Mechanism(.sha384HMAC)
    /// `CKM_SHA512_HMAC`.
    public static let sha512HMAC = Mechanism(.sha512HMAC)

    // MARK: Post-quantum

    /// `CKM_IBM_DILITHIUM`: Dilithium key generation and signatures; choose the parameter set with
    /// `.pqcParameters(_:)` in the public key template.
    public static let dilithium = Mechanism(.ibmDilithium)

    // MARK: IBM key transport and derivation

    /// `CKM_IBM_ATTRIBUTEBOUND_WRAP`: wraps a key together with its attributes; the MAC key travels
    /// separately in the wrap or unwrap request.
    public static let attributeBoundWrap = Mechanism(.ibmAttributeBoundWrap)

    /// `CKM_IBM_TRANSPORTKEY`: with UnwrapKey, imports a plain DER SubjectPublicKeyInfo as a public key.
    public static let transportKey = Mechanism(.ibmTransportKey)

    /// `CKM_IBM_BTC_DERIVE`: one BIP-32 or SLIP-10 derivation step.
    public static func btcDerive(_ parameters: BTCDeriveParameters) -> Mechanism {
        Mechanism(.ibmBTCDerive, parameter: .btcDerive(parameters))
    }
}
