import EP11
import Testing

extension VocabularyTests {
    @Suite("KeyType and ObjectClass")
    struct KeyTypeAndObjectClassTests {
        @Test("CKK_ECDSA and CKK_CAST5 are aliases")
        func aliases() {
            #expect(KeyType.ecdsa == .ec)
            #expect(KeyType(name: "CKK_ECDSA") == .ec)
            #expect(KeyType.ecdsa.name == "CKK_EC")
            #expect(KeyType.cast5 == .cast128)
            #expect(KeyType.cast5.name == "CKK_CAST128")
        }
    }
}
