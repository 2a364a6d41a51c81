import Crypto
import X509
import _CryptoExtras

/// What the CA agrees to sign: names, validity, keys and CA depth.
///
/// Names follow RFC 5280 name-constraint semantics. A DNS constraint `example.com` covers `example.com` and every
/// name below it; `.example.com` covers only the names below it. Excluded constraints win over permitted ones. A
/// `nil` permitted list allows any name of that type; an empty list allows none.
public struct Policy: Sendable, Hashable {
    /// DNS names (`dNSName` SANs and a DNS-like subject common name).
    public struct DNSNames: Sendable, Hashable {
        public var permitted: [String]?
        public var excluded: [String]
        /// Whether `*.example.com` may be requested (default: no); the wildcard must be the whole left-most label,
        /// and the names it covers must be permitted and not excluded.
        public var allowsWildcards: Bool

        public init(permitted: [String]? = nil, excluded: [String] = [], allowsWildcards: Bool = false) {
            self.permitted = permitted
            self.excluded = excluded
            self.allowsWildcards = allowsWildcards
        }
    }

    /// Permitted and excluded names of one kind: the constraints on IP addresses, email addresses and URIs.
    /// `Kind` only keeps the three apart, so that one cannot be given where another is meant.
    public struct NameLists<Kind>: Sendable, Hashable {
        public var permitted: [String]?
        public var excluded: [String]

        public init(permitted: [String]? = nil, excluded: [String] = []) {
            self.permitted = permitted
            self.excluded = excluded
        }
    }

    /// The kind of ``IPAddresses``.
    public enum IPAddressNames {}
    /// The kind of ``EmailAddresses``.
    public enum EmailAddressNames {}
    /// The kind of ``URIs``.
    public enum URINames {}

    /// IP addresses (`iPAddress` SANs), as CIDR ranges: `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`.
    public typealias IPAddresses = NameLists<IPAddressNames>

    /// Email addresses (`rfc822Name` SANs): a constraint is a mailbox (`ops@example.com`), a host
    /// (`example.com`), or a domain (`.example.com`, hosts below it).
    public typealias EmailAddresses = NameLists<EmailAddressNames>

    /// URIs (`uniformResourceIdentifier` SANs): constraints are on the URI's host, as DNS constraints are.
    public typealias URIs = NameLists<URINames>

    /// The kinds of subject public key the CA certifies.
    public struct KeyType: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public static let rsa = KeyType(name: "RSA")
        public static let p256 = KeyType(name: "P-256")
        public static let p384 = KeyType(name: "P-384")
        public static let p521 = KeyType(name: "P-521")
        public static let ed25519 = KeyType(name: "Ed25519")
        public var description: String { name }
    }

    public var dnsNames: DNSNames
    public var ipAddresses: IPAddresses
    public var emailAddresses: EmailAddresses
    public var uris: URIs
    /// The longest validity of a leaf certificate.
    public var maximumLeafValidity: Duration
    /// The longest validity of an intermediate CA certificate.
    public var maximumCAValidity: Duration
    /// The subject key types accepted.
    public var allowedKeyTypes: Set<KeyType>
    /// The smallest RSA modulus accepted, in bits.
    public var minimumRSAKeySize: Int
    /// The largest `pathLenConstraint` an issued intermediate may carry.
    public var maximumPathLength: Int
    /// The most subject alternative names one certificate may carry (the request's, plus a common name added to
    /// them), 1 to ``subjectAlternativeNamesCeiling``; default 100.
    public var maximumSubjectAlternativeNames: Int

    /// The largest ``maximumSubjectAlternativeNames`` a policy may set.
    public static let subjectAlternativeNamesCeiling = 1000

    public init(
        dnsNames: DNSNames = DNSNames(),
        ipAddresses: IPAddresses = IPAddresses(),
        emailAddresses: EmailAddresses = EmailAddresses(),
        uris: URIs = URIs(),
        maximumLeafValidity: Duration = .seconds(398 * 86_400),
        maximumCAValidity: Duration = .seconds(5 * 365 * 86_400),
        allowedKeyTypes: Set<KeyType> = [.rsa, .p256, .p384, .p521, .ed25519],
        minimumRSAKeySize: Int = 2048,
        maximumPathLength: Int = 0,
        maximumSubjectAlternativeNames: Int = 100
    ) {
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.emailAddresses = emailAddresses
        self.uris = uris
        self.maximumLeafValidity = maximumLeafValidity
        self.maximumCAValidity = maximumCAValidity
        self.allowedKeyTypes = allowedKeyTypes
        self.minimumRSAKeySize = minimumRSAKeySize
        self.maximumPathLength = maximumPathLength
        self.maximumSubjectAlternativeNames = maximumSubjectAlternativeNames
    }

    /// Any name but wildcards, at most 100 of them, leaf validity up to 398 days, RSA ≥ 2048, EC and Ed25519 keys,
    /// intermediates with path length 0.
    public static var defaults: Policy { Policy() }
}

