import Foundation
import Hummingbird

/// An error answer in the service's shape.
struct MockServiceError: Error {
    var status: Int
    var message: String
    var reasons: [MockErrorReason]

    init(status: Int, message: String, reasons: [MockErrorReason]) {
        self.status = status
        self.message = message
        self.reasons = reasons
    }

    init(status: Int, message: String, code: String, reason: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.reasons = [
            MockErrorReason(
                code: code,
                message: reason,
                status: status,
                target: field.map { MockErrorReason.Target(type: "field", name: $0) }
            )
        ]
    }

    static let unauthorized = MockServiceError(
        status: 401,
        message: "Unauthorized: The user does not have access to the specified resource",
        reasons: []
    )
    static let badInstanceHeader = MockServiceError(
        status: 400,
        message: "Bad Request: Request requires valid Bluemix-Instance Header containing a valid UUID",
        reasons: []
    )
    static let notFound = MockServiceError(
        status: 404,
        message: "Not Found: Key could not be retrieved: Please see `reasons` for more details (KEY_NOT_FOUND_ERR)",
        code: "KEY_NOT_FOUND_ERR",
        reason: "Key does not exist"
    )

    static func deleted(action: String) -> MockServiceError {
        MockServiceError(
            status: 410,
            message:
                "Gone: The key has been deleted and is no longer available. Please provide a valid key when performing an '\(action)' action",
            code: "KEY_DELETED_ERR",
            reason: "Key has already been deleted. Please delete references to this key."
        )
    }

    static func invalidState(action: String) -> MockServiceError {
        MockServiceError(
            status: 409,
            message:
                "Conflict: Key is not in a valid state: Key could not be used for '\(action)'. Please see `reasons` for more details.",
            code: "KEY_ACTION_INVALID_STATE_ERR",
            reason: "Key is not in a valid state"
        )
    }

    static let rotationNotPermitted = MockServiceError(
        status: 409,
        message: "Conflict: Action could not be performed on key. Please see `reasons` for more details.",
        code: "KEY_ROTATION_NOT_PERMITTED",
        reason: "This root key has been rotated within the last hour. Only one 'rotate' action per hour is permitted"
    )
    static let tooEarly = MockServiceError(
        status: 409,
        message: "Conflict: Action could not be performed on key. Please see `reasons` for more details.",
        code: "REQ_TOO_EARLY_ERR",
        reason: "The key was updated recently. Please wait and try again."
    )
    static let noBody = MockServiceError(
        status: 400,
        message: "Bad Request: Request body is required. Please see `reasons` for more details.",
        code: "NO_BODY_ERR",
        reason: "No body was provided for the request"
    )
    static let badBody = MockServiceError(
        status: 400,
        message: "Bad Request: The request body could not be read. Please see `reasons` for more details.",
        code: "BAD_BODY_ERR",
        reason: "Invalid body data was passed"
    )
    static let rootKeyRequired = MockServiceError(
        status: 400,
        message: "Bad Request: The action requires a root key. Please see `reasons` for more details.",
        code: "KEY_ROOT_REQ_ERR",
        reason: "Requested action can only be completed with a root key"
    )
    static let unprocessableCiphertext = MockServiceError(
        status: 422,
        message: "Unprocessable Entity: The ciphertext could not be processed. Please see `reasons` for more details.",
        code: "UNPROCESSABLE_CIPHERTEXT_ERR",
        reason: "The provided ciphertext is invalid or corrupted"
    )

    static func invalidField(_ field: String, _ requirement: String) -> MockServiceError {
        MockServiceError(
            status: 400,
            message: "Bad Request: The field `\(field)` is invalid. Please see `reasons` for more details.",
            code: "INVALID_FIELD_ERR",
            reason: "The field `\(field)` must be: \(requirement)",
            field: field
        )
    }

    static let badCiphertext = invalidField(
        "ciphertext",
        "the original base64 encoded ciphertext from the wrap operation"
    )
}

extension KeyProtectMock {
    func errorResponse(_ error: MockServiceError) -> Response {
        let body = MockCollection(
            metadata: MockCollectionMetadata(collectionType: "application/vnd.ibm.kms.error+json", collectionTotal: 1),
            resources: [
                MockErrorResource(errorMsg: error.message, reasons: error.reasons.isEmpty ? nil : error.reasons)
            ]
        )
        return jsonResponse(
            status: error.status,
            contentType: "application/vnd.ibm.kms.error+json",
            body: MockJSON.encode(body)
        )
    }
}
