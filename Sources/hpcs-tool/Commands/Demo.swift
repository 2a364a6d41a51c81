import ArgumentParser
import CertificateAuthority
import Crypto
import EP11
import Foundation
import HSMMock
import IAM
import KeyProtect
import KeyProtectMock
import X509

/// The main job: walks through what swift-hpcs does, against the embedded mocks (or a real endpoint).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk through swift-hpcs on the embedded HSM mock (or the configured endpoint).",
        discussion: """
            Unlike the other commands, the demo uses throwaway in-process mocks by default: an HSM mock unless \
            --endpoint (or GREP11_ADDRESS) is given, and always a Key Protect mock on 127.0.0.1.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        print("swift-hpcs demo")
        // The demo is the one command that uses the embedded mocks by default, and it says so.
        var connection = connection
        if let endpoint = connection.configuredEndpoint, !connection.mock {
            print("HSM: \(endpoint)")
        } else {
            connection.mock = true
            print("HSM: embedded in-process mock (grep11.Crypto); pass --endpoint for a GREP11 service")
        }
        try await connection.withClient { client in
            try await Self.ep11(client)
            try await Self.certificateAuthority(client)
            try await Self.caService(client)
        }
        try await Self.transports()
        try await Self.endpointsAndRotation()
        try await Self.keyProtect()
        try await Self.contractAndKeyDaemon()
        try await Self.failSafe()
        print("\ndemo complete")
    }

    static func step(_ title: String) { print("\n== \(title)") }

    /// A CA whose key never leaves the HSM: a root, a TLS server leaf with its key in the HSM too, checked by
    /// `openssl verify`; then the leaf revoked and a CRL that makes `openssl verify -crl_check` refuse it.
    static func certificateAuthority(_ client: EP11Client) async throws {
        step("Certificate authority: the CA key lives in the HSM")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hpcs-demo-ca-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try CertificateAuthority(directory: directory.appendingPathComponent("ca"), client: client)
        let root = try await ca.createRoot(subject: try DistinguishedName { CommonName("swift-hpcs demo root CA") })
        print("root CA created: \(root.subject), key type P-256, key blob stored with mode 0600")
        let leaf = try await ca.issueHSMKey(
            subject: try DistinguishedName { CommonName("demo.example") },
            profile: .tlsServer,
            sans: [.dnsName("demo.example")]
        )
        print("TLS server certificate issued, serial \(leaf.issued.serialNumber); its key is an HSM blob too")
        let rootPath = directory.appendingPathComponent("root.pem").path
        let leafPath = directory.appendingPathComponent("leaf.pem").path
        try Data(try CertificateParsing.pem([root]).utf8).write(to: URL(fileURLWithPath: rootPath))
        try Data(try CertificateParsing.pem([leaf.issued.certificate]).utf8).write(to: URL(fileURLWithPath: leafPath))
        let verified = try await runOpenSSL(["verify", "-x509_strict", "-CAfile", rootPath, leafPath])
        print("openssl verify: \(verified.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        guard verified.status == 0 else { throw ValidationError("openssl rejected the issued certificate") }
        _ = try await ca.revoke(serialNumber: leaf.issued.serialNumber, reason: .keyCompromise)
        let crl = try await ca.generateCRL()
        let crlPath = directory.appendingPathComponent("crl.pem").path
        try Data(crl.pem.utf8).write(to: URL(fileURLWithPath: crlPath))
        let checked = try await runOpenSSL(["verify", "-crl_check", "-CAfile", rootPath, "-CRLfile", crlPath, leafPath])
        let lines = checked.output.split(separator: "\n").map(String.init)
        let verdict =
            lines.first { $0.contains("revoked") }.map { $0.components(separatedBy: "lookup: ").last ?? $0 }
            ?? lines.last ?? ""
        print(
            "after revocation, openssl verify -crl_check: \(checked.status == 0 ? "accepted (WRONG)" : "refused: \(verdict)")"
        )
        guard checked.status != 0 else { throw ValidationError("a revoked certificate passed the CRL check") }
    }

    static func runOpenSSL(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runTool("/usr/bin/openssl", arguments)
    }

    /// Key Protect on the embedded Key Protect + IAM mock over loopback HTTP: a data key generated and wrapped
    /// under a root key, the root key rotated, the old ciphertext rewrapped, and the key disabled.
    static func keyProtect() async throws {
        step("Key Protect: a root key in the KMS (embedded Key Protect + IAM mock on 127.0.0.1)")
        try await withDemoKMS(rootKeyName: "demo-root-key") { _, root, apiKey, baseURL in
            let kms = try KeyProtectClient(
                instance: .init(endpoint: baseURL, instanceID: root.instanceID),
                credentials: .apiKey(APIKey(apiKey), iam: .init(endpoint: baseURL)))
            let dek = try await kms.generateDataKey(keyID: root.id)
            print(
                "data key generated and wrapped by the KMS: \(dek.plaintext.count) bytes, ciphertext \(dek.wrapped.ciphertext.count) characters"
            )
            let before = try await kms.metadata(keyID: root.id)
            try await kms.rotate(keyID: root.id)
            let after = try await kms.metadata(keyID: root.id)
            print(
                "root key rotated: version \(before.keyVersion?.id.prefix(8) ?? "?")… -> \(after.keyVersion?.id.prefix(8) ?? "?")…"
            )
            let unwrapped = try await kms.unwrap(dek.wrapped.ciphertext, keyID: root.id)
            let same = unwrapped.plaintext == dek.plaintext
            print(
                "old ciphertext unwraps to the same key: \(same); rewrapped under the new version: \(unwrapped.rewrapped != nil)"
            )
            guard same else { throw ValidationError("unwrap returned another key") }
            try await kms.disable(keyID: root.id)
            do {
                _ = try await kms.unwrap(dek.wrapped.ciphertext, keyID: root.id)
                throw ValidationError("a disabled key unwrapped")
            } catch let error as KeyProtectError {
                print("key disabled: unwrap refused with HTTP \(error.httpStatus ?? 0) \(error.reasonCode ?? "")")
            }
            try await kms.enable(keyID: root.id)
            print("key enabled again: state \(try await kms.metadata(keyID: root.id).state)")
        }
    }

    /// Runs `body` with the throwaway Key Protect + IAM mock both KMS parts of the demo use, served on 127.0.0.1 at
    /// `baseURL`: a fresh API key and instance, a root key named `rootKeyName`, no rotation or enable delays.
    static func withDemoKMS(
        rootKeyName: String,
        _ body:
            @Sendable (_ mock: KeyProtectMock, _ root: KeyProtectMock.KeyInfo, _ apiKey: String, _ baseURL: String)
            async throws -> Void
    ) async throws {
        let apiKey = "demo-" + UUID().uuidString.lowercased()
        let mock = KeyProtectMock(
            configuration: .init(apiKeys: [apiKey], minimumRotationInterval: .zero, enableDelay: .zero))
        let root = mock.createRootKey(instanceID: UUID().uuidString.lowercased(), name: rootKeyName)
        try await mock.withServer(host: "127.0.0.1", port: 0) { baseURL in try await body(mock, root, apiKey, baseURL) }
    }

    static func ep11(_ client: EP11Client) async throws {
        step("EP11: mechanisms and randomness")
        let mechanisms = try await client.mechanismList()
        print("mechanisms offered: \(mechanisms.count), first: \(mechanisms.first?.name ?? "?")")
        let random = try await RandomSource.hsm(client).bytes(count: 16)
        print("16 random bytes from the HSM: \(hex(random))")
        print("local random source (automatic choice): \(RandomSource.automatic())")

        step("EP11: AES-256 key in the HSM, encrypt and decrypt (AES-CBC-PAD)")
        let aes = try await client.generateKey(
            .aesKeyGen,
            template: AttributeTemplate {
                Attribute.valueLength(32)
                Attribute.encrypt(true)
                Attribute.decrypt(true)
                Attribute.extractable(true)
            }
        )
        print(
            "key blob: \(aes.key.bytes.count) bytes, opaque to the host; check value \(hex(aes.checkValue ?? [])), "
                + "\(aes.keyBitCount ?? 0) bits")
        let iv = try await client.generateRandom(count: 16)
        let message = Array("Hyper Protect: keys never leave the HSM".utf8)
        let ciphertext = try await client.encrypt(message, key: aes.key, mechanism: .aesCBCPad(iv: iv))
        let plaintext = try await client.decrypt(ciphertext, key: aes.key, mechanism: .aesCBCPad(iv: iv))
        print("ciphertext: \(ciphertext.count) bytes; round trip \(plaintext == message ? "ok" : "FAILED")")
        guard plaintext == message else { throw ValidationError("AES round trip failed") }

        step("EP11: EC P-256 key pair, ECDSA-SHA256 signature verified by swift-crypto")
        let pair = try await client.generateKeyPair(
            .ecKeyPairGen,
            publicKeyTemplate: [.ecParameters(.p256), .verify(true)],
            privateKeyTemplate: [.sign(true), .extractable(false)]
        )
        let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
        try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
        let publicKey = try pair.publicKey.publicKeyInfo().p256PublicKey()
        let local = try P256.Signing.ECDSASignature(rawRepresentation: signature)
        let locallyValid = publicKey.isValidSignature(local, for: message)
        print("HSM verify: ok; swift-crypto verify: \(locallyValid ? "ok" : "FAILED")")
        guard locallyValid else { throw ValidationError("local ECDSA verification failed") }
        var forged = signature
        forged[0] ^= 0xFF
        do {
            try await client.verify(forged, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            throw ValidationError("a forged signature verified")
        } catch let error as EP11Error where error == .signatureInvalid {
            print("forged signature refused: \(error.returnValue?.name ?? "?")")
        }

        step("EP11: wrap the AES key under an RSA-3072 key (OAEP) and unwrap it again")
        let rsa = try await client.generateKeyPair(
            .rsaKeyPairGen,
            publicKeyTemplate: [.modulusBits(3072), .publicExponent(65537), .wrap(true), .encrypt(true)],
            privateKeyTemplate: [.unwrap(true), .decrypt(true)]
        )
        let oaep = Mechanism.rsaOAEP(hash: .sha256, mgf: .mgf1SHA256)
        let wrapped = try await client.wrapKey(aes.key, wrappingKey: rsa.publicKey, mechanism: oaep)
        let unwrapped = try await client.unwrapKey(
            wrapped,
            unwrappingKey: rsa.privateKey,
            mechanism: oaep,
            template: [.class(.secretKey), .keyType(.aes), .valueLength(32), .decrypt(true)]
        )
        let sameKey = unwrapped.checkValue == aes.checkValue
        print("wrapped: \(wrapped.count) bytes; unwrapped key has the same check value: \(sameKey)")
        let again = try await client.decrypt(ciphertext, key: unwrapped.key, mechanism: .aesCBCPad(iv: iv))
        print("the unwrapped key decrypts the earlier ciphertext: \(again == message)")

        step("EP11: the HSM enforces key attributes")
        do {
            _ = try await client.wrapKey(pair.privateKey, wrappingKey: aes.key, mechanism: .aesCBCPad(iv: iv))
            throw ValidationError("a non-extractable key was wrapped")
        } catch let error as EP11Error where error == .keyUnextractable {
            print("wrapping a non-extractable key: \(error.returnValue?.name ?? "?")")
        }
        var tampered = aes.key
        tampered.bytes[tampered.bytes.count / 2] ^= 0x01
        do {
            _ = try await client.encrypt(message, key: tampered, mechanism: .aesCBCPad(iv: iv))
            throw ValidationError("a tampered blob was accepted")
        } catch let error as EP11Error {
            print("a tampered key blob: \(error.returnValue?.name ?? error.code.description)")
        }
    }
}
