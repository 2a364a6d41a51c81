// Mechanism types (`CKM_*`): PKCS #11 v2.40 values and the IBM EP11 vendor values (`ep11.h`).

extension MechanismType {
    // MARK: RSA

    /// `CKM_RSA_PKCS_KEY_PAIR_GEN` (0x0000_0000): RSA key pair generation (PKCS #1).
    public static let rsaPKCSKeyPairGen = MechanismType(rawValue: 0x0000_0000)

    /// `CKM_RSA_PKCS` (0x0000_0001): RSA PKCS #1 v1.5 signatures and encryption, no hashing.
    public static let rsaPKCS = MechanismType(rawValue: 0x0000_0001)

    /// `CKM_RSA_9796` (0x0000_0002): RSA ISO/IEC 9796 signatures (legacy).
    public static let rsa9796 = MechanismType(rawValue: 0x0000_0002)

    /// `CKM_RSA_X_509` (0x0000_0003): Raw RSA without padding (X.509 "raw" RSA); unsafe unless the caller pads.
    public static let rsaX509 = MechanismType(rawValue: 0x0000_0003)

    /// `CKM_MD2_RSA_PKCS` (0x0000_0004): MD2 with RSA PKCS #1 v1.5 (broken hash).
    public static let md2RSAPKCS = MechanismType(rawValue: 0x0000_0004)

    /// `CKM_MD5_RSA_PKCS` (0x0000_0005): MD5 with RSA PKCS #1 v1.5 (broken hash).
    public static let md5RSAPKCS = MechanismType(rawValue: 0x0000_0005)

    /// `CKM_SHA1_RSA_PKCS` (0x0000_0006): SHA-1 with RSA PKCS #1 v1.5 (weak hash).
    public static let sha1RSAPKCS = MechanismType(rawValue: 0x0000_0006)

    /// `CKM_RIPEMD128_RSA_PKCS` (0x0000_0007): RIPEMD-128 with RSA PKCS #1 v1.5.
    public static let ripemd128RSAPKCS = MechanismType(rawValue: 0x0000_0007)

    /// `CKM_RIPEMD160_RSA_PKCS` (0x0000_0008): RIPEMD-160 with RSA PKCS #1 v1.5.
    public static let ripemd160RSAPKCS = MechanismType(rawValue: 0x0000_0008)

    /// `CKM_RSA_PKCS_OAEP` (0x0000_0009): RSA OAEP encryption; parameter: RSA OAEP parameters.
    public static let rsaPKCSOAEP = MechanismType(rawValue: 0x0000_0009)

    /// `CKM_RSA_X9_31_KEY_PAIR_GEN` (0x0000_000A): RSA key pair generation per ANSI X9.31.
    public static let rsaX931KeyPairGen = MechanismType(rawValue: 0x0000_000A)

    /// `CKM_RSA_X9_31` (0x0000_000B): RSA ANSI X9.31 signatures, no hashing.
    public static let rsaX931 = MechanismType(rawValue: 0x0000_000B)

    /// `CKM_SHA1_RSA_X9_31` (0x0000_000C): SHA-1 with RSA ANSI X9.31 signatures.
    public static let sha1RSAX931 = MechanismType(rawValue: 0x0000_000C)

    /// `CKM_RSA_PKCS_PSS` (0x0000_000D): RSA PSS signatures over a caller-supplied digest; parameter: RSA PSS parameters.
    public static let rsaPKCSPSS = MechanismType(rawValue: 0x0000_000D)

    /// `CKM_SHA1_RSA_PKCS_PSS` (0x0000_000E): SHA-1 with RSA PSS (weak hash).
    public static let sha1RSAPKCSPSS = MechanismType(rawValue: 0x0000_000E)

    // MARK: DSA and DH

    /// `CKM_DSA_KEY_PAIR_GEN` (0x0000_0010): DSA key pair generation.
    public static let dsaKeyPairGen = MechanismType(rawValue: 0x0000_0010)

    /// `CKM_DSA` (0x0000_0011): DSA signatures over a caller-supplied digest.
    public static let dsa = MechanismType(rawValue: 0x0000_0011)

    /// `CKM_DSA_SHA1` (0x0000_0012): DSA with SHA-1.
    public static let dsaSHA1 = MechanismType(rawValue: 0x0000_0012)

    /// `CKM_DSA_SHA224` (0x0000_0013): DSA with SHA-224.
    public static let dsaSHA224 = MechanismType(rawValue: 0x0000_0013)

    /// `CKM_DSA_SHA256` (0x0000_0014): DSA with SHA-256.
    public static let dsaSHA256 = MechanismType(rawValue: 0x0000_0014)

    /// `CKM_DSA_SHA384` (0x0000_0015): DSA with SHA-384.
    public static let dsaSHA384 = MechanismType(rawValue: 0x0000_0015)

    /// `CKM_DSA_SHA512` (0x0000_0016): DSA with SHA-512.
    public static let dsaSHA512 = MechanismType(rawValue: 0x0000_0016)

    // MARK: Post-quantum (PKCS #11 3.2)

    // Values from the OASIS PKCS #11 3.2 header (`pkcs11t.h`). The parameter set (ML-DSA-44/65/87, ML-KEM-512/
    // 768/1024) is the key's `CKA_PARAMETER_SET`, not part of the mechanism.

    /// `CKM_ML_KEM_KEY_PAIR_GEN` (0x0000_000F): ML-KEM (FIPS 203) key pair generation (PKCS #11 3.2).
    public static let mlKEMKeyPairGen = MechanismType(rawValue: 0x0000_000F)

    /// `CKM_ML_KEM` (0x0000_0017): ML-KEM encapsulation and decapsulation (PKCS #11 3.2).
    public static let mlKEM = MechanismType(rawValue: 0x0000_0017)

    /// `CKM_ML_DSA_KEY_PAIR_GEN` (0x0000_001C): ML-DSA (FIPS 204) key pair generation (PKCS #11 3.2).
    public static let mlDSAKeyPairGen = MechanismType(rawValue: 0x0000_001C)

    /// `CKM_ML_DSA` (0x0000_001D): pure ML-DSA signatures (PKCS #11 3.2).
    public static let mlDSA = MechanismType(rawValue: 0x0000_001D)

    /// `CKM_HASH_ML_DSA` (0x0000_001F): HashML-DSA over a caller-given digest; the hash is a parameter (PKCS #11 3.2).
    public static let hashMLDSA = MechanismType(rawValue: 0x0000_001F)

    /// `CKM_HASH_ML_DSA_SHA224` (0x0000_0023): HashML-DSA with SHA-224 (PKCS #11 3.2).
    public static let hashMLDSASHA224 = MechanismType(rawValue: 0x0000_0023)

    /// `CKM_HASH_ML_DSA_SHA256` (0x0000_0024): HashML-DSA with SHA-256 (PKCS #11 3.2).
    public static let hashMLDSASHA256 = MechanismType(rawValue: 0x0000_0024)

    /// `CKM_HASH_ML_DSA_SHA384` (0x0000_0025): HashML-DSA with SHA-384 (PKCS #11 3.2).
    public static let hashMLDSASHA384 = MechanismType(rawValue: 0x0000_0025)

    /// `CKM_HASH_ML_DSA_SHA512` (0x0000_0026): HashML-DSA with SHA-512 (PKCS #11 3.2).
    public static let hashMLDSASHA512 = MechanismType(rawValue: 0x0000_0026)

    /// `CKM_HASH_ML_DSA_SHA3_224` (0x0000_0027): HashML-DSA with SHA3-224 (PKCS #11 3.2).
    public static let hashMLDSASHA3_224 = MechanismType(rawValue: 0x0000_0027)

    /// `CKM_HASH_ML_DSA_SHA3_256` (0x0000_0028): HashML-DSA with SHA3-256 (PKCS #11 3.2).
    public static let hashMLDSASHA3_256 = MechanismType(rawValue: 0x0000_0028)

    /// `CKM_HASH_ML_DSA_SHA3_384` (0x0000_0029): HashML-DSA with SHA3-384 (PKCS #11 3.2).
    public static let hashMLDSASHA3_384 = MechanismType(rawValue: 0x0000_0029)

