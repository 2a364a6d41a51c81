import EP11
import Testing

extension VocabularyTests {
    @Suite("MechanismType")
    struct MechanismTypeTests {
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
