import EP11
import Testing

extension VocabularyTests {
    @Suite("KeyType and ObjectClass")
    struct KeyTypeAndObjectClassTests {
        static let keyTypes: [(name: String, value: UInt64)] = [
            ("CKK_RSA", 0x0), ("CKK_DSA", 0x1), ("CKK_DH", 0x2), ("CKK_EC", 0x3), ("CKK_X9_42_DH", 0x4),
            ("CKK_GENERIC_SECRET", 0x10), ("CKK_DES", 0x13), ("CKK_DES2", 0x14), ("CKK_DES3", 0x15),
            ("CKK_AES", 0x1F), ("CKK_CAMELLIA", 0x25), ("CKK_SHA256_HMAC", 0x2B), ("CKK_SHA224_HMAC", 0x2E),
            ("CKK_VENDOR_DEFINED", 0x8000_0000), ("CKK_IBM_PQC_DILITHIUM", 0x8001_0023),
            ("CKK_IBM_PQC_KYBER", 0x8001_0024),
        ]

        static let objectClasses: [(name: String, value: UInt64)] = [
            ("CKO_DATA", 0), ("CKO_CERTIFICATE", 1), ("CKO_PUBLIC_KEY", 2), ("CKO_PRIVATE_KEY", 3),
            ("CKO_SECRET_KEY", 4), ("CKO_HW_FEATURE", 5), ("CKO_DOMAIN_PARAMETERS", 6), ("CKO_MECHANISM", 7),
            ("CKO_OTP_KEY", 8), ("CKO_VENDOR_DEFINED", 0x8000_0000),
        ]

        @Test("Known key types match their C names", arguments: keyTypes)
        func keyType(name: String, value: UInt64) throws {
            #expect(try #require(KeyType(name: name)).rawValue == value)
            #expect(KeyType(rawValue: value).name == name)
        }

        @Test("Known object classes match their C names", arguments: objectClasses)
        func objectClass(name: String, value: UInt64) throws {
            #expect(try #require(ObjectClass(name: name)).rawValue == value)
            #expect(ObjectClass(rawValue: value).description == name)
        }

        @Test("Swift names")
        func swiftNames() {
            #expect(KeyType.aes.rawValue == 0x1F)
            #expect(KeyType.ec.rawValue == 3)
            #expect(KeyType.ibmDilithium.rawValue == 0x8001_0023)
            #expect(ObjectClass.secretKey.rawValue == 4)
            #expect(ObjectClass.domainParameters.rawValue == 6)
        }

        @Test("CKK_ECDSA and CKK_CAST5 are aliases")
        func aliases() {
            #expect(KeyType.ecdsa == .ec)
            #expect(KeyType(name: "CKK_ECDSA") == .ec)
            #expect(KeyType.ecdsa.name == "CKK_EC")
            #expect(KeyType.cast5 == .cast128)
            #expect(KeyType.cast5.name == "CKK_CAST128")
        }

        @Test("Unknown values survive and print as hex")
        func unknown() {
            #expect(KeyType(rawValue: 0x8001_0025).description == "0x80010025")
            #expect(ObjectClass(rawValue: 9).description == "0x00000009")
            #expect(ObjectClass(name: "CKO_NOTHING") == nil)
        }

        @Test("Every known value round-trips through its name")
        func roundTrip() throws {
            for type in KeyType.allKnown {
                #expect(KeyType(name: try #require(type.name)) == type)
            }
            for objectClass in ObjectClass.allKnown {
                #expect(ObjectClass(name: try #require(objectClass.name)) == objectClass)
            }
            #expect(ObjectClass.allKnown.count == Self.objectClasses.count)
        }
    }
}
