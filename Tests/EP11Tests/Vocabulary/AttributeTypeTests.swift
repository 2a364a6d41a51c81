import EP11
import Testing

extension VocabularyTests {
    @Suite("AttributeType")
    struct AttributeTypeTests {
        @Test("Aliases share a value and print the primary name")
        func aliases() {
            #expect(AttributeType.ecdsaParameters == .ecParameters)
            #expect(AttributeType(name: "CKA_ECDSA_PARAMS") == .ecParameters)
            #expect(AttributeType.ecdsaParameters.description == "CKA_EC_PARAMS")
            #expect(AttributeType(name: "CKA_SUB_PRIME_BITS") == .subprimeBits)
            #expect(AttributeType.subPrimeBits.name == "CKA_SUBPRIME_BITS")
        }
    }
}
