import EP11
import Testing

extension VocabularyTests {
    /// ML-DSA and ML-KEM: the IBM EP11 vendor mechanisms and the PKCS #11 3.2 ones, with their C names, so that
    /// `hpcs-tool ep11 mechanisms` names them when a server lists them.
    @Suite("Post-quantum mechanisms and key types")
    struct PostQuantumVocabularyTests {
        /// IBM values from issue 18 (EP11's `ep11.h` numbering after `CKM_IBM_EC_AGGREGATE`), PKCS #11 values from
        /// the OASIS PKCS #11 3.2 `pkcs11t.h`.
        static let mechanisms: [(MechanismType, String, UInt64)] = [
            (.ibmMLDSAKeyPairGen, "CKM_IBM_ML_DSA_KEY_PAIR_GEN", 0x8001_0035),
            (.ibmMLDSA, "CKM_IBM_ML_DSA", 0x8001_0036),
            (.ibmMLKEMKeyPairGen, "CKM_IBM_ML_KEM_KEY_PAIR_GEN", 0x8001_0037),
            (.ibmMLKEM, "CKM_IBM_ML_KEM", 0x8001_0038),
            (.mlKEMKeyPairGen, "CKM_ML_KEM_KEY_PAIR_GEN", 0x0F),
            (.mlKEM, "CKM_ML_KEM", 0x17),
            (.mlDSAKeyPairGen, "CKM_ML_DSA_KEY_PAIR_GEN", 0x1C),
            (.mlDSA, "CKM_ML_DSA", 0x1D),
            (.hashMLDSA, "CKM_HASH_ML_DSA", 0x1F),
            (.hashMLDSASHA224, "CKM_HASH_ML_DSA_SHA224", 0x23),
            (.hashMLDSASHA256, "CKM_HASH_ML_DSA_SHA256", 0x24),
            (.hashMLDSASHA384, "CKM_HASH_ML_DSA_SHA384", 0x25),
            (.hashMLDSASHA512, "CKM_HASH_ML_DSA_SHA512", 0x26),
            (.hashMLDSASHA3_224, "CKM_HASH_ML_DSA_SHA3_224", 0x27),
            (.hashMLDSASHA3_256, "CKM_HASH_ML_DSA_SHA3_256", 0x28),
            (.hashMLDSASHA3_384, "CKM_HASH_ML_DSA_SHA3_384", 0x29),
            (.hashMLDSASHA3_512, "CKM_HASH_ML_DSA_SHA3_512", 0x2A),
            (.hashMLDSASHAKE128, "CKM_HASH_ML_DSA_SHAKE128", 0x2B),
            (.hashMLDSASHAKE256, "CKM_HASH_ML_DSA_SHAKE256", 0x2C),
        ]

        @Test("each mechanism has its value and C name, both ways", arguments: mechanisms)
        func mechanism(type: MechanismType, name: String, value: UInt64) throws {
            #expect(type.rawValue == value)
            #expect(type.name == name)
            #expect(type.description == name)
            #expect(MechanismType(rawValue: value).name == name)
            #expect(try #require(MechanismType(name: name)) == type)
            #expect(MechanismType(name: String(name.dropFirst("CKM_".count))) == type)
            #expect(MechanismType.allKnown.filter { $0 == type }.count == 1)
        }

        @Test("the values are distinct and the names do not shadow another mechanism")
        func distinct() {
            let values = Self.mechanisms.map(\.2)
            #expect(Set(values).count == values.count)
            // The PKCS #11 3.2 values sit between older ones: neighbours keep their names.
            #expect(MechanismType(rawValue: 0x0E).name == "CKM_SHA1_RSA_PKCS_PSS")
            #expect(MechanismType(rawValue: 0x16).name == "CKM_DSA_SHA512")
            #expect(MechanismType(rawValue: 0x20).name == "CKM_DH_PKCS_KEY_PAIR_GEN")
            #expect(MechanismType(rawValue: 0x8001_0034).name == "CKM_IBM_EC_AGGREGATE")
            // The pre-standard IBM names stay what they were.
            #expect(MechanismType.ibmDilithium.name == "CKM_IBM_DILITHIUM")
            #expect(MechanismType.ibmKyber.name == "CKM_IBM_KYBER")
        }

        @Test("allKnown stays in header order")
        func headerOrder() {
            let known = MechanismType.allKnown.map(\.rawValue)
            let standard = known.filter { $0 < 0x8000_0000 }
            #expect(standard == standard.sorted())
            let position = { (type: MechanismType) in known.firstIndex(of: type.rawValue) ?? -1 }
            #expect(position(.ibmECAggregate) + 1 == position(.ibmMLDSAKeyPairGen))
            #expect(position(.ibmMLDSAKeyPairGen) + 3 == position(.ibmMLKEM))
        }

        @Test("CKK_ML_KEM and CKK_ML_DSA key types")
        func keyTypes() {
            #expect(KeyType.mlKEM.rawValue == 0x49)
            #expect(KeyType.mlDSA.rawValue == 0x4A)
            #expect(KeyType.mlKEM.name == "CKK_ML_KEM")
            #expect(KeyType(name: "CKK_ML_DSA") == .mlDSA)
        }
    }
}
