import EP11
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// RFC 5280-style matching of names against permitted and excluded constraints.
enum NameMatching {
    /// A refusal; the message quotes requested names, so its control characters are escaped.
    static func refuse(_ message: String) -> CertificateAuthorityError {
        CertificateAuthorityError(code: .nameNotPermitted, message: ControlCharacters.escaped(message))
    }

    // MARK: DNS

    /// A lower-cased DNS name with LDH labels of 1-63 characters, at most 253 characters; a left-most `*` label is
    /// allowed when `wildcard` is true.
    static func normalizedHostname(_ name: String, allowingWildcard wildcard: Bool) -> String? {
        let lower = name.lowercased()
        guard !lower.isEmpty, lower.utf8.count <= 253, !lower.hasSuffix(".") else { return nil }
        let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            if label == "*" && index == 0 && wildcard && labels.count > 2 { continue }
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
            else { return nil }
        }
        return lower
    }

    /// Whether host `name` (no wildcard) is within DNS constraint `constraint`.
    static func dnsName(_ name: String, within constraint: String) -> Bool {
        let constraint = constraint.lowercased()
        if constraint.isEmpty { return true }
        if constraint.hasPrefix(".") { return name.hasSuffix(constraint) }
        return name == constraint || name.hasSuffix("." + constraint)
    }

    static func checkDNS(_ requested: String, rules: Policy.DNSNames) throws {
        guard let name = normalizedHostname(requested, allowingWildcard: true) else {
            throw refuse("'\(requested)' is not a valid DNS name")
        }
        if name.hasPrefix("*.") {
            guard rules.allowsWildcards else { throw refuse("wildcard names are not allowed: '\(name)'") }
            // `*.base` covers every name directly below `base`: a representative must be permitted, and no
            // excluded constraint may lie at or below the names it covers.
            let base = String(name.dropFirst(2))
            let representative = "wildcard-probe." + base
            for constraint in rules.excluded {
                let c = constraint.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
                if dnsName(representative, within: constraint) || dnsName(c, within: "." + base) {
                    throw refuse("'\(name)' covers names excluded by '\(constraint)'")
                }
            }
            if let permitted = rules.permitted,
                !permitted.contains(where: { dnsName(representative, within: $0) })
            {
                throw refuse("'\(name)' is not within a permitted DNS domain")
            }
            return
        }
        if let excluded = rules.excluded.first(where: { dnsName(name, within: $0) }) {
            throw refuse("'\(name)' is excluded by '\(excluded)'")
        }
        if let permitted = rules.permitted, !permitted.contains(where: { dnsName(name, within: $0) }) {
            throw refuse("'\(name)' is not within a permitted DNS domain")
        }
    }

    // MARK: IP

    /// The text form of 4 or 16 octets.
    static func ipText(_ octets: [UInt8]) -> String {
        if octets.count == 4 { return octets.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: 64)
        var v6 = in6_addr()
        guard octets.count == 16 else { return octets.map { String($0, radix: 16) }.joined(separator: ":") }
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: octets) }
        guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A CIDR range `address/prefix` (or a single address).
    static func ipRange(_ text: String) throws -> (network: [UInt8], prefix: Int) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let network = IPLiteral.octets(first) else {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "'\(ControlCharacters.escaped(text))' is not an IP range")
        }
        let bits = network.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "'\(ControlCharacters.escaped(text))' has a bad prefix length")
            }
            prefix = value
        }
        return (network, prefix)
    }

    static func ip(_ address: [UInt8], within range: (network: [UInt8], prefix: Int)) -> Bool {
        guard address.count == range.network.count else { return false }
        var remaining = range.prefix
        for index in 0..<address.count where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if address[index] & mask != range.network[index] & mask { return false }
            remaining -= take
        }
        return true
    }

    static func checkIP(_ address: [UInt8], rules: Policy.IPAddresses) throws {
        guard address.count == 4 || address.count == 16 else { throw refuse("an IP address must have 4 or 16 octets") }
        let text = ipText(address)
        for constraint in rules.excluded where ip(address, within: try ipRange(constraint)) {
            throw refuse("\(text) is excluded by \(constraint)")
        }
        if let permitted = rules.permitted {
            guard try permitted.contains(where: { ip(address, within: try ipRange($0)) }) else {
                throw refuse("\(text) is not within a permitted IP range")
            }
        }
    }

    // MARK: Email

    static func emailMatches(_ mailbox: String, host: String, constraint: String) -> Bool {
        let c = constraint.lowercased()
        if c.contains("@") { return mailbox == c }
        if c.hasPrefix(".") { return host.hasSuffix(c) }
        return host == c
    }

    static func checkEmail(_ requested: String, rules: Policy.EmailAddresses) throws {
        let mailbox = requested.lowercased()
        let parts = mailbox.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
            let host = normalizedHostname(String(parts[1]), allowingWildcard: false)
        else {
            throw refuse("'\(requested)' is not a valid email address")
        }
        if let excluded = rules.excluded.first(where: { emailMatches(mailbox, host: host, constraint: $0) }) {
            throw refuse("'\(mailbox)' is excluded by '\(excluded)'")
        }
        if let permitted = rules.permitted,
            !permitted.contains(where: { emailMatches(mailbox, host: host, constraint: $0) })
        {
            throw refuse("'\(mailbox)' is not within a permitted email domain")
        }
    }

    // MARK: URI

    static func checkURI(_ requested: String, rules: Policy.URIs) throws {
        guard let components = URLComponents(string: requested), let scheme = components.scheme, !scheme.isEmpty,
            let rawHost = components.host, !rawHost.isEmpty
        else {
            throw refuse("'\(requested)' is not an absolute URI with a host")
        }
        guard
            let host = normalizedHostname(rawHost, allowingWildcard: false)
                ?? (IPLiteral.octets(rawHost).map { _ in rawHost })
        else {
            throw refuse("'\(requested)' has an invalid host")
        }
        if let excluded = rules.excluded.first(where: { dnsName(host, within: $0) }) {
            throw refuse("'\(requested)' is excluded by '\(excluded)'")
        }
        if let permitted = rules.permitted, !permitted.contains(where: { dnsName(host, within: $0) }) {
            throw refuse("'\(requested)' is not within a permitted URI domain")
        }
    }
}
