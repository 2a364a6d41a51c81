import Foundation
import Testing

@testable import Contract

@Suite("Attestation records")
struct AttestationTests {
    /// A 25.11.0-style record for `checksums`, with header lines, other labels and no final newline.
    static func recordText(_ lines: [String]) -> String {
        let header = [
            "25.11.0",
            "Machine Type/Plant/Serial: 3931/02/8A018",
            "Image age: 12 days since creation.",
            "Encryption Certificate valid until: 2027-07-06",
        ]
        let others = [
            "4b1a2c7e0f7d8e9a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a baseimage",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce /dev/disk/by-label/cidata",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 cidata/user-data",
        ]
        return (header + others + lines).joined(separator: "\n")
    }

    func makeContract(_ fixtures: Fixtures) throws -> HyperProtectContract {
        let builder = try ContractBuilder(
            encryptionCertificatePEM: fixtures.text("enc.crt"), signingKeyPEM: fixtures.text("signer.key"),
            attestationPublicKeyPEM: fixtures.text("auditor.pub"))
        return try HyperProtectContract.parse(yaml: builder.build(workload: "type: workload", env: "type: env").yaml)
    }

    /// Signs `text` with the attestation key using `openssl dgst -sha256 -sign`.
    func opensslSign(_ bytes: [UInt8], _ fixtures: Fixtures) async throws -> [UInt8] {
        try await openssl([
            "dgst", "-sha256", "-sign", fixtures.path("attestation.key"),
            try fixtures.write(bytes, name: "se-checksums.txt"),
        ])
    }

    @Test("a signed record that matches the contract")
    func matching() async throws {
        let fixtures = try await Fixtures.shared()
        let contract = try makeContract(fixtures)
        let text = Self.recordText(contract.checksums.lines)
        let signature = try await opensslSign(Array(text.utf8), fixtures)
        let record = AttestationRecord(text: text)
        let validity = try record.verifySignature(
            signature, attestationCertificatePEM: fixtures.text("attestation.crt"))
        #expect(validity?.subject == "CN=attestation")
        // A bare public key works as well.
        try record.verifySignature(signature, attestationCertificatePEM: fixtures.text("attestation.pub"))
        #expect(record.version == "25.11.0")
        #expect(record.headerLines.count == 4)
        #expect(record.checksumLines.count == 7)
        let comparison = record.compare(with: contract.checksums)
        #expect(comparison.matched == ContractField.allKnown)
        #expect(comparison.mismatched.isEmpty && comparison.missing.isEmpty && comparison.unexpected.isEmpty)
        #expect(comparison.isMatch)
    }

