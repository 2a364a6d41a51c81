/// An error from the `Contract` module.
///
/// ``code`` says what went wrong, ``message`` explains it for a person and ``field`` names the contract section
/// concerned, when there is one.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: ContractError.signatureInvalid)`.
/// No message or description ever contains secret material: no password, no key bytes, no decrypted plaintext.
/// Errors from the YAML parser are reduced to their line and column for the same reason.
public struct ContractError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The case names are the codes' names (``description``).
        private enum Value: String, Sendable, Hashable {
            case invalidKey, invalidCertificate, certificateExpired, certificateNotYetValid
            case invalidPrefix, malformedToken, decryptionFailed, encryptionFailed
            case malformedContract, missingSection, unsupportedSection, decryptorRequired
            case missingSignature, malformedSignature, signatureInvalid, signingFailed
            case missingSigningKey, invalidSigningKey
            case malformedRecord, recordSignatureInvalid, invalidArgument
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A key could not be read: not PEM, not RSA, too short, or a passphrase is missing or wrong.
        public static let invalidKey = Code(.invalidKey)
        /// A certificate could not be read, does not hold an RSA key, or does not belong to the key given with it.
        public static let invalidCertificate = Code(.invalidCertificate)
        /// A certificate's `notAfter` lies in the past.
        public static let certificateExpired = Code(.certificateExpired)
        /// A certificate's `notBefore` lies in the future.
        public static let certificateNotYetValid = Code(.certificateNotYetValid)
        /// A token prefix is not one of the accepted ones, or a prefix given to the API is not usable.
        public static let invalidPrefix = Code(.invalidPrefix)
        /// A token does not have the `PREFIX.A.B` form: wrong number of parts, bad base64, a missing `Salted__`
        /// header or a truncated ciphertext.
        public static let malformedToken = Code(.malformedToken)
        /// A well-formed token does not decrypt: wrong private key or corrupted data.
        public static let decryptionFailed = Code(.decryptionFailed)
        /// Encryption failed (for example, the key is too small for the password).
        public static let encryptionFailed = Code(.encryptionFailed)
        /// The contract is not a YAML map of sections, or a section has an unusable shape.
        public static let malformedContract = Code(.malformedContract)
        /// A mandatory section (`workload`, `env`) is absent.
        public static let missingSection = Code(.missingSection)
        /// A section is a plaintext YAML map where the operation needs its exact string value (signing,
        /// verification), because the byte form of a map is undocumented.
        public static let unsupportedSection = Code(.unsupportedSection)
        /// A section is encrypted and no ``ContractDecryptor`` was given.
        public static let decryptorRequired = Code(.decryptorRequired)
        /// The contract has no `envWorkloadSignature`.
        public static let missingSignature = Code(.missingSignature)
        /// The `envWorkloadSignature` is not base64.
        public static let malformedSignature = Code(.malformedSignature)
        /// The signature does not verify: a section, the signature or the signing key was changed.
        public static let signatureInvalid = Code(.signatureInvalid)
        /// Signing failed.
        public static let signingFailed = Code(.signingFailed)
        /// The `env` section has no `signingKey`.
        public static let missingSigningKey = Code(.missingSigningKey)
        /// The `signingKey` is neither a PEM public key, a PEM certificate, nor base64 of either.
        public static let invalidSigningKey = Code(.invalidSigningKey)
        /// An attestation record or its signature file could not be read.
        public static let malformedRecord = Code(.malformedRecord)
        /// The attestation record's signature does not verify under the attestation certificate.
        public static let recordSignatureInvalid = Code(.recordSignatureInvalid)
        /// An argument is unusable (empty input, bad YAML in a section to encrypt, ...).
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String {
            value.rawValue
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation. Never contains secrets.
    public var message: String
    /// The contract section concerned, if any.
    public var field: ContractField?
    /// The underlying error, if any. Only errors whose descriptions carry no secrets are kept here.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, field: ContractField? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.cause = cause
    }

    public static let invalidKey = ContractError(code: .invalidKey, message: "")
    public static let invalidCertificate = ContractError(code: .invalidCertificate, message: "")
    public static let certificateExpired = ContractError(code: .certificateExpired, message: "")
    public static let certificateNotYetValid = ContractError(code: .certificateNotYetValid, message: "")
    public static let invalidPrefix = ContractError(code: .invalidPrefix, message: "")
    public static let malformedToken = ContractError(code: .malformedToken, message: "")
    public static let decryptionFailed = ContractError(code: .decryptionFailed, message: "")
    public static let encryptionFailed = ContractError(code: .encryptionFailed, message: "")
    public static let malformedContract = ContractError(code: .malformedContract, message: "")
    public static let missingSection = ContractError(code: .missingSection, message: "")
    public static let unsupportedSection = ContractError(code: .unsupportedSection, message: "")
    public static let decryptorRequired = ContractError(code: .decryptorRequired, message: "")
    public static let missingSignature = ContractError(code: .missingSignature, message: "")
    public static let malformedSignature = ContractError(code: .malformedSignature, message: "")
    public static let signatureInvalid = ContractError(code: .signatureInvalid, message: "")
    public static let signingFailed = ContractError(code: .signingFailed, message: "")
    public static let missingSigningKey = ContractError(code: .missingSigningKey, message: "")
    public static let invalidSigningKey = ContractError(code: .invalidSigningKey, message: "")
    public static let malformedRecord = ContractError(code: .malformedRecord, message: "")
    public static let recordSignatureInvalid = ContractError(code: .recordSignatureInvalid, message: "")
    public static let invalidArgument = ContractError(code: .invalidArgument, message: "")

    public static func == (lhs: ContractError, rhs: ContractError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = "ContractError.\(code): \"\(message)\""
        if let field { text += " (section: \(field))" }
        if let cause { text += " (cause: \(String(describing: cause)))" }
        return text
    }
}
