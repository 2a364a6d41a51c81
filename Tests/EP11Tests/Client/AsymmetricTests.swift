import Crypto
import EP11
import Foundation
import HSMMock
import Testing
import _CryptoExtras

@Suite("EP11 client and HSM mock: RSA, EC, Ed25519, ECDH")
struct AsymmetricTests {
    @Test("RSA-2048: PKCS#1 v1.5 and OAEP encryption round trips; sizes outside 1024-4096 refused")
    func rsaEncryption() async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: Templates.rsaPublic(), privateKeyTemplate: Templates.rsaPrivate)
            let info = try pair.publicKey.publicKeyInfo()
            #expect(info.algorithm == .rsa)
            #expect(try info.rsaPublicKey().keySizeInBits == 2048)
            let message = Array("rsa secret".utf8)
            for mechanism in [Mechanism.rsaPKCS, .rsaOAEP(hash: .sha256), .rsaOAEP(hash: .sha1, mgf: .mgf1SHA1)] {
                let ciphertext = try await client.encrypt(message, key: pair.publicKey, mechanism: mechanism)
                #expect(ciphertext.count == 256)
                #expect(try await client.decrypt(ciphertext, key: pair.privateKey, mechanism: mechanism) == message)
            }
            // A ciphertext made by swift-crypto decrypts in the HSM.
            let local = try info.rsaPublicKey()
            _ = local
            let encryptionKey = try _RSA.Encryption.PublicKey(derRepresentation: info.subjectPublicKeyInfo)
            let external = try encryptionKey.encrypt(message, padding: .PKCS1_OAEP_SHA256)
            #expect(
                try await client.decrypt(Array(external), key: pair.privateKey, mechanism: .rsaOAEP(hash: .sha256))
                    == message)
            // Decrypting with the public key is a key-type error.
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.decrypt(Array(external), key: pair.publicKey, mechanism: .rsaPKCS)
            }
            for bits in [512, 1000, 8192] {
                await #expect(throws: EP11Error.keySizeRange) {
                    try await client.generateKeyPair(
                        .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(bits)], privateKeyTemplate: [])
                }
            }
        }
    }

    @Test(
        "RSA signatures: PKCS#1 v1.5 and PSS, verified by the HSM and by swift-crypto",
        arguments: TransportKind.allCases)
    func rsaSignatures(kind: TransportKind) async throws {
        try await withClient(kind) { client in
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: Templates.rsaPublic(), privateKeyTemplate: Templates.rsaPrivate)
            let local = try pair.publicKey.publicKeyInfo().rsaPublicKey()
            let message = Array("sign me with RSA".utf8)

            let pkcs1 = try await client.sign(message, key: pair.privateKey, mechanism: .sha256RSAPKCS)
            try await client.verify(pkcs1, for: message, key: pair.publicKey, mechanism: .sha256RSAPKCS)
            #expect(
                local.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: pkcs1), for: message, padding: .insecurePKCS1v1_5))

            let pss = try await client.sign(message, key: pair.privateKey, mechanism: .sha256RSAPSS(saltLength: 32))
            try await client.verify(pss, for: message, key: pair.publicKey, mechanism: .sha256RSAPSS(saltLength: 32))
            #expect(
                local.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: message, padding: .PSS))

            // Raw PSS over a digest the caller computed.
            let digest = Array(SHA256.hash(data: message))
            let rawPSS = try await client.sign(
                digest, key: pair.privateKey, mechanism: .rsaPSS(hash: .sha256, saltLength: 32))
            #expect(
                local.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: rawPSS), for: SHA256.hash(data: message), padding: .PSS
                ))

            var forged = pkcs1
            forged[10] ^= 0x40
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(forged, for: message, key: pair.publicKey, mechanism: .sha256RSAPKCS)
            }
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(pkcs1, for: message + [0], key: pair.publicKey, mechanism: .sha256RSAPKCS)
            }
        }
    }

    static let curves: [NamedCurve] = [.p256, .p384, .p521]

    @Test("ECDSA on P-256/P-384/P-521: raw r‖s signatures verified by the HSM and by swift-crypto", arguments: curves)
    func ecdsa(curve: NamedCurve) async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(curve), privateKeyTemplate: Templates.ecPrivate)
            let info = try pair.publicKey.publicKeyInfo()
            #expect(info.algorithm == .ec(curve))
            let message = Array("sign me with ECDSA".utf8)
            let width = (curve.coordinateByteCount ?? 0) * 2
            for mechanism in [Mechanism.ecdsaSHA256, .ecdsaSHA384, .ecdsaSHA512] {
                let signature = try await client.sign(message, key: pair.privateKey, mechanism: mechanism)
                #expect(signature.count == width)
                try await client.verify(signature, for: message, key: pair.publicKey, mechanism: mechanism)
            }
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
            switch curve {
            case .p256:
                let key = try info.p256PublicKey()
                #expect(
                    key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: message))
            case .p384:
                let key = try info.p384PublicKey()
                let digest = SHA256.hash(data: message)
                #expect(
                    key.isValidSignature(try P384.Signing.ECDSASignature(rawRepresentation: signature), for: digest))
            default:
                let key = try info.p521PublicKey()
                let digest = SHA256.hash(data: message)
                #expect(
                    key.isValidSignature(try P521.Signing.ECDSASignature(rawRepresentation: signature), for: digest))
            }
            // CKM_ECDSA signs a caller-supplied digest as is.
            let digest = Array(SHA256.hash(data: message))
            let raw = try await client.sign(digest, key: pair.privateKey, mechanism: .ecdsa)
            try await client.verify(raw, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            // Multi-part signature verifies single-part.
            var state = try await client.signInit(key: pair.privateKey, mechanism: .ecdsaSHA256)
            state = try await client.signUpdate(state: state, data: Array(message.prefix(5)))
            state = try await client.signUpdate(state: state, data: Array(message.dropFirst(5)))
            let multi = try await client.signFinal(state: state)
            var verifying = try await client.verifyInit(key: pair.publicKey, mechanism: .ecdsaSHA256)
            verifying = try await client.verifyUpdate(state: verifying, data: message)
            try await client.verifyFinal(state: verifying, signature: multi)
            let once = try await client.verifyInit(key: pair.publicKey, mechanism: .ecdsaSHA256)
            try await client.verify(state: once, data: message, signature: multi)
        }
    }

    static let corruptions: [(String, @Sendable ([UInt8]) -> [UInt8])] = [
        (
            "first byte flipped",
            {
                var s = $0; s[0] ^= 0xFF; return s
            }
        ),
        (
            "last byte flipped",
            {
                var s = $0; s[s.count - 1] ^= 0x01; return s
            }
        ),
        ("all zero", { [UInt8](repeating: 0, count: $0.count) }),
        ("r and s at maximum (≥ n)", { [UInt8](repeating: 0xFF, count: $0.count) }),
        ("r and s swapped", { Array($0.suffix($0.count / 2) + $0.prefix($0.count / 2)) }),
    ]

    @Test("a corrupted ECDSA signature is CKR_SIGNATURE_INVALID", arguments: 0..<5)
    func corruptedSignatures(index: Int) async throws {
        let (name, corrupt) = Self.corruptions[index]
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            let message = Array("tamper".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
            await #expect(throws: EP11Error.signatureInvalid, "\(name)") {
                try await client.verify(corrupt(signature), for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            }
            await #expect(throws: EP11Error.signatureLengthRange) {
                try await client.verify(
                    Array(signature.prefix(63)), for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            }
        }
    }

    @Test("wrong key or wrong mechanism gives the exact return value")
    func wrongKeyAndMechanism() async throws {
        try await withClient(.inProcess) { client in
            let ec = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            let other = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            let aes = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let message = Array("who signed this".utf8)
            let signature = try await client.sign(message, key: ec.privateKey, mechanism: .ecdsaSHA256)
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(signature, for: message, key: other.publicKey, mechanism: .ecdsaSHA256)
            }
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.sign(message, key: aes, mechanism: .ecdsaSHA256)
            }
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.encrypt(
                    message, key: ec.publicKey, mechanism: .aesCBCPad(iv: [UInt8](repeating: 0, count: 16)))
            }
            await #expect(throws: EP11Error.mechanismInvalid) {
                try await client.sign(
                    message, key: ec.privateKey, mechanism: Mechanism(MechanismType(rawValue: 0x7777)))
            }
            await #expect(throws: EP11Error.mechanismParameterInvalid) {
                try await client.encrypt(message, key: aes, mechanism: .aesCBCPad(iv: [1, 2, 3]))
            }
            let noSign = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256), .verify(false)],
                privateKeyTemplate: [.sign(false)])
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.sign(message, key: noSign.privateKey, mechanism: .ecdsaSHA256)
            }
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.verify(signature, for: message, key: noSign.publicKey, mechanism: .ecdsaSHA256)
            }
            await #expect(throws: EP11Error(returnValue: .curveNotSupported)) {
                try await client.generateKeyPair(
                    .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.brainpoolP256r1)], privateKeyTemplate: [])
            }
        }
    }

    @Test("Ed25519: EP11-style SPKI, signatures verified by swift-crypto")
    func ed25519() async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.ed25519), .verify(true)],
                privateKeyTemplate: [.sign(true)])
            let info = try pair.publicKey.publicKeyInfo()
            #expect(info.algorithm == .ed25519)
            #expect(Array(info.subjectPublicKeyInfo.prefix(16)) == hexBytes("3033300e06072a8648ce3d020106032b"))
            let message = Array("ed25519 message".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ed25519)
            #expect(signature.count == 64)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ed25519)
            #expect(try info.ed25519PublicKey().isValidSignature(signature, for: message))
            _ = try info.certificatePublicKey()
            var forged = signature
            forged[3] ^= 4
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(forged, for: message, key: pair.publicKey, mechanism: .ed25519)
            }
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
            }
        }
    }

    @Test("ECDH1 derive: both sides derive the same key, equal to swift-crypto's shared secret")
    func ecdh() async throws {
        try await withClient(.inProcess) { client in
            let alice = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            let bob = P256.KeyAgreement.PrivateKey()
            let bobPoint = Array(bob.publicKey.x963Representation)
            let alicePoint = try alice.publicKey.publicKeyInfo().keyBytes
            let template: AttributeTemplate = [
                .class(.secretKey), .keyType(.genericSecret), .valueLength(32), .sign(true), .verify(true),
            ]
            let derived = try await client.deriveKey(
                .ecdh1Derive(peerPublicKey: bobPoint), baseKey: alice.privateKey, template: template)
            #expect(derived.keyBitCount == 256)
            // Bob computes the same secret locally; an HMAC under the derived key proves the HSM holds it.
            let shared = try bob.sharedSecretFromKeyAgreement(
                with: P256.KeyAgreement.PublicKey(x963Representation: alicePoint))
            let sharedBytes = shared.withUnsafeBytes { Array($0) }
            let data = Array("agreed".utf8)
            let hsmMAC = try await client.sign(data, key: derived.key, mechanism: .sha256HMAC)
            let localMAC = Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: sharedBytes)))
            #expect(hsmMAC == localMAC)
            // The structured parameter form works too.
            let viaParameter = try await client.deriveKey(
                .ecdh1Derive(ECDH1DeriveParameters(kdf: .null, sharedData: [], publicData: bobPoint)),
                baseKey: alice.privateKey, template: template)
            #expect(viaParameter.checkValue == derived.checkValue)
            // An invalid peer point is a parameter error.
            await #expect(throws: EP11Error.mechanismParameterInvalid) {
                try await client.deriveKey(
                    .ecdh1Derive(peerPublicKey: [0x04] + [UInt8](repeating: 1, count: 64)), baseKey: alice.privateKey,
                    template: template)
            }
        }
    }
}
