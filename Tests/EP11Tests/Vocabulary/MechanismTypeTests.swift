import EP11
import Testing

extension VocabularyTests {
    @Suite("MechanismType")
    struct MechanismTypeTests {
        /// Values from PKCS #11 v2.40 `pkcs11t.h` and IBM `ep11.h`.
        static let known: [(name: String, value: UInt64)] = [
            ("CKM_RSA_PKCS_KEY_PAIR_GEN", 0x0), ("CKM_RSA_PKCS", 0x1), ("CKM_RSA_9796", 0x2),
            ("CKM_RSA_X_509", 0x3), ("CKM_MD5_RSA_PKCS", 0x5), ("CKM_SHA1_RSA_PKCS", 0x6),
            ("CKM_RSA_PKCS_OAEP", 0x9), ("CKM_RSA_X9_31_KEY_PAIR_GEN", 0xA), ("CKM_RSA_PKCS_PSS", 0xD),
            ("CKM_SHA1_RSA_PKCS_PSS", 0xE), ("CKM_DSA_KEY_PAIR_GEN", 0x10), ("CKM_DSA", 0x11),
            ("CKM_DSA_SHA1", 0x12), ("CKM_DSA_SHA224", 0x13), ("CKM_DSA_SHA256", 0x14), ("CKM_DSA_SHA384", 0x15),
            ("CKM_DSA_SHA512", 0x16), ("CKM_DH_PKCS_KEY_PAIR_GEN", 0x20), ("CKM_DH_PKCS_DERIVE", 0x21),
            ("CKM_SHA256_RSA_PKCS", 0x40), ("CKM_SHA384_RSA_PKCS", 0x41), ("CKM_SHA512_RSA_PKCS", 0x42),
            ("CKM_SHA256_RSA_PKCS_PSS", 0x43), ("CKM_SHA384_RSA_PKCS_PSS", 0x44),
            ("CKM_SHA512_RSA_PKCS_PSS", 0x45), ("CKM_SHA224_RSA_PKCS", 0x46), ("CKM_SHA224_RSA_PKCS_PSS", 0x47),
            ("CKM_SHA512_224", 0x48), ("CKM_SHA512_224_HMAC", 0x49), ("CKM_SHA512_256", 0x4C),
            ("CKM_SHA512_256_HMAC", 0x4D), ("CKM_DES3_KEY_GEN", 0x131), ("CKM_DES3_ECB", 0x132),
            ("CKM_DES3_CBC", 0x133), ("CKM_DES3_MAC", 0x134), ("CKM_DES3_CBC_PAD", 0x136), ("CKM_SHA_1", 0x220),
            ("CKM_SHA_1_HMAC", 0x221), ("CKM_SHA256", 0x250), ("CKM_SHA256_HMAC", 0x251), ("CKM_SHA224", 0x255),
            ("CKM_SHA224_HMAC", 0x256), ("CKM_SHA384", 0x260), ("CKM_SHA384_HMAC", 0x261), ("CKM_SHA512", 0x270),
            ("CKM_SHA512_HMAC", 0x271), ("CKM_GENERIC_SECRET_KEY_GEN", 0x350), ("CKM_EC_KEY_PAIR_GEN", 0x1040),
            ("CKM_ECDSA", 0x1041), ("CKM_ECDSA_SHA1", 0x1042), ("CKM_ECDSA_SHA224", 0x1043),
            ("CKM_ECDSA_SHA256", 0x1044), ("CKM_ECDSA_SHA384", 0x1045), ("CKM_ECDSA_SHA512", 0x1046),
            ("CKM_ECDH1_DERIVE", 0x1050), ("CKM_ECDH1_COFACTOR_DERIVE", 0x1051), ("CKM_AES_KEY_GEN", 0x1080),
            ("CKM_AES_ECB", 0x1081), ("CKM_AES_CBC", 0x1082), ("CKM_AES_MAC", 0x1083), ("CKM_AES_CBC_PAD", 0x1085),
            ("CKM_AES_CTR", 0x1086), ("CKM_AES_GCM", 0x1087), ("CKM_AES_CMAC", 0x108A),
            ("CKM_DSA_PARAMETER_GEN", 0x2000), ("CKM_DH_PKCS_PARAMETER_GEN", 0x2001),
            ("CKM_AES_KEY_WRAP", 0x2109), ("CKM_AES_KEY_WRAP_PAD", 0x210A), ("CKM_VENDOR_DEFINED", 0x8000_0000),
            ("CKM_IBM_SHA3_224", 0x8001_0001), ("CKM_IBM_SHA3_256", 0x8001_0002), ("CKM_IBM_SHA3_384", 0x8001_0003),
            ("CKM_IBM_SHA3_512", 0x8001_0004), ("CKM_IBM_CMAC", 0x8001_0007), ("CKM_IBM_EC_X25519", 0x8001_001B),
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
        ]

