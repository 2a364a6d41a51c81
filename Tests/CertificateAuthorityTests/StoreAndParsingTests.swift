import CertificateAuthority
import EP11
import Foundation
import HSMMock
import SwiftASN1
import TestSupport
import Testing
import X509

@Suite("CertificateAuthority persistence, HSM failures and CLI-facing parsers")
struct StoreAndParsingTests {
    @Test("Issued certificates and revocations survive reopening the CA directory")
    func persistence() async throws {
        try await withRootCA { ca, client, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            let first = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let second = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            try await ca.revoke(serialNumber: second.serialNumber, reason: .superseded)
            #expect(try await ca.generateCRL().number == 1)

            let reopened = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            let records = try await reopened.issuedCertificates()
            #expect(Set(records.map(\.serialNumber)) == [first.serialNumber, second.serialNumber])
            let record = try await reopened.issuedCertificate(serialNumber: second.serialNumber)
            #expect(record.revocationReason == .superseded)
            #expect(record.profile == "tls-server")
            #expect(record.subject == "CN=www.example.com")
            #expect(try await reopened.issuedCertificate(serialNumber: first.serialNumber).isRevoked == false)
            let crl = try await reopened.generateCRL()
            #expect(crl.number == 2)
            #expect(crl.revokedSerialNumbers == [second.serialNumber])
        }
    }

    @Test("Two CA instances on one directory (two CLI runs) share the issuance store safely")
    func twoInstances() async throws {
        try await withRootCA { first, client, directory in
            let second = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            let csr = try await opensslCSR(.p256, in: directory)
            let serials = try await signConcurrently(8, csr, through: [first, second])
            #expect(serials.count == 8)
            #expect(Set(try await first.issuedCertificates().map(\.serialNumber)) == serials)
        }
    }

    @Test("A tampered key blob fails in the HSM: hsmFailure, and no certificate is recorded")
    func tamperedBlob() async throws {
        try await withRootCA { _, client, directory in
            let root = directory.appendingPathComponent("root")
            let keyURL = root.appendingPathComponent("ca-key.blob")
            var blob = Array(try Data(contentsOf: keyURL))
            blob[blob.count / 2] ^= 0xFF
            try Data(blob).write(to: keyURL)
            let ca = try CertificateAuthority(directory: root, client: client)
            let csr = try await opensslCSR(.p256, in: directory)
            await #expect(throws: CertificateAuthorityError.hsmFailure) {
                try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            }
            #expect(try await ca.issuedCertificates().isEmpty)
        }
    }

    @Test("A pending intermediate request is kept until its certificate is imported")
    func pendingRequest() async throws {
        try await withEmptyCA { ca, client, directory in
            let csr = try await ca.createIntermediateCSR(
                subject: try CertificateParsing.distinguishedName("CN=Issuing CA,O=Example"), keyType: .p384)
            let reopened = try CertificateAuthority(directory: directory, client: client)
            #expect(try await reopened.pendingCertificateSigningRequest() == csr)
            #expect(await !reopened.isReady)
            await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                try await reopened.createIntermediateCSR(subject: try DistinguishedName { CommonName("again") })
            }
            // openssl reads the request and its HSM signature.
            try await openssl(["req", "-in", "ca.csr.pem", "-verify", "-noout"], in: directory)
                .expectStatus(0)
        }
    }

    @Test("Distinguished names and SANs parse from CLI text")
    func parsers() throws {
        let name = try CertificateParsing.distinguishedName("CN=Example Root,O=Example\\, Inc.,C=DE")
        let expected = try DistinguishedName {
            CountryName("DE")
            OrganizationName("Example, Inc.")
            CommonName("Example Root")
        }
        #expect(name == expected)
        #expect(try CertificateParsing.distinguishedName("/C=DE/O=Example, Inc./CN=Example Root") == expected)
        #expect(try CertificateParsing.distinguishedName("").isEmpty)
        for bad in ["CN", "XX=1", "C=Germany", "CN=", "CN=a\\"] {
            #expect(throws: CertificateAuthorityError.malformedInput) { try CertificateParsing.distinguishedName(bad) }
        }
        #expect(try CertificateParsing.generalName("DNS:www.example.com") == .dnsName("www.example.com"))
        #expect(
            try CertificateParsing.generalName("IP:2001:db8::1")
                == .ipAddress(
                    ASN1OctetString(contentBytes: [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1])))
        #expect(try CertificateParsing.generalName("email:a@example.com") == .rfc822Name("a@example.com"))
        #expect(
            try CertificateParsing.generalName("URI:https://example.com")
                == .uniformResourceIdentifier("https://example.com"))
        for bad in ["www.example.com", "IP:300.1.1.1", "RID:1.2.3", "DNS:"] {
            #expect(throws: CertificateAuthorityError.malformedInput) { try CertificateParsing.generalName(bad) }
        }
        #expect(try Profile(parsing: "tls-server") == .tlsServer)
        #expect(try RevocationReason(parsing: "key-compromise") == .keyCompromise)
        #expect(throws: CertificateAuthorityError.malformedInput) { try Profile(parsing: "email") }
    }

    @Test(
        "Revocation reasons print their RFC 5280 names and parse from them, kebab-case or in any case",
        arguments: [
            (RevocationReason.unspecified, "unspecified", "Unspecified"),
            (.keyCompromise, "keyCompromise", "key-compromise"), (.caCompromise, "cACompromise", "ca-compromise"),
            (.affiliationChanged, "affiliationChanged", "affiliation-changed"),
            (.superseded, "superseded", "SUPERSEDED"),
            (.cessationOfOperation, "cessationOfOperation", "cessation-of-operation"),
            (.certificateHold, "certificateHold", "certificate-hold"),
            (.privilegeWithdrawn, "privilegeWithdrawn", "privilege-withdrawn"),
        ])
    func revocationReasons(reason: RevocationReason, name: String, spelling: String) throws {
        #expect(reason.description == name)
        #expect(try RevocationReason(parsing: name) == reason)
        #expect(try RevocationReason(parsing: spelling) == reason)
    }

    @Test("A revocation reason without a name prints its code; an unknown name is refused")
    func unnamedRevocationReasons() {
        #expect(RevocationReason(rawValue: 8).description == "reason(8)")
        #expect(RevocationReason(rawValue: 10).description == "reason(10)")
        #expect(throws: CertificateAuthorityError.malformedInput) { try RevocationReason(parsing: "removeFromCRL") }
        #expect(throws: CertificateAuthorityError.malformedInput) { try RevocationReason(parsing: "") }
    }
}

