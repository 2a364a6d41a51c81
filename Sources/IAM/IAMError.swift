/// An error from the IAM token exchange.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: IAMError.invalidAPIKey)`.
/// Neither the API key nor any token ever appears in an `IAMError`.
public struct IAMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case invalidAPIKey, serviceError, malformedResponse, transportFailure, invalidConfiguration
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// IAM rejected the API key (HTTP 400/401, e.g. `BXNIM0415E`).
        public static let invalidAPIKey = Code(.invalidAPIKey)
        /// IAM answered with another error status.
        public static let serviceError = Code(.serviceError)
        /// IAM's answer could not be read as a token response.
        public static let malformedResponse = Code(.malformedResponse)
        /// The request did not reach IAM, or no answer came back in time.
        public static let transportFailure = Code(.transportFailure)
        /// The endpoint or another setting is unusable.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A human-readable explanation. Never contains secrets.
    public var message: String
    /// The HTTP status IAM answered with, if any.
    public var httpStatus: Int?
    /// IAM's own error code (`errorCode`, e.g. `BXNIM0415E`), if it sent one.
    public var serviceErrorCode: String?
    /// The underlying error, if any.
    public var cause: (any Error)?
    /// For ``Code/transportFailure``: whether sending the request again may help (false for a refused TLS
    /// certificate).
    package var isRetryableTransportFailure = true

    public init(
        code: Code,
        message: String,
        httpStatus: Int? = nil,
        serviceErrorCode: String? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.serviceErrorCode = serviceErrorCode
        self.cause = cause
    }

    public static let invalidAPIKey = IAMError(code: .invalidAPIKey, message: "")
    public static let serviceError = IAMError(code: .serviceError, message: "")
    public static let malformedResponse = IAMError(code: .malformedResponse, message: "")
    public static let transportFailure = IAMError(code: .transportFailure, message: "")
    public static let invalidConfiguration = IAMError(code: .invalidConfiguration, message: "")

    /// Whether asking again may succeed: IAM unreachable or too slow, HTTP 429 or 5xx. A rejected API key, an
    /// unusable endpoint, a refused TLS certificate or a malformed answer are not transient.
    public var isTransient: Bool {
        switch code {
        case .transportFailure: isRetryableTransportFailure
        case .serviceError: httpStatus.map { $0 == 429 || $0 >= 500 } ?? false
        default: false
        }
    }

    public static func == (lhs: IAMError, rhs: IAMError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = "IAMError.\(code): \"\(message)\""
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let serviceErrorCode { text += " [\(serviceErrorCode)]" }
        if let cause { text += " (cause: \(String(describing: cause)))" }
        return text
    }
}
