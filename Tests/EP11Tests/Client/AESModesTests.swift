import Crypto
import EP11
import Foundation
import HSMMock
import Testing

@Suite("EP11 client and HSM mock: AES-GCM and AES-CTR")
struct AESModesTests {
    // The GCM specification's test case 4 (AES-128, 96-bit IV, 20 bytes of AAD, 60 bytes of plaintext).
    static let gcmKey = hexBytes("feffe9928665731c6d6a8f9467308308")
    static let gcmIV = hexBytes("cafebabefacedbaddecaf888")
    static let gcmAAD = hexBytes("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    static let gcmPlaintext = hexBytes(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    static let gcmCiphertext = hexBytes(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091")
    static let gcmTag = hexBytes("5bc94fbc3221a5db94fae95ae7121a47")

    // NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt).
    static let ctrKey = hexBytes("2b7e151628aed2a6abf7158809cf4f3c")
    static let ctrCounter = hexBytes("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
    static let ctrPlaintext = hexBytes(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
            + "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
    static let ctrCiphertext = hexBytes(
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
            + "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")

    @Test("AES-GCM single-part matches the GCM spec's test case 4 and decrypts; a bad tag or AAD is refused")
    func gcmKnownAnswer() async throws {
        try await withClient(.inProcess) { client in
            let key = try await importKnownSecret(
                Self.gcmKey, keyType: .aes, usage: [.encrypt(true), .decrypt(true)], client: client)
            let mechanism = Mechanism.aesGCM(iv: Self.gcmIV, additionalData: Self.gcmAAD)
            let sealed = try await client.encrypt(Self.gcmPlaintext, key: key.key, mechanism: mechanism)
            #expect(sealed == Self.gcmCiphertext + Self.gcmTag)
            #expect(try await client.decrypt(sealed, key: key.key, mechanism: mechanism) == Self.gcmPlaintext)

            var tampered = sealed
            tampered[tampered.count - 1] ^= 1
            await #expect(throws: EP11Error.encryptedDataInvalid) {
                try await client.decrypt(tampered, key: key.key, mechanism: mechanism)
            }
            let otherAAD = Mechanism.aesGCM(iv: Self.gcmIV, additionalData: Array(Self.gcmAAD.dropLast()))
            await #expect(throws: EP11Error.encryptedDataInvalid) {
                try await client.decrypt(sealed, key: key.key, mechanism: otherAAD)
            }
            await #expect(throws: EP11Error.encryptedDataLengthRange) {
                try await client.decrypt(Array(sealed.prefix(15)), key: key.key, mechanism: mechanism)
            }
            // A 96-bit tag is the first 12 bytes of the full tag.
            let short = Mechanism.aesGCM(iv: Self.gcmIV, additionalData: Self.gcmAAD, tagBits: 96)
            let truncated = try await client.encrypt(Self.gcmPlaintext, key: key.key, mechanism: short)
            #expect(truncated == Self.gcmCiphertext + Self.gcmTag.prefix(12))
            #expect(try await client.decrypt(truncated, key: key.key, mechanism: short) == Self.gcmPlaintext)
        }
    }

    @Test("AES-GCM agrees with swift-crypto for a generated-then-imported 256-bit key, with and without AAD")
    func gcmAgainstSwiftCrypto() async throws {
        try await withClient(.inProcess) { client in
            let secret = try await client.generateRandom(count: 32)
            let key = try await importKnownSecret(
                secret, keyType: .aes, usage: [.encrypt(true), .decrypt(true)], client: client)
            let iv = try await client.generateRandom(count: 12)
            for aad in [[UInt8](), Array("header".utf8)] {
                let message = Array("sealed by the HSM, opened by swift-crypto".utf8)
                let hsm = try await client.encrypt(
                    message, key: key.key, mechanism: .aesGCM(iv: iv, additionalData: aad))
                let box = try AES.GCM.SealedBox(
                    nonce: AES.GCM.Nonce(data: iv), ciphertext: hsm.dropLast(16), tag: hsm.suffix(16))
                #expect(try Array(AES.GCM.open(box, using: SymmetricKey(data: secret), authenticating: aad)) == message)
                let local = try AES.GCM.seal(
                    message, using: SymmetricKey(data: secret), nonce: AES.GCM.Nonce(data: iv), authenticating: aad)
                let opened = try await client.decrypt(
                    Array(local.ciphertext + local.tag), key: key.key, mechanism: .aesGCM(iv: iv, additionalData: aad))
                #expect(opened == message)
            }
        }
    }

    @Test("AES-GCM multi-part encryption and decryption give the single-part result; output comes at Final")
    func gcmMultiPart() async throws {
        try await withClient(.inProcess) { client in
            let key = try await importKnownSecret(
                Self.gcmKey, keyType: .aes, usage: [.encrypt(true), .decrypt(true)], client: client)
            let mechanism = Mechanism.aesGCM(iv: Self.gcmIV, additionalData: Self.gcmAAD)
            var state = try await client.encryptInit(key: key.key, mechanism: mechanism)
            var sealed: [UInt8] = []
            for range in [0..<7, 7..<40, 40..<Self.gcmPlaintext.count] {
                let (next, output) = try await client.encryptUpdate(
                    state: state, plaintext: Array(Self.gcmPlaintext[range]))
                #expect(output.isEmpty)
                state = next
                sealed += output
            }
            sealed += try await client.encryptFinal(state: state)
            #expect(sealed == Self.gcmCiphertext + Self.gcmTag)

            var decryption = try await client.decryptInit(key: key.key, mechanism: mechanism)
            var opened: [UInt8] = []
            for range in [0..<30, 30..<sealed.count] {
                let (next, output) = try await client.decryptUpdate(state: decryption, ciphertext: Array(sealed[range]))
                decryption = next
                opened += output
            }
            opened += try await client.decryptFinal(state: decryption)
            #expect(opened == Self.gcmPlaintext)

            var tampered = sealed
            tampered[3] ^= 0x80
            let broken = try await client.decryptInit(key: key.key, mechanism: mechanism)
            let (afterUpdate, early) = try await client.decryptUpdate(state: broken, ciphertext: tampered)
            #expect(early.isEmpty)
            await #expect(throws: EP11Error.encryptedDataInvalid) { try await client.decryptFinal(state: afterUpdate) }
        }
    }

    @Test("AES-GCM parameters: malformed encodings, bad tag lengths and wrong key types get the right CKR")
    func gcmParameterErrors() async throws {
        try await withClient(.inProcess) { client in
            let key = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let data = Array("x".utf8)
            let iv = [UInt8](repeating: 1, count: 12)
            let invalid: [Mechanism] = [
                .aesGCM(iv: iv, tagBits: 100),
                .aesGCM(iv: iv, tagBits: 0),
                .aesGCM(iv: []),
                .aesGCM(iv: [UInt8](repeating: 0, count: 129)),
                Mechanism(.aesGCM, parameter: .bytes(iv)),  // a bare IV is not the GCM parameter
                Mechanism(.aesGCM, parameter: .bytes(GCMParameters(iv: iv).encoded + [0])),
                Mechanism(.aesGCM, parameter: .bytes(Array(GCMParameters(iv: iv).encoded.dropLast()))),
                Mechanism(.aesGCM, parameter: .bytes([0xFF] + [UInt8](repeating: 0xFF, count: 31))),
                Mechanism(.aesGCM),
            ]
            for mechanism in invalid {
                await #expect(throws: EP11Error.mechanismParameterInvalid, "\(mechanism)") {
                    try await client.encrypt(data, key: key, mechanism: mechanism)
                }
                await #expect(throws: EP11Error.mechanismParameterInvalid, "\(mechanism) init") {
                    try await client.encryptInit(key: key, mechanism: mechanism)
                }
            }
            let des3 = try await client.generateKey(.insecureDES3KeyGen, template: [.valueLength(24)]).key
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.encrypt(data, key: des3, mechanism: .aesGCM(iv: iv))
            }
            let noDecrypt = try await client.generateKey(.aesKeyGen, template: [.valueLength(16), .decrypt(false)]).key
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.decrypt([UInt8](repeating: 0, count: 16), key: noDecrypt, mechanism: .aesGCM(iv: iv))
            }
            let info = try await client.mechanismInfo(.aesGCM)
            #expect(info.minKeySize == 16 && info.maxKeySize == 32)
            #expect(info.flags.contains(.encrypt) && info.flags.contains(.decrypt))
        }
    }

    @Test("AES-CTR matches NIST SP 800-38A F.5.1 single-part and in uneven multi-part chunks")
    func ctrKnownAnswer() async throws {
        try await withClient(.inProcess) { client in
            let key = try await importKnownSecret(
                Self.ctrKey, keyType: .aes, usage: [.encrypt(true), .decrypt(true)], client: client)
            let mechanism = Mechanism.aesCTR(counterBlock: Self.ctrCounter)
            #expect(
                try await client.encrypt(Self.ctrPlaintext, key: key.key, mechanism: mechanism) == Self.ctrCiphertext)
            #expect(
                try await client.decrypt(Self.ctrCiphertext, key: key.key, mechanism: mechanism) == Self.ctrPlaintext)
            // Any length: a 37-byte prefix is the prefix of the ciphertext.
            let odd = try await client.encrypt(Array(Self.ctrPlaintext.prefix(37)), key: key.key, mechanism: mechanism)
            #expect(odd == Array(Self.ctrCiphertext.prefix(37)))

            var state = try await client.encryptInit(key: key.key, mechanism: mechanism)
            var streamed: [UInt8] = []
            for range in [0..<5, 5..<16, 16..<17, 17..<50, 50..<Self.ctrPlaintext.count] {
                let (next, output) = try await client.encryptUpdate(
                    state: state, plaintext: Array(Self.ctrPlaintext[range]))
                #expect(output.count == range.count)  // a stream mode gives every byte back at once
                state = next
                streamed += output
            }
            #expect(try await client.encryptFinal(state: state).isEmpty)
            #expect(streamed == Self.ctrCiphertext)

            var decryption = try await client.decryptInit(key: key.key, mechanism: mechanism)
            var plain: [UInt8] = []
            for range in [0..<31, 31..<Self.ctrCiphertext.count] {
                let (next, output) = try await client.decryptUpdate(
                    state: decryption, ciphertext: Array(Self.ctrCiphertext[range]))
                decryption = next
                plain += output
            }
            plain += try await client.decryptFinal(state: decryption)
            #expect(plain == Self.ctrPlaintext)
        }
    }

    @Test("AES-CTR with a short counter: runs up to the counter's end, refuses to wrap; bad counter blocks refused")
    func ctrCounterBits() async throws {
        try await withClient(.inProcess) { client in
            let key = try await importKnownSecret(
                Self.ctrKey, keyType: .aes, usage: [.encrypt(true), .decrypt(true)], client: client)
            // An 8-bit counter at 0xfe has two values left (fe, ff).
            var block = [UInt8](repeating: 0x11, count: 16)
            block[15] = 0xFE
            let twoBlocks = [UInt8](repeating: 0x5A, count: 32)
            let narrow = Mechanism.aesCTR(counterBlock: block, counterBits: 8)
            let wide = Mechanism.aesCTR(counterBlock: block)
            // Within the counter's range the narrow counter gives what the full-block counter gives.
            #expect(
                try await client.encrypt(twoBlocks, key: key.key, mechanism: narrow)
                    == (try await client.encrypt(twoBlocks, key: key.key, mechanism: wide)))
            await #expect(throws: EP11Error.dataLengthRange) {
                try await client.encrypt(twoBlocks + [0], key: key.key, mechanism: narrow)
            }
            var state = try await client.encryptInit(key: key.key, mechanism: narrow)
            (state, _) = try await client.encryptUpdate(state: state, plaintext: twoBlocks)
            await #expect(throws: EP11Error.dataLengthRange) {
                try await client.encryptUpdate(state: state, plaintext: [1])
            }
            for mechanism in [
                Mechanism.aesCTR(counterBlock: [UInt8](repeating: 0, count: 12)),
                .aesCTR(counterBlock: block, counterBits: 0),
                .aesCTR(counterBlock: block, counterBits: 129),
                Mechanism(.aesCTR),
            ] {
                await #expect(throws: EP11Error.mechanismParameterInvalid, "\(mechanism)") {
                    try await client.encrypt(twoBlocks, key: key.key, mechanism: mechanism)
                }
            }
            #expect(try await client.mechanismList().contains(.aesCTR))
        }
    }
}