    /// `CKM_HASH_ML_DSA_SHA3_512` (0x0000_002A): HashML-DSA with SHA3-512 (PKCS #11 3.2).
    public static let hashMLDSASHA3_512 = MechanismType(rawValue: 0x0000_002A)

    /// `CKM_HASH_ML_DSA_SHAKE128` (0x0000_002B): HashML-DSA with SHAKE128 (PKCS #11 3.2).
    public static let hashMLDSASHAKE128 = MechanismType(rawValue: 0x0000_002B)

    /// `CKM_HASH_ML_DSA_SHAKE256` (0x0000_002C): HashML-DSA with SHAKE256 (PKCS #11 3.2).
    public static let hashMLDSASHAKE256 = MechanismType(rawValue: 0x0000_002C)

    /// `CKM_DH_PKCS_KEY_PAIR_GEN` (0x0000_0020): PKCS #3 Diffie-Hellman key pair generation.
    public static let dhPKCSKeyPairGen = MechanismType(rawValue: 0x0000_0020)

    /// `CKM_DH_PKCS_DERIVE` (0x0000_0021): PKCS #3 Diffie-Hellman key derivation; parameter: the peer's public value.
    public static let dhPKCSDerive = MechanismType(rawValue: 0x0000_0021)

    /// `CKM_X9_42_DH_KEY_PAIR_GEN` (0x0000_0030): ANSI X9.42 Diffie-Hellman key pair generation.
    public static let x942DHKeyPairGen = MechanismType(rawValue: 0x0000_0030)

    /// `CKM_X9_42_DH_DERIVE` (0x0000_0031): ANSI X9.42 Diffie-Hellman key derivation.
    public static let x942DHDerive = MechanismType(rawValue: 0x0000_0031)

    /// `CKM_X9_42_DH_HYBRID_DERIVE` (0x0000_0032): ANSI X9.42 Diffie-Hellman hybrid key derivation.
    public static let x942DHHybridDerive = MechanismType(rawValue: 0x0000_0032)

    /// `CKM_X9_42_MQV_DERIVE` (0x0000_0033): ANSI X9.42 MQV key derivation.
    public static let x942MQVDerive = MechanismType(rawValue: 0x0000_0033)

    // MARK: RSA with SHA-2

    /// `CKM_SHA256_RSA_PKCS` (0x0000_0040): SHA-256 with RSA PKCS #1 v1.5.
    public static let sha256RSAPKCS = MechanismType(rawValue: 0x0000_0040)

    /// `CKM_SHA384_RSA_PKCS` (0x0000_0041): SHA-384 with RSA PKCS #1 v1.5.
    public static let sha384RSAPKCS = MechanismType(rawValue: 0x0000_0041)

    /// `CKM_SHA512_RSA_PKCS` (0x0000_0042): SHA-512 with RSA PKCS #1 v1.5.
    public static let sha512RSAPKCS = MechanismType(rawValue: 0x0000_0042)

    /// `CKM_SHA256_RSA_PKCS_PSS` (0x0000_0043): SHA-256 with RSA PSS.
    public static let sha256RSAPKCSPSS = MechanismType(rawValue: 0x0000_0043)

    /// `CKM_SHA384_RSA_PKCS_PSS` (0x0000_0044): SHA-384 with RSA PSS.
    public static let sha384RSAPKCSPSS = MechanismType(rawValue: 0x0000_0044)

    /// `CKM_SHA512_RSA_PKCS_PSS` (0x0000_0045): SHA-512 with RSA PSS.
    public static let sha512RSAPKCSPSS = MechanismType(rawValue: 0x0000_0045)

    /// `CKM_SHA224_RSA_PKCS` (0x0000_0046): SHA-224 with RSA PKCS #1 v1.5.
    public static let sha224RSAPKCS = MechanismType(rawValue: 0x0000_0046)

    /// `CKM_SHA224_RSA_PKCS_PSS` (0x0000_0047): SHA-224 with RSA PSS.
    public static let sha224RSAPKCSPSS = MechanismType(rawValue: 0x0000_0047)

    // MARK: SHA-512/t

    /// `CKM_SHA512_224` (0x0000_0048): SHA-512/224 digest.
    public static let sha512_224 = MechanismType(rawValue: 0x0000_0048)

    /// `CKM_SHA512_224_HMAC` (0x0000_0049): HMAC with SHA-512/224.
    public static let sha512_224HMAC = MechanismType(rawValue: 0x0000_0049)

    /// `CKM_SHA512_224_HMAC_GENERAL` (0x0000_004A): HMAC with SHA-512/224, caller-chosen output length.
    public static let sha512_224HMACGeneral = MechanismType(rawValue: 0x0000_004A)

    /// `CKM_SHA512_224_KEY_DERIVATION` (0x0000_004B): Key derivation by SHA-512/224 digest of a key.
    public static let sha512_224KeyDerivation = MechanismType(rawValue: 0x0000_004B)

    /// `CKM_SHA512_256` (0x0000_004C): SHA-512/256 digest.
    public static let sha512_256 = MechanismType(rawValue: 0x0000_004C)

    /// `CKM_SHA512_256_HMAC` (0x0000_004D): HMAC with SHA-512/256.
    public static let sha512_256HMAC = MechanismType(rawValue: 0x0000_004D)

    /// `CKM_SHA512_256_HMAC_GENERAL` (0x0000_004E): HMAC with SHA-512/256, caller-chosen output length.
    public static let sha512_256HMACGeneral = MechanismType(rawValue: 0x0000_004E)

    /// `CKM_SHA512_256_KEY_DERIVATION` (0x0000_004F): Key derivation by SHA-512/256 digest of a key.
    public static let sha512_256KeyDerivation = MechanismType(rawValue: 0x0000_004F)

    /// `CKM_SHA512_T` (0x0000_0050): SHA-512/t digest.
    public static let sha512T = MechanismType(rawValue: 0x0000_0050)

    /// `CKM_SHA512_T_HMAC` (0x0000_0051): HMAC with SHA-512/t.
    public static let sha512THMAC = MechanismType(rawValue: 0x0000_0051)

    /// `CKM_SHA512_T_HMAC_GENERAL` (0x0000_0052): HMAC with SHA-512/t, caller-chosen output length.
    public static let sha512THMACGeneral = MechanismType(rawValue: 0x0000_0052)

    /// `CKM_SHA512_T_KEY_DERIVATION` (0x0000_0053): Key derivation by SHA-512/t digest of a key.
    public static let sha512TKeyDerivation = MechanismType(rawValue: 0x0000_0053)

    // MARK: DES and Triple DES

    /// `CKM_DES_KEY_GEN` (0x0000_0120): Single DES key generation (broken cipher).
    public static let desKeyGen = MechanismType(rawValue: 0x0000_0120)

    /// `CKM_DES_ECB` (0x0000_0121): Single DES in ECB mode (broken cipher).
    public static let desECB = MechanismType(rawValue: 0x0000_0121)

    /// `CKM_DES_CBC` (0x0000_0122): Single DES in CBC mode (broken cipher).
    public static let desCBC = MechanismType(rawValue: 0x0000_0122)

    /// `CKM_DES_MAC` (0x0000_0123): Single DES MAC (broken cipher).
    public static let desMAC = MechanismType(rawValue: 0x0000_0123)

    /// `CKM_DES_MAC_GENERAL` (0x0000_0124): Single DES MAC, caller-chosen length (broken cipher).
    public static let desMACGeneral = MechanismType(rawValue: 0x0000_0124)

    /// `CKM_DES_CBC_PAD` (0x0000_0125): Single DES in CBC mode with PKCS padding (broken cipher).
    public static let desCBCPad = MechanismType(rawValue: 0x0000_0125)

    /// `CKM_DES2_KEY_GEN` (0x0000_0130): Double-length (two-key) Triple DES key generation.
    public static let des2KeyGen = MechanismType(rawValue: 0x0000_0130)

    /// `CKM_DES3_KEY_GEN` (0x0000_0131): Triple DES key generation.
    public static let des3KeyGen = MechanismType(rawValue: 0x0000_0131)

    /// `CKM_DES3_ECB` (0x0000_0132): Triple DES in ECB mode.
    public static let des3ECB = MechanismType(rawValue: 0x0000_0132)

