import EP11
import Testing

extension VocabularyTests {
    /// The checks every PKCS #11 constant type shares (through `PKCS11Constant`), run over each type's table from
    /// the C headers: one row per type instead of the same tests written once per type.
    @Suite("PKCS #11 constant tables")
    struct ConstantTableTests {
        /// One constant type: its values from the headers, a sample of its Swift members with the values they must
        /// have, a value it does not know, and its lookups.
        struct Table: Sendable, CustomTestStringConvertible {
            let typeName: String
            let prefix: String
            let known: [(name: String, value: UInt64)]
            let members: [(actual: UInt64, expected: UInt64)]
            /// A value the library does not know, and how it prints.
            let unknown: (value: UInt64, description: String)
            /// Whether `known` lists every value the library knows (else it is a sample of them).
            let isComplete: Bool
            let valueNamed: @Sendable (String) -> UInt64?
            let name: @Sendable (UInt64) -> String?
            let description: @Sendable (UInt64) -> String
            let allKnown: @Sendable () -> [UInt64]

            var testDescription: String { typeName }

            static func of<Constant: PKCS11Constant>(
                _: Constant.Type,
                prefix: String,
                unknown: (value: UInt64, description: String),
                complete: Bool = true,
                known: [(name: String, value: UInt64)],
                members: [(Constant, UInt64)] = []
            ) -> Table {
                Table(
                    typeName: "\(Constant.self)", prefix: prefix, known: known,
                    members: members.map { ($0.rawValue, $1) }, unknown: unknown, isComplete: complete,
                    valueNamed: { Constant(name: $0)?.rawValue },
                    name: { Constant(rawValue: $0).name },
                    description: { Constant(rawValue: $0).description },
                    allKnown: { Constant.allKnown.map(\.rawValue) })
            }
        }

