import CertificateAuthority
import Crypto
import EP11
import Foundation
import HSMMock
import SwiftASN1
import TestSupport
import Testing
import X509

/// A CSR made here with a P-256 key: any subject (control characters included) and any number of SANs.
func swiftCSR(subject: DistinguishedName, sans: [GeneralName] = []) throws -> [UInt8] {
    var attributes = CertificateSigningRequest.Attributes()
    if !sans.isEmpty {
        let request = ExtensionRequest(extensions: try Certificate.Extensions { SubjectAlternativeNames(sans) })
        attributes = CertificateSigningRequest.Attributes([try CertificateSigningRequest.Attribute(request)])
    }
    let csr = try CertificateSigningRequest(
        version: .v1, subject: subject, privateKey: Certificate.PrivateKey(P256.Signing.PrivateKey()),
        attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
    var serializer = DER.Serializer()
    try serializer.serialize(csr)
    return serializer.serializedBytes
}

/// The message of the `CertificateAuthorityError` `body` throws (and a failed expectation if it throws none).
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return message(of: nil)
    } catch {
        return message(of: error)
    }
}

func asyncErrorMessage(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return message(of: nil)
    } catch {
        return message(of: error)
    }
}

/// The message of `error`, a `CertificateAuthorityError`; records an issue for no error or another one.
private func message(of error: (any Error)?) -> String? {
    guard let error else {
        Issue.record("no error thrown")
        return nil
    }
    guard let error = error as? CertificateAuthorityError else {
        Issue.record("unexpected error \(error)")
        return nil
    }
    return error.message
}

@Suite("CA fails safe: a policy fails closed, bounded input, no raw control characters, marked mock CAs")
struct FailSafeTests {
    // MARK: The policy fails closed

    struct PolicyCase: Sendable, CustomStringConvertible {
        var json: String
        /// What the error message must contain (the member's name, and what it must be).
        var mentions: [String]
        var description: String { json }
    }

