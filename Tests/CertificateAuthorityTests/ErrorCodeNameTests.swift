import CertificateAuthority
import Testing

/// Error codes print as their names: the command line's stable error codes are made from these texts, so a renamed
/// case must fail here first.
@Suite("CertificateAuthorityError code names")
struct ErrorCodeNameTests {
    @Test(
        "CertificateAuthorityError codes",
        arguments: [
            (CertificateAuthorityError.Code.malformedInput, "malformedInput"),
            (.invalidSignature, "invalidSignature"), (.nameNotPermitted, "nameNotPermitted"),
            (.validityNotPermitted, "validityNotPermitted"), (.keyNotPermitted, "keyNotPermitted"),
            (.profileNotPermitted, "profileNotPermitted"), (.notInitialized, "notInitialized"),
            (.alreadyInitialized, "alreadyInitialized"), (.certificateMismatch, "certificateMismatch"),
            (.notFound, "notFound"), (.alreadyRevoked, "alreadyRevoked"),
            (.serialNumberCollision, "serialNumberCollision"), (.storageFailure, "storageFailure"),
            (.hsmFailure, "hsmFailure"), (.certificateExpired, "certificateExpired"),
            (.certificateRevoked, "certificateRevoked"), (.tokenAlreadyUsed, "tokenAlreadyUsed"),
        ])
    func certificateAuthority(code: CertificateAuthorityError.Code, name: String) {
        #expect(code.description == name)
    }
}