    @Test("a changed byte breaks the record signature", arguments: [0, 100, -1])
    func changedByte(offset: Int) async throws {
        let fixtures = try await Fixtures.shared()
        let contract = try makeContract(fixtures)
        var bytes = Array(Self.recordText(contract.checksums.lines).utf8)
        let signature = try await opensslSign(bytes, fixtures)
        let index = offset >= 0 ? offset : bytes.count - 1
        bytes[index] ^= 0x01
        #expect(throws: ContractError.recordSignatureInvalid) {
            try AttestationRecord(bytes: bytes).verifySignature(
                signature, attestationCertificatePEM: fixtures.text("attestation.crt"))
        }
        bytes[index] ^= 0x01
        // A final newline added to the exact bytes is a change too.
        #expect(throws: ContractError.recordSignatureInvalid) {
            try AttestationRecord(bytes: bytes + [0x0A]).verifySignature(
                signature, attestationCertificatePEM: fixtures.text("attestation.crt"))
        }
        // Another key's certificate, and a signature of the wrong length.
        #expect(throws: ContractError.recordSignatureInvalid) {
            try AttestationRecord(bytes: bytes).verifySignature(
                signature, attestationCertificatePEM: fixtures.text("other.crt"))
        }
        #expect(throws: ContractError.recordSignatureInvalid) {
            try AttestationRecord(bytes: bytes).verifySignature(
                Array(signature.dropLast()), attestationCertificatePEM: fixtures.text("attestation.crt"))
        }
        try AttestationRecord(bytes: bytes).verifySignature(
            signature, attestationCertificatePEM: fixtures.text("attestation.crt"))
    }

    @Test("a mismatching checksum is reported with both digests")
    func mismatch() async throws {
        let fixtures = try await Fixtures.shared()
        let contract = try makeContract(fixtures)
        let expected = contract.checksums
        let otherEnv = ContractChecksums.sha256Hex("hyper-protect-basic.other.env")
        let lines = expected.entries.map { $0.field == .env ? "\(otherEnv) contract:env" : $0.line }
        let text = Self.recordText(lines)
        let record = AttestationRecord(text: text)
        // The record itself is genuine: only the comparison fails.
        try record.verifySignature(
            try await opensslSign(Array(text.utf8), fixtures),
            attestationCertificatePEM: fixtures.text("attestation.crt"))
        let comparison = record.compare(with: expected)
        #expect(!comparison.isMatch)
        #expect(comparison.matched == [.workload, .envWorkloadSignature, .attestationPublicKey])
        #expect(
            comparison.mismatched == [.init(field: .env, expected: try #require(expected[.env]), found: [otherEnv])])
        #expect(comparison.description.contains("MISMATCH  contract:env"))
    }

    @Test("labels of older images, missing and unexpected lines")
    func labelVariants() async throws {
        let fixtures = try await Fixtures.shared()
        let contract = try makeContract(fixtures)
        let c = contract.checksums
        // 24.3.3: bare labels, no signature line; a development record writes `contract: workload`.
        let text = [
            "24.3.3", "Machine Type/Plant/Serial: 3932/02/8A018", "",
            "\(try #require(c[.workload]).uppercased())  contract: workload",
            "\(try #require(c[.env])) env\r",
            "\(try #require(c[.attestationPublicKey])) attestationPublicKey",
            "not a checksum line", "abc workload",
        ].joined(separator: "\n")
        let record = AttestationRecord(text: text)
        #expect(record.version == "24.3.3")
        let comparison = record.compare(with: c)
        #expect(comparison.matched == [.workload, .env, .attestationPublicKey])
        #expect(comparison.missing == [.envWorkloadSignature])
        #expect(!comparison.isMatch)

        // A record that names an attestationPublicKey the contract does not have.
        var withoutKey = contract
        withoutKey.attestationPublicKey = nil
        let unexpected = AttestationRecord(text: Self.recordText(c.lines)).compare(with: withoutKey.checksums)
        #expect(unexpected.unexpected == [.attestationPublicKey])
        #expect(unexpected.matched == [.workload, .env, .envWorkloadSignature])
        #expect(!unexpected.isMatch)
    }

    @Test("an encrypted record made by openssl (IBM's method) opens, and its signature covers the decrypted bytes")
    func encryptedRecord() async throws {
        let fixtures = try await Fixtures.shared()
        let contract = try makeContract(fixtures)
        let text = Self.recordText(contract.checksums.lines)
        let recordFile = try fixtures.write(text, name: "se-checksums.txt")
        let script = """
            PASSWORD="$(openssl rand 32 | base64 -w0)"
            A="$(echo -n "$PASSWORD" | base64 -d | openssl pkeyutl -encrypt -inkey "$AUDITOR" -certin -pkeyopt rsa_padding_mode:pkcs1 | base64 -w0)"
            B="$(echo -n "$PASSWORD" | base64 -d | openssl enc -aes-256-cbc -pbkdf2 -pass stdin -in "$RECORD" | base64 -w0)"
            echo "hyper-protect-basic.${A}.${B}"
            """
        let token = String(
            decoding: try await bash(
                script, in: fixtures.directory,
                environment: ["AUDITOR": fixtures.path("auditor.crt"), "RECORD": recordFile]),
            as: UTF8.self)
        let auditor = try ContractDecryptor(privateKeyPEM: fixtures.text("auditor.key"))
        let record = try AttestationRecord.decrypt(token: token, decryptor: auditor)
        #expect(record.bytes == Array(text.utf8))
        try record.verifySignature(
            try await opensslSign(Array(text.utf8), fixtures),
            attestationCertificatePEM: fixtures.text("attestation.crt"))
        #expect(record.compare(with: contract.checksums).isMatch)
        // The contract's decryptor is the wrong key for the record.
        let wrong = try fixtures.decryptor()
        #expect(throws: ContractError.decryptionFailed) {
            try AttestationRecord.decrypt(token: token, decryptor: wrong)
        }
    }
}
