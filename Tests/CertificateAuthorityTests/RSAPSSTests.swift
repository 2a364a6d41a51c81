import CertificateAuthority
import EP11
import Foundation
import HSMMock
import SwiftASN1
import TestSupport
import Testing
import X509

/// An in-process HSM and an RSA root CA that signs with RSASSA-PSS.
func withPSSRootCA<T: Sendable>(
    policy: Policy = .defaults,
    _ body: (CertificateAuthority, EP11Client, URL) async throws -> T
) async throws -> T {
    try await withRootCA(
        keyType: .rsa2048, policy: policy, pathLength: 1, rsaSignature: .pss, commonName: "Test PSS Root", body)
}

/// The DER of the outer signatureAlgorithm of a certificate or CRL.
func outerAlgorithmIdentifier(_ der: [UInt8]) throws -> [UInt8] {
    let root = try DER.parse(der)
    return try DER.sequence(root, identifier: .sequence) { nodes in
        _ = nodes.next()
        guard let algorithm = nodes.next() else { throw CommandError("no signatureAlgorithm") }
        while nodes.next() != nil {}
        return Array(algorithm.encodedBytes)
    }
}

/// The DER of a TBSCertificate's `signature` field (version present).
func innerAlgorithmIdentifier(_ der: [UInt8]) throws -> [UInt8] {
    let root = try DER.parse(der)
    return try DER.sequence(root, identifier: .sequence) { nodes in
        guard let tbs = nodes.next() else { throw CommandError("no tbsCertificate") }
        while nodes.next() != nil {}
        return try DER.sequence(tbs, identifier: .sequence) { fields in
            _ = fields.next()  // version
            _ = fields.next()  // serialNumber
            guard let algorithm = fields.next() else { throw CommandError("no signature field") }
            while fields.next() != nil {}
            return Array(algorithm.encodedBytes)
        }
    }
}

func pem(_ der: [UInt8], _ type: String = "CERTIFICATE") -> String {
    PEMDocument(type: type, derBytes: der).pemString + "\n"
}

@Suite("RSASSA-PSS certificates and CRLs")
struct RSAPSSTests {
    @Test("A PSS root and a PSS-signed leaf: openssl verifies them and reads rsassaPss with SHA-256, MGF1, salt 32")
    func chain() async throws {
        try await withPSSRootCA { ca, client, directory in
            #expect(await ca.rsaSignatureScheme == .pss)
            let csr = try await opensslCSR(.p256, sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let rootPEM = await ca.certificateChainPEM
            try write(rootPEM, to: "root.pem", in: directory)
            try write(pem(issued.der), to: "leaf.pem", in: directory)
            #expect(try issued.pemChain == pem(issued.der) + rootPEM)

            try await openssl(["verify", "-CAfile", "root.pem", "root.pem"], in: directory)
                .expectStatus(0)
            try await openssl(["verify", "-CAfile", "root.pem", "leaf.pem"], in: directory).expectStatus(
                0, printing: "leaf.pem: OK")

            for name in ["root.pem", "leaf.pem"] {
                try await openssl(["x509", "-in", name, "-noout", "-text"], in: directory).expectStatus(
                    0, printing: "Signature Algorithm: rsassaPss", "Hash Algorithm: sha256",
                    "Mask Algorithm: mgf1 with sha256", "Salt Length: 0x20")
            }

            // Both signature fields hold the same AlgorithmIdentifier, byte for byte what openssl writes.
            let reference = try await openssl(
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ref.key", "-out", "ref.pem",
                    "-subj", "/CN=reference", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                    "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256",
                ], in: directory)
            try #require(reference.status == 0, "\(reference.text)")
            let referenceDER = try PEMDocument(
                pemString: String(contentsOf: directory.appendingPathComponent("ref.pem"), encoding: .utf8)
            ).derBytes
            let expected = try outerAlgorithmIdentifier(referenceDER)
            #expect(expected.count == 0x43)
            #expect(try outerAlgorithmIdentifier(issued.der) == expected)
            #expect(try innerAlgorithmIdentifier(issued.der) == expected)
            let rootDER = try #require(await ca.certificateChainDER.first)
            #expect(try outerAlgorithmIdentifier(rootDER) == expected)

            // The fields read through swift-certificates match what openssl sees.
            let fields = try await openssl(["x509", "-in", "leaf.pem", "-noout", "-serial"], in: directory)
            #expect(fields.text.lowercased().contains("serial=\(issued.serialNumber)"))
            let rootFields = try await ca.certificate()
            #expect(issued.certificate.issuer == rootFields.subject)
            let names = try issued.certificate.extensions.subjectAlternativeNames
            #expect(names?.contains(.dnsName("www.example.com")) == true)

            // The store keeps the DER as signed; a reopened CA keeps the scheme and the chain.
            let record = try await ca.issuedCertificate(serialNumber: issued.serialNumber)
            #expect(record.certificateDER == issued.der)
            let reopened = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            #expect(await reopened.isReady)
            #expect(await reopened.rsaSignatureScheme == .pss)
            let reopenedChain = await reopened.certificateChainDER
            #expect(reopenedChain == [rootDER])
            let again = try await reopened.sign(csrPEMOrDER: csr, profile: .tlsServer)
            #expect(try outerAlgorithmIdentifier(again.der) == expected)
        }
    }