    static let refusedPolicies: [PolicyCase] = [
        PolicyCase(json: #"{"permitedDNSDomains": ["example.com"]}"#, mentions: ["\"permitedDNSDomains\""]),
        PolicyCase(json: #"{"dnsNames": {"permited": ["example.com"]}}"#, mentions: ["\"dnsNames.permited\""]),
        PolicyCase(json: #"{"ipAddresses": {"exclude": ["10.0.0.0/8"]}}"#, mentions: ["\"ipAddresses.exclude\""]),
        PolicyCase(json: #"{"dnsNames": {"permitted": "example.com"}}"#, mentions: ["dnsNames.permitted", "list"]),
        PolicyCase(json: #"{"dnsNames": {"allowsWildcards": "yes"}}"#, mentions: ["dnsNames.allowsWildcards"]),
        PolicyCase(json: #"{"maximumLeafValiditySeconds": "long"}"#, mentions: ["maximumLeafValiditySeconds"]),
        PolicyCase(json: #"{"minimumRSAKeySize": 1024}"#, mentions: ["minimumRSAKeySize", "2048"]),
        PolicyCase(json: #"{"maximumSubjectAlternativeNames": 100000}"#, mentions: ["maximumSubjectAlternativeNames"]),
        PolicyCase(json: #"{"allowedKeyTypes": ["DSA"]}"#, mentions: ["allowedKeyTypes", "DSA"]),
        // An excluded constraint that could never match would exclude nothing.
        PolicyCase(json: #"{"dnsNames": {"excluded": ["*.example.com"]}}"#, mentions: ["dnsNames.excluded"]),
        PolicyCase(json: #"{"dnsNames": {"excluded": ["example.com."]}}"#, mentions: ["dnsNames.excluded"]),
        PolicyCase(json: #"{"emailAddresses": {"excluded": ["@example.com"]}}"#, mentions: ["emailAddresses"]),
        PolicyCase(json: #"{"uris": {"permitted": ["https://example.com"]}}"#, mentions: ["uris.permitted"]),
        PolicyCase(json: #"{"ipAddresses": {"permitted": ["10.0.0.0/33"]}}"#, mentions: ["ipAddresses.permitted"]),
        PolicyCase(json: #"["example.com"]"#, mentions: ["JSON object"]),
        PolicyCase(json: #"{"dnsNames": ["example.com"]}"#, mentions: ["dnsNames"]),
        PolicyCase(json: "{", mentions: ["not valid JSON"]),
        // A member given twice: a decoder would keep one and drop the other.
        PolicyCase(
            json: #"{"dnsNames": {}, "dnsNames": {"permitted": ["example.com"]}}"#, mentions: ["\"dnsNames\" twice"]),
        PolicyCase(
            json: #"{"dnsNames": {"permitted": ["example.com"], "permitted": null}}"#,
            mentions: ["\"dnsNames.permitted\" twice"]),
        PolicyCase(
            json:
                #"{"uris": {"excluded": ["a.example"]}, "dnsNames": {"excluded": ["b.example"], "excl\u0075ded": []}}"#,
            mentions: ["\"dnsNames.excluded\" twice"]),
    ]

    @Test(
        "A policy with an unknown member, a wrong type or an unusable value is refused, naming it",
        arguments: refusedPolicies)
    func policyFailsClosed(testCase: PolicyCase) throws {
        let message = try #require(errorMessage { _ = try Policy(json: Data(testCase.json.utf8)) })
        for mention in testCase.mentions {
            #expect(message.contains(mention), "\(message)")
        }
        #expect(!message.contains("DecodingError"), "\(message)")
        #expect(!message.contains("Swift."), "\(message)")
    }

    @Test("The misspelled policy of issue 13 no longer lets the CA sign evil.attacker.org")
    func misspelledPolicyDoesNotSign() async throws {
        #expect(throws: CertificateAuthorityError.malformedInput) {
            try Policy(json: Data(#"{"permitedDNSDomains": ["example.com"]}"#.utf8))
        }
        let policy = try Policy(json: Data(#"{"dnsNames": {"permitted": ["example.com"]}}"#.utf8))
        try await withRootCA(policy: policy) { ca, _, _ in
            let csr = try swiftCSR(
                subject: try DistinguishedName { CommonName("evil.attacker.org") },
                sans: [.dnsName("evil.attacker.org")])
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            }
            #expect(try await ca.issuedCertificates().isEmpty)
        }
    }

    @Test("The effective policy spells out every member, with the new defaults, and reads back as itself")
    func effectivePolicy() throws {
        let text = String(decoding: try Policy.defaults.json(), as: UTF8.self)
        for member in [
            "\"allowsWildcards\" : false", "\"maximumSubjectAlternativeNames\" : 100", "\"permitted\" : null",
            "\"minimumRSAKeySize\" : 2048",
        ] {
            #expect(text.contains(member), "\(text)")
        }
        #expect(try Policy(json: Data(text.utf8)) == .defaults)
        var custom = Policy.defaults
        custom.dnsNames = .init(permitted: ["example.com"], excluded: [".dev.example.com"], allowsWildcards: true)
        custom.maximumSubjectAlternativeNames = 250
        #expect(try Policy(json: try custom.json()) == custom)
    }

    @Test("Wildcard names are refused unless the policy allows them")
    func wildcardsNeedThePolicy() async throws {
        try await withRootCA { ca, _, _ in
            let csr = try swiftCSR(
                subject: try DistinguishedName { OrganizationName("Example") }, sans: [.dnsName("*.example.com")])
            let message = await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer) }
            #expect(message?.contains("wildcard") == true, "\(message ?? "")")
            // A wildcard common name is refused the same way.
            let cn = try swiftCSR(subject: try DistinguishedName { CommonName("*.example.com") })
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: cn, profile: .tlsServer)
            }
            #expect(try await ca.issuedCertificates().isEmpty)
            var allowing = Policy.defaults
            allowing.dnsNames.allowsWildcards = true
            await ca.setPolicy(allowing)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            #expect(
                try issued.certificate.extensions.subjectAlternativeNames.map(Array.init) == [.dnsName("*.example.com")]
            )
        }
    }

    // MARK: Bounded input

    @Test("More SANs than the policy allows are refused before any is checked; the cap is configurable")
    func subjectAlternativeNamesCap() async throws {
        try await withRootCA { ca, _, _ in
            let subject = try DistinguishedName { OrganizationName("Example") }
            let many = (0..<101).map { GeneralName.dnsName("host\($0).example.com") }
            let csr = try swiftCSR(subject: subject, sans: many)
            let message = await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer) }
            #expect(message?.contains("101 subject alternative names") == true, "\(message ?? "")")
            #expect(message?.contains("at most 100") == true, "\(message ?? "")")
            // The same through --san and for an HSM key (before the HSM makes one).
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: try swiftCSR(subject: subject), profile: .tlsClient, sans: many)
            }
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.issueHSMKey(subject: subject, profile: .tlsClient, sans: many)
            }
            #expect(try await ca.issuedCertificates().isEmpty)

            // A policy may allow more, up to the ceiling; 1,000 names are handled in linear time.
            var generous = Policy.defaults
            generous.maximumSubjectAlternativeNames = Policy.subjectAlternativeNamesCeiling
            await ca.setPolicy(generous)
            let thousand = (0..<1000).map { GeneralName.dnsName("host\($0).example.com") }
            let start = ContinuousClock.now
            let issued = try await ca.sign(
                csrPEMOrDER: try swiftCSR(subject: subject, sans: thousand), profile: .tlsServer)
            #expect(ContinuousClock.now - start < .seconds(20))
            #expect(try issued.certificate.extensions.subjectAlternativeNames?.count == 1000)
        }
    }

    @Test("A 100,000-name CSR fails fast on its size; a subject with too many attributes is refused")
    func hugeRequests() async throws {
        try await withRootCA { ca, _, _ in
            let names = (0..<100_000).map { GeneralName.dnsName("h\($0).example.com") }
            let csr = try swiftCSR(subject: try DistinguishedName { OrganizationName("Example") }, sans: names)
            let start = ContinuousClock.now
            let message = await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer) }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(message?.contains("KiB") == true, "\(message ?? "")")

            // 5,000 common names: refused on the attribute count, not worked through one by one.
            let attributes = (0..<5_000).map { _ in
                RelativeDistinguishedName(
                    RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: "a.example.com")
                )
            }
            let wide = try swiftCSR(subject: DistinguishedName(attributes))
            let wideMessage = await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: wide, profile: .tlsServer) }
            #expect(wideMessage?.contains("more than 64 attributes") == true, "\(wideMessage ?? "")")
            #expect(try await ca.issuedCertificates().isEmpty)
        }
    }

    // MARK: Control characters

    @Test("A CSR subject with an ANSI escape is refused, and the message shows it escaped")
    func controlCharactersInCSR() async throws {
        try await withRootCA { ca, _, _ in
            for text in ["\u{1B}[31mred\u{1B}[0m", "evil\u{202E}gpj.exe", "tab\there", "del\u{7F}"] {
                let csr = try swiftCSR(
                    subject: try DistinguishedName {
                        OrganizationName(text)
                        CommonName("www.example.com")
                    }, sans: [.dnsName("www.example.com")])
                let message = await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsClient) }
                let shown = try #require(message)
                #expect(shown.contains("control character"), "\(shown)")
                #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x202E })
            }
            // A SAN with one is refused too (and its message escaped).
            let csr = try swiftCSR(
                subject: try DistinguishedName { OrganizationName("Example") }, sans: [.dnsName("a\u{1B}.example.com")])
            let message = try #require(
                await asyncErrorMessage { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer) })
            #expect(message.contains("\\x1b"), "\(message)")
            #expect(!message.contains("\u{1B}"))
            #expect(try await ca.issuedCertificates().isEmpty)
        }
    }

