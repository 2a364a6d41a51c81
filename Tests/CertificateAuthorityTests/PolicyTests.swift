import CertificateAuthority
import EP11
import Foundation
import HSMMock
import SwiftASN1
import Testing
import X509

@Suite("CertificateAuthority policy and bad input: typed errors, nothing written")
struct PolicyTests {
    static let policy = Policy(
        dnsNames: .init(
            permitted: ["example.com", ".internal.example.net"], excluded: ["secret.example.com"],
            allowsWildcards: true),
        ipAddresses: .init(permitted: ["192.0.2.0/24", "2001:db8::/32"], excluded: ["192.0.2.13"]),
        emailAddresses: .init(permitted: ["example.com"]),
        uris: .init(permitted: ["example.com"]),
        maximumLeafValidity: .seconds(90 * 86_400),
        allowedKeyTypes: [.rsa, .p256, .p384],
        minimumRSAKeySize: 2048
    )

    struct NameCase: Sendable, CustomStringConvertible {
        var name: GeneralName
        var permitted: Bool
        var description: String { "\(name) \(permitted ? "permitted" : "refused")" }
    }

    static func ip(_ octets: [UInt8]) -> GeneralName { .ipAddress(ASN1OctetString(contentBytes: octets[...])) }

    static let names: [NameCase] = [
        NameCase(name: .dnsName("example.com"), permitted: true),
        NameCase(name: .dnsName("WWW.Example.com"), permitted: true),
        NameCase(name: .dnsName("a.b.example.com"), permitted: true),
        NameCase(name: .dnsName("example.org"), permitted: false),
        NameCase(name: .dnsName("badexample.com"), permitted: false),
        NameCase(name: .dnsName("secret.example.com"), permitted: false),
        NameCase(name: .dnsName("x.secret.example.com"), permitted: false),
        NameCase(name: .dnsName("*.example.com"), permitted: false),  // would cover secret.example.com
        NameCase(name: .dnsName("*.api.example.com"), permitted: true),
        NameCase(name: .dnsName("*.com"), permitted: false),
        NameCase(name: .dnsName("a.*.example.com"), permitted: false),
        NameCase(name: .dnsName("w*.example.com"), permitted: false),
        NameCase(name: .dnsName("internal.example.net"), permitted: false),
        NameCase(name: .dnsName("db.internal.example.net"), permitted: true),
        NameCase(name: .dnsName("under_score.example.com"), permitted: false),
        NameCase(name: .dnsName("-dash.example.com"), permitted: false),
        NameCase(name: ip([192, 0, 2, 1]), permitted: true),
        NameCase(name: ip([192, 0, 2, 13]), permitted: false),
        NameCase(name: ip([198, 51, 100, 1]), permitted: false),
        NameCase(name: ip([0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]), permitted: true),
        NameCase(name: ip([0x20, 0x01, 0x0D, 0xB9] + Array(repeating: 0, count: 11) + [1]), permitted: false),
        NameCase(name: .rfc822Name("ops@example.com"), permitted: true),
        NameCase(name: .rfc822Name("ops@mail.example.com"), permitted: false),
        NameCase(name: .rfc822Name("not-an-address"), permitted: false),
        NameCase(name: .uniformResourceIdentifier("https://api.example.com/v1"), permitted: true),
        NameCase(name: .uniformResourceIdentifier("spiffe://example.org/workload"), permitted: false),
        NameCase(name: .uniformResourceIdentifier("no-scheme"), permitted: false),
    ]

    @Test("Names against the policy", arguments: names)
    func namePolicy(testCase: NameCase) async throws {
        try await withRootCA(policy: Self.policy) { ca, _, directory in
            let csr = try await opensslCSR(.p256, subject: "/O=Example", sans: [], in: directory)
            let sign = { try await ca.sign(csrPEMOrDER: csr, profile: .tlsClient, sans: [testCase.name]) }
            if testCase.permitted {
                let issued = try await sign()
                #expect(try issued.certificate.extensions.subjectAlternativeNames.map(Array.init) == [testCase.name])
            } else {
                await #expect(throws: CertificateAuthorityError.nameNotPermitted) { try await sign() }
                #expect(try await ca.issuedCertificates().isEmpty)
            }
        }
    }

