import CertificateAuthority
import EP11
import Foundation
import HSMMock
import Testing
import X509

@Suite("CertificateAuthority revocation: issuance store and HSM-signed CRLs")
struct RevocationTests {
    @Test(
        "A revoked serial appears in a CRL that openssl accepts; openssl -crl_check rejects the certificate",
        arguments: [KeyAlgorithm.p256, .p384, .rsa2048])
    func crl(caKey: KeyAlgorithm) async throws {
        try await withRootCA(keyType: caKey) { ca, _, directory in
            let csr = try await opensslCSR(.p256, in: directory)
            let kept = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let revoked = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)

            let record = try await ca.revoke(serialNumber: revoked.serialNumber.uppercased(), reason: .keyCompromise)
            #expect(record.isRevoked)
            #expect(record.revocationReason == .keyCompromise)
            await #expect(throws: CertificateAuthorityError.alreadyRevoked) {
                try await ca.revoke(serialNumber: revoked.serialNumber)
            }
            let records = try await ca.issuedCertificates()
            #expect(records.count == 2)
            #expect(records.filter(\.isRevoked).map(\.serialNumber) == [revoked.serialNumber])

            let crl = try await ca.generateCRL(validity: .seconds(86_400))
            #expect(crl.number == 1)
            #expect(crl.revokedSerialNumbers == [revoked.serialNumber])
            #expect(abs(crl.nextUpdate.timeIntervalSince(crl.thisUpdate) - 86_400) < 1)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("root/crl.pem").path))
            #expect(Array(try Data(contentsOf: directory.appendingPathComponent("root/crl.der"))) == crl.der)

            let (rootPath, crlPath, verified) = try await expectCRLVerifies(crl, ca: ca, in: directory)
            #expect(verified.contains("verify OK"))
            let printed = try await openssl(["crl", "-in", crlPath, "-noout", "-text"], in: directory)
            #expect(printed.text.uppercased().contains(revoked.serialNumber.uppercased()))
            #expect(!printed.text.uppercased().contains(kept.serialNumber.uppercased()))
            #expect(printed.text.contains("X509v3 CRL Number"))
            #expect(printed.text.contains("Key Compromise"))

            let revokedPath = try write(
                try CertificateParsing.pem([revoked.certificate]), to: "revoked.pem", in: directory)
            let keptPath = try write(try CertificateParsing.pem([kept.certificate]), to: "kept.pem", in: directory)
            try await openssl(
                ["verify", "-crl_check", "-CAfile", rootPath, "-CRLfile", crlPath, revokedPath], in: directory
            ).expectFailure(printing: "revoked")
            try await openssl(
                ["verify", "-crl_check", "-CAfile", rootPath, "-CRLfile", crlPath, keptPath], in: directory
            ).expectStatus(0)

            // The CRL number increases.
            #expect(try await ca.generateCRL().number == 2)
        }
    }

    @Test("An empty CRL is valid too")
    func emptyCRL() async throws {
        try await withRootCA { ca, _, directory in
            let crl = try await ca.generateCRL()
            #expect(crl.revokedSerialNumbers.isEmpty)
            try await expectCRLVerifies(crl, ca: ca, in: directory)
        }
    }
}
