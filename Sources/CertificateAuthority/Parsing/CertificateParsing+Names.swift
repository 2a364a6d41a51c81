import EP11
import SwiftASN1
public import X509

extension CertificateParsing {
    /// A distinguished name from text such as `CN=Example Root,O=Example\, Inc.,C=DE` (for a CLI).
    ///
    /// Attributes are `CN`, `O`, `OU`, `C`, `ST`, `L`, `STREET`, `DC` and `emailAddress`, separated by `,`; a `\`
    /// escapes the next character. They are written most significant first, as `openssl -subj` reads them
    /// right to left; `/CN=x/O=y` (openssl's form) is accepted too. An empty string is the empty name. Control
    /// characters (an ANSI escape, a bidirectional override) are refused.
    public static func distinguishedName(_ text: String) throws -> DistinguishedName {
        try refuseControlCharacters(text, in: "the name")
        var components: [(String, String)] = []
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "/" { return DistinguishedName() }
        let slashForm = trimmed.hasPrefix("/")
        let separator: Character = slashForm ? "/" : ","
        var current = ""
        var escaped = false
        var parts: [String] = []
        for character in slashForm ? String(trimmed.dropFirst()) : trimmed {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !escaped else { throw malformed("'\(text)' ends with a lone backslash") }
        parts.append(current)
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { throw malformed("'\(part)' is not TYPE=value") }
            let type = part[..<equals].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw malformed("'\(part)' has an empty value") }
            components.append((type, value))
        }
        // The text lists the most specific attribute first (RFC 4514) for `,` and last for openssl's `/` form.
        if !slashForm { components.reverse() }
        var rdns: [RelativeDistinguishedName] = []
        for (type, value) in components {
            let oid: ASN1ObjectIdentifier
            switch type.uppercased() {
            case "CN": oid = .RDNAttributeType.commonName
            case "O": oid = .RDNAttributeType.organizationName
            case "OU": oid = .RDNAttributeType.organizationalUnitName
            case "C": oid = .RDNAttributeType.countryName
            case "ST": oid = .RDNAttributeType.stateOrProvinceName
            case "L": oid = .RDNAttributeType.localityName
            case "STREET": oid = .RDNAttributeType.streetAddress
            case "DC": oid = .RDNAttributeType.domainComponent
            case "EMAILADDRESS", "E": oid = .RDNAttributeType.emailAddress
            default: throw malformed("unknown attribute type '\(type)'")
            }
            let attribute: RelativeDistinguishedName.Attribute
            do {
                switch oid {
                case .RDNAttributeType.countryName:
                    guard value.count == 2 else { throw malformed("a country is two letters, not '\(value)'") }
                    attribute = try .init(type: oid, printableString: value)
                case .RDNAttributeType.domainComponent, .RDNAttributeType.emailAddress:
                    attribute = try .init(type: oid, ia5String: value)
                default:
                    attribute = .init(type: oid, utf8String: value)
                }
            } catch let error as CertificateAuthorityError {
                throw error
            } catch {
                throw malformed("'\(value)' is not valid for \(type)", error)
            }
            rdns.append(RelativeDistinguishedName(attribute))
        }
        return DistinguishedName(rdns)
    }

    /// A subject alternative name from `DNS:host`, `IP:192.0.2.1`, `email:a@example.com` or `URI:https://…`
    /// (openssl's prefixes, case-insensitive). Control characters are refused.
    public static func generalName(_ text: String) throws -> GeneralName {
        try refuseControlCharacters(text, in: "the alternative name")
        guard let colon = text.firstIndex(of: ":") else {
            throw malformed("'\(text)' needs a DNS:, IP:, email: or URI: prefix")
        }
        let kind = text[..<colon].lowercased()
        let value = String(text[text.index(after: colon)...])
        guard !value.isEmpty else { throw malformed("'\(text)' has an empty value") }
        switch kind {
        case "dns": return .dnsName(value)
        case "ip":
            guard let octets = IPLiteral.octets(value) else { throw malformed("'\(value)' is not an IP address") }
            return .ipAddress(ASN1OctetString(contentBytes: octets[...]))
        case "email": return .rfc822Name(value)
        case "uri": return .uniformResourceIdentifier(value)
        default: throw malformed("unknown name type '\(kind)'")
        }
    }
}

extension CertificateParsing {
    /// Throws ``CertificateAuthorityError/Code/malformedInput`` naming the first control character in `text`.
    static func refuseControlCharacters(_ text: String, in what: String) throws {
        if let scalar = ControlCharacters.first(in: text) {
            throw malformed(
                "\(what) '\(ControlCharacters.escaped(text))' contains the control character "
                    + "\(ControlCharacters.escape(scalar)); control characters are not allowed")
        }
    }
}
