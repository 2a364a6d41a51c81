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
        /// Whether `*.example.com` may be requested; the wildcard must be the whole left-most label, and the
        /// names it covers must be permitted and not excluded.
        public var allowsWildcards: Bool

        public init(permitted: [String]? = nil, excluded: [String] = [], allowsWildcards: Bool = true) {
            self.permitted = permitted
            self.excluded = excluded
            self.allowsWildcards = allowsWildcards
        }
    }

    /// IP addresses (`iPAddress` SANs), as CIDR ranges: `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`.
    public struct IPAddresses: Sendable, Hashable {
        public var permitted: [String]?
        public var excluded: [String]

        public init(permitted: [String]? = nil, excluded: [String] = []) {
            self.permitted = permitted
            self.excluded = excluded
        }
    }

    /// Email addresses (`rfc822Name` SANs): a constraint is a mailbox (`ops@example.com`), a host
    /// (`example.com`), or a domain (`.example.com`, hosts below it).
    public struct EmailAddresses: Sendable, Hashable {
        public var permitted: [String]?
        public var excluded: [String]

        public init(permitted: [String]? = nil, excluded: [String] = []) {
            self.permitted = permitted
            self.excluded = excluded
        }
    }

    /// URIs (`uniformResourceIdentifier` SANs): constraints are on the URI's host, as DNS constraints are.
    public struct URIs: Sendable, Hashable {
        public var permitted: [String]?
        public var excluded: [String]

        public init(permitted: [String]? = nil, excluded: [String] = []) {
            self.permitted = permitted
            self.excluded = excluded
        }
    }

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

    public init(
        dnsNames: DNSNames = DNSNames(),
        ipAddresses: IPAddresses = IPAddresses(),
        emailAddresses: EmailAddresses = EmailAddresses(),
        uris: URIs = URIs(),
        maximumLeafValidity: Duration = .seconds(398 * 86_400),
        maximumCAValidity: Duration = .seconds(5 * 365 * 86_400),
        allowedKeyTypes: Set<KeyType> = [.rsa, .p256, .p384, .p521, .ed25519],
        minimumRSAKeySize: Int = 2048,
        maximumPathLength: Int = 0
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
    }

    /// Any name, leaf validity up to 398 days, RSA ≥ 2048, EC and Ed25519 keys, intermediates with path length 0.
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
            default:
                throw CertificateAuthorityError(code: .nameNotPermitted, message: "unsupported name type: \(name)")
            }
        }
    }
}

private func _RSAPublicKeyBits(_ key: Certificate.PublicKey) -> Int? {
    _RSA.Signing.PublicKey(key).map { $0.keySizeInBits }
}
