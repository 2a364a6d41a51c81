import HSMMock
import Testing

@Suite("SoftCrypto EC: ECDSA, ECDH and key handling")
struct SoftCryptoECTests {
    typealias Curve = SoftCrypto.ECCurve

    /// Group orders n (big-endian).
    static func order(_ curve: Curve) throws -> [UInt8] {
        switch curve {
        case .p256:
            try EngineTest.hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
        case .p384:
            try EngineTest.hex(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973")
        case .p521:
            try EngineTest.hex(
                "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409"
            )
        case .secp256k1:
            try EngineTest.hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")
        }
    }

    @Test("Generation, point export and SPKI round trip", arguments: Curve.allCases)
    func generation(curve: Curve) throws {
        let key = try SoftCrypto.generateEC(curve)
        #expect(try SoftCrypto.ecCurve(ofPrivateKey: key.privateKeyPKCS8) == curve)
        #expect(try SoftCrypto.privateKeyKind(key.privateKeyPKCS8) == .ec(curve))
        let (pointCurve, point) = try SoftCrypto.ecPublicPoint(key.publicKeySPKI)
        #expect(pointCurve == curve)
        #expect(point.count == 1 + 2 * curve.coordinateByteCount)
        #expect(point.first == 0x04)
        #expect(try SoftCrypto.ecPublicKeySPKI(curve: curve, point: point) == key.publicKeySPKI)
        #expect(try SoftCrypto.publicKeyFromPrivate(key.privateKeyPKCS8) == key.publicKeySPKI)
        // Named-curve SPKI: the uncompressed point is the BIT STRING's tail.
        #expect(Array(key.publicKeySPKI.suffix(point.count + 1)) == [0x00] + point)
    }

    @Test("ECDSA sign/verify with several digest sizes", arguments: Curve.allCases)
    func ecdsaRoundTrip(curve: Curve) throws {
        let key = try SoftCrypto.generateEC(curve)
        for algorithm in SoftCrypto.DigestAlgorithm.allCases {
            let digest = try SoftCrypto.digest(algorithm, Array("message for \(curve)".utf8))
            let signature = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: digest)
            #expect(signature.count == 2 * curve.coordinateByteCount)
            try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: digest, signature: signature)
        }
        // Odd digest lengths are fine (truncation / short integers).
        for length in [1, 5, 31, 100] {
            let digest = try SoftCrypto.randomBytes(length)
            let signature = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: digest)
            try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: digest, signature: signature)
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: [])
        }
    }

    @Test("Tampered or malformed ECDSA signatures → invalidSignature", arguments: Curve.allCases)
    func badSignatures(curve: Curve) throws {
        let key = try SoftCrypto.generateEC(curve)
        let digest = try SoftCrypto.digest(.sha256, [1, 2, 3])
        let signature = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: digest)
        let size = curve.coordinateByteCount
        let r = Array(signature.prefix(size))
        let s = Array(signature.suffix(size))
        let n = try Self.order(curve)
        let zero = [UInt8](repeating: 0, count: size)
        let ones = [UInt8](repeating: 0xFF, count: size)
        var flipped = signature
        flipped[signature.count - 1] ^= 0x01
        var flippedR = signature
        flippedR[size / 2] ^= 0x10
        let candidates: [[UInt8]] = [
            flipped, flippedR,
            Array(signature.dropLast()), signature + [0], [], [0x30],
            zero + zero, zero + s, r + zero,
            n + s, r + n, ones + s, r + ones,
            s + r,
        ]
        for candidate in candidates {
            EngineTest.expectError(.invalidSignature) {
                try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: digest, signature: candidate)
            }
        }
        // Wrong digest / wrong key. (Appending bytes to a digest already as long as the
        // order would not change it: long digests are truncated per SEC 1.)
        var otherDigest = digest
        otherDigest[0] ^= 0x80
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: otherDigest, signature: signature)
        }
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.ecdsaVerify(
                publicKeySPKI: key.publicKeySPKI, digest: Array(digest.dropLast()), signature: signature)
        }
        let other = try SoftCrypto.generateEC(curve)
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.ecdsaVerify(publicKeySPKI: other.publicKeySPKI, digest: digest, signature: signature)
        }
        EngineTest.expectError(.invalidLength) {
            try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: [], signature: signature)
        }
    }

    @Test("ECDSA interoperates with openssl pkeyutl", arguments: Curve.allCases)
    func ecdsaCrossCheck(curve: Curve) throws {
        let cli = try EngineTest.OpenSSLCLI()
        let key = try SoftCrypto.generateEC(curve)
        try cli.write("pub.der", key.publicKeySPKI)
        try cli.write("priv.der", key.privateKeyPKCS8)
        // A SHA-512 digest is longer than every order here except P-521's: checks truncation agrees.
        for algorithm in [SoftCrypto.DigestAlgorithm.sha256, .sha512] {
            let digest = try SoftCrypto.digest(algorithm, Array("interop".utf8))
            try cli.write("digest.bin", digest)
            // Engine signs; openssl verifies the DER the test builds from r‖s.
            let raw = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: digest)
            try cli.write("sig.der", EngineTest.DER.ecdsaSignature(raw: raw))
            try cli.succeed([
                "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "digest.bin",
                "-sigfile", "sig.der",
            ])
            // openssl signs; the engine verifies after the test converts DER to r‖s.
            try cli.succeed([
                "pkeyutl", "-sign", "-keyform", "DER", "-inkey", "priv.der", "-in", "digest.bin", "-out",
                "cli.der",
            ])
            let cliRaw = try EngineTest.DER.ecdsaRaw(try cli.read("cli.der"), size: curve.coordinateByteCount)
            try SoftCrypto.ecdsaVerify(publicKeySPKI: key.publicKeySPKI, digest: digest, signature: cliRaw)
        }
        // Harness sanity: openssl rejects a tampered signature.
        let digest = try SoftCrypto.digest(.sha256, [9])
        try cli.write("digest.bin", digest)
        var raw = try SoftCrypto.ecdsaSign(privateKeyPKCS8: key.privateKeyPKCS8, digest: digest)
        raw[3] ^= 1
        try cli.write("bad.der", EngineTest.DER.ecdsaSignature(raw: raw))
        let result = try cli.run([
            "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "digest.bin",
            "-sigfile", "bad.der",
        ])
        #expect(result.status != 0)
    }

    @Test("ECDH agreement is symmetric and matches openssl", arguments: Curve.allCases)
    func ecdh(curve: Curve) throws {
        let alice = try SoftCrypto.generateEC(curve)
        let bob = try SoftCrypto.generateEC(curve)
        let alicePoint = try SoftCrypto.ecPublicPoint(alice.publicKeySPKI).point
        let bobPoint = try SoftCrypto.ecPublicPoint(bob.publicKeySPKI).point
        let secret1 = try SoftCrypto.ecdh(privateKeyPKCS8: alice.privateKeyPKCS8, peerPoint: bobPoint)
        let secret2 = try SoftCrypto.ecdh(privateKeyPKCS8: bob.privateKeyPKCS8, peerPoint: alicePoint)
        #expect(secret1 == secret2)
        #expect(secret1.count == curve.coordinateByteCount)

        let cli = try EngineTest.OpenSSLCLI()
        try cli.write("alice.der", alice.privateKeyPKCS8)
        try cli.write("bob.der", bob.publicKeySPKI)
        let cliSecret = try cli.succeed([
            "pkeyutl", "-derive", "-keyform", "DER", "-inkey", "alice.der", "-peerform", "DER", "-peerkey", "bob.der",
        ])
        #expect(cliSecret == secret1)
    }

    @Test("Invalid peer points and public points → invalidKey", arguments: Curve.allCases)
    func invalidPoints(curve: Curve) throws {
        let key = try SoftCrypto.generateEC(curve)
        let point = try SoftCrypto.ecPublicPoint(key.publicKeySPKI).point
        var offCurve = point
        offCurve[offCurve.count - 1] ^= 0x01
        var compressed = [0x02 | (point[point.count - 1] & 1)] + Array(point[1...curve.coordinateByteCount])
        let badPoints: [[UInt8]] = [
            [], [0x04], [0x00], offCurve, Array(point.dropLast()), point + [0],
            compressed,
            [0x04] + [UInt8](repeating: 0, count: 2 * curve.coordinateByteCount),
            [0x04] + [UInt8](repeating: 0xFF, count: 2 * curve.coordinateByteCount),
            [0x05] + Array(point.dropFirst()),
        ]
        for bad in badPoints {
            EngineTest.expectError(.invalidKey) {
                _ = try SoftCrypto.ecdh(privateKeyPKCS8: key.privateKeyPKCS8, peerPoint: bad)
            }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicKeySPKI(curve: curve, point: bad) }
        }
        compressed.removeAll()
        // A valid point on a different curve has the wrong size (or is off-curve).
        let otherCurve: Curve = curve == .p256 ? .secp256k1 : .p256
        let otherPoint = try SoftCrypto.ecPublicPoint(SoftCrypto.generateEC(otherCurve).publicKeySPKI).point
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.ecdh(privateKeyPKCS8: key.privateKeyPKCS8, peerPoint: otherPoint)
        }
    }

    @Test("Compressed-point SPKI is accepted and re-exported uncompressed")
    func compressedSPKI() throws {
        let key = try SoftCrypto.generateEC(.p256)
        let point = try SoftCrypto.ecPublicPoint(key.publicKeySPKI).point
        let compressed = [0x02 | (point[64] & 1)] + Array(point[1...32])
        // SPKI with the same AlgorithmIdentifier and a compressed point.
        let algorithm = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d0201")),
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d030107")))
        let spki = EngineTest.DER.sequence(algorithm, EngineTest.DER.bitString(compressed))
        let parsed = try SoftCrypto.ecPublicPoint(spki)
        #expect(parsed.curve == .p256)
        #expect(parsed.point == point)
    }

    @Test("PKCS#8 in Go's form (no inner parameters, optional public key) imports")
    func goStylePKCS8() throws {
        // d = 1 → the public point is the P-256 generator G.
        let d = [UInt8](repeating: 0, count: 31) + [1]
        let generator = try EngineTest.hex(
            "04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
                + "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")
        let algorithm = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d0201")),
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d030107")))
        let innerWithoutPublic = EngineTest.DER.sequence(EngineTest.DER.tlv(0x02, [1]), EngineTest.DER.octetString(d))
        let innerWithPublic = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x02, [1]), EngineTest.DER.octetString(d),
            EngineTest.DER.tlv(0xA1, EngineTest.DER.bitString(generator)))
        for inner in [innerWithoutPublic, innerWithPublic] {
            let pkcs8 = EngineTest.DER.sequence(
                EngineTest.DER.tlv(0x02, [0]), algorithm, EngineTest.DER.octetString(inner))
            #expect(try SoftCrypto.privateKeyKind(pkcs8) == .ec(.p256))
            #expect(try SoftCrypto.ecCurve(ofPrivateKey: pkcs8) == .p256)
            let spki = try SoftCrypto.publicKeyFromPrivate(pkcs8)
            #expect(try SoftCrypto.ecPublicPoint(spki).point == generator)
            let digest = try SoftCrypto.digest(.sha256, [1])
            let signature = try SoftCrypto.ecdsaSign(privateKeyPKCS8: pkcs8, digest: digest)
            try SoftCrypto.ecdsaVerify(publicKeySPKI: spki, digest: digest, signature: signature)
        }
    }

    @Test("EC private keys with d = 0, d ≥ n or a mismatched public key → invalidKey")
    func invalidPrivateScalars() throws {
        let algorithm = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d0201")),
            EngineTest.DER.tlv(0x06, try EngineTest.hex("2a8648ce3d030107")))
        let n = try Self.order(.p256)
        var nPlusOne = n
        nPlusOne[31] = 0x52
        for d in [[UInt8](repeating: 0, count: 32), n, nPlusOne, [UInt8](repeating: 0xFF, count: 32)] {
            let inner = EngineTest.DER.sequence(EngineTest.DER.tlv(0x02, [1]), EngineTest.DER.octetString(d))
            let pkcs8 = EngineTest.DER.sequence(
                EngineTest.DER.tlv(0x02, [0]), algorithm, EngineTest.DER.octetString(inner))
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.privateKeyKind(pkcs8) }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecdsaSign(privateKeyPKCS8: pkcs8, digest: [1]) }
        }
        // d = 2 with the public key of d = 1 (G) embedded.
        let generator = try EngineTest.hex(
            "04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
                + "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")
        let inner = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x02, [1]), EngineTest.DER.octetString([UInt8](repeating: 0, count: 31) + [2]),
            EngineTest.DER.tlv(0xA1, EngineTest.DER.bitString(generator)))
        let mismatched = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x02, [0]), algorithm, EngineTest.DER.octetString(inner))
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.publicKeyFromPrivate(mismatched) }
        // An SPKI holding the point at infinity.
        let infinity = EngineTest.DER.sequence(algorithm, EngineTest.DER.bitString([0x00]))
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint(infinity) }
        EngineTest.expectError(.invalidKey) {
            try SoftCrypto.ecdsaVerify(
                publicKeySPKI: infinity, digest: [1], signature: [UInt8](repeating: 1, count: 64))
        }
    }

    @Test("Non-EC and garbage keys are rejected")
    func wrongKeys() throws {
        let ed = try SoftCrypto.generateEd25519()
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecCurve(ofPrivateKey: ed.privateKeyPKCS8) }
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.ecdsaSign(privateKeyPKCS8: ed.privateKeyPKCS8, digest: [1])
        }
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.ecdh(privateKeyPKCS8: ed.privateKeyPKCS8, peerPoint: [4])
        }
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.ecPublicPoint(EngineTest.DER.ed25519SPKI(ed.publicKeyRaw))
        }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.ecPublicPoint([]) }
        EngineTest.expectError(.invalidKey) {
            try SoftCrypto.ecdsaVerify(
                publicKeySPKI: [1, 2, 3], digest: [1], signature: [UInt8](repeating: 1, count: 64))
        }
    }
}
