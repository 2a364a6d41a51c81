import Foundation
import Testing

@testable import Contract

@Suite("Contracts: build, parse, sign, verify, checksums")
struct ContractTests {
    static let workload = """
        type: workload
        compose:
          archive: H4sIAAAAAAAAA+3OMQ6CQBCF4a05xR5gNTMrC7v2egE7Y0FBJSgWcH8H

        """
    static let env = """
        # the deployer's env
        type: env
        logging:
          logRouter:
            hostname: example.logs.cloud.ibm.com
            iamApiKey: secret-api-key-value
        volumes:
          test:
            seed: "seed with spaces"

        """

    func makeBuilt(
        _ fixtures: Fixtures, certificate: Bool = false, attestation: Bool = true,
        prefix: TokenPrefix = .hyperProtectBasic
    ) throws -> ContractBuilder.Output {
        let builder = try ContractBuilder(
            encryptionCertificatePEM: fixtures.text("enc.crt"),
            signingKeyPEM: fixtures.text("signer.key"),
            signingCertificatePEM: certificate ? fixtures.text("signer.crt") : nil,
            attestationPublicKeyPEM: attestation ? fixtures.text("auditor.pub") : nil,
            prefix: prefix)
        return try builder.build(workload: Self.workload, env: Self.env)
    }