    @Test("Wildcards can be switched off; a DNS-like common name is checked too")
    func wildcardsAndCommonName() async throws {
        var policy = Policy()
        policy.dnsNames = .init(permitted: ["example.com"], allowsWildcards: false)
        try await withRootCA(policy: policy) { ca, _, directory in
            let wildcard = try await opensslCSR(
                .p256, subject: "/CN=*.example.com", sans: ["DNS:*.example.com"], in: directory)
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: wildcard, profile: .tlsServer)
            }
            let foreignCN = try await opensslCSR(
                .p256, subject: "/CN=www.example.org", sans: ["DNS:www.example.com"], in: directory)
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: foreignCN, profile: .tlsServer)
            }
            // A CN that is not in the SANs is added to them.
            let cnOnly = try await opensslCSR(.p256, subject: "/CN=app.example.com", sans: [], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: cnOnly, profile: .tlsServer)
            #expect(
                try issued.certificate.extensions.subjectAlternativeNames.map(Array.init) == [
                    .dnsName("app.example.com")
                ])
        }
    }

    @Test(
        "Keys: RSA-1024 and (here) Ed25519 are refused; RSA-2048, P-256, P-384 accepted",
        arguments: [(OpenSSLKey.rsa1024, false), (.ed25519, false), (.rsa2048, true), (.p256, true), (.p384, true)])
    func keyPolicy(key: OpenSSLKey, accepted: Bool) async throws {
        try await withRootCA(policy: Self.policy) { ca, _, directory in
            let csr = try await opensslCSR(key, in: directory)
            if accepted {
                _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            } else {
                await #expect(throws: CertificateAuthorityError.keyNotPermitted) {
                    try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
                }
                #expect(try await ca.issuedCertificates().isEmpty)
            }
        }
    }

    @Test("Validity: over the maximum, zero, or outliving the CA is refused")
    func validity() async throws {
        try await withRootCA(policy: Self.policy) { ca, _, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            for validity: Duration in [.seconds(91 * 86_400), .zero, .seconds(-5)] {
                await #expect(throws: CertificateAuthorityError.validityNotPermitted) {
                    try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: validity)
                }
            }
            var generous = Self.policy
            generous.maximumLeafValidity = .seconds(20 * 365 * 86_400)
            await ca.setPolicy(generous)
            await #expect(throws: CertificateAuthorityError.validityNotPermitted) {
                try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: .seconds(10 * 365 * 86_400))
            }
            #expect(try await ca.issuedCertificates().isEmpty)
        }
    }

    @Test("Malformed PEM/DER and a bad CSR signature are refused with typed errors; nothing is written")
    func badInput() async throws {
        try await withRootCA { ca, _, directory in
            let before = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("root").path
            ).sorted()
            let garbage: [[UInt8]] = [
                [],
                Array("not a csr".utf8),
                Array("-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n".utf8),
                Array("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".utf8),
                [0x30, 0x82, 0xFF, 0xFF, 0x01],
            ]
            for bytes in garbage {
                await #expect(throws: CertificateAuthorityError.malformedInput) {
                    try await ca.sign(csrPEMOrDER: bytes, profile: .tlsServer)
                }
            }
            // Flip a bit in the signature of a good CSR.
            let pem = try await opensslCSR(.p256, in: directory)
            let document = try PEMDocument(pemString: String(decoding: pem, as: UTF8.self))
            var der = document.derBytes
            der[der.count - 3] ^= 0x01
            await #expect(throws: CertificateAuthorityError.invalidSignature) {
                try await ca.sign(csrPEMOrDER: der, profile: .tlsServer)
            }
            // A changed subject with the original signature.
            let rsa = try await opensslCSR(.rsa2048, subject: "/CN=www.example.com", in: directory)
            var rsaDER = try PEMDocument(pemString: String(decoding: rsa, as: UTF8.self)).derBytes
            if let index = rsaDER.firstIndex(of: UInt8(ascii: "w")) { rsaDER[index] = UInt8(ascii: "v") }
            await #expect(throws: CertificateAuthorityError.invalidSignature) {
                try await ca.sign(csrPEMOrDER: rsaDER, profile: .tlsServer)
            }
            #expect(try await ca.issuedCertificates().isEmpty)
            let after = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("root").path
            ).sorted()
            #expect(before == after)
            await #expect(throws: CertificateAuthorityError.malformedInput) { try await ca.revoke(serialNumber: "xyz") }
            await #expect(throws: CertificateAuthorityError.notFound) { try await ca.revoke(serialNumber: "01ab") }
        }
    }

    @Test("Errors compare by code and describe themselves without secrets")
    func errorShape() {
        let error = CertificateAuthorityError(code: .nameNotPermitted, message: "'x' is not permitted")
        #expect(error == .nameNotPermitted)
        #expect(error != .malformedInput)
        #expect(error.description == "CertificateAuthorityError.nameNotPermitted: \"'x' is not permitted\"")
    }
}
