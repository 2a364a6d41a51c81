/// An error from a Key Protect or HPCS KMS call.
///
/// ``code`` says what went wrong. For errors the service sent, ``httpStatus`` is its status,
/// ``reasonCode`` the first reason code of its error body (e.g. `KEY_ACTION_INVALID_STATE_ERR`) and
/// ``correlationID`` the id the call was sent with, to quote to IBM support.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: KeyProtectError.notFound)`.
/// No description ever contains a token, an API key, key material or plaintext.
public struct KeyProtectError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case badRequest, unauthorized, forbidden, notFound, conflict, keyDeleted, unprocessable
            case rateLimited, serverError, unexpectedStatus
            case timeout, transportFailure, tlsFailure, malformedResponse, authenticationFailed
            case invalidArgument, invalidConfiguration
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// HTTP 400: the request was refused as malformed, e.g. a bad `Bluemix-Instance` header, a ciphertext
        /// that is not from a wrap, or additional authenticated data that does not match.
        public static let badRequest = Code(.badRequest)
        /// HTTP 401: the token was missing, expired or not valid for the instance.
        public static let unauthorized = Code(.unauthorized)
        /// HTTP 403: the caller may not perform the action.
        public static let forbidden = Code(.forbidden)
        /// HTTP 404: no such key (or it was purged) in this instance.
        public static let notFound = Code(.notFound)
        /// HTTP 409: the key is not in a state that allows the action, or the action came too soon
        /// (`KEY_ACTION_INVALID_STATE_ERR`, `KEY_ROTATION_NOT_PERMITTED`, `REQ_TOO_EARLY_ERR`).
        public static let conflict = Code(.conflict)
        /// HTTP 410: the key was deleted (state Destroyed).
        public static let keyDeleted = Code(.keyDeleted)
        /// HTTP 422: the service could not process the request, e.g. `UNPROCESSABLE_CIPHERTEXT_ERR`.
        public static let unprocessable = Code(.unprocessable)
        /// HTTP 429: too many requests, and the retries allowed by the policy ran out.
        public static let rateLimited = Code(.rateLimited)
        /// HTTP 5xx: the service failed, and the retries allowed by the policy ran out.
        public static let serverError = Code(.serverError)
        /// Another unexpected HTTP status.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// No complete answer came back within the per-call timeout or the retry deadline.
        public static let timeout = Code(.timeout)
        /// The connection could not be made or broke before a complete answer arrived.
        public static let transportFailure = Code(.transportFailure)
        /// The TLS handshake failed: the server's certificate was refused (not signed by a trusted CA, expired, or
        /// not valid for the host name) or the server refused this client. Not transient: never retried.
        public static let tlsFailure = Code(.tlsFailure)
        /// The answer could not be read: not JSON, wrong types, missing fields, bad base64, or too large.
        public static let malformedResponse = Code(.malformedResponse)
        /// No bearer token could be obtained (the ``KeyProtectError/cause`` is the `IAMError`).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// An argument is unusable, e.g. a CRN that does not parse or an additional authenticated data
        /// string longer than 255 characters.
        public static let invalidArgument = Code(.invalidArgument)
        /// The endpoint or another setting is unusable.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { value.rawValue }

        /// The code for an error status the service answered with.
        package static func forStatus(_ status: Int) -> Code {
            switch status {
            case 400: .badRequest
            case 401: .unauthorized
            case 403: .forbidden
            case 404: .notFound
            case 409: .conflict
            case 410: .keyDeleted
            case 422: .unprocessable
            case 429: .rateLimited
            case 500...599: .serverError
            default: .unexpectedStatus
            }
        }
    }

    /// One reason from the service's error body (`resources[0].reasons[]`).
    public struct Reason: Sendable, Hashable {
        /// The reason code, e.g. `KEY_DELETED_ERR`.
        public var code: String
        /// The service's explanation.
        public var message: String?
        /// The field the reason is about, e.g. `ciphertext`, if the service named one.
        public var target: String?

        public init(code: String, message: String? = nil, target: String? = nil) {
            self.code = code
            self.message = message
            self.target = target
        }
    }

    public var code: Code
    /// A human-readable explanation: the service's `errorMsg` when it sent one. Never contains secrets.
    public var message: String
    /// The HTTP status the service answered with, if any.
    public var httpStatus: Int?
    /// The first reason code of the service's error body, e.g. `KEY_ACTION_INVALID_STATE_ERR`.
    public var reasonCode: String? { reasons.first?.code }
    /// All reasons of the service's error body.
    public var reasons: [Reason]
    /// The `Correlation-Id` the failed call was sent with.
    public var correlationID: String?
    /// How many attempts were made before giving up (1 when the call was not retried).
    public var attempts: Int
    /// The underlying error, if any.
    public var cause: (any Error)?

    public init(
        code: Code,
        message: String,
        httpStatus: Int? = nil,
        reasons: [Reason] = [],
        correlationID: String? = nil,
        attempts: Int = 1,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.reasons = reasons
        self.correlationID = correlationID
        self.attempts = attempts
        self.cause = cause
    }

    public static let badRequest = KeyProtectError(code: .badRequest, message: "")
    public static let unauthorized = KeyProtectError(code: .unauthorized, message: "")
    public static let forbidden = KeyProtectError(code: .forbidden, message: "")
    public static let notFound = KeyProtectError(code: .notFound, message: "")
    public static let conflict = KeyProtectError(code: .conflict, message: "")
    public static let keyDeleted = KeyProtectError(code: .keyDeleted, message: "")
    public static let unprocessable = KeyProtectError(code: .unprocessable, message: "")
    public static let rateLimited = KeyProtectError(code: .rateLimited, message: "")
    public static let serverError = KeyProtectError(code: .serverError, message: "")
    public static let unexpectedStatus = KeyProtectError(code: .unexpectedStatus, message: "")
    public static let timeout = KeyProtectError(code: .timeout, message: "")
    public static let transportFailure = KeyProtectError(code: .transportFailure, message: "")
    public static let tlsFailure = KeyProtectError(code: .tlsFailure, message: "")
    public static let malformedResponse = KeyProtectError(code: .malformedResponse, message: "")
    public static let authenticationFailed = KeyProtectError(code: .authenticationFailed, message: "")
    public static let invalidArgument = KeyProtectError(code: .invalidArgument, message: "")
    public static let invalidConfiguration = KeyProtectError(code: .invalidConfiguration, message: "")

    /// Whether the failure is transient: 429, 5xx other than 501, timeouts and broken connections.
    public var isTransient: Bool {
        switch code {
        case .rateLimited, .timeout, .transportFailure: true
        case .serverError: httpStatus != 501
        default: false
        }
    }

    public static func == (lhs: KeyProtectError, rhs: KeyProtectError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = "KeyProtectError.\(code): \"\(message)\""
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if !reasons.isEmpty { text += " [\(reasons.map(\.code).joined(separator: ", "))]" }
        if let correlationID { text += " (correlation id: \(correlationID))" }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if let cause { text += " (cause: \(String(describing: cause)))" }
        return text
    }
}
