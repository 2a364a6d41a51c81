import EP11
import Testing

extension VocabularyTests {
    /// Error codes print as their names: the command line's stable error codes (`ep11.transport-failure`) are
    /// made from these texts, so a renamed case must fail here first.
    @Suite("Error code names")
    struct ErrorCodeNameTests {
        @Test(
            "EP11Error codes",
            arguments: [
                (EP11Error.Code.transportFailure, "transportFailure"), (.unauthenticated, "unauthenticated"),
                (.timeout, "timeout"), (.malformedResponse, "malformedResponse"),
                (.invalidArgument, "invalidArgument"), (.unsupported, "unsupported"),
                (.returnValue(.signatureInvalid), "CKR_SIGNATURE_INVALID"),
                (.returnValue(ReturnValue(rawValue: 0x8001_ABCD)), "0x8001ABCD"),
            ])
        func ep11(code: EP11Error.Code, name: String) {
            #expect(code.description == name)
        }
    }
}