        static let tables: [Table] = [
            // Values from PKCS #11 v2.40 `pkcs11t.h`, IBM `ep11.h` and `grep11.h`.
            .of(
                AttributeType.self, prefix: "CKA_", unknown: (0x8001_0010, "0x80010010"), complete: false,
                known: [
                    ("CKA_CLASS", 0x0), ("CKA_TOKEN", 0x1), ("CKA_PRIVATE", 0x2), ("CKA_LABEL", 0x3),
                    ("CKA_APPLICATION", 0x10), ("CKA_VALUE", 0x11), ("CKA_TRUSTED", 0x86), ("CKA_CHECK_VALUE", 0x90),
                    ("CKA_KEY_TYPE", 0x100), ("CKA_SUBJECT", 0x101), ("CKA_ID", 0x102), ("CKA_SENSITIVE", 0x103),
                    ("CKA_ENCRYPT", 0x104), ("CKA_DECRYPT", 0x105), ("CKA_WRAP", 0x106), ("CKA_UNWRAP", 0x107),
                    ("CKA_SIGN", 0x108), ("CKA_VERIFY", 0x10A), ("CKA_DERIVE", 0x10C), ("CKA_START_DATE", 0x110),
                    ("CKA_END_DATE", 0x111), ("CKA_MODULUS", 0x120), ("CKA_MODULUS_BITS", 0x121),
                    ("CKA_PUBLIC_EXPONENT", 0x122), ("CKA_PRIVATE_EXPONENT", 0x123), ("CKA_PRIME_1", 0x124),
                    ("CKA_PRIME_2", 0x125), ("CKA_EXPONENT_1", 0x126), ("CKA_EXPONENT_2", 0x127),
                    ("CKA_COEFFICIENT", 0x128), ("CKA_PUBLIC_KEY_INFO", 0x129), ("CKA_PRIME", 0x130),
                    ("CKA_SUBPRIME", 0x131), ("CKA_BASE", 0x132), ("CKA_PRIME_BITS", 0x133),
                    ("CKA_SUBPRIME_BITS", 0x134),
                    ("CKA_VALUE_BITS", 0x160), ("CKA_VALUE_LEN", 0x161), ("CKA_EXTRACTABLE", 0x162),
                    ("CKA_LOCAL", 0x163),
                    ("CKA_NEVER_EXTRACTABLE", 0x164), ("CKA_ALWAYS_SENSITIVE", 0x165), ("CKA_KEY_GEN_MECHANISM", 0x166),
                    ("CKA_MODIFIABLE", 0x170), ("CKA_EC_PARAMS", 0x180), ("CKA_EC_POINT", 0x181),
                    ("CKA_ALWAYS_AUTHENTICATE", 0x202), ("CKA_WRAP_WITH_TRUSTED", 0x210),
                    ("CKA_WRAP_TEMPLATE", 0x4000_0211), ("CKA_UNWRAP_TEMPLATE", 0x4000_0212),
                    ("CKA_DERIVE_TEMPLATE", 0x4000_0213), ("CKA_ALLOWED_MECHANISMS", 0x4000_0600),
                    ("CKA_VENDOR_DEFINED", 0x8000_0000), ("CKA_IBM_RESTRICTABLE", 0x8001_0001),
                    ("CKA_IBM_NEVER_MODIFIABLE", 0x8001_0002), ("CKA_IBM_RETAINKEY", 0x8001_0003),
                    ("CKA_IBM_ATTRBOUND", 0x8001_0004), ("CKA_IBM_KEYTYPE", 0x8001_0005), ("CKA_IBM_CV", 0x8001_0006),
                    ("CKA_IBM_MACKEY", 0x8001_0007), ("CKA_IBM_USE_AS_DATA", 0x8001_0008),
                    ("CKA_IBM_STRUCT_PARAMS", 0x8001_0009), ("CKA_IBM_STD_COMPLIANCE1", 0x8001_000A),
                    ("CKA_IBM_PROTKEY_EXTRACTABLE", 0x8001_000C), ("CKA_IBM_PROTKEY_NEVER_EXTRACTABLE", 0x8001_000D),
                    ("CKA_IBM_PQC_PARAMS", 0x8001_000E), ("CKA_IBM_LOGIN_SESSION", 0x8001_000F),
                    ("CKA_IBM_WIRETEST", 0x8002_0001), ("CKA_IBM_MACED_PUBLIC_KEY_INFO", 0x8002_0002),
                    ("CKA_GREP11_TOKEN_LABEL", 0x8004_0001), ("CKA_GREP11_WKID", 0x8004_0002),
                    ("CKA_GREP11_KEYSTORE_PASSWORD", 0x8004_0003), ("CKA_GREP11_KEYBLOB_HAS_ROTATION", 0x8004_0004),
                    ("CKA_GREP11_NEXTWKID", 0x8004_0005),
                ],
                members: [
                    (.class, 0x0), (.private, 0x2), (.valueLength, 0x161), (.ecParameters, 0x180),
                    (.publicKeyInfo, 0x129), (.ibmAttributeBound, 0x8001_0004), (.ibmStructParameters, 0x8001_0009),
                    (.ibmPQCParameters, 0x8001_000E), (.ibmMACedPublicKeyInfo, 0x8002_0002), (.grep11WKID, 0x8004_0002),
                ]),
            // Values from PKCS #11 v2.40 `pkcs11t.h` and IBM `ep11.h`.
            .of(
                MechanismType.self, prefix: "CKM_", unknown: (0x8001_0099, "0x80010099"), complete: false,
                known: [
                    ("CKM_RSA_PKCS_KEY_PAIR_GEN", 0x0), ("CKM_RSA_PKCS", 0x1), ("CKM_RSA_9796", 0x2),
                    ("CKM_RSA_X_509", 0x3), ("CKM_MD5_RSA_PKCS", 0x5), ("CKM_SHA1_RSA_PKCS", 0x6),
                    ("CKM_RSA_PKCS_OAEP", 0x9), ("CKM_RSA_X9_31_KEY_PAIR_GEN", 0xA), ("CKM_RSA_PKCS_PSS", 0xD),
                    ("CKM_SHA1_RSA_PKCS_PSS", 0xE), ("CKM_DSA_KEY_PAIR_GEN", 0x10), ("CKM_DSA", 0x11),
                    ("CKM_DSA_SHA1", 0x12), ("CKM_DSA_SHA224", 0x13), ("CKM_DSA_SHA256", 0x14),
                    ("CKM_DSA_SHA384", 0x15),
                    ("CKM_DSA_SHA512", 0x16), ("CKM_DH_PKCS_KEY_PAIR_GEN", 0x20), ("CKM_DH_PKCS_DERIVE", 0x21),
                    ("CKM_SHA256_RSA_PKCS", 0x40), ("CKM_SHA384_RSA_PKCS", 0x41), ("CKM_SHA512_RSA_PKCS", 0x42),
                    ("CKM_SHA256_RSA_PKCS_PSS", 0x43), ("CKM_SHA384_RSA_PKCS_PSS", 0x44),
                    ("CKM_SHA512_RSA_PKCS_PSS", 0x45), ("CKM_SHA224_RSA_PKCS", 0x46), ("CKM_SHA224_RSA_PKCS_PSS", 0x47),
                    ("CKM_SHA512_224", 0x48), ("CKM_SHA512_224_HMAC", 0x49), ("CKM_SHA512_256", 0x4C),
                    ("CKM_SHA512_256_HMAC", 0x4D), ("CKM_DES3_KEY_GEN", 0x131), ("CKM_DES3_ECB", 0x132),
                    ("CKM_DES3_CBC", 0x133), ("CKM_DES3_MAC", 0x134), ("CKM_DES3_CBC_PAD", 0x136), ("CKM_SHA_1", 0x220),
                    ("CKM_SHA_1_HMAC", 0x221), ("CKM_SHA256", 0x250), ("CKM_SHA256_HMAC", 0x251), ("CKM_SHA224", 0x255),
                    ("CKM_SHA224_HMAC", 0x256), ("CKM_SHA384", 0x260), ("CKM_SHA384_HMAC", 0x261),
                    ("CKM_SHA512", 0x270),
                    ("CKM_SHA512_HMAC", 0x271), ("CKM_GENERIC_SECRET_KEY_GEN", 0x350), ("CKM_EC_KEY_PAIR_GEN", 0x1040),
                    ("CKM_ECDSA", 0x1041), ("CKM_ECDSA_SHA1", 0x1042), ("CKM_ECDSA_SHA224", 0x1043),
                    ("CKM_ECDSA_SHA256", 0x1044), ("CKM_ECDSA_SHA384", 0x1045), ("CKM_ECDSA_SHA512", 0x1046),
                    ("CKM_ECDH1_DERIVE", 0x1050), ("CKM_ECDH1_COFACTOR_DERIVE", 0x1051), ("CKM_AES_KEY_GEN", 0x1080),
                    ("CKM_AES_ECB", 0x1081), ("CKM_AES_CBC", 0x1082), ("CKM_AES_MAC", 0x1083),
                    ("CKM_AES_CBC_PAD", 0x1085),
                    ("CKM_AES_CTR", 0x1086), ("CKM_AES_GCM", 0x1087), ("CKM_AES_CMAC", 0x108A),
                    ("CKM_DSA_PARAMETER_GEN", 0x2000), ("CKM_DH_PKCS_PARAMETER_GEN", 0x2001),
                    ("CKM_AES_KEY_WRAP", 0x2109), ("CKM_AES_KEY_WRAP_PAD", 0x210A), ("CKM_VENDOR_DEFINED", 0x8000_0000),
                    ("CKM_IBM_SHA3_224", 0x8001_0001), ("CKM_IBM_SHA3_256", 0x8001_0002),
                    ("CKM_IBM_SHA3_384", 0x8001_0003),
                    ("CKM_IBM_SHA3_512", 0x8001_0004), ("CKM_IBM_CMAC", 0x8001_0007),
                    ("CKM_IBM_EC_X25519", 0x8001_001B),
                    ("CKM_IBM_ED25519_SHA512", 0x8001_001C), ("CKM_IBM_EC_X448", 0x8001_001E),
                    ("CKM_IBM_ED448_SHA3", 0x8001_001F), ("CKM_IBM_SIPHASH", 0x8001_0021),
                    ("CKM_IBM_DILITHIUM", 0x8001_0023), ("CKM_IBM_KYBER", 0x8001_0024),
                    ("CKM_IBM_SHA3_256_HMAC", 0x8001_0026), ("CKM_IBM_EC_X25519_RAW", 0x8001_0029),
                    ("CKM_IBM_EC_X448_RAW", 0x8001_0030), ("CKM_IBM_ECDSA_OTHER", 0x8001_0031),
                    ("CKM_IBM_EC_AGGREGATE", 0x8001_0034), ("CKM_IBM_CLEARKEY_TRANSPORT", 0x8002_0001),
                    ("CKM_IBM_ATTRIBUTEBOUND_WRAP", 0x8002_0004), ("CKM_IBM_TRANSPORTKEY", 0x8002_0005),
                    ("CKM_IBM_DH_PKCS_DERIVE_RAW", 0x8002_0006), ("CKM_IBM_ECDH1_DERIVE_RAW", 0x8002_0007),
                    ("CKM_IBM_WIRETEST", 0x8003_0004), ("CKM_IBM_RETAINKEY", 0x8004_0001),
                    ("CKM_IBM_CPACF_WRAP", 0x8006_0001), ("CKM_IBM_BTC_DERIVE", 0x8007_0001),
                    ("CKM_IBM_ETH_DERIVE", 0x8007_0002),
                ],
                members: [
                    (.rsaPKCS, 0x1), (.rsaPKCSKeyPairGen, 0x0), (.rsaX509, 0x3), (.rsaPKCSOAEP, 0x9),
                    (.sha256RSAPKCSPSS, 0x43), (.sha512RSAPKCSPSS, 0x45), (.ecKeyPairGen, 0x1040),
                    (.ecdsaSHA384, 0x1045),
                    (.ecdh1Derive, 0x1050), (.aesCBCPad, 0x1085), (.aesKeyWrapPad, 0x210A), (.des3CBCPad, 0x136),
                    (.sha1, 0x220), (.sha512_256HMAC, 0x4D), (.genericSecretKeyGen, 0x350),
                    (.ibmSHA3_512, 0x8001_0004), (.ibmECX25519, 0x8001_001B), (.ibmED25519SHA512, 0x8001_001C),
                    (.ibmDilithium, 0x8001_0023), (.ibmECDSAOther, 0x8001_0031), (.ibmAttributeBoundWrap, 0x8002_0004),
                    (.ibmTransportKey, 0x8002_0005), (.ibmBTCDerive, 0x8007_0001), (.ibmETHDerive, 0x8007_0002),
                ]),
            // Values from PKCS #11 v2.40 `pkcs11t.h`, IBM `ep11.h` and `grep11.h`.
            .of(
                ReturnValue.self, prefix: "CKR_", unknown: (0x8001_ABCD, "0x8001ABCD"),
                known: [
                    ("CKR_OK", 0x0), ("CKR_CANCEL", 0x1), ("CKR_HOST_MEMORY", 0x2), ("CKR_SLOT_ID_INVALID", 0x3),
                    ("CKR_GENERAL_ERROR", 0x5), ("CKR_FUNCTION_FAILED", 0x6), ("CKR_ARGUMENTS_BAD", 0x7),
                    ("CKR_NO_EVENT", 0x8), ("CKR_NEED_TO_CREATE_THREADS", 0x9), ("CKR_CANT_LOCK", 0xA),
                    ("CKR_ATTRIBUTE_READ_ONLY", 0x10), ("CKR_ATTRIBUTE_SENSITIVE", 0x11),
                    ("CKR_ATTRIBUTE_TYPE_INVALID", 0x12), ("CKR_ATTRIBUTE_VALUE_INVALID", 0x13),
                    ("CKR_ACTION_PROHIBITED", 0x1B), ("CKR_DATA_INVALID", 0x20), ("CKR_DATA_LEN_RANGE", 0x21),
                    ("CKR_DEVICE_ERROR", 0x30), ("CKR_DEVICE_MEMORY", 0x31), ("CKR_DEVICE_REMOVED", 0x32),
                    ("CKR_ENCRYPTED_DATA_INVALID", 0x40), ("CKR_ENCRYPTED_DATA_LEN_RANGE", 0x41),
                    ("CKR_FUNCTION_CANCELED", 0x50), ("CKR_FUNCTION_NOT_PARALLEL", 0x51),
                    ("CKR_FUNCTION_NOT_SUPPORTED", 0x54), ("CKR_KEY_HANDLE_INVALID", 0x60),
                    ("CKR_KEY_SIZE_RANGE", 0x62),
                    ("CKR_KEY_TYPE_INCONSISTENT", 0x63), ("CKR_KEY_NOT_NEEDED", 0x64), ("CKR_KEY_CHANGED", 0x65),
                    ("CKR_KEY_NEEDED", 0x66), ("CKR_KEY_INDIGESTIBLE", 0x67), ("CKR_KEY_FUNCTION_NOT_PERMITTED", 0x68),
                    ("CKR_KEY_NOT_WRAPPABLE", 0x69), ("CKR_KEY_UNEXTRACTABLE", 0x6A), ("CKR_MECHANISM_INVALID", 0x70),
                    ("CKR_MECHANISM_PARAM_INVALID", 0x71), ("CKR_OBJECT_HANDLE_INVALID", 0x82),
                    ("CKR_OPERATION_ACTIVE", 0x90), ("CKR_OPERATION_NOT_INITIALIZED", 0x91),
                    ("CKR_PIN_INCORRECT", 0xA0),
                    ("CKR_PIN_INVALID", 0xA1), ("CKR_PIN_LEN_RANGE", 0xA2), ("CKR_PIN_EXPIRED", 0xA3),
                    ("CKR_PIN_LOCKED", 0xA4), ("CKR_SESSION_CLOSED", 0xB0), ("CKR_SESSION_COUNT", 0xB1),
                    ("CKR_SESSION_HANDLE_INVALID", 0xB3), ("CKR_SESSION_PARALLEL_NOT_SUPPORTED", 0xB4),
                    ("CKR_SESSION_READ_ONLY", 0xB5), ("CKR_SESSION_EXISTS", 0xB6),
                    ("CKR_SESSION_READ_ONLY_EXISTS", 0xB7),
                    ("CKR_SESSION_READ_WRITE_SO_EXISTS", 0xB8), ("CKR_SIGNATURE_INVALID", 0xC0),
                    ("CKR_SIGNATURE_LEN_RANGE", 0xC1), ("CKR_TEMPLATE_INCOMPLETE", 0xD0),
                    ("CKR_TEMPLATE_INCONSISTENT", 0xD1), ("CKR_TOKEN_NOT_PRESENT", 0xE0),
                    ("CKR_TOKEN_NOT_RECOGNIZED", 0xE1), ("CKR_TOKEN_WRITE_PROTECTED", 0xE2),
                    ("CKR_UNWRAPPING_KEY_HANDLE_INVALID", 0xF0), ("CKR_UNWRAPPING_KEY_SIZE_RANGE", 0xF1),
                    ("CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT", 0xF2), ("CKR_USER_ALREADY_LOGGED_IN", 0x100),
                    ("CKR_USER_NOT_LOGGED_IN", 0x101), ("CKR_USER_PIN_NOT_INITIALIZED", 0x102),
                    ("CKR_USER_TYPE_INVALID", 0x103), ("CKR_USER_ANOTHER_ALREADY_LOGGED_IN", 0x104),
                    ("CKR_USER_TOO_MANY_TYPES", 0x105), ("CKR_WRAPPED_KEY_INVALID", 0x110),
                    ("CKR_WRAPPED_KEY_LEN_RANGE", 0x112), ("CKR_WRAPPING_KEY_HANDLE_INVALID", 0x113),
                    ("CKR_WRAPPING_KEY_SIZE_RANGE", 0x114), ("CKR_WRAPPING_KEY_TYPE_INCONSISTENT", 0x115),
                    ("CKR_RANDOM_SEED_NOT_SUPPORTED", 0x120), ("CKR_RANDOM_NO_RNG", 0x121),
                    ("CKR_DOMAIN_PARAMS_INVALID", 0x130), ("CKR_CURVE_NOT_SUPPORTED", 0x140),
                    ("CKR_BUFFER_TOO_SMALL", 0x150), ("CKR_SAVED_STATE_INVALID", 0x160),
                    ("CKR_INFORMATION_SENSITIVE", 0x170), ("CKR_STATE_UNSAVEABLE", 0x180),
                    ("CKR_CRYPTOKI_NOT_INITIALIZED", 0x190), ("CKR_CRYPTOKI_ALREADY_INITIALIZED", 0x191),
                    ("CKR_MUTEX_BAD", 0x1A0), ("CKR_MUTEX_NOT_LOCKED", 0x1A1), ("CKR_NEW_PIN_MODE", 0x1B0),
                    ("CKR_NEXT_OTP", 0x1B1), ("CKR_EXCEEDED_MAX_ITERATIONS", 0x1B5),
                    ("CKR_FIPS_SELF_TEST_FAILED", 0x1B6),
                    ("CKR_LIBRARY_LOAD_FAILED", 0x1B7), ("CKR_PIN_TOO_WEAK", 0x1B8), ("CKR_PUBLIC_KEY_INVALID", 0x1B9),
                    ("CKR_FUNCTION_REJECTED", 0x200), ("CKR_VENDOR_DEFINED", 0x8000_0000),
                    ("CKR_IBM_WKID_MISMATCH", 0x8001_0001), ("CKR_IBM_INTERNAL_ERROR", 0x8001_0002),
                    ("CKR_IBM_TRANSPORT_ERROR", 0x8001_0003), ("CKR_IBM_BLOB_ERROR", 0x8001_0004),
                    ("CKR_IBM_BLOBKEY_CONFLICT", 0x8001_0005), ("CKR_IBM_MODE_CONFLICT", 0x8001_0006),
                    ("CKR_IBM_NONCRT_KEY_SIZE", 0x8001_0008), ("CKR_IBM_WK_NOT_INITIALIZED", 0x8001_0009),
                    ("CKR_IBM_OA_API_ERROR", 0x8001_000A), ("CKR_IBM_REQ_TIMEOUT", 0x8001_000B),
                    ("CKR_IBM_READONLY", 0x8001_000C), ("CKR_IBM_STATIC_POLICY", 0x8001_000D),
                    ("CKR_IBM_TRANSPORT_LIMIT", 0x8001_0010), ("CKR_IBM_FCV_NOT_SET", 0x8001_0011),
                    ("CKR_IBM_PERF_CATEGORY_INVALID", 0x8001_0012), ("CKR_IBM_API_MISMATCH", 0x8001_0013),
                    ("CKR_IBM_TARGET_INVALID", 0x8001_0030), ("CKR_IBM_PQC_PARAMS_NOT_SUPPORTED", 0x8001_0031),
                    ("CKR_IBM_PARAM_NOT_SUPPORTED", 0x8001_0032), ("CKR_IBM_SESSION_IMMUTABLE", 0x8001_0033),
                    ("CKR_IBM_ERROR_STATE", 0x8001_0101), ("CKR_VENDOR_DEFINED_GREP11", 0x8004_0000),
                    ("CKR_IBM_GREP11_NOT_AUTHENTICATED", 0x8004_0001), ("CKR_IBM_GREP11_CANNOT_UNMARSHAL", 0x8004_0002),
                    ("CKR_IBM_GREP11_CANNOT_MARSHAL", 0x8004_0003), ("CKR_IBM_GREP11_CONFLICT", 0x8004_0004),
                    ("CKR_IBM_GREP11_DBINTERNAL", 0x8004_0005), ("CKR_IBM_GREP11_MISSING", 0x8004_0006),
                    ("CKR_IBM_GREP11_REPLAY", 0x8004_0007),
                ],
                members: [
                    (.ok, 0), (.signatureInvalid, 0xC0), (.mechanismParamInvalid, 0x71), (.keyHandleInvalid, 0x60),
                    (.functionRejected, 0x200), (.ibmWKIDMismatch, 0x8001_0001), (.ibmBlobError, 0x8001_0004),
                    (.ibmPQCParamsNotSupported, 0x8001_0031), (.grep11NotAuthenticated, 0x8004_0001),
                    (.grep11Replay, 0x8004_0007),
                ]),
            // Values from PKCS #11 v2.40 `pkcs11t.h` and IBM `ep11.h`.
            .of(
                KeyType.self, prefix: "CKK_", unknown: (0x8001_0025, "0x80010025"), complete: false,
                known: [
                    ("CKK_RSA", 0x0), ("CKK_DSA", 0x1), ("CKK_DH", 0x2), ("CKK_EC", 0x3), ("CKK_X9_42_DH", 0x4),
                    ("CKK_GENERIC_SECRET", 0x10), ("CKK_DES", 0x13), ("CKK_DES2", 0x14), ("CKK_DES3", 0x15),
                    ("CKK_AES", 0x1F), ("CKK_CAMELLIA", 0x25), ("CKK_SHA256_HMAC", 0x2B), ("CKK_SHA224_HMAC", 0x2E),
                    ("CKK_VENDOR_DEFINED", 0x8000_0000), ("CKK_IBM_PQC_DILITHIUM", 0x8001_0023),
                    ("CKK_IBM_PQC_KYBER", 0x8001_0024),
                ],
                members: [(.aes, 0x1F), (.ec, 3), (.ibmDilithium, 0x8001_0023)]),
            // Values from PKCS #11 v2.40 `pkcs11t.h`.
            .of(
                ObjectClass.self, prefix: "CKO_", unknown: (9, "0x00000009"),
                known: [
                    ("CKO_DATA", 0), ("CKO_CERTIFICATE", 1), ("CKO_PUBLIC_KEY", 2), ("CKO_PRIVATE_KEY", 3),
                    ("CKO_SECRET_KEY", 4), ("CKO_HW_FEATURE", 5), ("CKO_DOMAIN_PARAMETERS", 6), ("CKO_MECHANISM", 7),
                    ("CKO_OTP_KEY", 8), ("CKO_VENDOR_DEFINED", 0x8000_0000),
                ],
                members: [(.secretKey, 4), (.domainParameters, 6)]),
            // Values from `protos/server.proto` (`RSAOAEPParm.Mask`).
            .of(
                MaskGenerationFunction.self, prefix: "CKG_", unknown: (99, "0x00000063"),
                known: [
                    ("CKG_MGF1_SHA1", 1), ("CKG_MGF1_SHA256", 2), ("CKG_MGF1_SHA384", 3), ("CKG_MGF1_SHA512", 4),
                    ("CKG_MGF1_SHA224", 5), ("CKG_IBM_MGF1_SHA3_224", 0x80_0001), ("CKG_IBM_MGF1_SHA3_256", 0x80_0002),
                    ("CKG_IBM_MGF1_SHA3_384", 0x80_0003), ("CKG_IBM_MGF1_SHA3_512", 0x80_0004),
                ]),
            // Values from IBM `ep11.h` (`ECSG_Var_t`).
            .of(
                ECSGType.self, prefix: "ECSG_", unknown: (4, "0x00000004"),
                known: [("ECSG_IBM_ECSDSA_S256", 3), ("ECSG_IBM_ECSDSA_COMPR_MULTI", 5), ("ECSG_IBM_BLS", 6)]),
        ]

