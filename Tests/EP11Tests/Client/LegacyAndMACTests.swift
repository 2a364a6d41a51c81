import Crypto
import EP11
import Foundation
import HSMMock
import TestSupport
import Testing
import _CryptoExtras

/// Imports a known secret into the HSM through RSA-OAEP, so that HSM results can be compared with known answers.
func importKnownSecret(
    _ secret: [UInt8],
    keyType: KeyType,
    usage: AttributeTemplate,
    client: EP11Client
) async throws -> GeneratedKey {
    let rsa = try await client.generateKeyPair(
        .rsaKeyPairGen, publicKeyTemplate: Templates.rsaPublic(), privateKeyTemplate: Templates.rsaPrivate)
    let publicKey = try _RSA.Encryption.PublicKey(
        derRepresentation: rsa.publicKey.publicKeyInfo().subjectPublicKeyInfo)
    let wrapped = try publicKey.encrypt(secret, padding: .PKCS1_OAEP_SHA256)
    var template: AttributeTemplate = [.class(.secretKey), .keyType(keyType)]
    template.merge(usage)
    return try await client.unwrapKey(
        Array(wrapped), unwrappingKey: rsa.privateKey, mechanism: .rsaOAEP(hash: .sha256), template: template)
}

@Suite("EP11 client and HSM mock: DES3, AES-CMAC, secp256k1")
struct LegacyAndMACTests {
    @Test("DES3 keys: generated with odd parity and a DES3 check value; ECB, CBC, CBC-PAD in every flow")
    func des3() async throws {
        try await withClient(.inProcess) { client in
            let key = try await client.generateKey(.insecureDES3KeyGen, template: [.valueLength(24), .encrypt(true), .decrypt(true)])
            #expect(key.keyBitCount == 192)
            _ = try await client.generateKey(.insecureDES3KeyGen, template: [.valueLength(32)])
            _ = try await client.generateKey(.insecureDES3KeyGen, template: [])
            await #expect(throws: EP11Error.keySizeRange) {
                try await client.generateKey(.insecureDES3KeyGen, template: [.valueLength(8)])
            }
            let iv = [UInt8](repeating: 7, count: 8)
            let message = Array("triple DES, still in the wild".utf8)
            let padded = try await client.encrypt(message, key: key.key, mechanism: .insecureDES3CBCPad(iv: iv))
            #expect(padded.count == 32)
            #expect(try await client.decrypt(padded, key: key.key, mechanism: .insecureDES3CBCPad(iv: iv)) == message)
            var state = try await client.encryptInit(key: key.key, mechanism: .insecureDES3CBCPad(iv: iv))
            var multi: [UInt8] = []
            for range in [0..<3, 3..<20, 20..<message.count] {
                let (next, output) = try await client.encryptUpdate(state: state, plaintext: Array(message[range]))
                state = next
                multi += output
            }
            multi += try await client.encryptFinal(state: state)
            #expect(multi == padded)
            let blocks = [UInt8](repeating: 0x42, count: 16)
            for mechanism in [Mechanism.insecureDES3ECB, .insecureDES3CBC(iv: iv)] {
                let ciphertext = try await client.encrypt(blocks, key: key.key, mechanism: mechanism)
                #expect(try await client.decrypt(ciphertext, key: key.key, mechanism: mechanism) == blocks)
            }
            await #expect(throws: EP11Error.mechanismParameterInvalid) {
                try await client.encrypt(message, key: key.key, mechanism: .insecureDES3CBCPad(iv: [UInt8](repeating: 0, count: 16)))
            }
            let aes = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.encrypt(blocks, key: aes, mechanism: .insecureDES3ECB)
            }
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.encrypt(blocks, key: key.key, mechanism: .aesECB)
            }
        }
    }

    @Test("DES3-CBC ciphertext of an imported key matches openssl enc -des-ede3-cbc")
    func des3AgainstOpenSSL() async throws {
        try await withClient(.inProcess) { client in
            let secret = hexBytes("0123456789abcdeffedcba987654321089abcdef01234567")
            let imported = try await importKnownSecret(secret, keyType: .des3, usage: [.encrypt(true)], client: client)
            let iv = hexBytes("1122334455667788")
            let message = Array("compare with openssl".utf8)
            let hsm = try await client.encrypt(message, key: imported.key, mechanism: .insecureDES3CBCPad(iv: iv))
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("des3-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: input) }
            try Data(message).write(to: input)
            let openssl = try await ChildProcess.capture(
                "/usr/bin/openssl",
                [
                    "enc", "-des-ede3-cbc", "-K", "0123456789abcdeffedcba987654321089abcdef01234567", "-iv",
                    "1122334455667788", "-in", input.path,
                ],
                timeout: .seconds(30))
            #expect(openssl.status == 0, "\(openssl.standardErrorText)")
            #expect(hsm == openssl.standardOutput)
        }
    }

    @Test("AES-CMAC matches RFC 4493 example 2 for an imported key; a wrong MAC is refused")
    func cmac() async throws {
        try await withClient(.inProcess) { client in
            let key = try await importKnownSecret(
                hexBytes("2b7e151628aed2a6abf7158809cf4f3c"), keyType: .aes, usage: [.sign(true), .verify(true)],
                client: client)
            let message = hexBytes("6bc1bee22e409f96e93d7e117393172a")
            let tag = try await client.sign(message, key: key.key, mechanism: .aesCMAC)
            #expect(tag == hexBytes("070a16b46b4d4144f79bdd9dd04a287c"))
            try await client.verify(tag, for: message, key: key.key, mechanism: .aesCMAC)
            var wrong = tag
            wrong[0] ^= 1
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(wrong, for: message, key: key.key, mechanism: .aesCMAC)
            }
            let verifyOnly = try await client.generateKey(.aesKeyGen, template: [.valueLength(16), .sign(false), .verify(true)]).key
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.sign(message, key: verifyOnly, mechanism: .aesCMAC)
            }
            let list = try await client.mechanismList()
            #expect(list.contains(.aesCMAC) && list.contains(.des3CBCPad))
        }
    }

    @Test("raw RSA (CKM_RSA_X_509) round trips a full-width block, matching the textbook operation")
    func rawRSA() async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: Templates.rsaPublic(), privateKeyTemplate: Templates.rsaPrivate)
            var block = try await client.generateRandom(count: 256)
            block[0] = 0x00  // below the modulus
            let ciphertext = try await client.encrypt(block, key: pair.publicKey, mechanism: .insecureRSAX509Raw)
            #expect(ciphertext.count == 256)
            #expect(try await client.decrypt(ciphertext, key: pair.privateKey, mechanism: .insecureRSAX509Raw) == block)
            // Raw RSA is deterministic, unlike PKCS#1 v1.5 and OAEP.
            #expect(try await client.encrypt(block, key: pair.publicKey, mechanism: .insecureRSAX509Raw) == ciphertext)
        }
    }

    @Test("secp256k1 key pairs sign and verify; the public key names its curve")
    func secp256k1() async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.secp256k1), privateKeyTemplate: Templates.ecPrivate)
            #expect(try pair.publicKey.publicKeyInfo().algorithm == .ec(.secp256k1))
            let message = Array("bitcoin curve".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
            #expect(signature.count == 64)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            var forged = signature
            forged[40] ^= 2
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(forged, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
            }
        }
    }
}