    /// `CKM_DES3_CBC` (0x0000_0133): Triple DES in CBC mode; parameter: 8-byte IV.
    public static let des3CBC = MechanismType(rawValue: 0x0000_0133)

    /// `CKM_DES3_MAC` (0x0000_0134): Triple DES MAC.
    public static let des3MAC = MechanismType(rawValue: 0x0000_0134)

    /// `CKM_DES3_MAC_GENERAL` (0x0000_0135): Triple DES MAC, caller-chosen length.
    public static let des3MACGeneral = MechanismType(rawValue: 0x0000_0135)

    /// `CKM_DES3_CBC_PAD` (0x0000_0136): Triple DES in CBC mode with PKCS padding; parameter: 8-byte IV.
    public static let des3CBCPad = MechanismType(rawValue: 0x0000_0136)

    /// `CKM_DES3_CMAC_GENERAL` (0x0000_0137): Triple DES CMAC, caller-chosen length.
    public static let des3CMACGeneral = MechanismType(rawValue: 0x0000_0137)

    /// `CKM_DES3_CMAC` (0x0000_0138): Triple DES CMAC.
    public static let des3CMAC = MechanismType(rawValue: 0x0000_0138)

    // MARK: Digests and HMACs

    /// `CKM_MD2` (0x0000_0200): MD2 digest (broken).
    public static let md2 = MechanismType(rawValue: 0x0000_0200)

    /// `CKM_MD2_HMAC` (0x0000_0201): HMAC with MD2 (broken hash).
    public static let md2HMAC = MechanismType(rawValue: 0x0000_0201)

    /// `CKM_MD2_HMAC_GENERAL` (0x0000_0202): HMAC with MD2, caller-chosen output length.
    public static let md2HMACGeneral = MechanismType(rawValue: 0x0000_0202)

    /// `CKM_MD5` (0x0000_0210): MD5 digest (broken).
    public static let md5 = MechanismType(rawValue: 0x0000_0210)

    /// `CKM_MD5_HMAC` (0x0000_0211): HMAC with MD5.
    public static let md5HMAC = MechanismType(rawValue: 0x0000_0211)

    /// `CKM_MD5_HMAC_GENERAL` (0x0000_0212): HMAC with MD5, caller-chosen output length.
    public static let md5HMACGeneral = MechanismType(rawValue: 0x0000_0212)

    /// `CKM_SHA_1` (0x0000_0220): SHA-1 digest (weak).
    public static let sha1 = MechanismType(rawValue: 0x0000_0220)

    /// `CKM_SHA_1_HMAC` (0x0000_0221): HMAC with SHA-1.
    public static let sha1HMAC = MechanismType(rawValue: 0x0000_0221)

    /// `CKM_SHA_1_HMAC_GENERAL` (0x0000_0222): HMAC with SHA-1, caller-chosen output length.
    public static let sha1HMACGeneral = MechanismType(rawValue: 0x0000_0222)

    /// `CKM_RIPEMD128` (0x0000_0230): RIPEMD-128 digest.
    public static let ripemd128 = MechanismType(rawValue: 0x0000_0230)

    /// `CKM_RIPEMD128_HMAC` (0x0000_0231): HMAC with RIPEMD-128.
    public static let ripemd128HMAC = MechanismType(rawValue: 0x0000_0231)

    /// `CKM_RIPEMD128_HMAC_GENERAL` (0x0000_0232): HMAC with RIPEMD-128, caller-chosen output length.
    public static let ripemd128HMACGeneral = MechanismType(rawValue: 0x0000_0232)

    /// `CKM_RIPEMD160` (0x0000_0240): RIPEMD-160 digest.
    public static let ripemd160 = MechanismType(rawValue: 0x0000_0240)

    /// `CKM_RIPEMD160_HMAC` (0x0000_0241): HMAC with RIPEMD-160.
    public static let ripemd160HMAC = MechanismType(rawValue: 0x0000_0241)

    /// `CKM_RIPEMD160_HMAC_GENERAL` (0x0000_0242): HMAC with RIPEMD-160, caller-chosen output length.
    public static let ripemd160HMACGeneral = MechanismType(rawValue: 0x0000_0242)

    /// `CKM_SHA256` (0x0000_0250): SHA-256 digest.
    public static let sha256 = MechanismType(rawValue: 0x0000_0250)

    /// `CKM_SHA256_HMAC` (0x0000_0251): HMAC with SHA-256.
    public static let sha256HMAC = MechanismType(rawValue: 0x0000_0251)

    /// `CKM_SHA256_HMAC_GENERAL` (0x0000_0252): HMAC with SHA-256, caller-chosen output length.
    public static let sha256HMACGeneral = MechanismType(rawValue: 0x0000_0252)

    /// `CKM_SHA224` (0x0000_0255): SHA-224 digest.
    public static let sha224 = MechanismType(rawValue: 0x0000_0255)

    /// `CKM_SHA224_HMAC` (0x0000_0256): HMAC with SHA-224.
    public static let sha224HMAC = MechanismType(rawValue: 0x0000_0256)

    /// `CKM_SHA224_HMAC_GENERAL` (0x0000_0257): HMAC with SHA-224, caller-chosen output length.
    public static let sha224HMACGeneral = MechanismType(rawValue: 0x0000_0257)

    /// `CKM_SHA384` (0x0000_0260): SHA-384 digest.
    public static let sha384 = MechanismType(rawValue: 0x0000_0260)

    /// `CKM_SHA384_HMAC` (0x0000_0261): HMAC with SHA-384.
    public static let sha384HMAC = MechanismType(rawValue: 0x0000_0261)

    /// `CKM_SHA384_HMAC_GENERAL` (0x0000_0262): HMAC with SHA-384, caller-chosen output length.
    public static let sha384HMACGeneral = MechanismType(rawValue: 0x0000_0262)

    /// `CKM_SHA512` (0x0000_0270): SHA-512 digest.
    public static let sha512 = MechanismType(rawValue: 0x0000_0270)

    /// `CKM_SHA512_HMAC` (0x0000_0271): HMAC with SHA-512.
    public static let sha512HMAC = MechanismType(rawValue: 0x0000_0271)

    /// `CKM_SHA512_HMAC_GENERAL` (0x0000_0272): HMAC with SHA-512, caller-chosen output length.
    public static let sha512HMACGeneral = MechanismType(rawValue: 0x0000_0272)

    // MARK: Generic secrets and key derivation

    /// `CKM_GENERIC_SECRET_KEY_GEN` (0x0000_0350): Generic secret key generation (HMAC keys, derivation bases).
    public static let genericSecretKeyGen = MechanismType(rawValue: 0x0000_0350)

    /// `CKM_CONCATENATE_BASE_AND_KEY` (0x0000_0360): Derive by concatenating a base key and another key.
    public static let concatenateBaseAndKey = MechanismType(rawValue: 0x0000_0360)

    /// `CKM_CONCATENATE_BASE_AND_DATA` (0x0000_0362): Derive by concatenating a base key and data.
    public static let concatenateBaseAndData = MechanismType(rawValue: 0x0000_0362)

    /// `CKM_CONCATENATE_DATA_AND_BASE` (0x0000_0363): Derive by concatenating data and a base key.
    public static let concatenateDataAndBase = MechanismType(rawValue: 0x0000_0363)

    /// `CKM_XOR_BASE_AND_DATA` (0x0000_0364): Derive by XOR of a base key and data.
    public static let xorBaseAndData = MechanismType(rawValue: 0x0000_0364)

    /// `CKM_EXTRACT_KEY_FROM_KEY` (0x0000_0365): Derive by extracting bits of a base key.
    public static let extractKeyFromKey = MechanismType(rawValue: 0x0000_0365)

    /// `CKM_MD5_KEY_DERIVATION` (0x0000_0390): Key derivation by MD5 digest of a key.
    public static let md5KeyDerivation = MechanismType(rawValue: 0x0000_0390)

    /// `CKM_MD2_KEY_DERIVATION` (0x0000_0391): Key derivation by MD2 digest of a key.
    public static let md2KeyDerivation = MechanismType(rawValue: 0x0000_0391)

