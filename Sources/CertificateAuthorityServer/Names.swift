import Foundation
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The rule that ties a CSR to a token: the CSR's names (its subject common names and requested subject
/// alternative names) must be exactly the token's `sub` and `sans`, as sets. DNS names compare without case,
/// IP addresses by their octets.
enum SubjectNames {
    static func check(csr: CertificateSigningRequest, token: ProvisionerToken) throws {
        var requested = Set<String>()
        for rdn in csr.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                requested.insert(String(attribute.value).map { key($0) } ?? "unreadable common name")
            }
        }
        let extensionNames: SubjectAlternativeNames?
        do {
            extensionNames = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames
        } catch {
            throw CAServiceError(
                status: 400, reason: .csrInvalid, message: "the CSR's requested extensions are malformed")
        }
        for name in extensionNames ?? SubjectAlternativeNames() {
            requested.insert(key(name))
        }
        let authorised = Set(([token.subject] + token.sans).map(key))
        guard requested == authorised else {
            throw CAServiceError.forbidden(
                .namesMismatch,
                "the CSR's names (\(requested.count): common name and subject alternative names) are not the "
                    + "token's sub and sans (\(authorised.count))")
        }
    }

    /// A comparable form of a name given as text (a token's `sub` or `sans`, a common name).
    static func key(_ text: String) -> String {
        if let octets = ipOctets(text) { return "ip:" + octets.map { String(format: "%02x", $0) }.joined() }
        if text.utf8.firstRange(of: "://".utf8) != nil { return "uri:" + text }
        if text.contains("@") { return "email:" + text }
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return "dns:" + name
    }

    static func key(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let text):
            var name = text.lowercased()
            if name.hasSuffix(".") { name.removeLast() }
            return "dns:" + name
        case .ipAddress(let octets):
            return "ip:" + octets.bytes.map { String(format: "%02x", $0) }.joined()
        case .rfc822Name(let text):
            return "email:" + text
        case .uniformResourceIdentifier(let text):
            return "uri:" + text
        default:
            return "other:" + String(describing: name)
        }
    }

    static func ipOctets(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