    @Test("A subject or SAN typed by the operator with a control character is refused, the message escaped")
    func controlCharactersTyped() throws {
        let message = try #require(errorMessage { _ = try CertificateParsing.distinguishedName("CN=\u{1B}[2JRoot") })
        #expect(message.contains("\\x1b"), "\(message)")
        #expect(!message.contains("\u{1B}"))
        #expect(throws: CertificateAuthorityError.malformedInput) {
            try CertificateParsing.generalName("DNS:www.example.com\u{07}")
        }
        #expect(throws: CertificateAuthorityError.malformedInput) {
            try CertificateParsing.distinguishedName("CN=Root,O=\u{9B}31m")
        }
        #expect(try CertificateParsing.distinguishedName("CN=Grüße Root,O=Example\\, Inc.").isEmpty == false)
    }

    // MARK: Files the CA reads

    @Test("ca-config.json and publication.json with an unknown member are refused, naming it")
    func storedFilesFailClosed() async throws {
        try await withRootCA { _, client, directory in
            let root = directory.appendingPathComponent("root")
            let config = root.appendingPathComponent("ca-config.json")
            try Data(#"{"rsaSignature": "pkcs1", "madeOnMok": true}"#.utf8).write(to: config)
            var message = errorMessage { _ = try CertificateAuthority(directory: root, client: client) }
            #expect(message?.contains("\"madeOnMok\"") == true, "\(message ?? "")")
            try Data(#"{"rsaSignature": "pkcs1"}"#.utf8).write(to: config)
            _ = try CertificateAuthority(directory: root, client: client)

            let publication = root.appendingPathComponent("publication.json")
            try Data(#"{"crlDistributionPoint": ["http://ca.example.com/crl.der"]}"#.utf8).write(to: publication)
            message = errorMessage { _ = try CertificateAuthority(directory: root, client: client) }
            #expect(message?.contains("\"crlDistributionPoint\"") == true, "\(message ?? "")")
            try Data(#"{"crlDistributionPoints": "http://ca.example.com/crl.der"}"#.utf8).write(to: publication)
            message = errorMessage { _ = try CertificateAuthority(directory: root, client: client) }
            #expect(message?.contains("crlDistributionPoints") == true, "\(message ?? "")")
        }
    }

    @Test("A CA marked as made on a mock keeps the mark across runs and scheme changes")
    func mockMark() async throws {
        try await withEmptyCA(in: "ca") { ca, client, directory in
            let url = directory.appendingPathComponent("ca")
            #expect(await ca.isMadeOnMock == false)
            try await ca.markMadeOnMock()
            try await ca.createRoot(
                subject: try DistinguishedName { CommonName("Mock Root") }, keyType: .rsa2048, rsaSignature: .pss)
            try await ca.setRSASignatureScheme(.pkcs1v1_5)
            let reopened = try CertificateAuthority(directory: url, client: client)
            #expect(await reopened.isMadeOnMock)
            #expect(await reopened.rsaSignatureScheme == .pkcs1v1_5)
            let text = try String(contentsOf: url.appendingPathComponent("ca-config.json"), encoding: .utf8)
            #expect(text.contains(#""madeOnMock" : true"#), "\(text)")
            await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                try await reopened.markMadeOnMock()
            }
        }
    }

    @Test("A recorded certificate exports as the chain it was issued with")
    func exportRecorded() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let record = try await ca.issuedCertificate(serialNumber: issued.serialNumber)
            let exported = CertificateAuthority.pemChain(
                leafDER: record.certificateDER, chainPEM: await ca.certificateChainPEM)
            #expect(exported == (try issued.pemChain))
        }
    }
}