    /// `CKM_SHA1_KEY_DERIVATION` (0x0000_0392): Key derivation by SHA-1 digest of a key.
    public static let sha1KeyDerivation = MechanismType(rawValue: 0x0000_0392)

    /// `CKM_SHA256_KEY_DERIVATION` (0x0000_0393): Key derivation by SHA-256 digest of a key.
    public static let sha256KeyDerivation = MechanismType(rawValue: 0x0000_0393)

    /// `CKM_SHA384_KEY_DERIVATION` (0x0000_0394): Key derivation by SHA-384 digest of a key.
    public static let sha384KeyDerivation = MechanismType(rawValue: 0x0000_0394)

    /// `CKM_SHA512_KEY_DERIVATION` (0x0000_0395): Key derivation by SHA-512 digest of a key.
    public static let sha512KeyDerivation = MechanismType(rawValue: 0x0000_0395)

    /// `CKM_SHA224_KEY_DERIVATION` (0x0000_0396): Key derivation by SHA-224 digest of a key.
    public static let sha224KeyDerivation = MechanismType(rawValue: 0x0000_0396)

    /// `CKM_PKCS5_PBKD2` (0x0000_03B0): PKCS #5 PBKDF2 password-based key derivation.
    public static let pkcs5PBKD2 = MechanismType(rawValue: 0x0000_03B0)

    // MARK: Elliptic curves

    /// `CKM_EC_KEY_PAIR_GEN` (0x0000_1040): EC key pair generation; the curve comes from `CKA_EC_PARAMS`.
    public static let ecKeyPairGen = MechanismType(rawValue: 0x0000_1040)

    /// `CKM_ECDSA_KEY_PAIR_GEN`: Older name of `CKM_EC_KEY_PAIR_GEN`; same value as ``ecKeyPairGen``.
    public static let ecdsaKeyPairGen = ecKeyPairGen

    /// `CKM_ECDSA` (0x0000_1041): ECDSA over a caller-supplied digest.
    public static let ecdsa = MechanismType(rawValue: 0x0000_1041)

    /// `CKM_ECDSA_SHA1` (0x0000_1042): ECDSA with SHA-1.
    public static let ecdsaSHA1 = MechanismType(rawValue: 0x0000_1042)

    /// `CKM_ECDSA_SHA224` (0x0000_1043): ECDSA with SHA-224.
    public static let ecdsaSHA224 = MechanismType(rawValue: 0x0000_1043)

    /// `CKM_ECDSA_SHA256` (0x0000_1044): ECDSA with SHA-256.
    public static let ecdsaSHA256 = MechanismType(rawValue: 0x0000_1044)

    /// `CKM_ECDSA_SHA384` (0x0000_1045): ECDSA with SHA-384.
    public static let ecdsaSHA384 = MechanismType(rawValue: 0x0000_1045)

    /// `CKM_ECDSA_SHA512` (0x0000_1046): ECDSA with SHA-512.
    public static let ecdsaSHA512 = MechanismType(rawValue: 0x0000_1046)

    /// `CKM_ECDH1_DERIVE` (0x0000_1050): Elliptic-curve Diffie-Hellman key derivation.
    public static let ecdh1Derive = MechanismType(rawValue: 0x0000_1050)

    /// `CKM_ECDH1_COFACTOR_DERIVE` (0x0000_1051): Elliptic-curve Diffie-Hellman with cofactor.
    public static let ecdh1CofactorDerive = MechanismType(rawValue: 0x0000_1051)

    /// `CKM_ECMQV_DERIVE` (0x0000_1052): Elliptic-curve MQV key derivation.
    public static let ecmqvDerive = MechanismType(rawValue: 0x0000_1052)

    /// `CKM_ECDH_AES_KEY_WRAP` (0x0000_1053): ECDH followed by AES key wrap.
    public static let ecdhAESKeyWrap = MechanismType(rawValue: 0x0000_1053)

    /// `CKM_RSA_AES_KEY_WRAP` (0x0000_1054): RSA OAEP followed by AES key wrap.
    public static let rsaAESKeyWrap = MechanismType(rawValue: 0x0000_1054)

    // MARK: AES

    /// `CKM_AES_KEY_GEN` (0x0000_1080): AES key generation; the size comes from `CKA_VALUE_LEN`.
    public static let aesKeyGen = MechanismType(rawValue: 0x0000_1080)

    /// `CKM_AES_ECB` (0x0000_1081): AES in ECB mode (leaks plaintext patterns).
    public static let aesECB = MechanismType(rawValue: 0x0000_1081)

    /// `CKM_AES_CBC` (0x0000_1082): AES in CBC mode, no padding; parameter: 16-byte IV.
    public static let aesCBC = MechanismType(rawValue: 0x0000_1082)

    /// `CKM_AES_MAC` (0x0000_1083): AES CBC-MAC.
    public static let aesMAC = MechanismType(rawValue: 0x0000_1083)

    /// `CKM_AES_MAC_GENERAL` (0x0000_1084): AES CBC-MAC, caller-chosen length.
    public static let aesMACGeneral = MechanismType(rawValue: 0x0000_1084)

    /// `CKM_AES_CBC_PAD` (0x0000_1085): AES in CBC mode with PKCS #7 padding; parameter: 16-byte IV.
    public static let aesCBCPad = MechanismType(rawValue: 0x0000_1085)

    /// `CKM_AES_CTR` (0x0000_1086): AES in counter mode.
    public static let aesCTR = MechanismType(rawValue: 0x0000_1086)

    /// `CKM_AES_GCM` (0x0000_1087): AES in Galois/counter mode.
    public static let aesGCM = MechanismType(rawValue: 0x0000_1087)

    /// `CKM_AES_CCM` (0x0000_1088): AES in CCM mode.
    public static let aesCCM = MechanismType(rawValue: 0x0000_1088)

    /// `CKM_AES_CTS` (0x0000_1089): AES with ciphertext stealing.
    public static let aesCTS = MechanismType(rawValue: 0x0000_1089)

    /// `CKM_AES_CMAC` (0x0000_108A): AES CMAC.
    public static let aesCMAC = MechanismType(rawValue: 0x0000_108A)

    /// `CKM_AES_CMAC_GENERAL` (0x0000_108B): AES CMAC, caller-chosen length.
    public static let aesCMACGeneral = MechanismType(rawValue: 0x0000_108B)

    /// `CKM_AES_XCBC_MAC` (0x0000_108C): AES XCBC-MAC.
    public static let aesXCBCMAC = MechanismType(rawValue: 0x0000_108C)

    /// `CKM_AES_XCBC_MAC_96` (0x0000_108D): AES XCBC-MAC truncated to 96 bits.
    public static let aesXCBCMAC96 = MechanismType(rawValue: 0x0000_108D)

    /// `CKM_AES_GMAC` (0x0000_108E): AES GMAC.
    public static let aesGMAC = MechanismType(rawValue: 0x0000_108E)

    /// `CKM_DES_ECB_ENCRYPT_DATA` (0x0000_1100): Derive by DES-ECB encryption of data.
    public static let desECBEncryptData = MechanismType(rawValue: 0x0000_1100)

    /// `CKM_DES_CBC_ENCRYPT_DATA` (0x0000_1101): Derive by DES-CBC encryption of data.
    public static let desCBCEncryptData = MechanismType(rawValue: 0x0000_1101)

    /// `CKM_DES3_ECB_ENCRYPT_DATA` (0x0000_1102): Derive by Triple DES ECB encryption of data.
    public static let des3ECBEncryptData = MechanismType(rawValue: 0x0000_1102)

    /// `CKM_DES3_CBC_ENCRYPT_DATA` (0x0000_1103): Derive by Triple DES CBC encryption of data.
    public static let des3CBCEncryptData = MechanismType(rawValue: 0x0000_1103)

    /// `CKM_AES_ECB_ENCRYPT_DATA` (0x0000_1104): Derive by AES-ECB encryption of data.
    public static let aesECBEncryptData = MechanismType(rawValue: 0x0000_1104)

    /// `CKM_AES_CBC_ENCRYPT_DATA` (0x0000_1105): Derive by AES-CBC encryption of data.
    public static let aesCBCEncryptData = MechanismType(rawValue: 0x0000_1105)

