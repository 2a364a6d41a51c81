public import Foundation

// A policy file for a CLI, in JSON:
//
// {
//   "dnsNames": { "permitted": ["example.com"], "excluded": ["secret.example.com"], "allowsWildcards": true },
//   "ipAddresses": { "permitted": ["192.0.2.0/24"] },
//   "emailAddresses": { "permitted": ["example.com"] },
//   "uris": { "permitted": ["example.com"] },
//   "maximumLeafValiditySeconds": 7776000,
//   "maximumCAValiditySeconds": 157680000,
//   "allowedKeyTypes": ["RSA", "P-256", "P-384", "P-521", "Ed25519"],
//   "minimumRSAKeySize": 2048,
//   "maximumPathLength": 0
// }
//
// Every member is optional; a missing one keeps the default. Unknown key types and malformed IP ranges are refused.

extension Policy.DNSNames: Codable {
    enum CodingKeys: String, CodingKey { case permitted, excluded, allowsWildcards }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            permitted: try container.decodeIfPresent([String].self, forKey: .permitted),
            excluded: try container.decodeIfPresent([String].self, forKey: .excluded) ?? [],
            allowsWildcards: try container.decodeIfPresent(Bool.self, forKey: .allowsWildcards) ?? true)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(permitted, forKey: .permitted)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(allowsWildcards, forKey: .allowsWildcards)
    }
}

/// permitted/excluded lists shared by IP addresses, email addresses and URIs.
private enum ListKeys: String, CodingKey { case permitted, excluded }

private func decodeLists(_ decoder: any Decoder) throws -> ([String]?, [String]) {
    let container = try decoder.container(keyedBy: ListKeys.self)
    return (
        try container.decodeIfPresent([String].self, forKey: .permitted),
        try container.decodeIfPresent([String].self, forKey: .excluded) ?? []
    )
}

private func encodeLists(_ permitted: [String]?, _ excluded: [String], to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: ListKeys.self)
    try container.encodeIfPresent(permitted, forKey: .permitted)
    try container.encode(excluded, forKey: .excluded)
}

extension Policy.IPAddresses: Codable {
    public init(from decoder: any Decoder) throws {
        let (permitted, excluded) = try decodeLists(decoder)
        for range in (permitted ?? []) + excluded { _ = try NameMatching.ipRange(range) }
        self.init(permitted: permitted, excluded: excluded)
    }

    public func encode(to encoder: any Encoder) throws { try encodeLists(permitted, excluded, to: encoder) }
}

extension Policy.EmailAddresses: Codable {
    public init(from decoder: any Decoder) throws {
        let (permitted, excluded) = try decodeLists(decoder)
        self.init(permitted: permitted, excluded: excluded)
    }

    public func encode(to encoder: any Encoder) throws { try encodeLists(permitted, excluded, to: encoder) }
}

extension Policy.URIs: Codable {
    public init(from decoder: any Decoder) throws {
        let (permitted, excluded) = try decodeLists(decoder)
        self.init(permitted: permitted, excluded: excluded)
    }

    public func encode(to encoder: any Encoder) throws { try encodeLists(permitted, excluded, to: encoder) }
}

extension Policy.KeyType {
    /// All key types, by their names (`RSA`, `P-256`, `P-384`, `P-521`, `Ed25519`).
    public static let all: [Policy.KeyType] = [.rsa, .p256, .p384, .p521, .ed25519]

    /// The key type named `name` (case-insensitive).
    public init(parsing name: String) throws {
        guard let type = Self.all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw CertificateAuthorityError(code: .malformedInput, message: "unknown key type '\(name)'")
        }
        self = type
    }
}

extension Policy: Codable {
    enum CodingKeys: String, CodingKey {
        case dnsNames, ipAddresses, emailAddresses, uris
        case maximumLeafValiditySeconds, maximumCAValiditySeconds
        case allowedKeyTypes, minimumRSAKeySize, maximumPathLength
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var policy = Policy()
        policy.dnsNames = try container.decodeIfPresent(DNSNames.self, forKey: .dnsNames) ?? policy.dnsNames
        policy.ipAddresses = try container.decodeIfPresent(IPAddresses.self, forKey: .ipAddresses) ?? policy.ipAddresses
        policy.emailAddresses =
            try container.decodeIfPresent(EmailAddresses.self, forKey: .emailAddresses) ?? policy.emailAddresses
        policy.uris = try container.decodeIfPresent(URIs.self, forKey: .uris) ?? policy.uris
        if let seconds = try container.decodeIfPresent(Int64.self, forKey: .maximumLeafValiditySeconds) {
            policy.maximumLeafValidity = .seconds(seconds)
        }
        if let seconds = try container.decodeIfPresent(Int64.self, forKey: .maximumCAValiditySeconds) {
            policy.maximumCAValidity = .seconds(seconds)
        }
        if let names = try container.decodeIfPresent([String].self, forKey: .allowedKeyTypes) {
            policy.allowedKeyTypes = Set(try names.map { try KeyType(parsing: $0) })
        }
        policy.minimumRSAKeySize =
            try container.decodeIfPresent(Int.self, forKey: .minimumRSAKeySize) ?? policy.minimumRSAKeySize
        policy.maximumPathLength =
            try container.decodeIfPresent(Int.self, forKey: .maximumPathLength) ?? policy.maximumPathLength
        self = policy
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dnsNames, forKey: .dnsNames)
        try container.encode(ipAddresses, forKey: .ipAddresses)
        try container.encode(emailAddresses, forKey: .emailAddresses)
        try container.encode(uris, forKey: .uris)
        try container.encode(maximumLeafValidity.components.seconds, forKey: .maximumLeafValiditySeconds)
        try container.encode(maximumCAValidity.components.seconds, forKey: .maximumCAValiditySeconds)
        try container.encode(
            Self.KeyType.all.filter { allowedKeyTypes.contains($0) }.map(\.name), forKey: .allowedKeyTypes)
        try container.encode(minimumRSAKeySize, forKey: .minimumRSAKeySize)
        try container.encode(maximumPathLength, forKey: .maximumPathLength)
    }

    /// A policy from a JSON document (see the file comment for the shape); errors are
    /// ``CertificateAuthorityError/Code/malformedInput``.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(Policy.self, from: json)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "the policy JSON is malformed", cause: error)
        }
    }
}
