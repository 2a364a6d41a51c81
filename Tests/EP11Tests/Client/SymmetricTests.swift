import Crypto
import EP11
import Foundation
import HSMMock
import Testing
import _CryptoExtras

@Suite("EP11 client and HSM mock: random, digest, AES")
struct SymmetricTests {
    @Test("GenerateRandom returns the requested length, fresh each time", arguments: TransportKind.allCases)
    func random(kind: TransportKind) async throws {
        try await withClient(kind) { client in
            let first = try await client.generateRandom(count: 32)
            let second = try await client.generateRandom(count: 32)
            #expect(first.count == 32)
            #expect(first != second)
            await #expect(throws: EP11Error.invalidArgument) { try await client.generateRandom(count: 0) }
            await #expect(throws: EP11Error.argumentsBad) { try await client.generateRandom(count: 2 << 20) }
        }
    }

    static let shaVectors: [(String, Mechanism, String)] = {
        let url = Bundle.module.url(forResource: "Vectors/sha-abc", withExtension: "txt")
        let text = url.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        let mechanisms: [String: Mechanism] = [
            "sha1": .insecureSHA1, "sha224": .sha224, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512,
        ]
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 2, let mechanism = mechanisms[parts[0]] else { return nil }
            return (parts[0], mechanism, parts[1])
        }
    }()

    @Test("Digest in all three flows matches the known answer for \"abc\"")
    func digests() async throws {
        #expect(Self.shaVectors.count == 5)
        try await withClient(.inProcess) { client in
            for (name, mechanism, expected) in Self.shaVectors {
                let data = Array("abc".utf8)
                #expect(try await client.digest(data, mechanism: mechanism) == hexBytes(expected), "\(name) single")
                let state = try await client.digestInit(mechanism: mechanism)
                #expect(try await client.digest(state: state, data: data) == hexBytes(expected), "\(name) Init+Digest")
                var running = try await client.digestInit(mechanism: mechanism)
                running = try await client.digestUpdate(state: running, data: Array("a".utf8))
                running = try await client.digestUpdate(state: running, data: Array("bc".utf8))
                #expect(try await client.digestFinal(state: running) == hexBytes(expected), "\(name) multi-part")
            }
            await #expect(throws: EP11Error.mechanismInvalid) { try await client.digest([1], mechanism: .aesECB) }
            await #expect(throws: EP11Error(returnValue: .savedStateInvalid)) {
                try await client.digestFinal(state: OperationState([0, 1, 2, 3]))
            }
        }
    }

    @Test("AES key sizes: 16, 24, 32 accepted with a 7-byte checksum; others refused")
    func aesKeySizes() async throws {
        try await withClient(.inProcess) { client in
            for size in [16, 24, 32] {
                let key = try await client.generateKey(.aesKeyGen, template: [.valueLength(size), .encrypt(true)])
                #expect(key.checksum.count == 7)
                #expect(key.keyBitCount == UInt32(size * 8))
                #expect(!key.key.isPublicKey)
            }
            for size in [0, 20, 28, 64] {
                await #expect(throws: EP11Error.keySizeRange) {
                    try await client.generateKey(.aesKeyGen, template: [.valueLength(size)])
                }
            }
            await #expect(throws: EP11Error.templateIncomplete) {
                try await client.generateKey(.aesKeyGen, template: [.encrypt(true)])
            }
            await #expect(throws: EP11Error.templateInconsistent) {
                try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .keyType(.des3)])
            }
        }
    }

    @Test("AES ECB, CBC and CBC-PAD round trips in every flow", arguments: TransportKind.allCases)
    func aesModes(kind: TransportKind) async throws {
        try await withClient(kind) { client in
            let key = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let iv = try await client.generateRandom(count: 16)
            let blocks = [UInt8](repeating: 0xA5, count: 64)
            for mechanism in [Mechanism.aesECB, .aesCBC(iv: iv)] {
                let ciphertext = try await client.encrypt(blocks, key: key, mechanism: mechanism)
                #expect(ciphertext.count == 64)
                #expect(try await client.decrypt(ciphertext, key: key, mechanism: mechanism) == blocks)
            }
            await #expect(throws: EP11Error.dataLengthRange) {
                try await client.encrypt([1, 2, 3], key: key, mechanism: .aesECB)
            }
            let message = Array((0..<1000).map { UInt8(truncatingIfNeeded: $0) })
            let single = try await client.encrypt(message, key: key, mechanism: .aesCBCPad(iv: iv))
            #expect(single.count == 1008)
            // PKCS#11 single-part after Init gives the same ciphertext.
            let state = try await client.encryptInit(key: key, mechanism: .aesCBCPad(iv: iv))
            #expect(try await client.encrypt(state: state, plaintext: message) == single)
            // Multi-part with odd chunk sizes gives the same ciphertext.
            var running = try await client.encryptInit(key: key, mechanism: .aesCBCPad(iv: iv))
            var multi: [UInt8] = []
            var offset = 0
            for chunk in [5, 17, 40, 300, 638] {
                let (next, output) = try await client.encryptUpdate(
                    state: running, plaintext: Array(message[offset..<(offset + chunk)]))
                running = next
                multi += output
                offset += chunk
            }
            #expect(offset == message.count)
            multi += try await client.encryptFinal(state: running)
            #expect(multi == single)
            // Multi-part decryption holds back the last block until Final.
            var decrypting = try await client.decryptInit(key: key, mechanism: .aesCBCPad(iv: iv))
            let (afterFirst, firstPlain) = try await client.decryptUpdate(
                state: decrypting, ciphertext: Array(single[0..<32]))
            #expect(firstPlain.count == 16)
            decrypting = afterFirst
            let (afterRest, restPlain) = try await client.decryptUpdate(
                state: decrypting, ciphertext: Array(single[32...]))
            let tail = try await client.decryptFinal(state: afterRest)
            #expect(firstPlain + restPlain + tail == message)
            #expect(try await client.decrypt(single, key: key, mechanism: .aesCBCPad(iv: iv)) == message)
            // An empty update is refused, as on HPCS.
            let fresh = try await client.encryptInit(key: key, mechanism: .aesCBCPad(iv: iv))
            await #expect(throws: EP11Error.argumentsBad) {
                try await client.encryptUpdate(state: fresh, plaintext: [])
            }
        }
    }

    @Test("AES ciphertext matches swift-crypto for a key imported under RSA-OAEP")
    func aesAgainstSwiftCrypto() async throws {
        try await withClient(.inProcess) { client in
            let rsa = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: Templates.rsaPublic(), privateKeyTemplate: Templates.rsaPrivate)
            let localKey = SymmetricKey(size: .bits256)
            let keyBytes = localKey.withUnsafeBytes { Array($0) }
            // Encrypt the key locally with the HSM's public key, then import it into the HSM.
            let publicKey = try _RSA.Encryption.PublicKey(
                derRepresentation: rsa.publicKey.publicKeyInfo().subjectPublicKeyInfo)
            let wrapped = try publicKey.encrypt(keyBytes, padding: .PKCS1_OAEP_SHA256)
            let imported = try await client.unwrapKey(
                Array(wrapped), unwrappingKey: rsa.privateKey,
                mechanism: .rsaOAEP(hash: .sha256, mgf: .mgf1SHA256),
                template: [.class(.secretKey), .keyType(.aes), .valueLength(32), .encrypt(true), .decrypt(true)]
            )
            #expect(imported.keyBitCount == 256)
            let iv = [UInt8](repeating: 3, count: 16)
            let message = Array("interoperable with swift-crypto".utf8)
            let hsm = try await client.encrypt(message, key: imported.key, mechanism: .aesCBCPad(iv: iv))
            let local = try AES._CBC.encrypt(message, using: localKey, iv: AES._CBC.IV(ivBytes: iv))
            #expect(hsm == Array(local))
            // The check value is AES-ECB of a zero block under the key: the first CBC block with a zero IV.
            let zeroBlock = try AES._CBC.encrypt(
                [UInt8](repeating: 0, count: 16), using: localKey,
                iv: AES._CBC.IV(ivBytes: [UInt8](repeating: 0, count: 16)), noPadding: true)
            #expect(imported.checkValue == Array(zeroBlock.prefix(3)))
        }
    }

    @Test("usage flags set to false are enforced; a tampered blob is refused")
    func attributePolicy() async throws {
        try await withClient(.inProcess) { client in
            let decryptOnly = try await client.generateKey(
                .aesKeyGen, template: [.valueLength(16), .encrypt(false), .decrypt(true)]
            ).key
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.encrypt([UInt8](repeating: 0, count: 16), key: decryptOnly, mechanism: .aesECB)
            }
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.encryptInit(key: decryptOnly, mechanism: .aesECB)
            }
            let key = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            for index in [0, 40, 60, key.bytes.count - 1] {
                var tampered = key
                tampered.bytes[index] ^= 0x01
                await #expect(throws: EP11Error.self, "byte \(index)") {
                    try await client.encrypt([UInt8](repeating: 0, count: 16), key: tampered, mechanism: .aesECB)
                }
            }
            var flipped = key
            flipped.bytes[key.bytes.count / 2] ^= 0x80
            await #expect(throws: EP11Error.blobError) {
                try await client.encrypt([UInt8](repeating: 0, count: 16), key: flipped, mechanism: .aesECB)
            }
            await #expect(throws: EP11Error.blobError) {
                try await client.encrypt([0], key: KeyBlob(Array(key.bytes.prefix(20))), mechanism: .aesECB)
            }
            // A blob from another HSM names another wrapping key.
            await #expect(throws: EP11Error.wrappingKeyIDMismatch) {
                try await client.encrypt(
                    [0],
                    key: try HSMMock().withClient { other in
                        try await other.generateKey(.aesKeyGen, template: [.valueLength(16)]).key
                    }, mechanism: .aesECB)
            }
        }
    }

    @Test("HMAC with a generic secret: sign, verify, and a wrong MAC")
    func hmac() async throws {
        try await withClient(.inProcess) { client in
            let secret = try await client.generateKey(
                .genericSecretKeyGen, template: [.valueLength(32), .sign(true), .verify(true)]
            ).key
            let data = Array("authenticate me".utf8)
            let mac = try await client.sign(data, key: secret, mechanism: .sha256HMAC)
            #expect(mac.count == 32)
            try await client.verify(mac, for: data, key: secret, mechanism: .sha256HMAC)
            var wrong = mac
            wrong[5] ^= 1
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(wrong, for: data, key: secret, mechanism: .sha256HMAC)
            }
            await #expect(throws: EP11Error.signatureLengthRange) {
                try await client.verify(Array(mac.prefix(16)), for: data, key: secret, mechanism: .sha256HMAC)
            }
            // Multi-part HMAC equals single-part.
            var state = try await client.signInit(key: secret, mechanism: .sha512HMAC)
            state = try await client.signUpdate(state: state, data: Array(data.prefix(4)))
            state = try await client.signUpdate(state: state, data: Array(data.dropFirst(4)))
            #expect(
                try await client.signFinal(state: state)
                    == (try await client.sign(data, key: secret, mechanism: .sha512HMAC)))
        }
    }

    @Test("ReencryptSingle moves a ciphertext from one key to another inside the HSM")
    func reencrypt() async throws {
        try await withClient(.inProcess) { client in
            let first = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let second = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let iv1 = [UInt8](repeating: 1, count: 16)
            let iv2 = [UInt8](repeating: 2, count: 16)
            let message = Array("move me".utf8)
            let ciphertext = try await client.encrypt(message, key: first, mechanism: .aesCBCPad(iv: iv1))
            let moved = try await client.reencrypt(
                ciphertext, decryptionKey: first, decryptionMechanism: .aesCBCPad(iv: iv1),
                encryptionKey: second, encryptionMechanism: .aesCBCPad(iv: iv2))
            #expect(try await client.decrypt(moved, key: second, mechanism: .aesCBCPad(iv: iv2)) == message)
        }
    }
}
