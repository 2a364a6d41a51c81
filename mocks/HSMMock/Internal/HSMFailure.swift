import EP11

/// A failure inside the mock, carrying the return value a real HSM would give. Converted to the GREP11 error
/// shape (gRPC `Unknown`, the CKR name as message, one `Grep11Error` detail) at the service boundary.
struct HSMFailure: Error, Sendable {
    var returnValue: ReturnValue
    var detail: String

    init(_ returnValue: ReturnValue, _ detail: String = "") {
        self.returnValue = returnValue
        self.detail = detail
    }

    /// Internal decoding of a payload that passed authentication failed: only possible with a foreign blob.
    static let malformed = HSMFailure(.ibmBlobError, "blob payload is malformed")
}

extension SoftCryptoError {
    /// The return value a real HSM gives for this engine failure in the given role.
    func hsmFailure(signature: Bool = false, decrypting: Bool = false) -> HSMFailure {
        switch self {
        case .invalidSignature: return HSMFailure(.signatureInvalid)
        case .invalidKey: return HSMFailure(.keyTypeInconsistent, "key material rejected")
        case .invalidLength:
            if signature { return HSMFailure(.signatureLenRange) }
            return HSMFailure(decrypting ? .encryptedDataLenRange : .dataLenRange)
        case .invalidParameter: return HSMFailure(.mechanismParamInvalid)
        case .decryptionFailed: return HSMFailure(.encryptedDataInvalid)
        case .unsupported: return HSMFailure(.mechanismInvalid)
        case .internalFailure: return HSMFailure(.generalError, "engine failure")
        }
    }
}
