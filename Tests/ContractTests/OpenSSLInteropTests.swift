import Foundation
import Testing

@testable import Contract

@Suite("Interoperability with the openssl binary")
struct OpenSSLInteropTests {
    /// `openssl pkeyutl -decrypt` of A with the fixtures' key `key`, then `openssl enc -d` of B with that password
    /// on stdin.
    static func opensslDecrypt(token: String, key: String = "enc.key", fixtures: Fixtures) async throws -> [UInt8] {
        let keyFile = fixtures.path(key)
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let wrapped = try fixtures.write(try #require(Bytes.fromBase64(parts[1])), name: "A.bin")
        let envelope = try fixtures.write(try #require(Bytes.fromBase64(parts[2])), name: "B.bin")
        let password = try await openssl(["pkeyutl", "-decrypt", "-inkey", keyFile, "-in", wrapped])
        #expect(password.count == 32)
        return try await openssl(
            ["enc", "-d", "-aes-256-cbc", "-pbkdf2", "-md", "sha256", "-pass", "stdin", "-in", envelope],
            stdin: password)
    }

    @Test("openssl decrypts what we encrypt")
    func opensslDecryptsOurs() async throws {
        let fixtures = try await Fixtures.shared()
        let encryptor = try fixtures.encryptor()
        for size in [0, 5, 16, 333] {
            let plaintext = Bytes.random(size)
            let token = try encryptor.encrypt(plaintext)
            #expect(try await Self.opensslDecrypt(token: token, fixtures: fixtures) == plaintext)
        }
    }

    @Test("we decrypt tokens made by IBM's documented shell pipeline")
    func weDecryptIBMPipeline() async throws {
        let fixtures = try await Fixtures.shared()
        let decryptor = try fixtures.decryptor()
        let workload = "type: workload\ncompose:\n  archive: H4sIAAAAAAAAA+3O\n"
        let workloadFile = try fixtures.write(workload, name: "workload.yaml")
        // contract.md §2.1, verbatim apart from the variables. About 22% of these passwords contain 0x0A or 0x00.
        let script = """
            PASSWORD="$(openssl rand 32 | base64 -w0)"
            ENCRYPTED_PASSWORD="$(echo -n "$PASSWORD" | base64 -d | openssl pkeyutl -encrypt -inkey $CONTRACT_KEY -certin -pkeyopt rsa_padding_mode:pkcs1 | base64 -w0)"
            ENCRYPTED_WORKLOAD="$(echo -n "$PASSWORD" | base64 -d | openssl enc -aes-256-cbc -pbkdf2 -pass stdin -in "$WORKLOAD" | base64 -w0)"
            echo "hyper-protect-basic.${ENCRYPTED_PASSWORD}.${ENCRYPTED_WORKLOAD}"
            """
        var decrypted = 0
        for _ in 0..<12 where decrypted < 6 {
            let output: [UInt8]
            do {
                output = try await bash(
                    script, in: fixtures.directory,
                    environment: ["CONTRACT_KEY": fixtures.path("enc.crt"), "WORKLOAD": workloadFile])
            } catch let error as ChildProcessError where error.description.contains("Error reading password") {
                // IBM's pipeline itself fails when `openssl rand 32` starts with 0x00 (1 in 256): openssl reads an
                // empty line. Not ours to fix; try again.
                continue
            }
            let token = String(decoding: output, as: UTF8.self)
            #expect(token.hasPrefix("hyper-protect-basic."))
            #expect(try decryptor.decrypt(token: token) == Array(workload.utf8))
            decrypted += 1
        }
        #expect(decrypted == 6)
    }

    @Test(
        "a wrapped password with 0x0A or 0x00 inside: openssl uses only the prefix, and so do we",
        // openssl itself refuses a password that starts with 0x00 (BIO_gets reads "nothing"), so that case is absent.
        arguments: [(UInt8(0x0A), 0), (0x0A, 7), (0x0A, 14), (0x0A, 31), (0x00, 1), (0x00, 7), (0x00, 14), (0x00, 31)])
    func passwordCut(special: UInt8, offset: Int) async throws {
        let fixtures = try await Fixtures.shared()
        var password = ContractPassword.generate()
        password[offset] = special
        let plaintext = Array("hello-world from openssl\n".utf8)
        let passwordFile = try fixtures.write(password, name: "pw.bin")
        let plaintextFile = try fixtures.write(plaintext, name: "plain.txt")
        // RSA-wrap all 32 bytes, as IBM's recipes do.
        let wrapped = try await openssl([
            "pkeyutl", "-encrypt", "-inkey", fixtures.path("enc.crt"), "-certin", "-pkeyopt",
            "rsa_padding_mode:pkcs1", "-in", passwordFile,
        ])
        // Feed the same 32 bytes on stdin: openssl itself keeps only the bytes before the special one.
        let envelope = try await openssl(
            ["enc", "-aes-256-cbc", "-pbkdf2", "-pass", "stdin", "-in", plaintextFile], stdin: password)
        let token = "hyper-protect-basic.\(Bytes.base64(wrapped)).\(Bytes.base64(envelope))"
        let decryptor = try fixtures.decryptor()
        #expect(try decryptor.decrypt(token: token) == plaintext)
        // The cut matters: the whole 32 bytes as PBKDF2 password do not give the plaintext. (Except for a single
        // final 0x00: HMAC pads its key with zeros, so that password is the same key with or without the cut.)
        if !(special == 0x00 && offset == 31) {
            #expect((try? SaltedEnvelope.open(envelope, password: password)) != plaintext)
        }
        // And openssl reads it the same way when decrypting.
        #expect(try await Self.opensslDecrypt(token: token, fixtures: fixtures) == plaintext)
    }

    @Test("openssl dgst accepts our signature, and we accept openssl's")
    func signatures() async throws {
        let fixtures = try await Fixtures.shared()
        let signer = try ContractSigner(privateKeyPEM: fixtures.text("signer.key"))
        let workload = "hyper-protect-basic.AAAA.BBBB"
        let env = "hyper-protect-basic.CCCC.DDDD"
        let ours = try signer.signature(workload: workload, env: env)
        let dataFile = try fixtures.write(workload + env, name: "signed.bin")
        let signatureFile = try fixtures.write(try #require(Bytes.fromBase64(ours)), name: "sig.bin")
        let verified = try await openssl([
            "dgst", "-sha256", "-verify", fixtures.path("signer.pub"), "-signature", signatureFile, dataFile,
        ])
        #expect(String(decoding: verified, as: UTF8.self).contains("Verified OK"))

        let theirs = try await openssl(["dgst", "-sha256", "-sign", fixtures.path("signer.key"), dataFile])
        // Deterministic PKCS#1 v1.5: both produce the same bytes.
        #expect(Bytes.base64(theirs) == ours)
        let key = try ContractSigningKey(pem: fixtures.text("signer.pub"))
        #expect(key.isValidSignature(Bytes.base64(theirs), workload: workload, env: env))
        // The docs' `openssl enc -base64` output wraps lines; whitespace between quads is tolerated.
        let wrapped = String(
            decoding: try await openssl(["enc", "-base64", "-in", try fixtures.write(theirs, name: "s")]), as: UTF8.self
        )
        #expect(wrapped.contains("\n"))
        #expect(key.isValidSignature(wrapped, workload: workload, env: env))
        #expect(!key.isValidSignature(Bytes.base64(theirs), workload: workload, env: env + "x"))
        #expect(!key.isValidSignature(Bytes.base64(theirs), workload: env, env: workload))
    }

    @Test("RSA-4096 encryption certificate: whole contract, openssl opens every section")
    func rsa4096() async throws {
        let fixtures = try await Fixtures.shared()
        try await openssl(
            [
                "req", "-x509", "-newkey", "rsa:4096", "-nodes", "-keyout", "enc4096.key", "-out", "enc4096.crt",
                "-days", "365", "-subj", "/CN=hpcr-encrypt-4096",
            ], in: fixtures.directory)
        let builder = try ContractBuilder(
            encryptionCertificatePEM: fixtures.text("enc4096.crt"), signingKeyPEM: fixtures.text("signer.key"))
        let built = try builder.build(workload: "type: workload\n", env: "type: env\n")
        let contract = try HyperProtectContract.parse(yaml: built.yaml)
        guard case .encrypted(let workloadToken) = contract.workload, case .encrypted(let envToken) = contract.env
        else {
            Issue.record("sections are not encrypted")
            return
        }
        let partA = workloadToken.split(separator: ".")[1]
        #expect(partA.count == 684)
        #expect(
            try await Self.opensslDecrypt(token: workloadToken, key: "enc4096.key", fixtures: fixtures)
                == Array("type: workload".utf8))
        let env = String(
            decoding: try await Self.opensslDecrypt(token: envToken, key: "enc4096.key", fixtures: fixtures),
            as: UTF8.self)
        #expect(env.hasPrefix("type: env\nsigningKey: "))
        let decryptor = try ContractDecryptor(privateKeyPEM: fixtures.text("enc4096.key"))
        _ = try contract.verifySignature(decryptor: decryptor)
    }
}
