import CertificateAuthority
public import IAM

/// A refusal or failure of the CA service, as the client sees it: an HTTP status, a reason (the label of the
/// `hpcs_ca_refused_total` counter) and a sentence. Sent as `{"status": N, "message": "..."}`.
///
/// Equality compares the reason only, so tests can write `#expect(throws: CAServiceError.tokenExpired)`.
/// No message ever contains a token, a key or a CSR.
public struct CAServiceError: Error, Sendable, Hashable, CustomStringConvertible, HumanReadableError {
    /// Why a request was refused (an open vocabulary: the metrics label).
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// The label value, e.g. `token_expired`.
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The body is not the JSON the endpoint takes, or a field is malformed.
        public static let badRequest = Reason(rawValue: "bad_request")
        /// The body is larger than ``CAServiceConfiguration/maximumBodySize``.
        public static let bodyTooLarge = Reason(rawValue: "body_too_large")
        /// The token is not a compact JWS, or its algorithm is not ES256 or EdDSA.
        public static let tokenMalformed = Reason(rawValue: "token_malformed")
        /// No provisioner of the token's issuer (`iss`) is registered.
        public static let unknownProvisioner = Reason(rawValue: "unknown_provisioner")
        /// The token's signature does not verify with the provisioner's key.
        public static let tokenSignature = Reason(rawValue: "token_signature")
        /// The token's audience is not this service's URL for the endpoint.
        public static let tokenAudience = Reason(rawValue: "token_audience")
        /// The token has expired (`exp`, with the clock-skew tolerance).
        public static let tokenExpired = Reason(rawValue: "token_expired")
        /// The token is not valid yet (`nbf` or `iat` in the future, beyond the clock-skew tolerance).
        public static let tokenNotYetValid = Reason(rawValue: "token_not_yet_valid")
        /// The token lives longer than the maximum (`exp - iat`, or `exp - nbf`, over 5 minutes) or misses a claim.
        public static let tokenClaims = Reason(rawValue: "token_claims")
        /// The token's id (`jti`) was already accepted, by this node or another on the same store.
        public static let tokenReplayed = Reason(rawValue: "token_replayed")
        /// The CSR's names are not the token's `sub` and `sans`, or a revocation token names another serial.
        public static let namesMismatch = Reason(rawValue: "names_mismatch")
        /// The CA's issuance policy refuses the request (name, key, validity, profile).
        public static let policy = Reason(rawValue: "policy")
        /// The CSR's signature does not verify, or the CSR cannot be read.
        public static let csrInvalid = Reason(rawValue: "csr_invalid")
        /// The endpoint needs a client certificate (mutual TLS) and none was presented.
        public static let clientCertificateRequired = Reason(rawValue: "client_certificate_required")
        /// The client certificate is not one this CA issued and recorded, or does not match the request.
        public static let clientCertificateUnknown = Reason(rawValue: "client_certificate_unknown")
        /// The certificate is revoked.
        public static let revoked = Reason(rawValue: "revoked")
        /// The certificate has expired.
        public static let expired = Reason(rawValue: "expired")
        /// No certificate with that serial number was issued.
        public static let notFound = Reason(rawValue: "not_found")
        /// The HSM or the database cannot be reached; nothing was issued.
        public static let unavailable = Reason(rawValue: "unavailable")
        /// Something failed that the client cannot fix.
        public static let internalError = Reason(rawValue: "internal")
    }

    /// The HTTP status sent.
    public var status: Int
    public var reason: Reason
    /// A sentence for the client and the log. Never a token, key or CSR.
    public var message: String

    public init(status: Int, reason: Reason, message: String) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.reason == rhs.reason }
    public func hash(into hasher: inout Hasher) { hasher.combine(reason) }

    public var description: String { "CAServiceError.\(reason): \"\(message)\" (HTTP \(status))" }
    public var humanReadableMessage: String { message }

    static func badRequest(_ message: String) -> Self { Self(status: 400, reason: .badRequest, message: message) }
    static func unauthorized(_ reason: Reason, _ message: String) -> Self {
        Self(status: 401, reason: reason, message: message)
    }
    static func forbidden(_ reason: Reason, _ message: String) -> Self {
        Self(status: 403, reason: reason, message: message)
    }
    static func unavailable(_ message: String) -> Self { Self(status: 503, reason: .unavailable, message: message) }

    /// The service error for a CA error: the policy refusals are 403, bad input 400, a missing serial 404, and
    /// the HSM or the store down 503.
    static func from(_ error: any Error) -> Self {
        if let error = error as? CAServiceError { return error }
        guard let error = error as? CertificateAuthorityError else {
            return Self(status: 500, reason: .internalError, message: "the request failed")
        }
        switch error.code {
        case .nameNotPermitted, .keyNotPermitted, .validityNotPermitted, .profileNotPermitted:
            return Self(status: 403, reason: .policy, message: error.message)
        case .malformedInput, .invalidSignature:
            return Self(status: 400, reason: .csrInvalid, message: error.message)
        case .notFound:
            return Self(status: 404, reason: .notFound, message: error.message)
        case .alreadyRevoked:
            return Self(status: 409, reason: .revoked, message: error.message)
        case .storageFailure:
            return unavailable("the issuance database is unavailable; nothing was issued or changed")
        case .hsmFailure:
            return unavailable("the HSM is unavailable; nothing was issued or changed")
        case .notInitialized:
            return unavailable("the CA has no key or certificate")
        case .tokenAlreadyUsed:
            return unauthorized(.tokenReplayed, "the token was already used (one-time token)")
        default:
            return Self(status: 500, reason: .internalError, message: error.message)
        }
    }
}

extension CAServiceError {
    public static let tokenExpired = Self(status: 401, reason: .tokenExpired, message: "")
    public static let tokenNotYetValid = Self(status: 401, reason: .tokenNotYetValid, message: "")
    public static let tokenAudience = Self(status: 401, reason: .tokenAudience, message: "")
    public static let tokenClaims = Self(status: 401, reason: .tokenClaims, message: "")
    public static let tokenSignature = Self(status: 401, reason: .tokenSignature, message: "")
    public static let tokenMalformed = Self(status: 401, reason: .tokenMalformed, message: "")
    public static let tokenReplayed = Self(status: 401, reason: .tokenReplayed, message: "")
    public static let unknownProvisioner = Self(status: 401, reason: .unknownProvisioner, message: "")
}