    // MARK: Domain parameters

    /// `CKM_DSA_PARAMETER_GEN` (0x0000_2000): DSA domain parameter generation.
    public static let dsaParameterGen = MechanismType(rawValue: 0x0000_2000)

    /// `CKM_DH_PKCS_PARAMETER_GEN` (0x0000_2001): PKCS #3 Diffie-Hellman domain parameter generation.
    public static let dhPKCSParameterGen = MechanismType(rawValue: 0x0000_2001)

    /// `CKM_X9_42_DH_PARAMETER_GEN` (0x0000_2002): ANSI X9.42 Diffie-Hellman domain parameter generation.
    public static let x942DHParameterGen = MechanismType(rawValue: 0x0000_2002)

    /// `CKM_DSA_PROBABLISTIC_PARAMETER_GEN` (0x0000_2003): DSA domain parameters, probabilistic primes (FIPS 186-4).
    public static let dsaProbabilisticParameterGen = MechanismType(rawValue: 0x0000_2003)

    /// `CKM_DSA_SHAWE_TAYLOR_PARAMETER_GEN` (0x0000_2004): DSA domain parameters, Shawe-Taylor primes (FIPS 186-4).
    public static let dsaShaweTaylorParameterGen = MechanismType(rawValue: 0x0000_2004)

    // MARK: More AES modes and key wrap

    /// `CKM_AES_OFB` (0x0000_2104): AES in OFB mode.
    public static let aesOFB = MechanismType(rawValue: 0x0000_2104)

    /// `CKM_AES_CFB64` (0x0000_2105): AES in 64-bit CFB mode.
    public static let aesCFB64 = MechanismType(rawValue: 0x0000_2105)

    /// `CKM_AES_CFB8` (0x0000_2106): AES in 8-bit CFB mode.
    public static let aesCFB8 = MechanismType(rawValue: 0x0000_2106)

    /// `CKM_AES_CFB128` (0x0000_2107): AES in 128-bit CFB mode.
    public static let aesCFB128 = MechanismType(rawValue: 0x0000_2107)

    /// `CKM_AES_CFB1` (0x0000_2108): AES in 1-bit CFB mode.
    public static let aesCFB1 = MechanismType(rawValue: 0x0000_2108)

    /// `CKM_AES_KEY_WRAP` (0x0000_2109): AES key wrap (RFC 3394).
    public static let aesKeyWrap = MechanismType(rawValue: 0x0000_2109)

    /// `CKM_AES_KEY_WRAP_PAD` (0x0000_210A): AES key wrap with padding (RFC 5649).
    public static let aesKeyWrapPad = MechanismType(rawValue: 0x0000_210A)

    /// `CKM_VENDOR_DEFINED` (0x8000_0000): Start of the vendor-defined range.
    public static let vendorDefined = MechanismType(rawValue: 0x8000_0000)

    // MARK: IBM EP11 vendor mechanisms

    /// `CKM_IBM_SHA3_224` (0x8001_0001): SHA3-224 digest (IBM).
    public static let ibmSHA3_224 = MechanismType(rawValue: 0x8001_0001)

    /// `CKM_IBM_SHA3_256` (0x8001_0002): SHA3-256 digest (IBM).
    public static let ibmSHA3_256 = MechanismType(rawValue: 0x8001_0002)

    /// `CKM_IBM_SHA3_384` (0x8001_0003): SHA3-384 digest (IBM).
    public static let ibmSHA3_384 = MechanismType(rawValue: 0x8001_0003)

    /// `CKM_IBM_SHA3_512` (0x8001_0004): SHA3-512 digest (IBM).
    public static let ibmSHA3_512 = MechanismType(rawValue: 0x8001_0004)

    /// `CKM_IBM_CMAC` (0x8001_0007): CMAC (IBM).
    public static let ibmCMAC = MechanismType(rawValue: 0x8001_0007)

    /// `CKM_IBM_ECDSA_SHA224` (0x8001_0008): ECDSA with SHA-224 (IBM, predates the standard value).
    public static let ibmECDSASHA224 = MechanismType(rawValue: 0x8001_0008)

    /// `CKM_IBM_ECDSA_SHA256` (0x8001_0009): ECDSA with SHA-256 (IBM, predates the standard value).
    public static let ibmECDSASHA256 = MechanismType(rawValue: 0x8001_0009)

    /// `CKM_IBM_ECDSA_SHA384` (0x8001_000A): ECDSA with SHA-384 (IBM, predates the standard value).
    public static let ibmECDSASHA384 = MechanismType(rawValue: 0x8001_000A)

    /// `CKM_IBM_ECDSA_SHA512` (0x8001_000B): ECDSA with SHA-512 (IBM, predates the standard value).
    public static let ibmECDSASHA512 = MechanismType(rawValue: 0x8001_000B)

    /// `CKM_IBM_EC_MULTIPLY` (0x8001_000C): EC point multiplication (IBM).
    public static let ibmECMultiply = MechanismType(rawValue: 0x8001_000C)

    /// `CKM_IBM_EAC` (0x8001_000D): Extended Access Control secure-messaging derivation (IBM).
    public static let ibmEAC = MechanismType(rawValue: 0x8001_000D)

    /// `CKM_IBM_TESTCODE` (0x8001_000E): Test access (IBM).
    public static let ibmTestCode = MechanismType(rawValue: 0x8001_000E)

    /// `CKM_IBM_SHA512_256` (0x8001_0012): SHA-512/256 digest (IBM).
    public static let ibmSHA512_256 = MechanismType(rawValue: 0x8001_0012)

    /// `CKM_IBM_SHA512_224` (0x8001_0013): SHA-512/224 digest (IBM).
    public static let ibmSHA512_224 = MechanismType(rawValue: 0x8001_0013)

    /// `CKM_IBM_SHA512_256_HMAC` (0x8001_0014): HMAC with SHA-512/256 (IBM).
    public static let ibmSHA512_256HMAC = MechanismType(rawValue: 0x8001_0014)

    /// `CKM_IBM_SHA512_224_HMAC` (0x8001_0015): HMAC with SHA-512/224 (IBM).
    public static let ibmSHA512_224HMAC = MechanismType(rawValue: 0x8001_0015)

    /// `CKM_IBM_EC_X25519` (0x8001_001B): X25519 key agreement (IBM).
    public static let ibmECX25519 = MechanismType(rawValue: 0x8001_001B)

    /// `CKM_IBM_ED25519_SHA512` (0x8001_001C): Ed25519 signatures (SHA-512, no prehashing) (IBM).
    public static let ibmED25519SHA512 = MechanismType(rawValue: 0x8001_001C)

    /// `CKM_IBM_EC_X448` (0x8001_001E): X448 key agreement (IBM).
    public static let ibmECX448 = MechanismType(rawValue: 0x8001_001E)

    /// `CKM_IBM_ED448_SHA3` (0x8001_001F): Ed448 signatures (SHAKE256, no prehashing) (IBM).
    public static let ibmED448SHA3 = MechanismType(rawValue: 0x8001_001F)

    /// `CKM_IBM_SIPHASH` (0x8001_0021): SipHash; the round counts are the parameter (IBM).
    public static let ibmSipHash = MechanismType(rawValue: 0x8001_0021)

    /// `CKM_IBM_DILITHIUM` (0x8001_0023): CRYSTALS-Dilithium key generation, signatures and verification (IBM).
    public static let ibmDilithium = MechanismType(rawValue: 0x8001_0023)

    /// `CKM_IBM_KYBER` (0x8001_0024): CRYSTALS-Kyber key generation, encapsulation and (hybrid) derivation (IBM).
    public static let ibmKyber = MechanismType(rawValue: 0x8001_0024)

    /// `CKM_IBM_SHA3_224_HMAC` (0x8001_0025): HMAC with SHA3-224 (IBM).
    public static let ibmSHA3_224HMAC = MechanismType(rawValue: 0x8001_0025)

    /// `CKM_IBM_SHA3_256_HMAC` (0x8001_0026): HMAC with SHA3-256 (IBM).
    public static let ibmSHA3_256HMAC = MechanismType(rawValue: 0x8001_0026)

