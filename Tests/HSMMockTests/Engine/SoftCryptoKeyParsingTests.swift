import HSMMock
import Testing

@Suite("SoftCrypto key parsing and hostile input")
struct SoftCryptoKeyParsingTests {
    /// Calls every private-key-taking function with `bytes`; each must throw.
    static func exercisePrivate(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) { _ = try SoftCrypto.privateKeyKind(bytes) }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.publicKeyFromPrivate(bytes)
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.ecCurve(ofPrivateKey: bytes)
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: bytes, data: [1], padding: .pkcs1v15)
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.rsaSign(privateKeyPKCS8: bytes, message: [1], scheme: .pkcs1v15(hash: nil))
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.ecdsaSign(privateKeyPKCS8: bytes, digest: [1])
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.ecdh(privateKeyPKCS8: bytes, peerPoint: [4, 1, 2])
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.ed25519Sign(privateKeyPKCS8: bytes, message: [1])
        }
    }

    /// Calls every SPKI-taking function with `bytes`; each must throw.
    static func exercisePublic(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) { _ = try SoftCrypto.ecPublicPoint(bytes) }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.rsaPublicComponents(bytes)
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) { _ = try SoftCrypto.rsaModulusBits(bytes) }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            _ = try SoftCrypto.rsaEncrypt(publicKeySPKI: bytes, data: [1], padding: .pkcs1v15)
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            try SoftCrypto.rsaVerify(
                publicKeySPKI: bytes, message: [1], signature: [1], scheme: .pkcs1v15(hash: nil))
        }
        EngineTest.expectSoftCryptoError(sourceLocation: sourceLocation) {
            try SoftCrypto.ecdsaVerify(publicKeySPKI: bytes, digest: [1], signature: [1])
        }
    }

    @Test("Garbage private keys → invalidKey")
    func garbagePrivateKeys() throws {
        let garbage: [[UInt8]] = [
            [], [0], [0x30], [0x30, 0x00], [0x30, 0x80], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            [UInt8](repeating: 0xFF, count: 200), Array("-----BEGIN PRIVATE KEY-----".utf8),
        ]
        for bytes in garbage {
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.privateKeyKind(bytes) }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.publicKeyFromPrivate(bytes) }
            Self.exercisePrivate(bytes)
        }
    }

    @Test("Garbage public keys → invalidKey")
    func garbagePublicKeys() throws {
        let garbage: [[UInt8]] = [
            [], [0], [0x30], [0x30, 0x00], [0x30, 0x03, 0x02, 0x01, 0x00], [UInt8](repeating: 0x30, count: 100),
        ]
        for bytes in garbage {
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint(bytes) }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.rsaPublicComponents(bytes) }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.rsaModulusBits(bytes) }
            Self.exercisePublic(bytes)
        }
    }

    @Test("Truncated, extended and bit-flipped real keys never crash")
    func mutatedKeys() throws {
        let ec = try SoftCrypto.generateEC(.p384)
        let ed = try SoftCrypto.generateEd25519()
        for original in [ec.privateKeyPKCS8, ed.privateKeyPKCS8] {
            // Every truncation is rejected.
            for length in stride(from: 0, to: original.count, by: 3) {
                EngineTest.expectError(.invalidKey) {
                    _ = try SoftCrypto.privateKeyKind(Array(original.prefix(length)))
                }
            }
            // Trailing bytes are rejected.
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.privateKeyKind(original + [0]) }
            // Single-byte flips must not trap (they may or may not still parse).
            for index in original.indices {
                var mutated = original
                mutated[index] ^= 0xA5
                Self.tolerate { _ = try SoftCrypto.publicKeyFromPrivate(mutated) }
            }
        }
        let spki = ec.publicKeySPKI
        for length in stride(from: 0, to: spki.count, by: 2) {
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint(Array(spki.prefix(length))) }
        }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint(spki + [0, 0]) }
        for index in spki.indices {
            var mutated = spki
            mutated[index] ^= 0x5A
            Self.tolerate { _ = try SoftCrypto.ecPublicPoint(mutated) }
        }
        // A public key is not a private key and vice versa.
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.privateKeyKind(spki) }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint(ec.privateKeyPKCS8) }
    }

    @Test("Byte-flipped real keys yield results or typed errors, never internal failures")
    func mutatedKeysNeverFailInternally() throws {
        let ec = try SoftCrypto.generateEC(.p256)
        let ecPoint = try SoftCrypto.ecPublicPoint(ec.publicKeySPKI).point
        let rsa = try SoftCrypto.generateRSA(bits: 1024, publicExponent: [1, 0, 1])
        let ed = try SoftCrypto.generateEd25519()
        func mutations(_ key: [UInt8]) -> [[UInt8]] {
            key.indices.flatMap { index in
                [UInt8(0x01), 0x80].map { mask in
                    var mutated = key
                    mutated[index] ^= mask
                    return mutated
                }
            }
        }
        for key in mutations(ec.privateKeyPKCS8) {
            Self.tolerate(rejectingInternalFailures: true) {
                _ = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key, digest: [1, 2, 3])
                _ = try SoftCrypto.ecdh(privateKeyPKCS8: key, peerPoint: ecPoint)
                _ = try SoftCrypto.publicKeyFromPrivate(key)
            }
        }
        for key in mutations(rsa.privateKeyPKCS8) {
            Self.tolerate(rejectingInternalFailures: true) {
                _ = try SoftCrypto.rsaSign(privateKeyPKCS8: key, message: [1], scheme: .pkcs1v15Hashing(.sha256))
                _ = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: key, data: [1, 2, 3], padding: .none)
                _ = try SoftCrypto.publicKeyFromPrivate(key)
            }
        }
        for key in mutations(ed.privateKeyPKCS8) {
            Self.tolerate(rejectingInternalFailures: true) {
                _ = try SoftCrypto.ed25519Sign(privateKeyPKCS8: key, message: [1])
                _ = try SoftCrypto.publicKeyFromPrivate(key)
            }
        }
        for key in mutations(ec.publicKeySPKI) {
            Self.tolerate(rejectingInternalFailures: true) {
                try SoftCrypto.ecdsaVerify(publicKeySPKI: key, digest: [1], signature: [UInt8](repeating: 1, count: 64))
            }
        }
        for key in mutations(rsa.publicKeySPKI) {
            Self.tolerate(rejectingInternalFailures: true) {
                _ = try SoftCrypto.rsaEncrypt(publicKeySPKI: key, data: [1], padding: .pkcs1v15)
                _ = try SoftCrypto.rsaEncrypt(publicKeySPKI: key, data: [1], padding: .none)
            }
        }
    }

    @Test("Random garbage into every entry point never traps")
    func randomGarbage() throws {
        for length in [0, 1, 2, 7, 16, 33, 64, 91, 120, 300] {
            for _ in 0..<3 {
                let bytes = try SoftCrypto.randomBytes(length)
                Self.exercisePrivate(bytes)
                Self.exercisePublic(bytes)
                Self.tolerate { _ = try SoftCrypto.aesECB(encrypt: false, key: bytes, data: bytes) }
                Self.tolerate {
                    _ = try SoftCrypto.aesCBC(encrypt: false, key: bytes, iv: bytes, data: bytes, padding: true)
                }
                Self.tolerate { _ = try SoftCrypto.aesKeyUnwrap(kek: bytes, wrapped: bytes) }
                Self.tolerate { _ = try SoftCrypto.aesKeyUnwrapPad(kek: bytes, wrapped: bytes) }
                Self.tolerate {
                    _ = try SoftCrypto.aesGCMOpen(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes, tag: bytes)
                }
                Self.tolerate { _ = try SoftCrypto.cmacAES(key: bytes, data: bytes) }
                Self.tolerate { try SoftCrypto.ed25519Verify(publicKeyRaw: bytes, message: bytes, signature: bytes) }
                Self.tolerate { _ = try SoftCrypto.ecPublicKeySPKI(curve: .p256, point: bytes) }
            }
        }
    }

    @Test("Keys of unsupported types → unsupported")
    func unsupportedKeyType() throws {
        // An X25519 PrivateKeyInfo (RFC 8410) parses but is not a supported kind.
        let x25519 = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x02, [0]), EngineTest.DER.sequence(EngineTest.DER.tlv(0x06, [0x2B, 0x65, 0x6E])),
            EngineTest.DER.octetString(EngineTest.DER.octetString([UInt8](repeating: 0x11, count: 32))))
        EngineTest.expectError(.unsupported) { _ = try SoftCrypto.privateKeyKind(x25519) }
        EngineTest.expectError(.unsupported) { _ = try SoftCrypto.publicKeyFromPrivate(x25519) }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ed25519Sign(privateKeyPKCS8: x25519, message: []) }
    }

    @Test("Errors carry no secrets and describe themselves")
    func errorDescriptions() {
        #expect(SoftCryptoError.invalidKey.description == "invalid key")
        #expect(SoftCryptoError.internalFailure("x").description.contains("x"))
    }

    /// Runs `body`; any `SoftCryptoError` (or success) is fine, a trap is not.
    static func tolerate(
        rejectingInternalFailures: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
        } catch let error as SoftCryptoError {
            if rejectingInternalFailures, case .internalFailure = error {
                Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }
}
