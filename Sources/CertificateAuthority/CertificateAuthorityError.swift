/// An error from the certificate authority.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: CertificateAuthorityError.nameNotPermitted)`.
/// No description ever contains key bytes or key blobs.
public struct CertificateAuthorityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// String-backed: a code prints as its case name, with no second list of the names.
        fileprivate enum Value: String, Sendable, Hashable {
            case malformedInput
            case invalidSignature
            case nameNotPermitted
            case validityNotPermitted
            case keyNotPermitted
            case profileNotPermitted
            case notInitialized
            case alreadyInitialized
            case certificateMismatch
            case notFound
            case alreadyRevoked
            case serialNumberCollision
            case storageFailure
            case hsmFailure
            case certificateExpired
            case certificateRevoked
            case tokenAlreadyUsed
        }
        fileprivate let value: Value

        /// A PEM, DER, CSR or certificate could not be parsed, or an argument is malformed.
        public static let malformedInput = Code(value: .malformedInput)
        /// A signature (the CSR's proof of possession, a chain link) does not verify.
        public static let invalidSignature = Code(value: .invalidSignature)
        /// A subject alternative name or common name is outside the policy.
        public static let nameNotPermitted = Code(value: .nameNotPermitted)
        /// The requested validity is longer than the policy allows, or otherwise unusable.
        public static let validityNotPermitted = Code(value: .validityNotPermitted)
        /// The key type or size is not allowed by the policy (weak RSA, unsupported algorithm).
        public static let keyNotPermitted = Code(value: .keyNotPermitted)
        /// The profile cannot be issued by this CA (path length, a CA that may not issue CAs).
        public static let profileNotPermitted = Code(value: .profileNotPermitted)
        /// The CA directory holds no usable CA yet.
        public static let notInitialized = Code(value: .notInitialized)
        /// The CA directory already holds a CA key.
        public static let alreadyInitialized = Code(value: .alreadyInitialized)
        /// A certificate does not belong to the CA's HSM key, or is not a CA certificate.
        public static let certificateMismatch = Code(value: .certificateMismatch)
        /// No certificate with that serial number was issued.
        public static let notFound = Code(value: .notFound)
        /// The certificate is already revoked.
        public static let alreadyRevoked = Code(value: .alreadyRevoked)
        /// No unused serial number could be drawn.
        public static let serialNumberCollision = Code(value: .serialNumberCollision)
        /// Reading or writing the CA directory or its database failed.
        public static let storageFailure = Code(value: .storageFailure)
        /// The HSM refused or failed an operation; the cause is an `EP11Error`.
        public static let hsmFailure = Code(value: .hsmFailure)
        /// The certificate to renew is outside its validity (expired, or not yet valid).
        public static let certificateExpired = Code(value: .certificateExpired)
        /// The certificate to renew is revoked.
        public static let certificateRevoked = Code(value: .certificateRevoked)
        /// The one-time token that authorised an issuance was already used (``IssuanceStore/record(_:consumingToken:)``).
        public static let tokenAlreadyUsed = Code(value: .tokenAlreadyUsed)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A human-readable explanation. Never contains secrets.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Control characters (which a message may quote from a request or a file) are escaped, so the description
    /// is safe to print on a terminal.
    public var description: String {
        var text = "CertificateAuthorityError.\(code): \"\(message)\""
        if let cause { text += " (cause: \(String(describing: cause)))" }
        return ControlCharacters.escaped(text)
    }
}

extension CertificateAuthorityError {
    public static let malformedInput = Self(code: .malformedInput, message: "")
    public static let invalidSignature = Self(code: .invalidSignature, message: "")
    public static let nameNotPermitted = Self(code: .nameNotPermitted, message: "")
    public static let validityNotPermitted = Self(code: .validityNotPermitted, message: "")
    public static let keyNotPermitted = Self(code: .keyNotPermitted, message: "")
    public static let profileNotPermitted = Self(code: .profileNotPermitted, message: "")
    public static let notInitialized = Self(code: .notInitialized, message: "")
    public static let alreadyInitialized = Self(code: .alreadyInitialized, message: "")
    public static let certificateMismatch = Self(code: .certificateMismatch, message: "")
    public static let notFound = Self(code: .notFound, message: "")
    public static let alreadyRevoked = Self(code: .alreadyRevoked, message: "")
    public static let serialNumberCollision = Self(code: .serialNumberCollision, message: "")
    public static let storageFailure = Self(code: .storageFailure, message: "")
    public static let hsmFailure = Self(code: .hsmFailure, message: "")
    public static let certificateExpired = Self(code: .certificateExpired, message: "")
    public static let certificateRevoked = Self(code: .certificateRevoked, message: "")
    public static let tokenAlreadyUsed = Self(code: .tokenAlreadyUsed, message: "")
}

/// Runs an HSM call, turning its errors into ``CertificateAuthorityError/hsmFailure``.
func hsm<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as CertificateAuthorityError {
        throw error
    } catch {
        throw CertificateAuthorityError(code: .hsmFailure, message: "HSM \(what) failed", cause: error)
    }
}