    /// `CKM_IBM_SHA3_384_HMAC` (0x8001_0027): HMAC with SHA3-384 (IBM).
    public static let ibmSHA3_384HMAC = MechanismType(rawValue: 0x8001_0027)

    /// `CKM_IBM_SHA3_512_HMAC` (0x8001_0028): HMAC with SHA3-512 (IBM).
    public static let ibmSHA3_512HMAC = MechanismType(rawValue: 0x8001_0028)

    /// `CKM_IBM_EC_X25519_RAW` (0x8001_0029): X25519 key agreement, result returned under a KEK (IBM).
    public static let ibmECX25519Raw = MechanismType(rawValue: 0x8001_0029)

    /// `CKM_IBM_EC_X448_RAW` (0x8001_0030): X448 key agreement, result returned under a KEK (IBM).
    public static let ibmECX448Raw = MechanismType(rawValue: 0x8001_0030)

    /// `CKM_IBM_ECDSA_OTHER` (0x8001_0031): Other EC signature schemes (Schnorr, BLS); parameter: ECSG parameters (IBM).
    public static let ibmECDSAOther = MechanismType(rawValue: 0x8001_0031)

    /// `CKM_IBM_EC_AGGREGATE` (0x8001_0034): BLS12-381 signature and public key aggregation (IBM).
    public static let ibmECAggregate = MechanismType(rawValue: 0x8001_0034)

    /// `CKM_IBM_ML_DSA_KEY_PAIR_GEN` (0x8001_0035): ML-DSA (FIPS 204) key pair generation (IBM EP11).
    public static let ibmMLDSAKeyPairGen = MechanismType(rawValue: 0x8001_0035)

    /// `CKM_IBM_ML_DSA` (0x8001_0036): ML-DSA signatures and verification (IBM EP11).
    public static let ibmMLDSA = MechanismType(rawValue: 0x8001_0036)

    /// `CKM_IBM_ML_KEM_KEY_PAIR_GEN` (0x8001_0037): ML-KEM (FIPS 203) key pair generation (IBM EP11).
    public static let ibmMLKEMKeyPairGen = MechanismType(rawValue: 0x8001_0037)

    /// `CKM_IBM_ML_KEM` (0x8001_0038): ML-KEM encapsulation and decapsulation (IBM EP11).
    public static let ibmMLKEM = MechanismType(rawValue: 0x8001_0038)

    /// `CKM_IBM_CLEARKEY_TRANSPORT` (0x8002_0001): Clear key transport (IBM).
    public static let ibmClearKeyTransport = MechanismType(rawValue: 0x8002_0001)

    /// `CKM_IBM_ATTRIBUTEBOUND_WRAP` (0x8002_0004): Attribute-bound wrap: key and attributes travel together under a MAC key (IBM).
    public static let ibmAttributeBoundWrap = MechanismType(rawValue: 0x8002_0004)

    /// `CKM_IBM_TRANSPORTKEY` (0x8002_0005): Transport key operations; with UnwrapKey, imports a plain SPKI public key (IBM).
    public static let ibmTransportKey = MechanismType(rawValue: 0x8002_0005)

    /// `CKM_IBM_DH_PKCS_DERIVE_RAW` (0x8002_0006): Diffie-Hellman derivation, result returned under a KEK (IBM).
    public static let ibmDHPKCSDeriveRaw = MechanismType(rawValue: 0x8002_0006)

    /// `CKM_IBM_ECDH1_DERIVE_RAW` (0x8002_0007): ECDH derivation, result returned under a KEK (IBM).
    public static let ibmECDH1DeriveRaw = MechanismType(rawValue: 0x8002_0007)

    /// `CKM_IBM_WIRETEST` (0x8003_0004): Direct access to the mechanism wire form, for tests (IBM).
    public static let ibmWireTest = MechanismType(rawValue: 0x8003_0004)

    /// `CKM_IBM_RETAINKEY` (0x8004_0001): Generate or refill HSM-retained keys (IBM).
    public static let ibmRetainKey = MechanismType(rawValue: 0x8004_0001)

    /// `CKM_IBM_CPACF_WRAP` (0x8006_0001): Protected-key (CPACF) data key export (IBM).
    public static let ibmCPACFWrap = MechanismType(rawValue: 0x8006_0001)

    /// `CKM_IBM_BTC_DERIVE` (0x8007_0001): BIP-32 and SLIP-10 hierarchical key derivation; parameter: BTC derive parameters (IBM).
    public static let ibmBTCDerive = MechanismType(rawValue: 0x8007_0001)

    /// `CKM_IBM_ETH_DERIVE` (0x8007_0002): EIP-2333 Ethereum key derivation (IBM).
    public static let ibmETHDerive = MechanismType(rawValue: 0x8007_0002)
}