extension Policy {
    /// Checks the subject public key against ``allowedKeyTypes`` and ``minimumRSAKeySize``.
    func check(publicKey: Certificate.PublicKey) throws {
        let type: KeyType
        if let rsa = _RSAPublicKeyBits(publicKey) {
            type = .rsa
            guard rsa >= minimumRSAKeySize else {
                throw CertificateAuthorityError(
                    code: .keyNotPermitted, message: "RSA-\(rsa) is below the minimum of \(minimumRSAKeySize) bits")
            }
        } else if P256.Signing.PublicKey(publicKey) != nil {
            type = .p256
        } else if P384.Signing.PublicKey(publicKey) != nil {
            type = .p384
        } else if P521.Signing.PublicKey(publicKey) != nil {
            type = .p521
        } else if Curve25519.Signing.PublicKey(publicKey) != nil {
            type = .ed25519
        } else {
            throw CertificateAuthorityError(code: .keyNotPermitted, message: "unsupported subject key type")
        }
        guard allowedKeyTypes.contains(type) else {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "\(type) keys are not allowed by the policy")
        }
    }

    /// Checks every name against the policy.
    func check(names: [GeneralName]) throws {
        for name in names {
            switch name {
            case .dnsName(let dns):
                try NameMatching.checkDNS(dns, rules: dnsNames)
            case .ipAddress(let octets):
                try NameMatching.checkIP(Array(octets.bytes), rules: ipAddresses)
            case .rfc822Name(let email):
                try NameMatching.checkEmail(email, rules: emailAddresses)
            case .uniformResourceIdentifier(let uri):
                try NameMatching.checkURI(uri, rules: uris)
            case .otherName:
                throw CertificateAuthorityError(code: .nameNotPermitted, message: "otherName names are not supported")
            case .directoryName:
                throw CertificateAuthorityError(
                    code: .nameNotPermitted, message: "directoryName alternative names are not supported")
            case .registeredID:
                throw CertificateAuthorityError(
                    code: .nameNotPermitted, message: "registeredID names are not supported")
            default:
                throw CertificateAuthorityError(
                    code: .nameNotPermitted, message: "this kind of alternative name is not supported")
            }
        }
    }

    /// Checks that every setting is usable, so that nothing in the policy is silently ignored: a malformed
    /// constraint would never match, and an excluded one that never matches excludes nothing. Errors are
    /// ``CertificateAuthorityError/Code/malformedInput`` and name the setting.
    public func validate() throws {
        func bad(_ key: String, _ problem: String) -> CertificateAuthorityError {
            CertificateAuthorityError(
                code: .malformedInput, message: "the policy's \"\(key)\" \(ControlCharacters.escaped(problem))")
        }
        func checkDomains(_ values: [String], _ key: String, kind: String) throws {
            for value in values {
                let host = value.hasPrefix(".") ? String(value.dropFirst()) : value
                guard NameMatching.normalizedHostname(host, allowingWildcard: false) != nil else {
                    throw bad(key, "has '\(value)', which is not a \(kind) (host or .domain, no wildcard)")
                }
            }
        }
        try checkDomains(dnsNames.permitted ?? [], "dnsNames.permitted", kind: "DNS domain")
        try checkDomains(dnsNames.excluded, "dnsNames.excluded", kind: "DNS domain")
        try checkDomains(uris.permitted ?? [], "uris.permitted", kind: "URI host domain")
        try checkDomains(uris.excluded, "uris.excluded", kind: "URI host domain")
        for (values, key) in [
            (ipAddresses.permitted ?? [], "ipAddresses.permitted"), (ipAddresses.excluded, "ipAddresses.excluded"),
        ] {
            for value in values {
                do {
                    _ = try NameMatching.ipRange(value)
                } catch {
                    throw bad(key, "has '\(value)', which is not an IP address or CIDR range")
                }
            }
        }
        for (values, key) in [
            (emailAddresses.permitted ?? [], "emailAddresses.permitted"),
            (emailAddresses.excluded, "emailAddresses.excluded"),
        ] {
            for value in values {
                let parts = value.split(separator: "@", omittingEmptySubsequences: false)
                let host = parts.last.map(String.init) ?? ""
                let localOK =
                    parts.count == 1
                    || (parts.count == 2 && !parts[0].isEmpty && parts[0].utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F })
                let hostOK =
                    NameMatching.normalizedHostname(
                        parts.count == 1 && host.hasPrefix(".") ? String(host.dropFirst()) : host,
                        allowingWildcard: false) != nil
                guard localOK, hostOK else {
                    throw bad(key, "has '\(value)', which is not a mailbox, a host or a .domain")
                }
            }
        }
        guard maximumLeafValidity > .zero else { throw bad("maximumLeafValiditySeconds", "must be positive") }
        guard maximumCAValidity > .zero else { throw bad("maximumCAValiditySeconds", "must be positive") }
        guard !allowedKeyTypes.isEmpty else { throw bad("allowedKeyTypes", "must name at least one key type") }
        guard (2048...16384).contains(minimumRSAKeySize) else {
            throw bad("minimumRSAKeySize", "must be 2048 to 16384")
        }
        guard maximumPathLength >= 0 else { throw bad("maximumPathLength", "must not be negative") }
        guard (1...Self.subjectAlternativeNamesCeiling).contains(maximumSubjectAlternativeNames) else {
            throw bad("maximumSubjectAlternativeNames", "must be 1 to \(Self.subjectAlternativeNamesCeiling)")
        }
    }
}

private func _RSAPublicKeyBits(_ key: Certificate.PublicKey) -> Int? {
    _RSA.Signing.PublicKey(key).map { $0.keySizeInBits }
}
