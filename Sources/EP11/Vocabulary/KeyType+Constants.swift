// Key types (`CKK_*`): PKCS #11 v2.40 values and the IBM EP11 vendor values (`ep11.h`).

extension KeyType {
    /// `CKK_RSA` (0x0000_0000): RSA.
    public static let rsa = KeyType(rawValue: 0x0000_0000)

    /// `CKK_DSA` (0x0000_0001): DSA.
    public static let dsa = KeyType(rawValue: 0x0000_0001)

    /// `CKK_DH` (0x0000_0002): PKCS #3 Diffie-Hellman.
    public static let dh = KeyType(rawValue: 0x0000_0002)

    /// `CKK_EC` (0x0000_0003): Elliptic curve (ECDSA and ECDH keys; also Ed25519/Ed448 and X25519/X448 on EP11).
    public static let ec = KeyType(rawValue: 0x0000_0003)

    /// `CKK_ECDSA`: Older name of `CKK_EC`; same value as ``ec``.
    public static let ecdsa = ec

    /// `CKK_X9_42_DH` (0x0000_0004): ANSI X9.42 Diffie-Hellman.
    public static let x942DH = KeyType(rawValue: 0x0000_0004)

    /// `CKK_KEA` (0x0000_0005): KEA.
    public static let kea = KeyType(rawValue: 0x0000_0005)

    /// `CKK_GENERIC_SECRET` (0x0000_0010): Generic secret (HMAC keys, derivation bases).
    public static let genericSecret = KeyType(rawValue: 0x0000_0010)

    /// `CKK_RC2` (0x0000_0011): RC2.
    public static let rc2 = KeyType(rawValue: 0x0000_0011)

    /// `CKK_RC4` (0x0000_0012): RC4.
    public static let rc4 = KeyType(rawValue: 0x0000_0012)

    /// `CKK_DES` (0x0000_0013): Single DES.
    public static let des = KeyType(rawValue: 0x0000_0013)

    /// `CKK_DES2` (0x0000_0014): Two-key Triple DES.
    public static let des2 = KeyType(rawValue: 0x0000_0014)

    /// `CKK_DES3` (0x0000_0015): Three-key Triple DES.
    public static let des3 = KeyType(rawValue: 0x0000_0015)

    /// `CKK_CAST` (0x0000_0016): CAST.
    public static let cast = KeyType(rawValue: 0x0000_0016)

    /// `CKK_CAST3` (0x0000_0017): CAST3.
    public static let cast3 = KeyType(rawValue: 0x0000_0017)

    /// `CKK_CAST128` (0x0000_0018): CAST-128.
    public static let cast128 = KeyType(rawValue: 0x0000_0018)

    /// `CKK_CAST5`: Other name of `CKK_CAST128`; same value as ``cast128``.
    public static let cast5 = cast128

    /// `CKK_RC5` (0x0000_0019): RC5.
    public static let rc5 = KeyType(rawValue: 0x0000_0019)

    /// `CKK_IDEA` (0x0000_001A): IDEA.
    public static let idea = KeyType(rawValue: 0x0000_001A)

    /// `CKK_SKIPJACK` (0x0000_001B): Skipjack.
    public static let skipjack = KeyType(rawValue: 0x0000_001B)

    /// `CKK_BATON` (0x0000_001C): BATON.
    public static let baton = KeyType(rawValue: 0x0000_001C)

    /// `CKK_JUNIPER` (0x0000_001D): JUNIPER.
    public static let juniper = KeyType(rawValue: 0x0000_001D)

    /// `CKK_CDMF` (0x0000_001E): CDMF.
    public static let cdmf = KeyType(rawValue: 0x0000_001E)

    /// `CKK_AES` (0x0000_001F): AES.
    public static let aes = KeyType(rawValue: 0x0000_001F)

    /// `CKK_BLOWFISH` (0x0000_0020): Blowfish.
    public static let blowfish = KeyType(rawValue: 0x0000_0020)

    /// `CKK_TWOFISH` (0x0000_0021): Twofish.
    public static let twofish = KeyType(rawValue: 0x0000_0021)

    /// `CKK_SECURID` (0x0000_0022): SecurID.
    public static let securID = KeyType(rawValue: 0x0000_0022)

    /// `CKK_HOTP` (0x0000_0023): HOTP.
    public static let hotp = KeyType(rawValue: 0x0000_0023)

    /// `CKK_ACTI` (0x0000_0024): ACTI.
    public static let acti = KeyType(rawValue: 0x0000_0024)

    /// `CKK_CAMELLIA` (0x0000_0025): Camellia.
    public static let camellia = KeyType(rawValue: 0x0000_0025)

    /// `CKK_ARIA` (0x0000_0026): ARIA.
    public static let aria = KeyType(rawValue: 0x0000_0026)

    /// `CKK_MD5_HMAC` (0x0000_0027): HMAC key for MD5.
    public static let md5HMAC = KeyType(rawValue: 0x0000_0027)

    /// `CKK_SHA_1_HMAC` (0x0000_0028): HMAC key for SHA-1.
    public static let sha1HMAC = KeyType(rawValue: 0x0000_0028)

    /// `CKK_RIPEMD128_HMAC` (0x0000_0029): HMAC key for RIPEMD-128.
    public static let ripemd128HMAC = KeyType(rawValue: 0x0000_0029)

    /// `CKK_RIPEMD160_HMAC` (0x0000_002A): HMAC key for RIPEMD-160.
    public static let ripemd160HMAC = KeyType(rawValue: 0x0000_002A)

    /// `CKK_SHA256_HMAC` (0x0000_002B): HMAC key for SHA-256.
    public static let sha256HMAC = KeyType(rawValue: 0x0000_002B)

