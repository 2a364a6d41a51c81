public import Foundation

// A policy file for a CLI, in JSON (docs/ca-policy.md describes every member):
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
//   "maximumPathLength": 0,
//   "maximumSubjectAlternativeNames": 100
// }
//
// Every member is optional; a missing one (or null) keeps the default. The policy fails closed: an unknown member
// (a misspelling), a value of the wrong type, an unknown key type, a malformed constraint or an out-of-range number
// is an error that names the member.

private func strictContainer<Keys: CodingKey & CaseIterable>(
    _ decoder: any Decoder, _ keys: Keys.Type
) throws -> KeyedDecodingContainer<Keys> {
    try StrictDecoding.container(decoder, keys, document: "the policy")
}

extension KeyedDecodingContainer {
    fileprivate func member<T: Decodable>(_ type: T.Type, _ key: Key, expected: String) throws -> T? {
        try strictMember(type, key, expected: expected, document: "the policy")
    }
}

extension Policy.DNSNames: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case permitted, excluded, allowsWildcards }

    public init(from decoder: any Decoder) throws {
        let container = try strictContainer(decoder, CodingKeys.self)
        let strings = "a list of strings"
        self.init(
            permitted: try container.member([String].self, .permitted, expected: strings),
            excluded: try container.member([String].self, .excluded, expected: strings) ?? [],
            allowsWildcards: try container.member(Bool.self, .allowsWildcards, expected: "true or false") ?? false)
    }

    /// `permitted` is written as null when any name is permitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(permitted, forKey: .permitted)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(allowsWildcards, forKey: .allowsWildcards)
    }
}

/// The permitted/excluded lists of IP addresses, email addresses and URIs.
extension Policy.NameLists: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case permitted, excluded }

    public init(from decoder: any Decoder) throws {
        let container = try strictContainer(decoder, CodingKeys.self)
        self.init(
            permitted: try container.member([String].self, .permitted, expected: "a list of strings"),
            excluded: try container.member([String].self, .excluded, expected: "a list of strings") ?? [])
    }

    /// `permitted` is written as null when any name is permitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(permitted, forKey: .permitted)
        try container.encode(excluded, forKey: .excluded)
    }
}

extension Policy.KeyType {
    /// All key types, by their names (`RSA`, `P-256`, `P-384`, `P-521`, `Ed25519`).
    public static let all: [Policy.KeyType] = [.rsa, .p256, .p384, .p521, .ed25519]

    /// The key type named `name` (case-insensitive).
    public init(parsing name: String) throws {
        guard let type = Self.all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw CertificateAuthorityError(
                code: .malformedInput,
                message: "unknown key type '\(ControlCharacters.escaped(name))' (known: "
                    + Self.all.map(\.name).joined(separator: ", ") + ")")
        }
        self = type
    }
}

extension Policy: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case dnsNames, ipAddresses, emailAddresses, uris
        case maximumLeafValiditySeconds, maximumCAValiditySeconds
        case allowedKeyTypes, minimumRSAKeySize, maximumPathLength, maximumSubjectAlternativeNames
    }

    public init(from decoder: any Decoder) throws {
        let container = try strictContainer(decoder, CodingKeys.self)
        let object = "a JSON object"
        let number = "a whole number"
        var policy = Policy()
        policy.dnsNames = try container.member(DNSNames.self, .dnsNames, expected: object) ?? policy.dnsNames
        policy.ipAddresses =
            try container.member(IPAddresses.self, .ipAddresses, expected: object) ?? policy.ipAddresses
        policy.emailAddresses =
            try container.member(EmailAddresses.self, .emailAddresses, expected: object) ?? policy.emailAddresses
        policy.uris = try container.member(URIs.self, .uris, expected: object) ?? policy.uris
        if let seconds = try container.member(Int64.self, .maximumLeafValiditySeconds, expected: number) {
            policy.maximumLeafValidity = .seconds(seconds)
        }
        if let seconds = try container.member(Int64.self, .maximumCAValiditySeconds, expected: number) {
            policy.maximumCAValidity = .seconds(seconds)
        }
        if let names = try container.member([String].self, .allowedKeyTypes, expected: "a list of strings") {
            do {
                policy.allowedKeyTypes = Set(try names.map { try KeyType(parsing: $0) })
            } catch let error as CertificateAuthorityError {
                throw CertificateAuthorityError(
                    code: error.code, message: "the policy's \"allowedKeyTypes\" has an \(error.message)")
            }
        }
        policy.minimumRSAKeySize =
            try container.member(Int.self, .minimumRSAKeySize, expected: number) ?? policy.minimumRSAKeySize
        policy.maximumPathLength =
            try container.member(Int.self, .maximumPathLength, expected: number) ?? policy.maximumPathLength
        policy.maximumSubjectAlternativeNames =
            try container.member(Int.self, .maximumSubjectAlternativeNames, expected: number)
            ?? policy.maximumSubjectAlternativeNames
        try policy.validate()
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
        try container.encode(maximumSubjectAlternativeNames, forKey: .maximumSubjectAlternativeNames)
    }

    /// A policy from a JSON document (see docs/ca-policy.md for its members). Errors are
    /// ``CertificateAuthorityError/Code/malformedInput`` with a message that names the offending member: an unknown
    /// (misspelled) member, a member given twice, a value of the wrong type or out of range, a malformed constraint.
    public init(json: Data) throws {
        guard json.count <= Self.maximumJSONSize else {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "the policy is larger than \(Self.maximumJSONSize / 1024) KiB")
        }
        try StrictDecoding.refuseDuplicateMembers(Array(json), document: "the policy")
        do {
            self = try JSONDecoder().decode(Policy.self, from: json)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "the policy is not valid JSON")
        }
    }

    /// The largest policy document ``init(json:)`` reads, in bytes (1 MiB).
    public static let maximumJSONSize = 1 << 20

    /// The policy as JSON with every member spelled out (sorted keys, pretty-printed), as a policy file would
    /// give it: what `hpcs-tool ca policy show` prints.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "cannot encode the policy")
        }
    }
}
