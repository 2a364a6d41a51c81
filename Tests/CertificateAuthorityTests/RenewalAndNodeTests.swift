import CertificateAuthority
import EP11
import Foundation
import HSMMock
import IAM
import Synchronization
import Testing
import X509

@Suite("CertificateAuthority renewal, node copies and instrumentation")
struct RenewalAndNodeTests {
    @Test("renew: same subject, names and key under a new serial, recorded; openssl verifies it")
    func renewIssuesSameNamesAndKey() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(
                .p256, subject: "/CN=renew.example.com", sans: ["DNS:renew.example.com", "DNS:alt.example.com"],
                in: directory)
            let first = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: .seconds(3600))
            let renewed = try await ca.renew(
                certificatePEMOrDER: try first.pemChain.utf8.map { $0 }, profile: .tlsServer,
                validity: .seconds(7200))
            #expect(renewed.serialNumber != first.serialNumber)
            #expect(renewed.certificate.publicKey == first.certificate.publicKey)
            #expect(renewed.certificate.subject == first.certificate.subject)
            #expect(
                try renewed.certificate.extensions.subjectAlternativeNames
                    == first.certificate.extensions.subjectAlternativeNames)
            let lifetime = renewed.certificate.notValidAfter.timeIntervalSince(renewed.certificate.notValidBefore)
            #expect(abs(lifetime - (7200 + CertificateAuthority.backdate)) < 5)
            let record = try await ca.store.certificate(serial: renewed.serialNumber)
            #expect(record?.certificateDER == renewed.der)

            let rootPath = try write(await ca.certificateChainPEM, to: "root.pem", in: directory)
            let leafPath = try write(try renewed.pemChain, to: "renewed.pem", in: directory)
            try await openssl(
                ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", rootPath, leafPath], in: directory
            ).expectStatus(0)
        }
    }

    @Test("renew refuses a revoked, an expired, an unrecorded and a foreign certificate, recording nothing")
    func renewRefusals() async throws {
        try await withRootCA { ca, client, directory in
            let csr = try await opensslCSR(.p256, subject: "/CN=a.example.com", sans: [], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer, validity: .seconds(3600))

            // Expired (checked at a time past its notAfter) and not yet valid.
            await #expect(throws: CertificateAuthorityError.certificateExpired) {
                try await ca.renew(
                    certificatePEMOrDER: issued.der, profile: .tlsServer, now: Date().addingTimeInterval(7200))
            }
            await #expect(throws: CertificateAuthorityError.certificateExpired) {
                try await ca.renew(
                    certificatePEMOrDER: issued.der, profile: .tlsServer, now: Date().addingTimeInterval(-3600))
            }

            // Foreign: a certificate of another CA on the same HSM, with the same subject name.
            let other = try CertificateAuthority(directory: directory.appendingPathComponent("other"), client: client)
            try await other.createRoot(subject: try await ca.certificate().subject)
            let foreign = try await other.sign(csrPEMOrDER: csr, profile: .tlsServer)
            await #expect(throws: CertificateAuthorityError.certificateMismatch) {
                try await ca.renew(certificatePEMOrDER: foreign.der, profile: .tlsServer)
            }

            // Signed by this CA's key but not recorded in its store: the same key over a fresh directory and store.
            let twin = directory.appendingPathComponent("twin")
            try await ca.copyNodeFiles(to: twin)
            let twinCA = try CertificateAuthority(directory: twin, client: client)
            let unrecorded = try await twinCA.sign(csrPEMOrDER: csr, profile: .tlsServer)
            await #expect(throws: CertificateAuthorityError.notFound) {
                try await ca.renew(certificatePEMOrDER: unrecorded.der, profile: .tlsServer)
            }

            // Revoked.
            try await ca.revoke(serialNumber: issued.serialNumber, reason: .keyCompromise)
            await #expect(throws: CertificateAuthorityError.certificateRevoked) {
                try await ca.renew(certificatePEMOrDER: issued.der, profile: .tlsServer)
            }
            #expect(try await ca.store.allCertificates().count == 1)

            // Not a certificate at all.
            await #expect(throws: CertificateAuthorityError.malformedInput) {
                try await ca.renew(certificatePEMOrDER: Array("not a certificate".utf8), profile: .tlsServer)
            }
        }
    }

    @Test("renew applies today's policy: names the policy now excludes are refused")
    func renewAppliesPolicy() async throws {
        try await withRootCA { ca, _, directory in
            let csr = try await opensslCSR(
                .p256, subject: "/CN=old.example.com", sans: ["DNS:old.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            var policy = await ca.policy
            policy.dnsNames.excluded = ["old.example.com"]
            await ca.setPolicy(policy)
            await #expect(throws: CertificateAuthorityError.nameNotPermitted) {
                try await ca.renew(certificatePEMOrDER: issued.der, profile: .tlsServer)
            }
        }
    }

    @Test("copyNodeFiles: the key blob 0600, the chain and configuration copied; a second node signs the same way")
    func nodeCopies() async throws {
        try await withRootCA { ca, client, directory in
            let node = directory.appendingPathComponent("node1")
            let nodeCA = try await ca.makeNode(
                directory: node, store: try SQLiteIssuanceStore(path: node.path + "-issued.sqlite"))
            let attributes = try FileManager.default.attributesOfItem(
                atPath: node.appendingPathComponent("ca-key.blob").path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            for file in ["ca-key.blob", "ca-key.pub", "ca-chain.pem", "ca-config.json"] {
                let original = try Data(contentsOf: ca.directory.appendingPathComponent(file))
                #expect(try Data(contentsOf: node.appendingPathComponent(file)) == original, "\(file)")
            }
            #expect(await nodeCA.certificateChainDER == (await ca.certificateChainDER))
            let csr = try await opensslCSR(.p256, in: directory)
            let issued = try await nodeCA.sign(csrPEMOrDER: csr, profile: .tlsServer)
            #expect(await verifyWithSwiftCertificates(leaf: issued.certificate, root: try await ca.certificate()))

            // A directory that already holds a key is left alone; a CA without a key has nothing to copy.
            await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                try await ca.copyNodeFiles(to: node)
            }
            let empty = try CertificateAuthority(directory: directory.appendingPathComponent("empty"), client: client)
            await #expect(throws: CertificateAuthorityError.notInitialized) {
                try await empty.copyNodeFiles(to: directory.appendingPathComponent("node2"))
            }
        }
    }

    @Test("instrumentation: every issuance reports its HSM signature and its store record")
    func instrumentation() async throws {
        try await withRootCA { ca, _, directory in
            let recorder = Recorder()
            ca.setInstrumentation(recorder)
            let csr = try await opensslCSR(.p256, in: directory)
            for _ in 0..<3 { _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer) }
            _ = try await ca.generateCRL()
            let calls = recorder.calls
            #expect(calls.filter { $0 == "hsm/sign" }.count == 3, "\(calls)")
            #expect(calls.filter { $0 == "database/record" }.count == 3, "\(calls)")
            #expect(calls.filter { $0 == "hsm/random" }.count == 1, "\(calls)")
            #expect(calls.contains("hsm/crl") && calls.contains("database/next_crl"), "\(calls)")
            ca.setInstrumentation(nil)
            _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            #expect(recorder.calls.count == calls.count)
        }
    }
}

