/// An error from an EP11 operation: the HSM's return value (`CKR_*`), or a failure to reach it.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: EP11Error.signatureInvalid)`.
/// No `EP11Error` ever carries key bytes, tokens or API keys.
public struct EP11Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. For HSM answers, the code includes the return value.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Value: Sendable, Hashable {
            case returnValue(UInt64)
            case failure(Failure)
        }
        /// The codes that are not an HSM answer, printed as their case names.
        fileprivate enum Failure: String, Sendable, Hashable {
            case transportFailure, unauthenticated, timeout, malformedResponse, invalidArgument, unsupported
        }
        fileprivate let value: Value

        /// The HSM answered with this return value.
        public static func returnValue(_ value: ReturnValue) -> Code { Code(value: .returnValue(value.rawValue)) }
        /// The service could not be reached, or the connection failed.
        public static let transportFailure = Code(value: .failure(.transportFailure))
        /// The service refused the credentials, or no token could be obtained.
        public static let unauthenticated = Code(value: .failure(.unauthenticated))
        /// The call's deadline passed.
        public static let timeout = Code(value: .failure(.timeout))
        /// The service's answer could not be understood.
        public static let malformedResponse = Code(value: .failure(.malformedResponse))
        /// The caller passed something this client refuses before any call (a bad length, a malformed key).
        public static let invalidArgument = Code(value: .failure(.invalidArgument))
        /// The operation is not available here (e.g. a random device is absent).
        public static let unsupported = Code(value: .failure(.unsupported))

        public var description: String {
            switch value {
            case .returnValue(let raw): ReturnValue(rawValue: raw).description
            case .failure(let failure): failure.rawValue
            }
        }
    }

    public var code: Code
    /// A human-readable explanation. Never contains secrets.
    public var message: String
    /// The service's `Detail` text, when the HSM answered.
    public var detail: String
    /// Whether the service (or the transport) says the call may succeed if retried.
    public var isRetryable: Bool
    /// The underlying error, if any.
    public var cause: (any Error)?

    public init(code: Code, message: String, detail: String = "", isRetryable: Bool = false, cause: (any Error)? = nil)
    {
        self.code = code
        self.message = message
        self.detail = detail
        self.isRetryable = isRetryable
        self.cause = cause
    }

    /// An error carrying the HSM's return value.
    public init(returnValue: ReturnValue, detail: String = "", isRetryable: Bool = false) {
        self.init(
            code: .returnValue(returnValue),
            message: returnValue.name ?? returnValue.description,
            detail: detail,
            isRetryable: isRetryable
        )
    }

    /// The HSM's return value, when the error came from the HSM.
    public var returnValue: ReturnValue? {
        if case .returnValue(let raw) = code.value { return ReturnValue(rawValue: raw) }
        return nil
    }

    public static func == (lhs: EP11Error, rhs: EP11Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = "EP11Error.\(code): \"\(message)\""
        if !detail.isEmpty { text += " (detail: \(detail))" }
        if isRetryable { text += " (retryable)" }
        if let cause { text += " (cause: \(String(describing: cause)))" }
        return text
    }
}

extension EP11Error {
    /// `CKR_SIGNATURE_INVALID`: the signature does not verify.
    public static let signatureInvalid = EP11Error(returnValue: .signatureInvalid)
    /// `CKR_SIGNATURE_LEN_RANGE`.
    public static let signatureLengthRange = EP11Error(returnValue: .signatureLenRange)
    /// `CKR_KEY_FUNCTION_NOT_PERMITTED`: the key's attributes forbid this use.
    public static let keyFunctionNotPermitted = EP11Error(returnValue: .keyFunctionNotPermitted)
    /// `CKR_KEY_UNEXTRACTABLE`: the key may not be wrapped.
    public static let keyUnextractable = EP11Error(returnValue: .keyUnextractable)
    /// `CKR_KEY_TYPE_INCONSISTENT`: wrong kind of key for the mechanism.
    public static let keyTypeInconsistent = EP11Error(returnValue: .keyTypeInconsistent)
    /// `CKR_KEY_SIZE_RANGE`.
    public static let keySizeRange = EP11Error(returnValue: .keySizeRange)
    /// `CKR_MECHANISM_INVALID`: the mechanism is unknown or not allowed for the call.
    public static let mechanismInvalid = EP11Error(returnValue: .mechanismInvalid)
    /// `CKR_MECHANISM_PARAM_INVALID`.
    public static let mechanismParameterInvalid = EP11Error(returnValue: .mechanismParamInvalid)
    /// `CKR_ARGUMENTS_BAD`.
    public static let argumentsBad = EP11Error(returnValue: .argumentsBad)
    /// `CKR_DATA_LEN_RANGE`.
    public static let dataLengthRange = EP11Error(returnValue: .dataLenRange)
    /// `CKR_ENCRYPTED_DATA_INVALID`.
    public static let encryptedDataInvalid = EP11Error(returnValue: .encryptedDataInvalid)
    /// `CKR_ENCRYPTED_DATA_LEN_RANGE`.
    public static let encryptedDataLengthRange = EP11Error(returnValue: .encryptedDataLenRange)
    /// `CKR_TEMPLATE_INCONSISTENT`.
    public static let templateInconsistent = EP11Error(returnValue: .templateInconsistent)
    /// `CKR_TEMPLATE_INCOMPLETE`.
    public static let templateIncomplete = EP11Error(returnValue: .templateIncomplete)
    /// `CKR_ATTRIBUTE_SENSITIVE`: the attribute's value may not be read.
    public static let attributeSensitive = EP11Error(returnValue: .attributeSensitive)
    /// `CKR_ATTRIBUTE_READ_ONLY`.
    public static let attributeReadOnly = EP11Error(returnValue: .attributeReadOnly)
    /// `CKR_ATTRIBUTE_VALUE_INVALID`.
    public static let attributeValueInvalid = EP11Error(returnValue: .attributeValueInvalid)
    /// `CKR_WRAPPED_KEY_INVALID`.
    public static let wrappedKeyInvalid = EP11Error(returnValue: .wrappedKeyInvalid)
    /// `CKR_IBM_BLOB_ERROR`: the key blob failed its integrity check (tampered or foreign).
    public static let blobError = EP11Error(returnValue: .ibmBlobError)
    /// `CKR_IBM_WKID_MISMATCH`: the blob was made under another master key.
    public static let wrappingKeyIDMismatch = EP11Error(returnValue: .ibmWKIDMismatch)
    /// `CKR_OPERATION_NOT_INITIALIZED`.
    public static let operationNotInitialized = EP11Error(returnValue: .operationNotInitialized)
    /// `CKR_PUBLIC_KEY_INVALID`.
    public static let publicKeyInvalid = EP11Error(returnValue: .publicKeyInvalid)
    public static let domainParametersInvalid = EP11Error(returnValue: .domainParamsInvalid)

    public static let transportFailure = EP11Error(code: .transportFailure, message: "")
    public static let unauthenticated = EP11Error(code: .unauthenticated, message: "")
    public static let timeout = EP11Error(code: .timeout, message: "")
    public static let malformedResponse = EP11Error(code: .malformedResponse, message: "")
    public static let invalidArgument = EP11Error(code: .invalidArgument, message: "")
    public static let unsupported = EP11Error(code: .unsupported, message: "")
}