        @Test("Known values match their C names", arguments: known)
        func knownValue(name: String, value: UInt64) throws {
            let byName = try #require(MechanismType(name: name))
            #expect(byName.rawValue == value)
            #expect(MechanismType(rawValue: value).name == name)
            #expect(MechanismType(rawValue: value).description == name)
        }

        @Test(
            "Swift names map to the C values",
            arguments: [
                (MechanismType.rsaPKCS, UInt64(0x1)), (.rsaPKCSKeyPairGen, 0x0), (.rsaX509, 0x3), (.rsaPKCSOAEP, 0x9),
                (.sha256RSAPKCSPSS, 0x43), (.sha512RSAPKCSPSS, 0x45), (.ecKeyPairGen, 0x1040), (.ecdsaSHA384, 0x1045),
                (.ecdh1Derive, 0x1050), (.aesCBCPad, 0x1085), (.aesKeyWrapPad, 0x210A), (.des3CBCPad, 0x136),
                (.sha1, 0x220), (.sha512_256HMAC, 0x4D), (.genericSecretKeyGen, 0x350),
                (.ibmSHA3_512, 0x8001_0004), (.ibmECX25519, 0x8001_001B), (.ibmED25519SHA512, 0x8001_001C),
                (.ibmDilithium, 0x8001_0023), (.ibmECDSAOther, 0x8001_0031), (.ibmAttributeBoundWrap, 0x8002_0004),
                (.ibmTransportKey, 0x8002_0005), (.ibmBTCDerive, 0x8007_0001), (.ibmETHDerive, 0x8007_0002),
            ])
        func swiftNames(type: MechanismType, value: UInt64) {
            #expect(type.rawValue == value)
        }

        @Test("CKM_ECDSA_KEY_PAIR_GEN is an alias of CKM_EC_KEY_PAIR_GEN")
        func alias() {
            #expect(MechanismType.ecdsaKeyPairGen == .ecKeyPairGen)
            #expect(MechanismType(name: "CKM_ECDSA_KEY_PAIR_GEN") == .ecKeyPairGen)
            #expect(MechanismType.ecdsaKeyPairGen.name == "CKM_EC_KEY_PAIR_GEN")
            #expect(MechanismType.allKnown.filter { $0 == .ecKeyPairGen }.count == 1)
        }

        @Test("Unknown values survive and print as hex")
        func unknownValue() {
            let type = MechanismType(rawValue: 0x8001_0099)
            #expect(type.name == nil)
            #expect(type.description == "0x80010099")
            #expect(type != .ibmKyber)
            #expect(MechanismType(name: "CKM_NOPE") == nil)
            #expect(MechanismType(name: "AES_CBC_PAD") == .aesCBCPad)
        }

        @Test("Every known value round-trips through its name, and names are unique")
        func roundTrip() throws {
            var seen: Set<String> = []
            for type in MechanismType.allKnown {
                let name = try #require(type.name)
                #expect(name.hasPrefix("CKM_"))
                #expect(MechanismType(name: name) == type)
                #expect(seen.insert(name).inserted)
            }
            #expect(MechanismType.allKnown.count >= 190)
        }
    }
}
