import EP11
import Testing

extension VocabularyTests {
    @Suite("ReturnValue")
    struct ReturnValueTests {
        @Test("isOK is true only for CKR_OK")
        func isOK() {
            #expect(ReturnValue.ok.isOK)
            #expect(ReturnValue(rawValue: 0).isOK)
            #expect(!ReturnValue.cancel.isOK)
            #expect(!ReturnValue.signatureInvalid.isOK)
            #expect(!ReturnValue(rawValue: 0x8001_0001).isOK)
        }

        @Test("Vendor-defined range")
        func vendorDefined() {
            #expect(ReturnValue.ibmWKIDMismatch.isVendorDefined)
            #expect(ReturnValue.grep11Missing.isVendorDefined)
            #expect(ReturnValue.vendorDefined.isVendorDefined)
            #expect(!ReturnValue.functionRejected.isVendorDefined)
        }

        @Test(
            "Unknown values survive and print as hex",
            arguments: [
                (UInt64(0x4), "0x00000004"),
                (0x8001_ABCD, "0x8001ABCD"),
                (0x8004_0008, "0x80040008"),
                (0x1_0000_0000, "0x100000000"),
                (UInt64.max, "0xFFFFFFFFFFFFFFFF"),
            ])
        func unknownValue(value: UInt64, description: String) {
            let code = ReturnValue(rawValue: value)
            #expect(code.name == nil)
            #expect(code.rawValue == value)
            #expect(code.description == description)
            #expect(code != .ok)
        }

        @Test("Names resolve with or without the prefix; unknown names do not")
        func nameLookup() {
            #expect(ReturnValue(name: "SIGNATURE_INVALID") == .signatureInvalid)
            #expect(ReturnValue(name: "IBM_GREP11_REPLAY") == .grep11Replay)
            #expect(ReturnValue(name: "CKR_NOT_A_THING") == nil)
            #expect(ReturnValue(name: "ckr_ok") == nil)
            #expect(ReturnValue(name: "") == nil)
            #expect(ReturnValue(name: "CKM_AES_CBC") == nil)
        }
    }
}
