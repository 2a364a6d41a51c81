import EP11
import Testing

extension VocabularyTests {
    @Suite("AttributeType")
    struct AttributeTypeTests {
        /// Values from PKCS #11 v2.40 `pkcs11t.h`, IBM `ep11.h` and `grep11.h`.
        static let known: [(name: String, value: UInt64)] = [
            ("CKA_CLASS", 0x0), ("CKA_TOKEN", 0x1), ("CKA_PRIVATE", 0x2), ("CKA_LABEL", 0x3),
            ("CKA_APPLICATION", 0x10), ("CKA_VALUE", 0x11), ("CKA_TRUSTED", 0x86), ("CKA_CHECK_VALUE", 0x90),
            ("CKA_KEY_TYPE", 0x100), ("CKA_SUBJECT", 0x101), ("CKA_ID", 0x102), ("CKA_SENSITIVE", 0x103),
            ("CKA_ENCRYPT", 0x104), ("CKA_DECRYPT", 0x105), ("CKA_WRAP", 0x106), ("CKA_UNWRAP", 0x107),
            ("CKA_SIGN", 0x108), ("CKA_VERIFY", 0x10A), ("CKA_DERIVE", 0x10C), ("CKA_START_DATE", 0x110),
            ("CKA_END_DATE", 0x111), ("CKA_MODULUS", 0x120), ("CKA_MODULUS_BITS", 0x121),
            ("CKA_PUBLIC_EXPONENT", 0x122), ("CKA_PRIVATE_EXPONENT", 0x123), ("CKA_PRIME_1", 0x124),
            ("CKA_PRIME_2", 0x125), ("CKA_EXPONENT_1", 0x126), ("CKA_EXPONENT_2", 0x127),
            ("CKA_COEFFICIENT", 0x128), ("CKA_PUBLIC_KEY_INFO", 0x129), ("CKA_PRIME", 0x130),
            ("CKA_SUBPRIME", 0x131), ("CKA_BASE", 0x132), ("CKA_PRIME_BITS", 0x133), ("CKA_SUBPRIME_BITS", 0x134),
            ("CKA_VALUE_BITS", 0x160), ("CKA_VALUE_LEN", 0x161), ("CKA_EXTRACTABLE", 0x162), ("CKA_LOCAL", 0x163),
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
        ]

        @Test("Known values match their C names", arguments: known)
        func knownValue(name: String, value: UInt64) throws {
            let byName = try #require(AttributeType(name: name))
            #expect(byName.rawValue == value)
            #expect(AttributeType(rawValue: value).name == name)
        }

        @Test(
            "Swift names map to the C values",
            arguments: [
                (AttributeType.class, UInt64(0x0)), (.private, 0x2), (.valueLength, 0x161), (.ecParameters, 0x180),
                (.publicKeyInfo, 0x129), (.ibmAttributeBound, 0x8001_0004), (.ibmStructParameters, 0x8001_0009),
                (.ibmPQCParameters, 0x8001_000E), (.ibmMACedPublicKeyInfo, 0x8002_0002), (.grep11WKID, 0x8004_0002),
            ])
        func swiftNames(type: AttributeType, value: UInt64) {
            #expect(type.rawValue == value)
        }

        @Test("Aliases share a value and print the primary name")
        func aliases() {
            #expect(AttributeType.ecdsaParameters == .ecParameters)
            #expect(AttributeType(name: "CKA_ECDSA_PARAMS") == .ecParameters)
            #expect(AttributeType.ecdsaParameters.description == "CKA_EC_PARAMS")
            #expect(AttributeType(name: "CKA_SUB_PRIME_BITS") == .subprimeBits)
            #expect(AttributeType.subPrimeBits.name == "CKA_SUBPRIME_BITS")
        }

        @Test("Unknown values survive and print as hex")
        func unknownValue() {
            #expect(AttributeType(rawValue: 0x8001_0010).name == nil)
            #expect(AttributeType(rawValue: 0x8001_0010).description == "0x80010010")
        }

        @Test("Every known value round-trips through its name")
        func roundTrip() throws {
            for type in AttributeType.allKnown {
                let name = try #require(type.name)
                #expect(name.hasPrefix("CKA_"))
                #expect(AttributeType(name: name) == type)
            }
        }
    }
}