@Suite("Policy JSON")
struct PolicyJSONTests {
    @Test("A policy file decodes, keeps defaults for missing members and round-trips")
    func decode() throws {
        let json = """
            {
              "dnsNames": { "permitted": ["example.com"], "excluded": ["secret.example.com"], "allowsWildcards": false },
              "ipAddresses": { "permitted": ["192.0.2.0/24"] },
              "maximumLeafValiditySeconds": 86400,
              "allowedKeyTypes": ["p-256", "RSA"],
              "minimumRSAKeySize": 3072
            }
            """
        let policy = try Policy(json: Data(json.utf8))
        #expect(
            policy.dnsNames
                == Policy.DNSNames(permitted: ["example.com"], excluded: ["secret.example.com"], allowsWildcards: false)
        )
        #expect(policy.ipAddresses.permitted == ["192.0.2.0/24"])
        #expect(policy.emailAddresses.permitted == nil)
        #expect(policy.maximumLeafValidity == .seconds(86_400))
        #expect(policy.maximumCAValidity == Policy.defaults.maximumCAValidity)
        #expect(policy.allowedKeyTypes == [.p256, .rsa])
        #expect(policy.minimumRSAKeySize == 3072)
        #expect(policy.maximumPathLength == 0)
        let again = try Policy(json: try JSONEncoder().encode(policy))
        #expect(again == policy)
    }

    @Test(
        "Malformed policies are refused",
        arguments: [
            "{", "{\"allowedKeyTypes\": [\"DSA\"]}", "{\"ipAddresses\": {\"permitted\": [\"10.0.0.0/33\"]}}",
            "{\"maximumLeafValiditySeconds\": \"long\"}",
        ])
    func malformed(json: String) {
        #expect(throws: CertificateAuthorityError.malformedInput) { try Policy(json: Data(json.utf8)) }
    }
}

@Suite("Publication: CRL distribution points, AIA and certificate policies")
struct PublicationTests {
    static let publication = Publication(
        crlDistributionPoints: ["http://ca.example.com/crl.der"],
        caIssuers: ["http://ca.example.com/ca.der"],
        leafPolicies: ["2.23.140.1.2.1"]
    )

    @Test("Issued leaves carry the CRL URL, the issuer URL and the policy; the settings persist")
    func extensions() async throws {
        try await withRootCA { ca, client, directory in
            try await ca.setPublication(Self.publication)
            let csr = try await opensslCSR(.p256, in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let leafPath = try write(try CertificateParsing.pem([issued.certificate]), to: "leaf.pem", in: directory)
            let text = try await openssl(["x509", "-in", leafPath, "-noout", "-text"], in: directory).text
            #expect(text.contains("X509v3 CRL Distribution Points"))
            #expect(text.contains("URI:http://ca.example.com/crl.der"))
            #expect(text.contains("CA Issuers - URI:http://ca.example.com/ca.der"))
            #expect(text.contains("Policy: 2.23.140.1.2.1"))
            let aia = try #require(try issued.certificate.extensions.authorityInformationAccess)
            #expect(Array(aia).map(\.location) == [.uniformResourceIdentifier("http://ca.example.com/ca.der")])

            let rootPath = try write(
                try CertificateParsing.pem([try await ca.certificate()]), to: "root.pem", in: directory)
            try await openssl(["verify", "-x509_strict", "-CAfile", rootPath, leafPath], in: directory)
                .expectStatus(0)

            if let python = pkilint.interpreter {
                // With revocation information and a policy, the CA/B Forum DV linter finds no errors.
                try await run(
                    python.executable,
                    python.leadingArguments + [
                        "-m", "pkilint.bin.lint_cabf_serverauth_cert", "lint", "-t", "DV-FINAL-CERTIFICATE",
                        "-s", "ERROR", leafPath,
                    ],
                    in: directory
                ).expectStatus(0)
            } else if PythonInterpreter.isCI {
                Issue.record("pkilint is missing in CI: run scripts/install-deps.sh")
            }

            let reopened = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            #expect(await reopened.publication == Self.publication)
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.setPublication(Publication(crlDistributionPoints: ["not a url"]))
            }
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.setPublication(Publication(leafPolicies: ["2.x.1"]))
            }
            #expect(await ca.publication == Self.publication)
        }
    }
}