extension MechanismType {
    /// Canonical names, in declaration order. The first name listed for a value is its primary name;
    /// later ones are aliases that `init?(name:)` accepts.
    public static let knownNames = PKCS11NameTable(
        prefix: "CKM_",
        [
            (rsaPKCSKeyPairGen.rawValue, "CKM_RSA_PKCS_KEY_PAIR_GEN"),
            (rsaPKCS.rawValue, "CKM_RSA_PKCS"),
            (rsa9796.rawValue, "CKM_RSA_9796"),
            (rsaX509.rawValue, "CKM_RSA_X_509"),
            (md2RSAPKCS.rawValue, "CKM_MD2_RSA_PKCS"),
            (md5RSAPKCS.rawValue, "CKM_MD5_RSA_PKCS"),
            (sha1RSAPKCS.rawValue, "CKM_SHA1_RSA_PKCS"),
            (ripemd128RSAPKCS.rawValue, "CKM_RIPEMD128_RSA_PKCS"),
            (ripemd160RSAPKCS.rawValue, "CKM_RIPEMD160_RSA_PKCS"),
            (rsaPKCSOAEP.rawValue, "CKM_RSA_PKCS_OAEP"),
            (rsaX931KeyPairGen.rawValue, "CKM_RSA_X9_31_KEY_PAIR_GEN"),
            (rsaX931.rawValue, "CKM_RSA_X9_31"),
            (sha1RSAX931.rawValue, "CKM_SHA1_RSA_X9_31"),
            (rsaPKCSPSS.rawValue, "CKM_RSA_PKCS_PSS"),
            (sha1RSAPKCSPSS.rawValue, "CKM_SHA1_RSA_PKCS_PSS"),
            (mlKEMKeyPairGen.rawValue, "CKM_ML_KEM_KEY_PAIR_GEN"),
            (dsaKeyPairGen.rawValue, "CKM_DSA_KEY_PAIR_GEN"),
            (dsa.rawValue, "CKM_DSA"),
            (dsaSHA1.rawValue, "CKM_DSA_SHA1"),
            (dsaSHA224.rawValue, "CKM_DSA_SHA224"),
            (dsaSHA256.rawValue, "CKM_DSA_SHA256"),
            (dsaSHA384.rawValue, "CKM_DSA_SHA384"),
            (dsaSHA512.rawValue, "CKM_DSA_SHA512"),
            (mlKEM.rawValue, "CKM_ML_KEM"),
            (mlDSAKeyPairGen.rawValue, "CKM_ML_DSA_KEY_PAIR_GEN"),
            (mlDSA.rawValue, "CKM_ML_DSA"),
            (hashMLDSA.rawValue, "CKM_HASH_ML_DSA"),
            (dhPKCSKeyPairGen.rawValue, "CKM_DH_PKCS_KEY_PAIR_GEN"),
            (dhPKCSDerive.rawValue, "CKM_DH_PKCS_DERIVE"),
            (hashMLDSASHA224.rawValue, "CKM_HASH_ML_DSA_SHA224"),
            (hashMLDSASHA256.rawValue, "CKM_HASH_ML_DSA_SHA256"),
            (hashMLDSASHA384.rawValue, "CKM_HASH_ML_DSA_SHA384"),
            (hashMLDSASHA512.rawValue, "CKM_HASH_ML_DSA_SHA512"),
            (hashMLDSASHA3_224.rawValue, "CKM_HASH_ML_DSA_SHA3_224"),
            (hashMLDSASHA3_256.rawValue, "CKM_HASH_ML_DSA_SHA3_256"),
            (hashMLDSASHA3_384.rawValue, "CKM_HASH_ML_DSA_SHA3_384"),
            (hashMLDSASHA3_512.rawValue, "CKM_HASH_ML_DSA_SHA3_512"),
            (hashMLDSASHAKE128.rawValue, "CKM_HASH_ML_DSA_SHAKE128"),
            (hashMLDSASHAKE256.rawValue, "CKM_HASH_ML_DSA_SHAKE256"),
            (x942DHKeyPairGen.rawValue, "CKM_X9_42_DH_KEY_PAIR_GEN"),
            (x942DHDerive.rawValue, "CKM_X9_42_DH_DERIVE"),
            (x942DHHybridDerive.rawValue, "CKM_X9_42_DH_HYBRID_DERIVE"),
            (x942MQVDerive.rawValue, "CKM_X9_42_MQV_DERIVE"),
            (sha256RSAPKCS.rawValue, "CKM_SHA256_RSA_PKCS"),
            (sha384RSAPKCS.rawValue, "CKM_SHA384_RSA_PKCS"),
            (sha512RSAPKCS.rawValue, "CKM_SHA512_RSA_PKCS"),
            (sha256RSAPKCSPSS.rawValue, "CKM_SHA256_RSA_PKCS_PSS"),
            (sha384RSAPKCSPSS.rawValue, "CKM_SHA384_RSA_PKCS_PSS"),
            (sha512RSAPKCSPSS.rawValue, "CKM_SHA512_RSA_PKCS_PSS"),
            (sha224RSAPKCS.rawValue, "CKM_SHA224_RSA_PKCS"),
            (sha224RSAPKCSPSS.rawValue, "CKM_SHA224_RSA_PKCS_PSS"),
            (sha512_224.rawValue, "CKM_SHA512_224"),
            (sha512_224HMAC.rawValue, "CKM_SHA512_224_HMAC"),
            (sha512_224HMACGeneral.rawValue, "CKM_SHA512_224_HMAC_GENERAL"),
            (sha512_224KeyDerivation.rawValue, "CKM_SHA512_224_KEY_DERIVATION"),
            (sha512_256.rawValue, "CKM_SHA512_256"),
            (sha512_256HMAC.rawValue, "CKM_SHA512_256_HMAC"),
            (sha512_256HMACGeneral.rawValue, "CKM_SHA512_256_HMAC_GENERAL"),
            (sha512_256KeyDerivation.rawValue, "CKM_SHA512_256_KEY_DERIVATION"),
            (sha512T.rawValue, "CKM_SHA512_T"),
            (sha512THMAC.rawValue, "CKM_SHA512_T_HMAC"),
            (sha512THMACGeneral.rawValue, "CKM_SHA512_T_HMAC_GENERAL"),
            (sha512TKeyDerivation.rawValue, "CKM_SHA512_T_KEY_DERIVATION"),
            (desKeyGen.rawValue, "CKM_DES_KEY_GEN"),
            (desECB.rawValue, "CKM_DES_ECB"),
            (desCBC.rawValue, "CKM_DES_CBC"),
            (desMAC.rawValue, "CKM_DES_MAC"),
            (desMACGeneral.rawValue, "CKM_DES_MAC_GENERAL"),
            (desCBCPad.rawValue, "CKM_DES_CBC_PAD"),
            (des2KeyGen.rawValue, "CKM_DES2_KEY_GEN"),
            (des3KeyGen.rawValue, "CKM_DES3_KEY_GEN"),
            (des3ECB.rawValue, "CKM_DES3_ECB"),
            (des3CBC.rawValue, "CKM_DES3_CBC"),
            (des3MAC.rawValue, "CKM_DES3_MAC"),
            (des3MACGeneral.rawValue, "CKM_DES3_MAC_GENERAL"),
            (des3CBCPad.rawValue, "CKM_DES3_CBC_PAD"),
            (des3CMACGeneral.rawValue, "CKM_DES3_CMAC_GENERAL"),
            (des3CMAC.rawValue, "CKM_DES3_CMAC"),
            (md2.rawValue, "CKM_MD2"),
            (md2HMAC.rawValue, "CKM_MD2_HMAC"),
            (md2HMACGeneral.rawValue, "CKM_MD2_HMAC_GENERAL"),
            (md5.rawValue, "CKM_MD5"),
            (md5HMAC.rawValue, "CKM_MD5_HMAC"),
            (md5HMACGeneral.rawValue, "CKM_MD5_HMAC_GENERAL"),
            (sha1.rawValue, "CKM_SHA_1"),
            (sha1HMAC.rawValue, "CKM_SHA_1_HMAC"),
            (sha1HMACGeneral.rawValue, "CKM_SHA_1_HMAC_GENERAL"),
            (ripemd128.rawValue, "CKM_RIPEMD128"),
            (ripemd128HMAC.rawValue, "CKM_RIPEMD128_HMAC"),
            (ripemd128HMACGeneral.rawValue, "CKM_RIPEMD128_HMAC_GENERAL"),
            (ripemd160.rawValue, "CKM_RIPEMD160"),
            (ripemd160HMAC.rawValue, "CKM_RIPEMD160_HMAC"),
            (ripemd160HMACGeneral.rawValue, "CKM_RIPEMD160_HMAC_GENERAL"),
            (sha256.rawValue, "CKM_SHA256"),
            (sha256HMAC.rawValue, "CKM_SHA256_HMAC"),
            (sha256HMACGeneral.rawValue, "CKM_SHA256_HMAC_GENERAL"),
            (sha224.rawValue, "CKM_SHA224"),
            (sha224HMAC.rawValue, "CKM_SHA224_HMAC"),
            (sha224HMACGeneral.rawValue, "CKM_SHA224_HMAC_GENERAL"),
            (sha384.rawValue, "CKM_SHA384"),
            (sha384HMAC.rawValue, "CKM_SHA384_HMAC"),
            (sha384HMACGeneral.rawValue, "CKM_SHA384_HMAC_GENERAL"),
            (sha512.rawValue, "CKM_SHA512"),
            (sha512HMAC.rawValue, "CKM_SHA512_HMAC"),
            (sha512HMACGeneral.rawValue, "CKM_SHA512_HMAC_GENERAL"),
            (genericSecretKeyGen.rawValue, "CKM_GENERIC_SECRET_KEY_GEN"),
            (concatenateBaseAndKey.rawValue, "CKM_CONCATENATE_BASE_AND_KEY"),
            (concatenateBaseAndData.rawValue, "CKM_CONCATENATE_BASE_AND_DATA"),
            (concatenateDataAndBase.rawValue, "CKM_CONCATENATE_DATA_AND_BASE"),
            (xorBaseAndData.rawValue, "CKM_XOR_BASE_AND_DATA"),
            (extractKeyFromKey.rawValue, "CKM_EXTRACT_KEY_FROM_KEY"),
            (md5KeyDerivation.rawValue, "CKM_MD5_KEY_DERIVATION"),
            (md2KeyDerivation.rawValue, "CKM_MD2_KEY_DERIVATION"),
            (sha1KeyDerivation.rawValue, "CKM_SHA1_KEY_DERIVATION"),
            (sha256KeyDerivation.rawValue, "CKM_SHA256_KEY_DERIVATION"),
            (sha384KeyDerivation.rawValue, "CKM_SHA384_KEY_DERIVATION"),
            (sha512KeyDerivation.rawValue, "CKM_SHA512_KEY_DERIVATION"),
            (sha224KeyDerivation.rawValue, "CKM_SHA224_KEY_DERIVATION"),
            (pkcs5PBKD2.rawValue, "CKM_PKCS5_PBKD2"),
            (ecKeyPairGen.rawValue, "CKM_EC_KEY_PAIR_GEN"),
            (ecdsaKeyPairGen.rawValue, "CKM_ECDSA_KEY_PAIR_GEN"),
            (ecdsa.rawValue, "CKM_ECDSA"),
            (ecdsaSHA1.rawValue, "CKM_ECDSA_SHA1"),
            (ecdsaSHA224.rawValue, "CKM_ECDSA_SHA224"),
            (ecdsaSHA256.rawValue, "CKM_ECDSA_SHA256"),
            (ecdsaSHA384.rawValue, "CKM_ECDSA_SHA384"),
            (ecdsaSHA512.rawValue, "CKM_ECDSA_SHA512"),
            (ecdh1Derive.rawValue, "CKM_ECDH1_DERIVE"),
            (ecdh1CofactorDerive.rawValue, "CKM_ECDH1_COFACTOR_DERIVE"),
            (ecmqvDerive.rawValue, "CKM_ECMQV_DERIVE"),
            (ecdhAESKeyWrap.rawValue, "CKM_ECDH_AES_KEY_WRAP"),
            (rsaAESKeyWrap.rawValue, "CKM_RSA_AES_KEY_WRAP"),
            (aesKeyGen.rawValue, "CKM_AES_KEY_GEN"),
            (aesECB.rawValue, "CKM_AES_ECB"),
            (aesCBC.rawValue, "CKM_AES_CBC"),
            (aesMAC.rawValue, "CKM_AES_MAC"),
            (aesMACGeneral.rawValue, "CKM_AES_MAC_GENERAL"),
            (aesCBCPad.rawValue, "CKM_AES_CBC_PAD"),
            (aesCTR.rawValue, "CKM_AES_CTR"),
            (aesGCM.rawValue, "CKM_AES_GCM"),
            (aesCCM.rawValue, "CKM_AES_CCM"),
            (aesCTS.rawValue, "CKM_AES_CTS"),
            (aesCMAC.rawValue, "CKM_AES_CMAC"),
            (aesCMACGeneral.rawValue, "CKM_AES_CMAC_GENERAL"),
            (aesXCBCMAC.rawValue, "CKM_AES_XCBC_MAC"),
            (aesXCBCMAC96.rawValue, "CKM_AES_XCBC_MAC_96"),
            (aesGMAC.rawValue, "CKM_AES_GMAC"),
            (desECBEncryptData.rawValue, "CKM_DES_ECB_ENCRYPT_DATA"),
            (desCBCEncryptData.rawValue, "CKM_DES_CBC_ENCRYPT_DATA"),
            (des3ECBEncryptData.rawValue, "CKM_DES3_ECB_ENCRYPT_DATA"),
            (des3CBCEncryptData.rawValue, "CKM_DES3_CBC_ENCRYPT_DATA"),
            (aesECBEncryptData.rawValue, "CKM_AES_ECB_ENCRYPT_DATA"),
            (aesCBCEncryptData.rawValue, "CKM_AES_CBC_ENCRYPT_DATA"),
            (dsaParameterGen.rawValue, "CKM_DSA_PARAMETER_GEN"),
            (dhPKCSParameterGen.rawValue, "CKM_DH_PKCS_PARAMETER_GEN"),
            (x942DHParameterGen.rawValue, "CKM_X9_42_DH_PARAMETER_GEN"),
            (dsaProbabilisticParameterGen.rawValue, "CKM_DSA_PROBABLISTIC_PARAMETER_GEN"),
            (dsaShaweTaylorParameterGen.rawValue, "CKM_DSA_SHAWE_TAYLOR_PARAMETER_GEN"),
            (aesOFB.rawValue, "CKM_AES_OFB"),
            (aesCFB64.rawValue, "CKM_AES_CFB64"),
            (aesCFB8.rawValue, "CKM_AES_CFB8"),
            (aesCFB128.rawValue, "CKM_AES_CFB128"),
            (aesCFB1.rawValue, "CKM_AES_CFB1"),
            (aesKeyWrap.rawValue, "CKM_AES_KEY_WRAP"),
            (aesKeyWrapPad.rawValue, "CKM_AES_KEY_WRAP_PAD"),
            (vendorDefined.rawValue, "CKM_VENDOR_DEFINED"),
            (ibmSHA3_224.rawValue, "CKM_IBM_SHA3_224"),
            (ibmSHA3_256.rawValue, "CKM_IBM_SHA3_256"),
            (ibmSHA3_384.rawValue, "CKM_IBM_SHA3_384"),
            (ibmSHA3_512.rawValue, "CKM_IBM_SHA3_512"),
            (ibmCMAC.rawValue, "CKM_IBM_CMAC"),
            (ibmECDSASHA224.rawValue, "CKM_IBM_ECDSA_SHA224"),
            (ibmECDSASHA256.rawValue, "CKM_IBM_ECDSA_SHA256"),
            (ibmECDSASHA384.rawValue, "CKM_IBM_ECDSA_SHA384"),
            (ibmECDSASHA512.rawValue, "CKM_IBM_ECDSA_SHA512"),
            (ibmECMultiply.rawValue, "CKM_IBM_EC_MULTIPLY"),
            (ibmEAC.rawValue, "CKM_IBM_EAC"),
            (ibmTestCode.rawValue, "CKM_IBM_TESTCODE"),
            (ibmSHA512_256.rawValue, "CKM_IBM_SHA512_256"),
            (ibmSHA512_224.rawValue, "CKM_IBM_SHA512_224"),
            (ibmSHA512_256HMAC.rawValue, "CKM_IBM_SHA512_256_HMAC"),
            (ibmSHA512_224HMAC.rawValue, "CKM_IBM_SHA512_224_HMAC"),
            (ibmECX25519.rawValue, "CKM_IBM_EC_X25519"),
            (ibmED25519SHA512.rawValue, "CKM_IBM_ED25519_SHA512"),
            (ibmECX448.rawValue, "CKM_IBM_EC_X448"),
            (ibmED448SHA3.rawValue, "CKM_IBM_ED448_SHA3"),
            (ibmSipHash.rawValue, "CKM_IBM_SIPHASH"),
            (ibmDilithium.rawValue, "CKM_IBM_DILITHIUM"),
            (ibmKyber.rawValue, "CKM_IBM_KYBER"),
            (ibmSHA3_224HMAC.rawValue, "CKM_IBM_SHA3_224_HMAC"),
            (ibmSHA3_256HMAC.rawValue, "CKM_IBM_SHA3_256_HMAC"),
            (ibmSHA3_384HMAC.rawValue, "CKM_IBM_SHA3_384_HMAC"),
            (ibmSHA3_512HMAC.rawValue, "CKM_IBM_SHA3_512_HMAC"),
            (ibmECX25519Raw.rawValue, "CKM_IBM_EC_X25519_RAW"),
            (ibmECX448Raw.rawValue, "CKM_IBM_EC_X448_RAW"),
            (ibmECDSAOther.rawValue, "CKM_IBM_ECDSA_OTHER"),
            (ibmECAggregate.rawValue, "CKM_IBM_EC_AGGREGATE"),
            (ibmMLDSAKeyPairGen.rawValue, "CKM_IBM_ML_DSA_KEY_PAIR_GEN"),
            (ibmMLDSA.rawValue, "CKM_IBM_ML_DSA"),
            (ibmMLKEMKeyPairGen.rawValue, "CKM_IBM_ML_KEM_KEY_PAIR_GEN"),
            (ibmMLKEM.rawValue, "CKM_IBM_ML_KEM"),
            (ibmClearKeyTransport.rawValue, "CKM_IBM_CLEARKEY_TRANSPORT"),
            (ibmAttributeBoundWrap.rawValue, "CKM_IBM_ATTRIBUTEBOUND_WRAP"),
            (ibmTransportKey.rawValue, "CKM_IBM_TRANSPORTKEY"),
            (ibmDHPKCSDeriveRaw.rawValue, "CKM_IBM_DH_PKCS_DERIVE_RAW"),
            (ibmECDH1DeriveRaw.rawValue, "CKM_IBM_ECDH1_DERIVE_RAW"),
            (ibmWireTest.rawValue, "CKM_IBM_WIRETEST"),
            (ibmRetainKey.rawValue, "CKM_IBM_RETAINKEY"),
            (ibmCPACFWrap.rawValue, "CKM_IBM_CPACF_WRAP"),
            (ibmBTCDerive.rawValue, "CKM_IBM_BTC_DERIVE"),
            (ibmETHDerive.rawValue, "CKM_IBM_ETH_DERIVE"),
        ]
    )
}