@Suite("CA PEM fast path")
struct CanonicalPEMTests {
    @Test("PEM in openssl's form reads on the fast path as PEMText reads it; any other form is left to PEMText")
    func fastPathAgreesWithPEMText() async throws {
        try await withTemporaryDirectory { directory in
            let csr = try await opensslCSR(.p256, in: directory)
            let key = try String(
                contentsOf: try #require(
                    FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                        .first { $0.pathExtension == "key" }), encoding: .utf8)
            let chain = csr + Array(key.utf8)
            for text in [csr, chain] {
                let fast = try #require(PEMText.canonicalBlocks(text))
                let lenient = try PEMText.blocks(in: String(decoding: text, as: UTF8.self))
                #expect(fast.map(\.label) == lenient.map(\.label))
                #expect(fast.map(\.derBytes) == lenient.map(\.derBytes))
            }
            #expect(PEMText.canonicalBlocks(csr)?.first?.label == "CERTIFICATE REQUEST")

            // Other forms go to PEMText: CRLF, text around the block, a mislabelled END, bad base64, truncation.
            let pem = String(decoding: csr, as: UTF8.self)
            let others = [
                pem.replacingOccurrences(of: "\n", with: "\r\n"), "Certificate request:\n" + pem,
                pem.replacingOccurrences(of: "END CERTIFICATE REQUEST", with: "END CERTIFICATE"),
                pem.replacingOccurrences(of: "\n-----END", with: "*\n-----END"),
                String(pem.prefix(pem.count / 2)), "",
            ]
            for other in others {
                #expect(PEMText.canonicalBlocks(Array(other.utf8)) == nil, "\(other)")
            }
            // Still parsed (CRLF) or refused with PEMText's message (a mislabelled END).
            _ = try CertificateParsing.certificateSigningRequest(fromPEMOrDER: Array(others[0].utf8))
            #expect(throws: CertificateAuthorityError.malformedInput) {
                try CertificateParsing.certificateSigningRequest(fromPEMOrDER: Array(others[2].utf8))
            }
        }
    }
}

/// Collects the calls an ``IssuanceInstrumentation`` is told of, as `kind/operation`.
final class Recorder: IssuanceInstrumentation {
    private let log = Mutex<[String]>([])
    var calls: [String] { log.withLock { $0 } }

    func recordHSMCall(_ operation: String, duration: Duration) {
        log.withLock { $0.append("hsm/\(operation)") }
    }

    func recordDatabaseCall(_ operation: String, duration: Duration) {
        log.withLock { $0.append("database/\(operation)") }
    }
}
