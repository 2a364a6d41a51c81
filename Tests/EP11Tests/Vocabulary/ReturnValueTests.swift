import EP11
import Testing

extension VocabularyTests {
    @Suite("ReturnValue")
    struct ReturnValueTests {
        /// Values from PKCS #11 v2.40 `pkcs11t.h`, IBM `ep11.h` and `grep11.h`.
        static let known: [(name: String, value: UInt64)] = [
            ("CKR_OK", 0x0), ("CKR_CANCEL", 0x1), ("CKR_HOST_MEMORY", 0x2), ("CKR_SLOT_ID_INVALID", 0x3),
            ("CKR_GENERAL_ERROR", 0x5), ("CKR_FUNCTION_FAILED", 0x6), ("CKR_ARGUMENTS_BAD", 0x7),
            ("CKR_NO_EVENT", 0x8), ("CKR_NEED_TO_CREATE_THREADS", 0x9), ("CKR_CANT_LOCK", 0xA),
            ("CKR_ATTRIBUTE_READ_ONLY", 0x10), ("CKR_ATTRIBUTE_SENSITIVE", 0x11),
            ("CKR_ATTRIBUTE_TYPE_INVALID", 0x12), ("CKR_ATTRIBUTE_VALUE_INVALID", 0x13),
            ("CKR_ACTION_PROHIBITED", 0x1B), ("CKR_DATA_INVALID", 0x20), ("CKR_DATA_LEN_RANGE", 0x21),
            ("CKR_DEVICE_ERROR", 0x30), ("CKR_DEVICE_MEMORY", 0x31), ("CKR_DEVICE_REMOVED", 0x32),
            ("CKR_ENCRYPTED_DATA_INVALID", 0x40), ("CKR_ENCRYPTED_DATA_LEN_RANGE", 0x41),
            ("CKR_FUNCTION_CANCELED", 0x50), ("CKR_FUNCTION_NOT_PARALLEL", 0x51),
            ("CKR_FUNCTION_NOT_SUPPORTED", 0x54), ("CKR_KEY_HANDLE_INVALID", 0x60), ("CKR_KEY_SIZE_RANGE", 0x62),
            ("CKR_KEY_TYPE_INCONSISTENT", 0x63), ("CKR_KEY_NOT_NEEDED", 0x64), ("CKR_KEY_CHANGED", 0x65),
            ("CKR_KEY_NEEDED", 0x66), ("CKR_KEY_INDIGESTIBLE", 0x67), ("CKR_KEY_FUNCTION_NOT_PERMITTED", 0x68),
            ("CKR_KEY_NOT_WRAPPABLE", 0x69), ("CKR_KEY_UNEXTRACTABLE", 0x6A), ("CKR_MECHANISM_INVALID", 0x70),
            ("CKR_MECHANISM_PARAM_INVALID", 0x71), ("CKR_OBJECT_HANDLE_INVALID", 0x82),
            ("CKR_OPERATION_ACTIVE", 0x90), ("CKR_OPERATION_NOT_INITIALIZED", 0x91), ("CKR_PIN_INCORRECT", 0xA0),
            ("CKR_PIN_INVALID", 0xA1), ("CKR_PIN_LEN_RANGE", 0xA2), ("CKR_PIN_EXPIRED", 0xA3),
            ("CKR_PIN_LOCKED", 0xA4), ("CKR_SESSION_CLOSED", 0xB0), ("CKR_SESSION_COUNT", 0xB1),
            ("CKR_SESSION_HANDLE_INVALID", 0xB3), ("CKR_SESSION_PARALLEL_NOT_SUPPORTED", 0xB4),
            ("CKR_SESSION_READ_ONLY", 0xB5), ("CKR_SESSION_EXISTS", 0xB6), ("CKR_SESSION_READ_ONLY_EXISTS", 0xB7),
            ("CKR_SESSION_READ_WRITE_SO_EXISTS", 0xB8), ("CKR_SIGNATURE_INVALID", 0xC0),
            ("CKR_SIGNATURE_LEN_RANGE", 0xC1), ("CKR_TEMPLATE_INCOMPLETE", 0xD0),
            ("CKR_TEMPLATE_INCONSISTENT", 0xD1), ("CKR_TOKEN_NOT_PRESENT", 0xE0),
            ("CKR_TOKEN_NOT_RECOGNIZED", 0xE1), ("CKR_TOKEN_WRITE_PROTECTED", 0xE2),
            ("CKR_UNWRAPPING_KEY_HANDLE_INVALID", 0xF0), ("CKR_UNWRAPPING_KEY_SIZE_RANGE", 0xF1),
            ("CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT", 0xF2), ("CKR_USER_ALREADY_LOGGED_IN", 0x100),
            ("CKR_USER_NOT_LOGGED_IN", 0x101), ("CKR_USER_PIN_NOT_INITIALIZED", 0x102),
            ("CKR_USER_TYPE_INVALID", 0x103), ("CKR_USER_ANOTHER_ALREADY_LOGGED_IN", 0x104),
            ("CKR_USER_TOO_MANY_TYPES", 0x105), ("CKR_WRAPPED_KEY_INVALID", 0x110),
            ("CKR_WRAPPED_KEY_LEN_RANGE", 0x112), ("CKR_WRAPPING_KEY_HANDLE_INVALID", 0x113),
            ("CKR_WRAPPING_KEY_SIZE_RANGE", 0x114), ("CKR_WRAPPING_KEY_TYPE_INCONSISTENT", 0x115),
            ("CKR_RANDOM_SEED_NOT_SUPPORTED", 0x120), ("CKR_RANDOM_NO_RNG", 0x121),
            ("CKR_DOMAIN_PARAMS_INVALID", 0x130), ("CKR_CURVE_NOT_SUPPORTED", 0x140),
            ("CKR_BUFFER_TOO_SMALL", 0x150), ("CKR_SAVED_STATE_INVALID", 0x160),
            ("CKR_INFORMATION_SENSITIVE", 0x170), ("CKR_STATE_UNSAVEABLE", 0x180),
            ("CKR_CRYPTOKI_NOT_INITIALIZED", 0x190), ("CKR_CRYPTOKI_ALREADY_INITIALIZED", 0x191),
            ("CKR_MUTEX_BAD", 0x1A0), ("CKR_MUTEX_NOT_LOCKED", 0x1A1), ("CKR_NEW_PIN_MODE", 0x1B0),
            ("CKR_NEXT_OTP", 0x1B1), ("CKR_EXCEEDED_MAX_ITERATIONS", 0x1B5), ("CKR_FIPS_SELF_TEST_FAILED", 0x1B6),
            ("CKR_LIBRARY_LOAD_FAILED", 0x1B7), ("CKR_PIN_TOO_WEAK", 0x1B8), ("CKR_PUBLIC_KEY_INVALID", 0x1B9),
            ("CKR_FUNCTION_REJECTED", 0x200), ("CKR_VENDOR_DEFINED", 0x8000_0000),
            ("CKR_IBM_WKID_MISMATCH", 0x8001_0001), ("CKR_IBM_INTERNAL_ERROR", 0x8001_0002),
            ("CKR_IBM_TRANSPORT_ERROR", 0x8001_0003), ("CKR_IBM_BLOB_ERROR", 0x8001_0004),
            ("CKR_IBM_BLOBKEY_CONFLICT", 0x8001_0005), ("CKR_IBM_MODE_CONFLICT", 0x8001_0006),
            ("CKR_IBM_NONCRT_KEY_SIZE", 0x8001_0008), ("CKR_IBM_WK_NOT_INITIALIZED", 0x8001_0009),
            ("CKR_IBM_OA_API_ERROR", 0x8001_000A), ("CKR_IBM_REQ_TIMEOUT", 0x8001_000B),
            ("CKR_IBM_READONLY", 0x8001_000C), ("CKR_IBM_STATIC_POLICY", 0x8001_000D),
            ("CKR_IBM_TRANSPORT_LIMIT", 0x8001_0010), ("CKR_IBM_FCV_NOT_SET", 0x8001_0011),
            ("CKR_IBM_PERF_CATEGORY_INVALID", 0x8001_0012), ("CKR_IBM_API_MISMATCH", 0x8001_0013),
            ("CKR_IBM_TARGET_INVALID", 0x8001_0030), ("CKR_IBM_PQC_PARAMS_NOT_SUPPORTED", 0x8001_0031),
            ("CKR_IBM_PARAM_NOT_SUPPORTED", 0x8001_0032), ("CKR_IBM_SESSION_IMMUTABLE", 0x8001_0033),
            ("CKR_IBM_ERROR_STATE", 0x8001_0101), ("CKR_VENDOR_DEFINED_GREP11", 0x8004_0000),
            ("CKR_IBM_GREP11_NOT_AUTHENTICATED", 0x8004_0001), ("CKR_IBM_GREP11_CANNOT_UNMARSHAL", 0x8004_0002),
            ("CKR_IBM_GREP11_CANNOT_MARSHAL", 0x8004_0003), ("CKR_IBM_GREP11_CONFLICT", 0x8004_0004),
            ("CKR_IBM_GREP11_DBINTERNAL", 0x8004_0005), ("CKR_IBM_GREP11_MISSING", 0x8004_0006),
            ("CKR_IBM_GREP11_REPLAY", 0x8004_0007),
        ]

