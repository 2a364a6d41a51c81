import IAM
import KeyProtect
import Testing

@testable import KeyDaemon

@Suite("Key daemon: which KMS and IAM failures are waited out until kmsTimeout, and which refuse the entry at once")
struct TransientErrorTests {
    @Test(
        "IAM: only an unreachable service, 429 or 5xx may pass; a 4xx, a malformed answer or a rejected key will not",
        arguments: [
            (IAMError(code: .serviceError, message: "bad request", httpStatus: 400), false),
            (IAMError(code: .serviceError, message: "forbidden", httpStatus: 403), false),
            (IAMError(code: .serviceError, message: "throttled", httpStatus: 429), true),
            (IAMError(code: .serviceError, message: "unavailable", httpStatus: 503), true),
            (IAMError(code: .malformedResponse, message: "not JSON"), false),
            (IAMError(code: .invalidAPIKey, message: "rejected", httpStatus: 400), false),
            (IAMError(code: .invalidConfiguration, message: "bad endpoint"), false),
        ])
    func iamErrors(error: IAMError, transient: Bool) {
        #expect(VolumeProvisioner.isTransient(error) == transient, "\(error)")
    }

    @Test("Key Protect: outages and throttling may pass; a 4xx will not")
    func keyProtectErrors() {
        #expect(VolumeProvisioner.isTransient(KeyProtectError(code: .rateLimited, message: "429", httpStatus: 429)))
        #expect(VolumeProvisioner.isTransient(KeyProtectError(code: .serverError, message: "503", httpStatus: 503)))
        #expect(!VolumeProvisioner.isTransient(KeyProtectError(code: .notFound, message: "gone", httpStatus: 404)))
    }
}
