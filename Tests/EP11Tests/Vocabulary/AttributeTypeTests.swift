import EP11
import Testing

extension VocabularyTests {
    @Suite("AttributeType")
    struct AttributeTypeTests {
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
    }
}
