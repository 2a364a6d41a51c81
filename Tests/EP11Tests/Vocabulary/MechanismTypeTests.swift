import EP11
import Testing

extension VocabularyTests {
    @Suite("MechanismType")
    struct MechanismTypeTests {
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

        @Test("The library knows the IBM mechanisms beyond the sample table")
        func extent() {
            #expect(MechanismType.allKnown.count >= 190)
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
    }
}
