import CertificateAuthority
import EP11
import Foundation
import HSMMock
import Testing
import X509

@Suite("CertificateAuthority set-up: root, intermediate CSR, certificate import")
struct RootCATests {
    @Test(
        "A root CA keeps only the wrapped key blob (0600) and its certificate",
        arguments: [KeyAlgorithm.p256, .p384, .rsa2048, .rsa3072])
    func createRoot(keyType: KeyAlgorithm) async throws {
        try await withRootCA(keyType: keyType) { ca, client, directory in
            let root = try await ca.certificate()
            #expect(root.subject == root.issuer)
            #expect(root.publicKey.isValidSignature(root.signature, for: root))
            #expect(root.signatureAlgorithm == keyType.defaultSignatureAlgorithm)
            #expect(try root.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
            #expect(try root.extensions.keyUsage?.keyCertSign == true)
            #expect(try root.extensions.subjectKeyIdentifier != nil)
            let keyPath = directory.appendingPathComponent("root/ca-key.blob").path
            let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let files = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("root").path)
            #expect(!files.contains { $0.hasSuffix(".key") || $0.contains("private") })

            // The key in the HSM refuses to be wrapped out.
            let blob = KeyBlob(Array(try Data(contentsOf: URL(fileURLWithPath: keyPath))))
            let attributeValues = try await client.attributeValues(of: blob, types: [.extractable, .sign])
            #expect(attributeValues[.extractable] == .bool(false))
            #expect(attributeValues[.sign] == .bool(true))

            // openssl agrees it is a self-signed CA.
            let path = try write(try CertificateParsing.pem([root]), to: "root.pem", in: directory)
            try await openssl(["verify", "-CAfile", path, path], in: directory).expectStatus(0)

            // Reopening the directory loads the same CA; a second root is refused.
            let reopened = try CertificateAuthority(directory: directory.appendingPathComponent("root"), client: client)
            #expect(await reopened.isReady)
            #expect(try await reopened.certificate() == root)
            await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                try await reopened.createRoot(subject: try DistinguishedName { CommonName("again") })
            }
        }
    }

    @Test("An empty CA cannot sign; a nameless root is refused and writes nothing")
    func notInitialized() async throws {
        try await withEmptyCA { ca, _, directory in
            #expect(await !ca.isReady)
            await #expect(throws: CertificateAuthorityError.notInitialized) {
                try await ca.generateCRL()
            }
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.createRoot(subject: DistinguishedName())
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca-key.blob").path))
        }
    }

    @Test("An intermediate CA: HSM key, CSR, signed by the root, chain imported, leaf verifies to the root")
    func intermediate() async throws {
        try await withRootCA(keyType: .p384, policy: Policy(maximumPathLength: 1)) { root, client, directory in
            let intermediate = try CertificateAuthority(
                directory: directory.appendingPathComponent("intermediate"), client: client)
            let csr = try await intermediate.createIntermediateCSR(
                subject: try DistinguishedName { CommonName("Test Intermediate") }, keyType: .rsa2048)
            #expect(csr.publicKey.isValidSignature(csr.signature, for: csr))
            #expect(await !intermediate.isReady)

            let issued = try await root.sign(csr: csr, profile: .intermediate(pathLength: 0))
            #expect(try issued.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))

            // A certificate for another key is refused.
            let other = try await root.certificate()
            await #expect(throws: CertificateAuthorityError.certificateMismatch) {
                try await intermediate.importCertificate(chain: try CertificateParsing.pem([other]))
            }
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await intermediate.importCertificate(
                    chain: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            }
            try await intermediate.importCertificate(chain: try issued.pemChain)
            #expect(await intermediate.isReady)

            // The intermediate (path length 0) may not issue further CAs.
            let subCSR = try await opensslCSR(.p256, subject: "/CN=Sub CA", sans: [], in: directory)
            await #expect(throws: CertificateAuthorityError.profileNotPermitted) {
                try await intermediate.sign(csrPEMOrDER: subCSR, profile: .intermediate)
            }

            let leafCSR = try await opensslCSR(.p256, in: directory)
            let leaf = try await intermediate.sign(csrPEMOrDER: leafCSR, profile: .tlsServer)
            #expect(leaf.chain.count == 3)
            let rootCertificate = try await root.certificate()
            #expect(
                await verifyWithSwiftCertificates(
                    leaf: leaf.certificate, intermediates: [issued.certificate], root: rootCertificate))

            let rootPath = try write(try CertificateParsing.pem([rootCertificate]), to: "root.pem", in: directory)
            let chainPath = try write(try CertificateParsing.pem([issued.certificate]), to: "inter.pem", in: directory)
            let leafPath = try write(try CertificateParsing.pem([leaf.certificate]), to: "leaf.pem", in: directory)
            try await openssl(
                [
                    "verify", "-x509_strict", "-CAfile", rootPath, "-untrusted", chainPath, "-purpose", "sslserver",
                    leafPath,
                ],
                in: directory
            ).expectStatus(0)
        }
    }
}