    @Test("A PSS CRL: openssl crl verifies it with the root and lists the revocation")
    func crl() async throws {
        try await withPSSRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            try await ca.revoke(serialNumber: issued.serialNumber, reason: .keyCompromise)
            let crl = try await ca.generateCRL()
            try write(crl.pem, to: "crl.pem", in: directory)
            let rootPEM = await ca.certificateChainPEM
            try write(rootPEM, to: "root.pem", in: directory)
            let result = try await openssl(
                ["crl", "-in", "crl.pem", "-CAfile", "root.pem", "-noout", "-text"], in: directory
            ).expectStatus(0, printing: "verify OK", "Signature Algorithm: rsassaPss", "Salt Length: 0x20")
            #expect(result.text.uppercased().contains(issued.serialNumber.uppercased()))

            // A CRL with one bit of its signature flipped does not verify.
            var tampered = crl.der
            tampered[tampered.count - 1] ^= 0x01
            try write(pem(tampered, "X509 CRL"), to: "tampered-crl.pem", in: directory)
            let bad = try await openssl(
                ["crl", "-in", "tampered-crl.pem", "-CAfile", "root.pem", "-noout"], in: directory)
            #expect(!bad.text.contains("verify OK"), "\(bad.text)")
            #expect(bad.text.contains("verify failure"), "\(bad.text)")
        }
    }

    @Test("A tampered PSS signature or TBSCertificate is rejected by openssl and by the chain import")
    func tampering() async throws {
        try await withPSSRootCA(policy: Policy(maximumPathLength: 1)) { root, client, directory in
            // An RSA intermediate whose certificate the PSS root signs.
            let intermediate = try CertificateAuthority(
                directory: directory.appendingPathComponent("intermediate"), client: client)
            let request = try await intermediate.createIntermediateCSR(
                subject: try DistinguishedName { CommonName("Test PSS Intermediate") }, keyType: .rsa2048,
                rsaSignature: .pss)
            let issued = try await root.sign(csr: request, profile: .intermediate(pathLength: 0))
            let rootPEM = await root.certificateChainPEM

            var badSignature = issued.der
            badSignature[badSignature.count - 1] ^= 0x01
            var badTBS = issued.der
            let needle = Array("Intermediate".utf8)
            let subjectOffset = try #require(
                badTBS.indices.first { Array(badTBS[$0...].prefix(needle.count)) == needle })
            badTBS[subjectOffset] ^= 0x20  // "Test PSS intermediate"
            for (name, der) in [("bad-signature.pem", badSignature), ("bad-tbs.pem", badTBS)] {
                try write(pem(der), to: name, in: directory)
                try write(rootPEM, to: "root.pem", in: directory)
                let result = try await openssl(["verify", "-CAfile", "root.pem", name], in: directory)
                #expect(result.status != 0, "\(name): \(result.text)")
                #expect(result.text.contains("signature failure"), "\(name): \(result.text)")
                await #expect(throws: CertificateAuthorityError.invalidSignature) {
                    try await intermediate.importCertificate(chain: pem(der) + rootPEM)
                }
            }
            #expect(await !intermediate.isReady)

            // The genuine chain imports, and the intermediate issues PSS leaves that verify to the root.
            try await intermediate.importCertificate(chain: try issued.pemChain)
            let csr = try await opensslCSR(.rsa2048, sans: ["DNS:www.example.com"], in: directory)
            let leaf = try await intermediate.sign(csrPEMOrDER: csr, profile: .tlsServer)
            try write(pem(issued.der), to: "intermediate.pem", in: directory)
            try write(pem(leaf.der), to: "leaf.pem", in: directory)
            try await openssl(
                ["verify", "-CAfile", "root.pem", "-untrusted", "intermediate.pem", "leaf.pem"], in: directory
            ).expectStatus(0)
        }
    }

    @Test("PSS needs an RSA key; the scheme parses from text and switches back to PKCS #1 v1.5")
    func choices() async throws {
        #expect(try RSASignatureScheme(parsing: "PSS") == .pss)
        #expect(try RSASignatureScheme(parsing: "pkcs1") == .pkcs1v1_5)
        #expect(throws: CertificateAuthorityError.malformedInput) { try RSASignatureScheme(parsing: "pss-sha1") }
        try await withEmptyCA { ca, _, directory in
            await #expect(throws: CertificateAuthorityError.keyNotPermitted) {
                try await ca.createRoot(
                    subject: try DistinguishedName { CommonName("EC") }, keyType: .p256, rsaSignature: .pss)
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca-key.blob").path))
            try await ca.createRoot(subject: try DistinguishedName { CommonName("EC") }, keyType: .p256)
            await #expect(throws: CertificateAuthorityError.keyNotPermitted) {
                try await ca.setRSASignatureScheme(.pss)
            }
            #expect(await ca.rsaSignatureScheme == .pkcs1v1_5)
        }
        try await withPSSRootCA { ca, client, directory in
            try await ca.setRSASignatureScheme(.pkcs1v1_5)
            let csr = try await opensslCSR(.p256, sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            #expect(issued.certificate.signatureAlgorithm == .sha256WithRSAEncryption)
            let root = try await ca.certificate()
            // The root stays PSS-signed, so swift-certificates cannot check it, but the PKCS #1 leaf it can.
            #expect(root.publicKey.isValidSignature(issued.certificate.signature, for: issued.certificate))
            let reopened = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            #expect(await reopened.rsaSignatureScheme == .pkcs1v1_5)
        }
    }
}