    @Test("build → parse → verify → checksums")
    func roundTrip() async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures)
        let decryptor = try fixtures.decryptor()

        // Four single-line `key: value` lines, in contract-go's order.
        let lines = built.yaml.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(
            lines.map { $0.prefix { $0 != ":" } } == [
                "workload", "env", "envWorkloadSignature", "attestationPublicKey",
            ])

        let contract = try HyperProtectContract.parse(yaml: built.yaml)
        #expect(contract.workload.isEncrypted && contract.env.isEncrypted)
        #expect(contract.attestationPublicKey?.isEncrypted == true)
        #expect(contract.workload == built.contract.workload)
        #expect(contract.env == built.contract.env)

        // The sections decrypt to the (trimmed) inputs; env gained signingKey = base64(PEM public key).
        #expect(
            try contract.sectionText(contract.workload, decryptor: decryptor)
                == Self.workload.trimmingCharacters(in: .whitespacesAndNewlines))
        let envText = try contract.sectionText(of: .env, decryptor: decryptor)
        #expect(envText.contains("iamApiKey: secret-api-key-value"))
        #expect(envText.contains("seed with spaces"))
        let signingKeyLine = try #require(envText.split(separator: "\n").first { $0.hasPrefix("signingKey: ") })
        let pem = String(decoding: try #require(Bytes.fromBase64(String(signingKeyLine.dropFirst(12)))), as: UTF8.self)
        #expect(pem == (try fixtures.text("signer.pub")))
        #expect(
            try contract.sectionText(of: .attestationPublicKey, decryptor: decryptor)
                == (try fixtures.text("auditor.pub")).trimmingCharacters(in: .whitespacesAndNewlines))

        let verification = try contract.verifySignature(decryptor: decryptor)
        #expect(verification.certificateValidity == nil)

        // openssl agrees with the signature over workload ‖ env.
        guard case .encrypted(let w) = contract.workload, case .encrypted(let e) = contract.env else {
            Issue.record("not encrypted")
            return
        }
        let signature = try #require(contract.envWorkloadSignature)
        let verified = try await openssl([
            "dgst", "-sha256", "-verify", fixtures.path("signer.pub"), "-signature",
            try fixtures.write(try #require(Bytes.fromBase64(signature)), name: "sig.bin"),
            try fixtures.write(w + e, name: "we.bin"),
        ])
        #expect(String(decoding: verified, as: UTF8.self).contains("Verified OK"))

        // Checksums: sha256 of each string value, computed here by openssl.
        let checksums = contract.checksums
        #expect(checksums.entries.map(\.field) == ContractField.allKnown)
        #expect(checksums.undetermined.isEmpty)
        let a = try #require(built.contract.attestationPublicKey)
        for (field, value) in [
            (ContractField.workload, w), (.env, e), (.envWorkloadSignature, signature),
            (.attestationPublicKey, a.isEncrypted ? (try #require(tokenOf(a))) : ""),
        ] {
            #expect(checksums[field] == (try await opensslSHA256(Array(value.utf8), fixtures: fixtures)), "\(field)")
        }
        #expect(checksums.lines[0] == "\(checksums[.workload] ?? "") contract:workload")
        #expect(built.checksums == checksums)
    }

    func tokenOf(_ section: ContractSection) -> String? {
        if case .encrypted(let token) = section { return token }
        return nil
    }

    @Test("contract-basic prefix for CCRT/CCRV")
    func contractBasic() async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures, attestation: false, prefix: .contractBasic)
        #expect(built.yaml.contains("workload: contract-basic."))
        #expect(built.yaml.contains("env: contract-basic."))
        let contract = try HyperProtectContract.parse(yaml: built.yaml)
        #expect(contract.attestationPublicKey == nil)
        _ = try contract.verifySignature(decryptor: fixtures.decryptor())
    }

    @Test("a signing certificate is the contract's expiry")
    func certificateExpiry() async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures, certificate: true)
        let contract = try HyperProtectContract.parse(yaml: built.yaml)
        let decryptor = try fixtures.decryptor()
        let now = Date()
        let verification = try contract.verifySignature(decryptor: decryptor, now: now)
        let validity = try #require(verification.certificateValidity)
        #expect(validity.subject.contains("CN=contract-signer"))
        #expect(abs(validity.notAfter.timeIntervalSince(now) - 86_400) < 600)
        // env.signingKey is base64 of the certificate PEM.
        #expect(try contract.signingKey(decryptor: decryptor).isCertificate)

        let expired = try #require(throws: ContractError.self) {
            try contract.verifySignature(decryptor: decryptor, now: now.addingTimeInterval(2 * 86_400))
        }
        #expect(expired.code == .certificateExpired)
        #expect(expired.message.contains("expired"))
        #expect(throws: ContractError.certificateNotYetValid) {
            try contract.verifySignature(decryptor: decryptor, now: now.addingTimeInterval(-2 * 86_400))
        }
        // Signing with an already expired certificate is refused up front.
        #expect(throws: ContractError.certificateExpired) {
            try ContractSigner(
                privateKeyPEM: fixtures.text("signer.key"), certificatePEM: fixtures.text("signer.crt"),
                now: now.addingTimeInterval(2 * 86_400))
        }
        // A certificate for another key is refused.
        #expect(throws: ContractError.invalidCertificate) {
            try ContractSigner(privateKeyPEM: fixtures.text("signer.key"), certificatePEM: fixtures.text("other.crt"))
        }
    }

    enum Tampering: String, CaseIterable, Sendable {
        case workloadByte, envByte, swappedSections, signatureByte, otherSigner, otherEnvSameSigner, truncatedSignature
    }

    @Test("tampering is caught", arguments: Tampering.allCases)
    func tampering(_ tampering: Tampering) async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures)
        let decryptor = try fixtures.decryptor()
        var contract = try HyperProtectContract.parse(yaml: built.yaml)
        let workload = try #require(tokenOf(contract.workload))
        let env = try #require(tokenOf(contract.env))
        let signature = try #require(contract.envWorkloadSignature)
        func flip(_ text: String, at offset: Int) -> String {
            var bytes = Array(text.utf8)
            bytes[offset] = bytes[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            return String(decoding: bytes, as: UTF8.self)
        }
        var expected = ContractError.signatureInvalid
        switch tampering {
        case .workloadByte:
            contract.workload = .encrypted(token: flip(workload, at: workload.utf8.count - 30))
        case .envByte:
            contract.env = .encrypted(token: flip(env, at: 40))
            expected = .decryptionFailed  // the env no longer opens, so no signingKey can be read
        case .swappedSections:
            contract.workload = .encrypted(token: env)
            contract.env = .encrypted(token: workload)
            expected = .missingSigningKey  // "workload" has no signingKey
        case .signatureByte:
            contract.envWorkloadSignature = flip(signature, at: 20)
        case .otherSigner:
            let other = try ContractSigner(privateKeyPEM: fixtures.text("other.key"))
            contract = try contract.signed(by: other)
        case .otherEnvSameSigner:
            let second = try makeBuilt(fixtures)
            contract.env = second.contract.env
        case .truncatedSignature:
            contract.envWorkloadSignature = String(signature.dropLast(4))
        }
        let error = try #require(throws: ContractError.self) { try contract.verifySignature(decryptor: decryptor) }
        #expect(error == expected, "\(tampering): \(error)")
        // The checksums of a changed contract differ from the built one's wherever a section changed.
        #expect(contract.checksums != built.checksums)
    }

    @Test("a tampered contract text fails verification")
    func tamperedText() async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures)
        let decryptor = try fixtures.decryptor()
        // Change one base64 character inside part B of the workload token.
        let lines = built.yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var workloadLine = Array(lines[0].utf8)
        let index = workloadLine.count - 10
        workloadLine[index] = workloadLine[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        let tampered = ([String(decoding: workloadLine, as: UTF8.self)] + lines.dropFirst()).joined(separator: "\n")
        let contract = try HyperProtectContract.parse(yaml: tampered)
        #expect(throws: ContractError.signatureInvalid) { try contract.verifySignature(decryptor: decryptor) }
        #expect(contract.checksums[.workload] != built.checksums[.workload])
        #expect(contract.checksums[.env] == built.checksums[.env])
    }

    @Test("verification errors: no signature, bad base64, encrypted env without key, map sections")
    func verificationErrors() async throws {
        let fixtures = try await Fixtures.shared()
        let built = try makeBuilt(fixtures)
        var contract = built.contract
        let missingKey = try #require(throws: ContractError.self) { try contract.verifySignature(decryptor: nil) }
        #expect(missingKey.code == .decryptorRequired)
        #expect(missingKey.field == .env)
        #expect(missingKey.message.contains("env"))
        contract.envWorkloadSignature = "not base64!"
        #expect(throws: ContractError.malformedSignature) { try contract.verifySignature(decryptor: nil) }
        contract.envWorkloadSignature = nil
        #expect(throws: ContractError.missingSignature) { try contract.verifySignature(decryptor: nil) }

        let mapped = try HyperProtectContract.parse(
            yaml: """
                workload:
                  type: workload
                env:
                  type: env
                  signingKey: x
                envWorkloadSignature: AAAA
                """)
        #expect(mapped.isMapValued(.workload) && mapped.isMapValued(.env))
        #expect(throws: ContractError.unsupportedSection) { try mapped.verifySignature(decryptor: nil) }
        #expect(mapped.checksums.undetermined == [.workload, .env])
        #expect(mapped.checksums.entries.map(\.field) == [.envWorkloadSignature])
    }

    @Test("parsing: plaintext strings, maps, tokens, nulls; malformed contracts")
    func parsing() throws {
        let contract = try HyperProtectContract.parse(
            yaml: """
                workload: |
                  type: workload
                  auths: {}
                env:
                  type: env
                  logging: {syslog: {hostname: h}}
                attestationPublicKey: null
                other: ignored
                """)
        #expect(contract.workload == .plaintext("type: workload\nauths: {}\n"))
        guard case .plaintext(let envText) = contract.env else {
            Issue.record("env is not plaintext")
            return
        }
        #expect(envText.contains("type: env") && envText.contains("hostname: h"))
        #expect(contract.attestationPublicKey == nil)
        #expect(contract.envWorkloadSignature == nil)
        #expect(contract.ignoredKeys == ["other"])
        #expect(try contract.sectionText(contract.workload, decryptor: nil) == "type: workload\nauths: {}\n")

        let token = "hyper-protect-basic.QUJD.U2FsdGVkX19hYmNkZWZnaA=="
        let encrypted = try HyperProtectContract.parse(yaml: "workload: \(token)\nenv: 'contract-basic.x.y'\n")
        #expect(encrypted.workload == .encrypted(token: token))
        #expect(encrypted.env == .encrypted(token: "contract-basic.x.y"))
        let error = try #require(throws: ContractError.self) {
            try encrypted.sectionText(encrypted.workload, decryptor: nil)
        }
        #expect(error.code == .decryptorRequired && error.field == .workload)

        #expect(throws: ContractError.missingSection) { try HyperProtectContract.parse(yaml: "workload: a\n") }
        #expect(throws: ContractError.missingSection) { try HyperProtectContract.parse(yaml: "env: a\n") }
        #expect(throws: ContractError.malformedContract) { try HyperProtectContract.parse(yaml: "- a\n- b\n") }
        #expect(throws: ContractError.malformedContract) { try HyperProtectContract.parse(yaml: "workload: [a\n") }
        #expect(throws: ContractError.malformedContract) {
            try HyperProtectContract.parse(yaml: "workload: a\nenv: b\nworkload: c\n")
        }
        #expect(throws: ContractError.malformedContract) {
            try HyperProtectContract.parse(yaml: "workload: [a]\nenv: b\n")
        }
        #expect(throws: ContractError.malformedContract) {
            try HyperProtectContract.parse(yaml: "workload: a\nenv: b\nenvWorkloadSignature: {a: b}\n")
        }
    }

    @Test("sign an existing contract with plaintext string sections; verify without a key")
    func signExisting() async throws {
        let fixtures = try await Fixtures.shared()
        let signer = try ContractSigner(privateKeyPEM: fixtures.text("signer.key"))
        let env = "type: env\nsigningKey: \(signer.signingKeyValue)\n"
        var contract = HyperProtectContract(workload: .plaintext("type: workload\n"), env: .plaintext(env))
        contract = try contract.signed(by: signer)
        let yaml = try contract.yamlText()
        let parsed = try HyperProtectContract.parse(yaml: yaml)
        #expect(parsed.env == .plaintext(env))
        #expect(parsed.workload == .plaintext("type: workload\n"))
        _ = try parsed.verifySignature(decryptor: nil)
        // A PEM signingKey with literal \n escapes (single-quoted YAML) is accepted too.
        let escapedPEM = try fixtures.text("signer.pub").replacingOccurrences(of: "\n", with: "\\n")
        var escaped = HyperProtectContract(
            workload: .plaintext("type: workload\n"), env: .plaintext("type: env\nsigningKey: '\(escapedPEM)'\n"))
        escaped = try escaped.signed(by: signer)
        _ = try HyperProtectContract.parse(yaml: escaped.yamlText()).verifySignature(decryptor: nil)
        // A signingKey that is no key at all.
        var broken = HyperProtectContract(workload: .plaintext("w"), env: .plaintext("signingKey: hello\n"))
        broken = try broken.signed(by: signer)
        #expect(throws: ContractError.invalidSigningKey) { try broken.verifySignature(decryptor: nil) }
        var none = HyperProtectContract(workload: .plaintext("w"), env: .plaintext("type: env\n"))
        none = try none.signed(by: signer)
        #expect(throws: ContractError.missingSigningKey) { try none.verifySignature(decryptor: nil) }
    }

    @Test("a plaintext attestationPublicKey hashes with its trailing newline, as the .pub file")
    func plaintextAttestationKey() async throws {
        let fixtures = try await Fixtures.shared()
        var builder = try ContractBuilder(
            encryptionCertificatePEM: fixtures.text("enc.crt"), signingKeyPEM: fixtures.text("signer.key"),
            attestationPublicKeyPEM: fixtures.text("auditor.pub"))
        builder.encryptsAttestationPublicKey = false
        let built = try builder.build(workload: "type: workload", env: "type: env")
        let contract = try HyperProtectContract.parse(yaml: built.yaml)
        #expect(contract.attestationPublicKey == .plaintext(try fixtures.text("auditor.pub")))
        #expect(
            contract.checksums[.attestationPublicKey]
                == (try await opensslSHA256(fixtures.bytes("auditor.pub"), fixtures: fixtures)))
        #expect(throws: ContractError.invalidKey) {
            try ContractBuilder(
                encryptionCertificatePEM: fixtures.text("enc.crt"),
                attestationPublicKeyPEM: fixtures.text("auditor.crt"))
        }
    }

    @Test("an unsigned contract; bad section inputs are refused")
    func unsignedAndBadInput() async throws {
        let fixtures = try await Fixtures.shared()
        let builder = try ContractBuilder(encryptionCertificatePEM: fixtures.text("enc.crt"))
        let built = try builder.build(workload: "type: workload", env: "type: env")
        #expect(built.contract.envWorkloadSignature == nil)
        #expect(built.checksums.entries.map(\.field) == [.workload, .env])
        let decryptor = try fixtures.decryptor()
        #expect(try built.contract.sectionText(of: .env, decryptor: decryptor) == "type: env")

        let signing = try ContractBuilder(
            encryptionCertificatePEM: fixtures.text("enc.crt"), signingKeyPEM: fixtures.text("signer.key"))
        #expect(throws: ContractError.invalidArgument) { try signing.build(workload: "  \n", env: "type: env") }
        #expect(throws: ContractError.invalidArgument) {
            try signing.build(workload: "type: workload", env: "- a list")
        }
        let bad = try #require(throws: ContractError.self) {
            try signing.build(workload: "type: workload", env: "apiKey: topsecret\n  bad: [indent")
        }
        #expect(bad.code == .invalidArgument)
        #expect(!bad.description.contains("topsecret"))
    }

    @Test("errors about a decrypted env never quote it")
    func noSecretsInErrors() async throws {
        let fixtures = try await Fixtures.shared()
        let encryptor = try fixtures.encryptor()
        let decryptor = try fixtures.decryptor()
        let signer = try ContractSigner(privateKeyPEM: fixtures.text("signer.key"))
        let env = try encryptor.encrypt("password: hunter2-secret-value\n  nested: [unclosed")
        let contract = try HyperProtectContract(
            workload: .encrypted(token: encryptor.encrypt("a: b")), env: .encrypted(token: env)
        )
        .signed(by: signer)
        let error = try #require(throws: ContractError.self) { try contract.verifySignature(decryptor: decryptor) }
        #expect(error.code == .malformedContract)
        #expect(error.field == .env)
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("line"))
        #expect(error.description.hasPrefix("ContractError.malformedContract: "))
    }

    @Test(
        "error codes print by the name of their static member",
        arguments: [
            (ContractError.Code.invalidKey, "invalidKey"),
            (.certificateNotYetValid, "certificateNotYetValid"),
            (.decryptorRequired, "decryptorRequired"),
            (.recordSignatureInvalid, "recordSignatureInvalid"),
            (.invalidArgument, "invalidArgument"),
        ])
    func codeNames(_ code: ContractError.Code, _ name: String) {
        #expect(code.description == name)
        #expect(ContractError(code: code, message: "m").description == "ContractError.\(name): \"m\"")
    }
}