@Suite("CertificateAuthority under an openssl root")
struct ExternalRootTests {
    @Test("An openssl root signs the HSM CA's request with name constraints; the HSM CA honours them")
    func opensslParentWithNameConstraints() async throws {
        try await withEmptyCA(in: "issuing") { ca, client, directory in
            let caDirectory = directory.appendingPathComponent("issuing")
            let ca = try CertificateAuthority(directory: caDirectory, client: client)
            _ = try await ca.createIntermediateCSR(
                subject: try CertificateParsing.distinguishedName("CN=HSM Issuing CA,O=Example"), keyType: .p256)

            // A software root made by openssl signs the request.
            var result = try await openssl(
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "root.key", "-out", "root.pem", "-subj", "/CN=OpenSSL Root", "-days", "30",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ], in: directory)
            try #require(result.status == 0, "\(result.text)")
            try write(
                """
                basicConstraints=critical,CA:TRUE,pathlen:0
                keyUsage=critical,keyCertSign,cRLSign
                subjectKeyIdentifier=hash
                authorityKeyIdentifier=keyid
                nameConstraints=critical,permitted;DNS:example.com,excluded;DNS:secret.example.com
                """, to: "ext.cnf", in: directory)
            result = try await openssl(
                [
                    "x509", "-req", "-in", "issuing/ca.csr.pem", "-CA", "root.pem", "-CAkey", "root.key",
                    "-CAcreateserial", "-days", "20", "-extfile", "ext.cnf", "-out", "issuing.pem",
                ], in: directory)
            try #require(result.status == 0, "\(result.text)")
            let chain =
                try String(contentsOf: directory.appendingPathComponent("issuing.pem"), encoding: .utf8)
                + String(contentsOf: directory.appendingPathComponent("root.pem"), encoding: .utf8)
            try await ca.importCertificate(chain: chain)
            #expect(await ca.isReady)
            #expect(try await ca.pendingCertificateSigningRequest() == nil)

            let good = try await opensslCSR(
                .p256, subject: "/CN=www.example.com", sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: good, profile: .tlsServer, validity: .seconds(86_400))
            #expect(issued.chain.count == 3)
            let leafPath = try write(
                try CertificateParsing.pem([issued.certificate]), to: "leaf.pem", in: directory)
            result = try await openssl(
                ["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", leafPath], in: directory
            ).expectStatus(0)
            let root = try CertificateParsing.certificates(
                fromPEMOrDER: Array(try Data(contentsOf: directory.appendingPathComponent("root.pem"))))
            let intermediate = try #require(await ca.certificateChain.first)
            #expect(
                await verifyWithSwiftCertificates(
                    leaf: issued.certificate, intermediates: [intermediate], root: try #require(root.first)))

            for name in ["www.example.org", "db.secret.example.com"] {
                let csr = try await opensslCSR(.p256, subject: "/CN=\(name)", sans: ["DNS:\(name)"], in: directory)
                await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                    try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: .seconds(86_400))
                }
            }
            // The default validity stops at the CA certificate's end; an explicit longer one is refused.
            let capped = try await ca.sign(csrPEMOrDER: good, profile: .tlsServer)
            #expect(capped.certificate.notValidAfter <= intermediate.notValidAfter)
            await #expect(throws: CertificateAuthorityError.validityNotPermitted) {
                try await ca.sign(csrPEMOrDER: good, profile: .tlsServer, validity: .seconds(60 * 86_400))
            }
        }
    }
}