        @Test("Known values match their C names", arguments: known)
        func knownValue(name: String, value: UInt64) throws {
            let byName = try #require(ReturnValue(name: name))
            #expect(byName.rawValue == value)
            #expect(ReturnValue(rawValue: value).name == name)
            #expect(ReturnValue(rawValue: value).description == name)
        }

        @Test("The table covers every known value")
        func tableIsComplete() {
            #expect(Set(Self.known.map(\.value)) == Set(ReturnValue.allKnown.map(\.rawValue)))
            #expect(ReturnValue.allKnown.count == Self.known.count)
        }

        @Test("Static members carry the expected values")
        func staticMembers() {
            #expect(ReturnValue.ok.rawValue == 0)
            #expect(ReturnValue.signatureInvalid.rawValue == 0xC0)
            #expect(ReturnValue.mechanismParamInvalid.rawValue == 0x71)
            #expect(ReturnValue.keyHandleInvalid.rawValue == 0x60)
            #expect(ReturnValue.functionRejected.rawValue == 0x200)
            #expect(ReturnValue.ibmWKIDMismatch.rawValue == 0x8001_0001)
            #expect(ReturnValue.ibmBlobError.rawValue == 0x8001_0004)
            #expect(ReturnValue.ibmPQCParamsNotSupported.rawValue == 0x8001_0031)
            #expect(ReturnValue.grep11NotAuthenticated.rawValue == 0x8004_0001)
            #expect(ReturnValue.grep11Replay.rawValue == 0x8004_0007)
        }

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

        @Test("Every known value round-trips through its name")
        func roundTrip() throws {
            for code in ReturnValue.allKnown {
                let name = try #require(code.name)
                #expect(name.hasPrefix("CKR_"))
                #expect(ReturnValue(name: name) == code)
            }
        }
    }
}