@Suite("docs/ca-policy.md")
struct PolicyDocumentationTests {
    @Test("The example policy in docs/ca-policy.md reads, and signs and refuses the names the page says")
    func documentedExample() async throws {
        let page = try String(
            contentsOf: PythonInterpreter.repositoryRoot.appendingPathComponent("docs/ca-policy.md"), encoding: .utf8)
        let example = try #require(page.components(separatedBy: "## Example").last)
        let json = try #require(
            example.components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```").first)
        let policy = try Policy(json: Data(json.utf8))
        #expect(policy.dnsNames.allowsWildcards)
        #expect(policy.maximumSubjectAlternativeNames == 20)
        try await withRootCA(policy: policy) { ca, _, _ in
            let subject = try DistinguishedName { OrganizationName("Example") }
            for name in ["www.example.com", "*.api.example.com", "db.internal.example.net"] {
                _ = try await ca.sign(
                    csrPEMOrDER: try swiftCSR(subject: subject), profile: .tlsServer, sans: [.dnsName(name)])
            }
            for name in ["evil.attacker.org", "secret.example.com", "*.example.com", "internal.example.net"] {
                await #expect(throws: CertificateAuthorityError.nameNotPermitted, "\(name)") {
                    try await ca.sign(
                        csrPEMOrDER: try swiftCSR(subject: subject), profile: .tlsServer, sans: [.dnsName(name)])
                }
            }
        }
    }
}

@Suite("CA PEM input: lenient as RFC 7468 allows, plain messages for truncated input")
struct CAPEMInputTests {
    /// `der` as PEM wrapped at `width` columns with CRLF line ends (Python's `base64.encodebytes` wraps at 76).
    static func pem(_ label: String, _ der: [UInt8], width: Int, lineEnd: String = "\n") -> String {
        let encoded = Array(Data(der).base64EncodedString())
        let lines = stride(from: 0, to: encoded.count, by: width).map {
            String(encoded[$0..<min($0 + width, encoded.count)])
        }
        return "-----BEGIN \(label)-----\(lineEnd)" + lines.joined(separator: lineEnd) + lineEnd
            + "-----END \(label)-----\(lineEnd)"
    }

    @Test("A CSR and a chain in 76-column PEM with CRLF are accepted")
    func seventySixColumns() async throws {
        try await withRootCA { ca, _, _ in
            let der = try swiftCSR(
                subject: try DistinguishedName { CommonName("www.example.com") }, sans: [.dnsName("www.example.com")])
            let text = Self.pem("CERTIFICATE REQUEST", der, width: 76, lineEnd: "\r\n")
            let issued = try await ca.sign(csrPEMOrDER: Array(text.utf8), profile: .tlsServer)
            let chain = Self.pem("CERTIFICATE", issued.der, width: 76)
            #expect(try CertificateParsing.certificates(fromPEMOrDER: Array(chain.utf8)).first == issued.certificate)
        }
    }

    @Test("Truncated PEM or DER is refused with a plain sentence, no parser dump")
    func truncated() async throws {
        try await withRootCA { ca, _, _ in
            let der = try swiftCSR(subject: try DistinguishedName { CommonName("www.example.com") })
            let issued = try await ca.sign(csrPEMOrDER: der, profile: .tlsClient)
            let cut = Self.pem("CERTIFICATE", Array(issued.der.prefix(200)), width: 64)
            let noEnd = String(Self.pem("CERTIFICATE", issued.der, width: 64).prefix(300))
            for (input, mentions) in [
                (cut, "not a valid X.509 certificate"), (noEnd, "no END line"),
                (Self.pem("CERTIFICATE", [0x30, 0x82, 0x01], width: 64), "truncated"),
            ] {
                let message = try #require(
                    errorMessage { _ = try CertificateParsing.certificates(fromPEMOrDER: Array(input.utf8)) })
                #expect(message.contains(mentions), "\(message)")
                let error = CertificateAuthorityError(code: .malformedInput, message: message)
                #expect(!error.description.contains("ASN1Error") && !error.description.contains(".swift"))
            }
            let shortCSR = Self.pem("CERTIFICATE REQUEST", Array(der.prefix(40)), width: 64)
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.sign(csrPEMOrDER: Array(shortCSR.utf8), profile: .tlsClient)
            }
            do {
                _ = try await ca.sign(csrPEMOrDER: Array(shortCSR.utf8), profile: .tlsClient)
            } catch let error as CertificateAuthorityError {
                #expect(error.cause == nil)
                #expect(!error.description.contains("ASN1Error"), "\(error)")
            }
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.importCertificate(chain: cut)
            }
        }
    }
}
