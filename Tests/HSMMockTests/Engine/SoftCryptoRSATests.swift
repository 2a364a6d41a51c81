import HSMMock
import Testing

/// One 2048-bit key pair shared by the RSA tests (generation is the slow part).
private let sharedRSAKey: Result<(privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8]), any Error> = Result {
    try SoftCrypto.generateRSA(bits: 2048, publicExponent: [0x01, 0x00, 0x01])
}

@Suite("SoftCrypto RSA")
struct SoftCryptoRSATests {
    typealias Scheme = SoftCrypto.RSASignatureScheme

    let key: (privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8])

    init() throws {
        key = try sharedRSAKey.get()
    }

    @Test("Generated key: sizes, components, kind, public-from-private")
    func generatedKey() throws {
        #expect(try SoftCrypto.rsaModulusBits(key.publicKeySPKI) == 2048)
        #expect(try SoftCrypto.rsaModulusBits(key.privateKeyPKCS8) == 2048)
        let (modulus, exponent) = try SoftCrypto.rsaPublicComponents(key.publicKeySPKI)
        #expect(modulus.count == 256)
        #expect(modulus.first.map { $0 & 0x80 != 0 } == true)
        #expect(modulus.last.map { $0 & 1 == 1 } == true)
        #expect(exponent == [0x01, 0x00, 0x01])
        #expect(try SoftCrypto.privateKeyKind(key.privateKeyPKCS8) == .rsa)
        #expect(try SoftCrypto.publicKeyFromPrivate(key.privateKeyPKCS8) == key.publicKeySPKI)
    }

    @Test("Generation parameters: small exponent, 4096 bits, rejected sizes and exponents")
    func generationParameters() throws {
        let small = try SoftCrypto.generateRSA(bits: 1024, publicExponent: [0x00, 0x03])
        #expect(try SoftCrypto.rsaModulusBits(small.publicKeySPKI) == 1024)
        #expect(try SoftCrypto.rsaPublicComponents(small.publicKeySPKI).exponent == [0x03])

        let big = try SoftCrypto.generateRSA(bits: 4096, publicExponent: [0x01, 0x00, 0x01])
        #expect(try SoftCrypto.rsaModulusBits(big.privateKeyPKCS8) == 4096)
        let signature = try SoftCrypto.rsaSign(
            privateKeyPKCS8: big.privateKeyPKCS8, message: [1, 2, 3], scheme: .pkcs1v15Hashing(.sha384))
        #expect(signature.count == 512)
        try SoftCrypto.rsaVerify(
            publicKeySPKI: big.publicKeySPKI, message: [1, 2, 3], signature: signature,
            scheme: .pkcs1v15Hashing(.sha384))

        for bits in [0, -1, 512, 1016, 1025, 4104, 8192, Int.max] {
            EngineTest.expectError(.invalidParameter) {
                _ = try SoftCrypto.generateRSA(bits: bits, publicExponent: [1, 0, 1])
            }
        }
        for exponent: [UInt8] in [[], [0], [1], [0, 1], [2], [0x01, 0x00, 0x00], [UInt8](repeating: 0xFF, count: 33)] {
            EngineTest.expectError(.invalidParameter) {
                _ = try SoftCrypto.generateRSA(bits: 2048, publicExponent: exponent)
            }
        }
    }

    // MARK: Encryption

    @Test("PKCS#1 v1.5, OAEP and raw encryption round trips")
    func encryptionRoundTrips() throws {
        let message = Array("secret key material".utf8)
        let paddings: [SoftCrypto.RSAEncryptionPadding] = [
            .pkcs1v15,
            .oaep(hash: .sha1, mgf1Hash: .sha1, label: []),
            .oaep(hash: .sha256, mgf1Hash: .sha256, label: []),
            .oaep(hash: .sha256, mgf1Hash: .sha1, label: Array("label".utf8)),
            .oaep(hash: .sha512, mgf1Hash: .sha384, label: [0, 1, 2]),
        ]
        for padding in paddings {
            let ciphertext = try SoftCrypto.rsaEncrypt(
                publicKeySPKI: key.publicKeySPKI, data: message, padding: padding)
            #expect(ciphertext.count == 256)
            let plaintext = try SoftCrypto.rsaDecrypt(
                privateKeyPKCS8: key.privateKeyPKCS8, data: ciphertext, padding: padding)
            #expect(plaintext == message, "\(padding)")
        }
        // Raw: the result is the k-byte left-padded value.
        let raw = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.publicKeySPKI, data: message, padding: .none)
        let rawPlain = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key.privateKeyPKCS8, data: raw, padding: .none)
        #expect(rawPlain == [UInt8](repeating: 0, count: 256 - message.count) + message)
        // Empty message and maximal lengths.
        let empty = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.publicKeySPKI, data: [], padding: .pkcs1v15)
        #expect(try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key.privateKeyPKCS8, data: empty, padding: .pkcs1v15) == [])
        let max = [UInt8](repeating: 0x5A, count: 256 - 11)
        let maxCiphertext = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.publicKeySPKI, data: max, padding: .pkcs1v15)
        #expect(
            try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key.privateKeyPKCS8, data: maxCiphertext, padding: .pkcs1v15)
                == max)
    }

    /// An input RSA encryption or decryption must refuse, and the error it must give.
    struct BadInput: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var decrypt: Bool
        var data: [UInt8]
        var padding: SoftCrypto.RSAEncryptionPadding
        var expected: SoftCryptoError
    }

    static let badInputs: [BadInput] = [
        BadInput(
            testDescription: "encrypt: PKCS #1 v1.5 plaintext over k − 11", decrypt: false,
            data: [UInt8](repeating: 1, count: 246), padding: .pkcs1v15, expected: .invalidLength),
        BadInput(
            testDescription: "encrypt: OAEP-SHA256 plaintext over k − 2·32 − 2", decrypt: false,
            data: [UInt8](repeating: 1, count: 256 - 64 + 1),
            padding: .oaep(hash: .sha256, mgf1Hash: .sha256, label: []), expected: .invalidLength),
        BadInput(
            testDescription: "encrypt: raw input ≥ n", decrypt: false,
            data: [UInt8](repeating: 0xFF, count: 256), padding: .none, expected: .invalidLength),
        BadInput(
            testDescription: "encrypt: raw input longer than k", decrypt: false,
            data: [UInt8](repeating: 1, count: 257), padding: .none, expected: .invalidLength),
        BadInput(
            testDescription: "decrypt: empty ciphertext", decrypt: true,
            data: [], padding: .pkcs1v15, expected: .invalidLength),
        BadInput(
            testDescription: "decrypt: ciphertext longer than k", decrypt: true,
            data: [UInt8](repeating: 1, count: 257), padding: .pkcs1v15, expected: .invalidLength),
        // A ciphertext ≥ n is invalid encrypted data.
        BadInput(
            testDescription: "decrypt: ciphertext ≥ n", decrypt: true,
            data: [UInt8](repeating: 0xFF, count: 256), padding: .pkcs1v15, expected: .decryptionFailed),
    ]

    @Test("Encryption and decryption length errors", arguments: badInputs)
    func encryptionErrors(_ input: BadInput) {
        EngineTest.expectError(input.expected) {
            if input.decrypt {
                _ = try SoftCrypto.rsaDecrypt(
                    privateKeyPKCS8: key.privateKeyPKCS8, data: input.data, padding: input.padding)
            } else {
                _ = try SoftCrypto.rsaEncrypt(
                    publicKeySPKI: key.publicKeySPKI, data: input.data, padding: input.padding)
            }
        }
    }

    @Test("Keys of the wrong kind are refused")
    func wrongKeys() throws {
        // Keys swapped / wrong type.
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.privateKeyPKCS8, data: [1], padding: .pkcs1v15)
        }
        let ec = try SoftCrypto.generateEC(.p256)
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.rsaEncrypt(publicKeySPKI: ec.publicKeySPKI, data: [1], padding: .pkcs1v15)
        }
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: ec.privateKeyPKCS8, data: [1], padding: .pkcs1v15)
        }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.rsaModulusBits(ec.publicKeySPKI) }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.rsaPublicComponents(ec.publicKeySPKI) }
    }

    @Test("Tampered ciphertexts → decryptionFailed")
    func decryptionFailures() throws {
        let paddings: [SoftCrypto.RSAEncryptionPadding] = [
            .pkcs1v15, .oaep(hash: .sha256, mgf1Hash: .sha256, label: []),
        ]
        for padding in paddings {
            var ciphertext = try SoftCrypto.rsaEncrypt(
                publicKeySPKI: key.publicKeySPKI, data: Array("hello".utf8), padding: padding)
            ciphertext[100] ^= 0x01
            EngineTest.expectError(.decryptionFailed) {
                _ = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key.privateKeyPKCS8, data: ciphertext, padding: padding)
            }
        }
        // Wrong OAEP label.
        let labelled = try SoftCrypto.rsaEncrypt(
            publicKeySPKI: key.publicKeySPKI, data: [1, 2, 3],
            padding: .oaep(hash: .sha256, mgf1Hash: .sha256, label: [1]))
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.rsaDecrypt(
                privateKeyPKCS8: key.privateKeyPKCS8, data: labelled,
                padding: .oaep(hash: .sha256, mgf1Hash: .sha256, label: [2]))
        }
        // A raw encryption of a value with no valid PKCS#1 structure.
        let raw = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.publicKeySPKI, data: [0x42], padding: .none)
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key.privateKeyPKCS8, data: raw, padding: .pkcs1v15)
        }
    }

    @Test("OAEP and PKCS#1 v1.5 interoperate with openssl pkeyutl")
    func encryptionCrossCheck() throws {
        let cli = try EngineTest.OpenSSLCLI()
        try cli.write("pub.der", key.publicKeySPKI)
        try cli.write("priv.der", key.privateKeyPKCS8)
        let message = Array("wrapped by openssl".utf8)
        try cli.write("msg.bin", message)
        // openssl encrypts (OAEP SHA-256 / MGF1 SHA-1), the engine decrypts.
        try cli.succeed([
            "pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "msg.bin",
            "-out", "oaep.bin", "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
            "-pkeyopt", "rsa_mgf1_md:sha1",
        ])
        #expect(
            try SoftCrypto.rsaDecrypt(
                privateKeyPKCS8: key.privateKeyPKCS8, data: cli.read("oaep.bin"),
                padding: .oaep(hash: .sha256, mgf1Hash: .sha1, label: [])) == message)
        // The engine encrypts (PKCS#1 v1.5), openssl decrypts.
        let ciphertext = try SoftCrypto.rsaEncrypt(publicKeySPKI: key.publicKeySPKI, data: message, padding: .pkcs1v15)
        try cli.write("pkcs1.bin", ciphertext)
        let decrypted = try cli.succeed([
            "pkeyutl", "-decrypt", "-keyform", "DER", "-inkey", "priv.der", "-in", "pkcs1.bin",
            "-pkeyopt", "rsa_padding_mode:pkcs1",
        ])
        #expect(decrypted == message)
    }

    // MARK: Signatures

    @Test("Every signature scheme round-trips")
    func signatureRoundTrips() throws {
        let message = Array("to be signed".utf8)
        let sha256 = try SoftCrypto.digest(.sha256, message)
        let sha384 = try SoftCrypto.digest(.sha384, message)
        let cases: [(Scheme, [UInt8])] = [
            (.pkcs1v15(hash: nil), message),
            (.pkcs1v15(hash: .sha256), sha256),
            (.pkcs1v15Hashing(.sha1), message),
            (.pkcs1v15Hashing(.sha224), message),
            (.pkcs1v15Hashing(.sha512), message),
            (.pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: true), sha256),
            (.pss(hash: .sha384, mgf1Hash: .sha1, saltLength: 0, prehashed: true), sha384),
            (.pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: false), message),
            (.pss(hash: .sha512, mgf1Hash: .sha512, saltLength: 256 - 64 - 2, prehashed: false), message),
        ]
        for (scheme, input) in cases {
            let signature = try SoftCrypto.rsaSign(privateKeyPKCS8: key.privateKeyPKCS8, message: input, scheme: scheme)
            #expect(signature.count == 256)
            try SoftCrypto.rsaVerify(
                publicKeySPKI: key.publicKeySPKI, message: input, signature: signature, scheme: scheme)
        }
        // PKCS#1 v1.5 is deterministic, and hashing then signing equals signing the digest.
        let viaDigest = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: sha256, scheme: .pkcs1v15(hash: .sha256))
        let viaMessage = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: message, scheme: .pkcs1v15Hashing(.sha256))
        #expect(viaDigest == viaMessage)
        // CKM_RSA_PKCS over a DigestInfo equals the DigestInfo-adding scheme.
        let digestInfoPrefix = try EngineTest.hex("3031300d060960864801650304020105000420")
        let raw = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: digestInfoPrefix + sha256, scheme: .pkcs1v15(hash: nil))
        #expect(raw == viaDigest)
    }

    @Test("Tampered or malformed RSA signatures → invalidSignature")
    func badSignatures() throws {
        let message = Array("message".utf8)
        let schemes: [Scheme] = [
            .pkcs1v15(hash: nil),
            .pkcs1v15Hashing(.sha256),
            .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: false),
        ]
        for scheme in schemes {
            let signature = try SoftCrypto.rsaSign(
                privateKeyPKCS8: key.privateKeyPKCS8, message: message, scheme: scheme)
            var flipped = signature
            flipped[17] ^= 0x40
            var bad: [[UInt8]] = [
                flipped,
                Array(signature.dropLast()),
                signature + [0],
                [],
                [UInt8](repeating: 0, count: 256),
                [UInt8](repeating: 0xFF, count: 256),  // ≥ modulus
            ]
            bad.append(try SoftCrypto.rsaPublicComponents(key.publicKeySPKI).modulus)  // exactly n
            for candidate in bad {
                EngineTest.expectError(.invalidSignature) {
                    try SoftCrypto.rsaVerify(
                        publicKeySPKI: key.publicKeySPKI, message: message, signature: candidate, scheme: scheme)
                }
            }
            // Right signature, wrong message.
            EngineTest.expectError(.invalidSignature) {
                try SoftCrypto.rsaVerify(
                    publicKeySPKI: key.publicKeySPKI, message: message + [0], signature: signature, scheme: scheme)
            }
        }
        // PSS with a different salt length than the signer used.
        let pss = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: message,
            scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 20, prehashed: false))
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.rsaVerify(
                publicKeySPKI: key.publicKeySPKI, message: message, signature: pss,
                scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: false))
        }
        // A PKCS#1 signature checked as PSS.
        let pkcs1 = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: message, scheme: .pkcs1v15Hashing(.sha256))
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.rsaVerify(
                publicKeySPKI: key.publicKeySPKI, message: message, signature: pkcs1,
                scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: false))
        }
    }

    @Test("Signature parameter errors")
    func signatureParameterErrors() throws {
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.rsaSign(
                privateKeyPKCS8: key.privateKeyPKCS8, message: [1, 2, 3], scheme: .pkcs1v15(hash: .sha256))
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.rsaSign(
                privateKeyPKCS8: key.privateKeyPKCS8, message: [UInt8](repeating: 1, count: 246),
                scheme: .pkcs1v15(hash: nil))
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.rsaSign(
                privateKeyPKCS8: key.privateKeyPKCS8, message: [1],
                scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: true))
        }
        for salt in [-1, -2, 256 - 32 - 1, Int.max] {
            EngineTest.expectError(.invalidParameter) {
                _ = try SoftCrypto.rsaSign(
                    privateKeyPKCS8: key.privateKeyPKCS8, message: [1],
                    scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: salt, prehashed: false))
            }
        }
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.rsaSign(privateKeyPKCS8: key.publicKeySPKI, message: [1], scheme: .pkcs1v15(hash: nil))
        }
        EngineTest.expectError(.invalidKey) {
            try SoftCrypto.rsaVerify(
                publicKeySPKI: [0x30, 0x00], message: [1], signature: [UInt8](repeating: 0, count: 256),
                scheme: .pkcs1v15(hash: nil))
        }
    }

    @Test("Signatures interoperate with openssl pkeyutl (both directions)")
    func signatureCrossCheck() throws {
        let cli = try EngineTest.OpenSSLCLI()
        try cli.write("pub.der", key.publicKeySPKI)
        try cli.write("priv.der", key.privateKeyPKCS8)
        let message = Array("cross-checked".utf8)
        let digest = try SoftCrypto.digest(.sha256, message)
        try cli.write("digest.bin", digest)

        // Engine signs PKCS#1 v1.5 / SHA-256; openssl verifies.
        let pkcs1 = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: message, scheme: .pkcs1v15Hashing(.sha256))
        try cli.write("pkcs1.sig", pkcs1)
        try cli.succeed([
            "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "digest.bin",
            "-sigfile", "pkcs1.sig", "-pkeyopt", "digest:sha256",
        ])

        // Engine signs PSS (SHA-256, MGF1-SHA-256, salt 32); openssl verifies.
        let pss = try SoftCrypto.rsaSign(
            privateKeyPKCS8: key.privateKeyPKCS8, message: digest,
            scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: true))
        try cli.write("pss.sig", pss)
        let pssOptions = [
            "-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32",
            "-pkeyopt", "rsa_mgf1_md:sha256",
        ]
        try cli.succeed(
            [
                "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "digest.bin",
                "-sigfile", "pss.sig",
            ] + pssOptions)

        // A tampered signature is rejected by openssl too (sanity check of the harness).
        var tampered = pss
        tampered[0] ^= 1
        try cli.write("bad.sig", tampered)
        let rejected = try cli.run(
            [
                "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "digest.bin",
                "-sigfile", "bad.sig",
            ] + pssOptions)
        #expect(rejected.status != 0)

        // openssl signs (PSS and PKCS#1); the engine verifies.
        try cli.succeed(
            ["pkeyutl", "-sign", "-keyform", "DER", "-inkey", "priv.der", "-in", "digest.bin", "-out", "cli-pss.sig"]
                + pssOptions)
        try SoftCrypto.rsaVerify(
            publicKeySPKI: key.publicKeySPKI, message: message, signature: cli.read("cli-pss.sig"),
            scheme: .pss(hash: .sha256, mgf1Hash: .sha256, saltLength: 32, prehashed: false))
        try cli.succeed([
            "pkeyutl", "-sign", "-keyform", "DER", "-inkey", "priv.der", "-in", "digest.bin", "-out",
            "cli-pkcs1.sig", "-pkeyopt", "digest:sha256",
        ])
        #expect(try cli.read("cli-pkcs1.sig") == pkcs1)
    }
}
