import EP11
import Foundation
import X509

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
        if let octets = IPLiteral.octets(text) { return ipKey(octets) }
        if text.utf8.firstRange(of: "://".utf8) != nil { return "uri:" + text }
        if text.contains("@") { return "email:" + text }
        return dnsKey(text)
    }

    static func key(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let text): dnsKey(text)
        case .ipAddress(let octets): ipKey(octets.bytes)
        case .rfc822Name(let text): "email:" + text
        case .uniformResourceIdentifier(let text): "uri:" + text
        default: "other:" + String(describing: name)
        }
    }

    /// A DNS name compares without case and without a final dot.
    private static func dnsKey(_ text: String) -> String {
        "dns:" + (text.hasSuffix(".") ? text.dropLast() : Substring(text)).lowercased()
    }

    /// An IP address compares by its octets.
    private static func ipKey(_ octets: some Sequence<UInt8>) -> String {
        "ip:" + octets.map { String(format: "%02x", $0) }.joined()
    }
}
