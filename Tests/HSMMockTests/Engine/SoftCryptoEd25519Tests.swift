import HSMMock
import Testing

@Suite("SoftCrypto Ed25519")
struct SoftCryptoEd25519Tests {
    @Test("RFC 8032 §7.1 test 1 (empty message)")
    func rfc8032Test1() throws {
        let secret = try EngineTest.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let publicKey = try EngineTest.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let expected = try EngineTest.hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        // RFC 8410 PrivateKeyInfo: AlgorithmIdentifier id-Ed25519, CurvePrivateKey OCTET STRING.
        let pkcs8 = EngineTest.DER.sequence(
            EngineTest.DER.tlv(0x02, [0]), EngineTest.DER.sequence(EngineTest.DER.tlv(0x06, [0x2B, 0x65, 0x70])),
            EngineTest.DER.octetString(EngineTest.DER.octetString(secret)))
        #expect(try SoftCrypto.privateKeyKind(pkcs8) == .ed25519)
        #expect(try SoftCrypto.publicKeyFromPrivate(pkcs8) == publicKey)
        let signature = try SoftCrypto.ed25519Sign(privateKeyPKCS8: pkcs8, message: [])
        #expect(signature == expected)
        try SoftCrypto.ed25519Verify(publicKeyRaw: publicKey, message: [], signature: signature)
    }

    @Test("Generate, sign, verify, and reject tampering")
    func roundTrip() throws {
        let key = try SoftCrypto.generateEd25519()
        #expect(key.publicKeyRaw.count == 32)
        #expect(try SoftCrypto.privateKeyKind(key.privateKeyPKCS8) == .ed25519)
        #expect(try SoftCrypto.publicKeyFromPrivate(key.privateKeyPKCS8) == key.publicKeyRaw)
        let message = Array("ed25519 message".utf8)
        let signature = try SoftCrypto.ed25519Sign(privateKeyPKCS8: key.privateKeyPKCS8, message: message)
        #expect(signature.count == 64)
        try SoftCrypto.ed25519Verify(publicKeyRaw: key.publicKeyRaw, message: message, signature: signature)

        var flipped = signature
        flipped[40] ^= 0x02
        for bad in [flipped, Array(signature.dropLast()), signature + [0], [], [UInt8](repeating: 0, count: 64)] {
            EngineTest.expectError(.invalidSignature) {
                try SoftCrypto.ed25519Verify(publicKeyRaw: key.publicKeyRaw, message: message, signature: bad)
            }
        }
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.ed25519Verify(publicKeyRaw: key.publicKeyRaw, message: message + [1], signature: signature)
        }
        // Wrong-size public keys.
        for badKey in [[], Array(key.publicKeyRaw.dropLast()), key.publicKeyRaw + [0]] {
            EngineTest.expectError(.invalidKey) {
                try SoftCrypto.ed25519Verify(publicKeyRaw: badKey, message: message, signature: signature)
            }
        }
        // A 32-byte key that is not a valid point cannot verify anything.
        EngineTest.expectError(.invalidSignature) {
            try SoftCrypto.ed25519Verify(
                publicKeyRaw: [UInt8](repeating: 0xFF, count: 32), message: message, signature: signature)
        }
        // Non-Ed25519 private key.
        let ec = try SoftCrypto.generateEC(.p256)
        EngineTest.expectError(.invalidKey) {
            _ = try SoftCrypto.ed25519Sign(privateKeyPKCS8: ec.privateKeyPKCS8, message: [])
        }
    }

    @Test("Ed25519 interoperates with openssl pkeyutl -rawin")
    func crossCheck() throws {
        let cli = try EngineTest.OpenSSLCLI()
        let key = try SoftCrypto.generateEd25519()
        let message = Array("signed by both".utf8)
        try cli.write("msg.bin", message)
        try cli.write("pub.der", EngineTest.DER.ed25519SPKI(key.publicKeyRaw))
        try cli.write("priv.der", key.privateKeyPKCS8)
        let signature = try SoftCrypto.ed25519Sign(privateKeyPKCS8: key.privateKeyPKCS8, message: message)
        try cli.write("sig.bin", signature)
        try cli.succeed([
            "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-rawin", "-in", "msg.bin",
            "-sigfile", "sig.bin",
        ])
        try cli.succeed([
            "pkeyutl", "-sign", "-keyform", "DER", "-inkey", "priv.der", "-rawin", "-in", "msg.bin", "-out", "cli.sig",
        ])
        // Ed25519 is deterministic: both signatures are identical.
        #expect(try cli.read("cli.sig") == signature)
        // openssl derives the same public key from the PKCS#8.
        let cliPublic = try cli.succeed(["pkey", "-inform", "DER", "-in", "priv.der", "-pubout", "-outform", "DER"])
        #expect(cliPublic == EngineTest.DER.ed25519SPKI(key.publicKeyRaw))
    }
}
