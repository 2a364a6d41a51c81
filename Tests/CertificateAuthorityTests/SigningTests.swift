import CertificateAuthority
import EP11
import Foundation
import HSMMock
import SwiftASN1
import Testing
import X509

@Suite("CertificateAuthority signing: CSRs from openssl, profiles, policy, serials")
struct SigningTests {
    static let acceptedKeys: [OpenSSLKey] = [.rsa2048, .p256, .p384, .ed25519]

    @Test(
        "openssl CSRs (RSA, P-256, P-384, Ed25519) are signed; swift-certificates and openssl verify the chain",
        arguments: acceptedKeys, [KeyAlgorithm.p256, .rsa2048])
    func signOpenSSLCSR(key: OpenSSLKey, caKey: KeyAlgorithm) async throws {
        try await withRootCA(keyType: caKey) { ca, _, directory in
            let csr = try await opensslCSR(
                key, sans: ["DNS:www.example.com", "DNS:api.example.com", "IP:192.0.2.10"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: .seconds(30 * 86_400))
            let root = try await ca.certificate()
            let leaf = issued.certificate
            #expect(issued.chain == [leaf, root])
            #expect(leaf.issuer == root.subject)
            #expect(leaf.signatureAlgorithm == caKey.defaultSignatureAlgorithm)

            // Extensions: the profile's, SKI, AKI = issuer's SKI, SAN (non-critical: the subject is not empty).
            let extensions = leaf.extensions
            #expect(try extensions.basicConstraints == .notCertificateAuthority)
            let keyUsage = try #require(try extensions.keyUsage)
            #expect(keyUsage.digitalSignature)
            #expect(keyUsage.keyEncipherment == (key == .rsa2048))
            #expect(!keyUsage.keyCertSign)
            #expect(try extensions.extendedKeyUsage.map(Array.init) == [.serverAuth])
            #expect(try extensions.subjectKeyIdentifier == SubjectKeyIdentifier(hash: leaf.publicKey))
            #expect(
                try extensions.authorityKeyIdentifier?.keyIdentifier
                    == (try root.extensions.subjectKeyIdentifier)?.keyIdentifier)
            let san = try #require(extensions[oid: .X509ExtensionID.subjectAlternativeName])
            #expect(!san.critical)
            let names = try #require(try extensions.subjectAlternativeNames)
            #expect(names.contains(.dnsName("www.example.com")))
            #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [192, 0, 2, 10]))))
            let validity = leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore)
            #expect(abs(validity - (30 * 86_400 + CertificateAuthority.backdate)) < 5)

            #expect(await verifyWithSwiftCertificates(leaf: leaf, root: root))
            let rootPath = try write(try CertificateParsing.pem([root]), to: "root.pem", in: directory)
            let leafPath = try write(try issued.pemChain, to: "leaf.pem", in: directory)
            try await openssl(
                ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", rootPath, leafPath], in: directory
            ).expectStatus(0)

            // The issuance store has it.
            let records = try await ca.issuedCertificates()
            #expect(records.map(\.serialNumber) == [issued.serialNumber])
            #expect(try Certificate(derEncoded: try #require(records.first).certificateDER) == leaf)
        }
    }

    @Test("Serial numbers: positive, 16 octets (126 random bits from the HSM), unique")
    func serialNumbers() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            var serials: Set<String> = []
            for _ in 0..<8 {
                let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
                let bytes = Array(issued.certificate.serialNumber.bytes)
                #expect(bytes.count == 16)
                #expect(bytes[0] & 0x80 == 0)
                #expect(bytes[0] & 0x40 != 0)
                serials.insert(issued.serialNumber)
            }
            #expect(serials.count == 8)
            #expect(try await ca.issuedCertificates().count == 8)
        }
    }

    @Test("Concurrent requests get distinct serials and are all recorded")
    func concurrentSigning() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            let serials = try await signConcurrently(12, csr, through: [ca])
            #expect(serials.count == 12)
            #expect(Set(try await ca.issuedCertificates().map(\.serialNumber)) == serials)
        }
    }

    @Test("Profiles set key usage, extended key usage and basic constraints")
    func profiles() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, subject: "/CN=client-7", sans: [], in: directory)
            let client = try await ca.sign(csrPEMOrDER: csr, profile: .tlsClient)
            #expect(try client.certificate.extensions.extendedKeyUsage.map(Array.init) == [.clientAuth])
            let signing = try await ca.sign(csrPEMOrDER: csr, profile: .codeSigning)
            #expect(try signing.certificate.extensions.extendedKeyUsage.map(Array.init) == [.codeSigning])
            let intermediate = try await ca.sign(csrPEMOrDER: csr, profile: .intermediate)
            let keyUsage = try #require(try intermediate.certificate.extensions.keyUsage)
            #expect(keyUsage.keyCertSign && keyUsage.cRLSign && !keyUsage.digitalSignature)
            #expect(try intermediate.certificate.extensions.extendedKeyUsage == nil)
            // The default policy allows path length 0 only.
            await #expect(throws: CertificateAuthorityError.profileNotPermitted) {
                try await ca.sign(csrPEMOrDER: csr, profile: .intermediate(pathLength: 1))
            }
            // The client's common name is not taken for a DNS name.
            #expect(try client.certificate.extensions.subjectAlternativeNames == nil)
            // A TLS server certificate needs a DNS name or IP address, and its common name must be one.
            let organization = try await opensslCSR(.p256, subject: "/O=Example", sans: [], in: directory)
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: organization, profile: .tlsServer, sans: [.rfc822Name("a@example.com")])
            }
            let person = try await opensslCSR(
                .p256, subject: "/CN=Jane Doe", sans: ["DNS:www.example.com"], in: directory)
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.sign(csrPEMOrDER: person, profile: .tlsServer)
            }
        }
    }

    @Test("An empty subject gets a critical SAN; `sans` replaces the CSR's names")
    func emptySubject() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, subject: "/", sans: ["DNS:ignored.example.com"], in: directory)
            let issued = try await ca.sign(
                csrPEMOrDER: csr, profile: .tlsServer, sans: [.dnsName("svc.example.com")])
            #expect(issued.certificate.subject.isEmpty)
            let san = try #require(issued.certificate.extensions[oid: .X509ExtensionID.subjectAlternativeName])
            #expect(san.critical)
            #expect(
                try issued.certificate.extensions.subjectAlternativeNames.map(Array.init) == [
                    .dnsName("svc.example.com")
                ])
            let root = try await ca.certificate()
            let rootPath = try write(try CertificateParsing.pem([root]), to: "root.pem", in: directory)
            let leafPath = try write(try issued.pemChain, to: "leaf.pem", in: directory)
            try await openssl(["verify", "-x509_strict", "-CAfile", rootPath, leafPath], in: directory)
                .expectStatus(0)
        }
    }

    @Test("Leaf keys generated in the HSM: blob and certificate returned, key not extractable")
    func hsmLeafKey() async throws {
        try await withRootCA { ca, client, _ in
            let issued = try await ca.issueHSMKey(
                subject: try DistinguishedName { CommonName("device-1.example.com") }, keyType: .p384,
                profile: .tlsServer)
            let info = try issued.publicKey.publicKeyInfo()
            #expect(try info.certificatePublicKey() == issued.issued.certificate.publicKey)
            #expect(
                try issued.issued.certificate.extensions.subjectAlternativeNames.map(Array.init) == [
                    .dnsName("device-1.example.com")
                ])
            let attributes = try await client.attributeValues(of: issued.privateKey, types: [.extractable])
            #expect(attributes[.extractable] == .bool(false))
            // The description names the serial only: no blob bytes, no blob size.
            #expect(issued.description == "IssuedHSMKey(serial: \(issued.issued.serialNumber))")
            let blobHex = issued.privateKey.bytes.prefix(48).map { String(format: "%02x", $0) }.joined()
            #expect(!issued.description.contains(blobHex))
        }
    }
}