    /// `CKK_SHA384_HMAC` (0x0000_002C): HMAC key for SHA-384.
    public static let sha384HMAC = KeyType(rawValue: 0x0000_002C)

    /// `CKK_SHA512_HMAC` (0x0000_002D): HMAC key for SHA-512.
    public static let sha512HMAC = KeyType(rawValue: 0x0000_002D)

    /// `CKK_SHA224_HMAC` (0x0000_002E): HMAC key for SHA-224.
    public static let sha224HMAC = KeyType(rawValue: 0x0000_002E)

    /// `CKK_SEED` (0x0000_002F): SEED.
    public static let seed = KeyType(rawValue: 0x0000_002F)

    /// `CKK_GOSTR3410` (0x0000_0030): GOST R 34.10.
    public static let gostR3410 = KeyType(rawValue: 0x0000_0030)

    /// `CKK_GOSTR3411` (0x0000_0031): GOST R 34.11.
    public static let gostR3411 = KeyType(rawValue: 0x0000_0031)

    /// `CKK_GOST28147` (0x0000_0032): GOST 28147-89.
    public static let gost28147 = KeyType(rawValue: 0x0000_0032)

    /// `CKK_ML_KEM` (0x0000_0049): ML-KEM (FIPS 203) (PKCS #11 3.2).
    public static let mlKEM = KeyType(rawValue: 0x0000_0049)

    /// `CKK_ML_DSA` (0x0000_004A): ML-DSA (FIPS 204) (PKCS #11 3.2).
    public static let mlDSA = KeyType(rawValue: 0x0000_004A)

    /// `CKK_VENDOR_DEFINED` (0x8000_0000): Start of the vendor-defined range.
    public static let vendorDefined = KeyType(rawValue: 0x8000_0000)

    /// `CKK_IBM_PQC_DILITHIUM` (0x8001_0023): CRYSTALS-Dilithium (IBM).
    public static let ibmDilithium = KeyType(rawValue: 0x8001_0023)

    /// `CKK_IBM_PQC_KYBER` (0x8001_0024): CRYSTALS-Kyber (IBM).
    public static let ibmKyber = KeyType(rawValue: 0x8001_0024)
}

extension KeyType {
    /// Canonical names, in declaration order. The first name listed for a value is its primary name;
    /// later ones are aliases that `init?(name:)` accepts.
    public static let knownNames = PKCS11NameTable(
        prefix: "CKK_",
        [
            (rsa.rawValue, "CKK_RSA"),
            (dsa.rawValue, "CKK_DSA"),
            (dh.rawValue, "CKK_DH"),
            (ec.rawValue, "CKK_EC"),
            (ecdsa.rawValue, "CKK_ECDSA"),
            (x942DH.rawValue, "CKK_X9_42_DH"),
            (kea.rawValue, "CKK_KEA"),
            (genericSecret.rawValue, "CKK_GENERIC_SECRET"),
            (rc2.rawValue, "CKK_RC2"),
            (rc4.rawValue, "CKK_RC4"),
            (des.rawValue, "CKK_DES"),
            (des2.rawValue, "CKK_DES2"),
            (des3.rawValue, "CKK_DES3"),
            (cast.rawValue, "CKK_CAST"),
            (cast3.rawValue, "CKK_CAST3"),
            (cast128.rawValue, "CKK_CAST128"),
            (cast5.rawValue, "CKK_CAST5"),
            (rc5.rawValue, "CKK_RC5"),
            (idea.rawValue, "CKK_IDEA"),
            (skipjack.rawValue, "CKK_SKIPJACK"),
            (baton.rawValue, "CKK_BATON"),
            (juniper.rawValue, "CKK_JUNIPER"),
            (cdmf.rawValue, "CKK_CDMF"),
            (aes.rawValue, "CKK_AES"),
            (blowfish.rawValue, "CKK_BLOWFISH"),
            (twofish.rawValue, "CKK_TWOFISH"),
            (securID.rawValue, "CKK_SECURID"),
            (hotp.rawValue, "CKK_HOTP"),
            (acti.rawValue, "CKK_ACTI"),
            (camellia.rawValue, "CKK_CAMELLIA"),
            (aria.rawValue, "CKK_ARIA"),
            (md5HMAC.rawValue, "CKK_MD5_HMAC"),
            (sha1HMAC.rawValue, "CKK_SHA_1_HMAC"),
            (ripemd128HMAC.rawValue, "CKK_RIPEMD128_HMAC"),
            (ripemd160HMAC.rawValue, "CKK_RIPEMD160_HMAC"),
            (sha256HMAC.rawValue, "CKK_SHA256_HMAC"),
            (sha384HMAC.rawValue, "CKK_SHA384_HMAC"),
            (sha512HMAC.rawValue, "CKK_SHA512_HMAC"),
            (sha224HMAC.rawValue, "CKK_SHA224_HMAC"),
            (seed.rawValue, "CKK_SEED"),
            (gostR3410.rawValue, "CKK_GOSTR3410"),
            (gostR3411.rawValue, "CKK_GOSTR3411"),
            (gost28147.rawValue, "CKK_GOST28147"),
            (mlKEM.rawValue, "CKK_ML_KEM"),
            (mlDSA.rawValue, "CKK_ML_DSA"),
            (vendorDefined.rawValue, "CKK_VENDOR_DEFINED"),
            (ibmDilithium.rawValue, "CKK_IBM_PQC_DILITHIUM"),
            (ibmKyber.rawValue, "CKK_IBM_PQC_KYBER"),
        ]
    )
}