        @Test("Known values match their C names, both ways, and print as their names", arguments: tables)
        func knownValues(table: Table) {
            for (name, value) in table.known {
                #expect(table.valueNamed(name) == value, "\(name)")
                #expect(table.name(value) == name, "\(name)")
                #expect(table.description(value) == name, "\(name)")
            }
        }

        @Test("Swift members carry the C values", arguments: tables)
        func swiftMembers(table: Table) {
            for (actual, expected) in table.members {
                #expect(actual == expected, "\(table.description(expected))")
            }
        }

        @Test("Every known value round-trips through its unique, prefixed name", arguments: tables)
        func roundTrip(table: Table) throws {
            var seen: Set<String> = []
            for value in table.allKnown() {
                let name = try #require(table.name(value))
                #expect(name.hasPrefix(table.prefix))
                #expect(table.valueNamed(name) == value)
                #expect(seen.insert(name).inserted, "\(name) twice")
            }
        }

        @Test("The header table and the library know the same values", arguments: tables.filter(\.isComplete))
        func sameValues(table: Table) {
            #expect(Set(table.known.map(\.value)) == Set(table.allKnown()))
            #expect(table.known.count == table.allKnown().count)
        }

        @Test("Unknown values and names survive: no name, printed as hex", arguments: tables)
        func unknownValue(table: Table) {
            #expect(table.name(table.unknown.value) == nil)
            #expect(table.description(table.unknown.value) == table.unknown.description)
            #expect(table.valueNamed("\(table.prefix)NOT_A_THING") == nil)
        }
    }
}
