import HSMMock
import Testing

@Suite("SoftCrypto AES and Triple-DES")
struct SoftCryptoSymmetricTests {
    // MARK: Known answers

    @Test("AES-ECB FIPS-197 appendix C vectors")
    func aesECBFIPS197() throws {
        let plaintext = try EngineTest.hex("00112233445566778899aabbccddeeff")
        let cases: [(String, String)] = [
            ("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
            ("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "8ea2b7ca516745bfeafc49904b496089"
            ),
        ]
        for (keyHex, ciphertextHex) in cases {
            let key = try EngineTest.hex(keyHex)
            let ciphertext = try SoftCrypto.aesECB(encrypt: true, key: key, data: plaintext)
            #expect(ciphertext == (try EngineTest.hex(ciphertextHex)))
            #expect(try SoftCrypto.aesECB(encrypt: false, key: key, data: ciphertext) == plaintext)
        }
    }

    @Test("AES-CBC and AES-CTR NIST SP 800-38A F.2.1 / F.5.1 first block")
    func aesCBCCTRSP80038A() throws {
        let key = try EngineTest.hex("2b7e151628aed2a6abf7158809cf4f3c")
        let block = try EngineTest.hex("6bc1bee22e409f96e93d7e117393172a")
        let cbc = try SoftCrypto.aesCBC(
            encrypt: true, key: key, iv: EngineTest.hex("000102030405060708090a0b0c0d0e0f"), data: block,
            padding: false)
        #expect(cbc == (try EngineTest.hex("7649abac8119b246cee98e9b12e9197d")))
        let ctr = try SoftCrypto.aesCTR(key: key, iv: EngineTest.hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), data: block)
        #expect(ctr == (try EngineTest.hex("874d6191b620e3261bef6864990db6ce")))
    }

    @Test("AES-GCM test cases 2 and 4 of the GCM specification (NIST)")
    func aesGCMKnownAnswers() throws {
        // Test case 2: zero key, zero IV, one zero block.
        let zeroKey = [UInt8](repeating: 0, count: 16)
        let sealed2 = try SoftCrypto.aesGCMSeal(
            key: zeroKey, nonce: [UInt8](repeating: 0, count: 12), aad: [],
            plaintext: [UInt8](repeating: 0, count: 16))
        #expect(sealed2.ciphertext == (try EngineTest.hex("0388dace60b6a392f328c2b971b2fe78")))
        #expect(sealed2.tag == (try EngineTest.hex("ab6e47d42cec13bdf53a67b21257bddf")))

        // Test case 4: with AAD and a partial final block.
        let key = try EngineTest.hex("feffe9928665731c6d6a8f9467308308")
        let iv = try EngineTest.hex("cafebabefacedbaddecaf888")
        let aad = try EngineTest.hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let plaintext = try EngineTest.hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let expectedCiphertext = try EngineTest.hex(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091")
        let sealed = try SoftCrypto.aesGCMSeal(key: key, nonce: iv, aad: aad, plaintext: plaintext)
        #expect(sealed.ciphertext == expectedCiphertext)
        #expect(sealed.tag == (try EngineTest.hex("5bc94fbc3221a5db94fae95ae7121a47")))
        let opened = try SoftCrypto.aesGCMOpen(
            key: key, nonce: iv, aad: aad, ciphertext: sealed.ciphertext, tag: sealed.tag)
        #expect(opened == plaintext)
    }

    @Test("AES key wrap RFC 3394 §4.1 and §4.6")
    func aesKeyWrapRFC3394() throws {
        let kek128 = try EngineTest.hex("000102030405060708090A0B0C0D0E0F")
        let key128 = try EngineTest.hex("00112233445566778899AABBCCDDEEFF")
        let wrapped = try SoftCrypto.aesKeyWrap(kek: kek128, key: key128)
        #expect(wrapped == (try EngineTest.hex("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5")))
        #expect(try SoftCrypto.aesKeyUnwrap(kek: kek128, wrapped: wrapped) == key128)

        let kek256 = try EngineTest.hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
        let key256 = try EngineTest.hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
        let wrapped256 = try SoftCrypto.aesKeyWrap(kek: kek256, key: key256)
        #expect(
            wrapped256
                == (try EngineTest.hex(
                    "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21")))
        #expect(try SoftCrypto.aesKeyUnwrap(kek: kek256, wrapped: wrapped256) == key256)
    }

    @Test("AES key wrap with padding RFC 5649 §6")
    func aesKeyWrapPadRFC5649() throws {
        let kek = try EngineTest.hex("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8")
        let key20 = try EngineTest.hex("c37b7e6492584340 bed1220780894115 5068f738")
        let wrapped20 = try SoftCrypto.aesKeyWrapPad(kek: kek, key: key20)
        #expect(
            wrapped20 == (try EngineTest.hex("138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a")))
        #expect(try SoftCrypto.aesKeyUnwrapPad(kek: kek, wrapped: wrapped20) == key20)

        let key7 = try EngineTest.hex("466f7250617369")
        let wrapped7 = try SoftCrypto.aesKeyWrapPad(kek: kek, key: key7)
        #expect(wrapped7 == (try EngineTest.hex("afbeb0f07dfbf541 9200f2ccb50bb24f")))
        #expect(try SoftCrypto.aesKeyUnwrapPad(kek: kek, wrapped: wrapped7) == key7)
    }

    @Test("AES key check value")
    func aesKCV() throws {
        // AES-128(key 000102…0f) of the zero block starts c6 a1 3b (FIPS-197 key, zero plaintext).
        let key = try EngineTest.hex("000102030405060708090a0b0c0d0e0f")
        let block = try SoftCrypto.aesECB(encrypt: true, key: key, data: [UInt8](repeating: 0, count: 16))
        #expect(try SoftCrypto.aesCheckValue(key) == Array(block.prefix(3)))
        #expect(try SoftCrypto.aesCheckValue(key) == EngineTest.hex("c6a13b"))
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.aesCheckValue([1, 2, 3]) }
    }

    // MARK: Round trips

    @Test("Round trips for every AES mode and key size")
    func aesRoundTrips() throws {
        for keySize in [16, 24, 32] {
            let key = try SoftCrypto.randomBytes(keySize)
            let iv = try SoftCrypto.randomBytes(16)
            for length in [0, 1, 15, 16, 17, 31, 32, 100] {
                let data = try SoftCrypto.randomBytes(length)
                // CBC with padding: any length.
                let padded = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: data, padding: true)
                #expect(padded.count == (length / 16 + 1) * 16)
                #expect(
                    try SoftCrypto.aesCBC(encrypt: false, key: key, iv: iv, data: padded, padding: true) == data)
                // CTR: any length.
                let ctr = try SoftCrypto.aesCTR(key: key, iv: iv, data: data)
                #expect(ctr.count == length)
                #expect(try SoftCrypto.aesCTR(key: key, iv: iv, data: ctr) == data)
                // GCM: any length.
                let aad = try SoftCrypto.randomBytes(length % 7)
                let sealed = try SoftCrypto.aesGCMSeal(
                    key: key, nonce: Array(iv.prefix(12)), aad: aad, plaintext: data)
                #expect(sealed.tag.count == 16)
                #expect(
                    try SoftCrypto.aesGCMOpen(
                        key: key, nonce: Array(iv.prefix(12)), aad: aad, ciphertext: sealed.ciphertext,
                        tag: sealed.tag) == data)
                // ECB / CBC without padding: whole blocks only.
                if length % 16 == 0 {
                    let ecb = try SoftCrypto.aesECB(encrypt: true, key: key, data: data)
                    #expect(try SoftCrypto.aesECB(encrypt: false, key: key, data: ecb) == data)
                    let cbc = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: data, padding: false)
                    #expect(cbc.count == length)
                    #expect(
                        try SoftCrypto.aesCBC(encrypt: false, key: key, iv: iv, data: cbc, padding: false) == data)
                } else {
                    EngineTest.expectError(.invalidLength) {
                        _ = try SoftCrypto.aesECB(encrypt: true, key: key, data: data)
                    }
                    EngineTest.expectError(.invalidLength) {
                        _ = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: data, padding: false)
                    }
                }
            }
            // Key wrap with and without padding.
            for keyLength in [16, 24, 32, 40] {
                let material = try SoftCrypto.randomBytes(keyLength)
                let wrapped = try SoftCrypto.aesKeyWrap(kek: key, key: material)
                #expect(wrapped.count == keyLength + 8)
                #expect(try SoftCrypto.aesKeyUnwrap(kek: key, wrapped: wrapped) == material)
            }
            for keyLength in [1, 7, 8, 9, 20, 32, 33, 300] {
                let material = try SoftCrypto.randomBytes(keyLength)
                let wrapped = try SoftCrypto.aesKeyWrapPad(kek: key, key: material)
                #expect(wrapped.count == (keyLength + 7) / 8 * 8 + 8)
                #expect(try SoftCrypto.aesKeyUnwrapPad(kek: key, wrapped: wrapped) == material)
            }
        }
    }

    @Test("GCM with short tags and long nonces")
    func gcmVariants() throws {
        let key = try SoftCrypto.randomBytes(32)
        for (nonceLength, tagLength) in [(1, 4), (12, 8), (16, 12), (64, 16), (128, 13)] {
            let nonce = try SoftCrypto.randomBytes(nonceLength)
            let sealed = try SoftCrypto.aesGCMSeal(
                key: key, nonce: nonce, aad: [1, 2, 3], plaintext: [9, 8, 7], tagLength: tagLength)
            #expect(sealed.tag.count == tagLength)
            #expect(
                try SoftCrypto.aesGCMOpen(
                    key: key, nonce: nonce, aad: [1, 2, 3], ciphertext: sealed.ciphertext, tag: sealed.tag)
                    == [9, 8, 7])
        }
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.aesGCMSeal(key: key, nonce: [], aad: [], plaintext: [1])
        }
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.aesGCMSeal(key: key, nonce: [UInt8](repeating: 0, count: 129), aad: [], plaintext: [1])
        }
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.aesGCMSeal(key: key, nonce: [1], aad: [], plaintext: [1], tagLength: 17)
        }
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.aesGCMOpen(key: key, nonce: [1], aad: [], ciphertext: [1], tag: [])
        }
    }

    // MARK: Failures

    @Test("GCM tag, ciphertext or AAD tampering → decryptionFailed")
    func gcmTamper() throws {
        let key = try SoftCrypto.randomBytes(16)
        let nonce = try SoftCrypto.randomBytes(12)
        let plaintext = Array("attack at dawn".utf8)
        let sealed = try SoftCrypto.aesGCMSeal(key: key, nonce: nonce, aad: [0xAA], plaintext: plaintext)
        var badTag = sealed.tag
        badTag[0] ^= 1
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesGCMOpen(
                key: key, nonce: nonce, aad: [0xAA], ciphertext: sealed.ciphertext, tag: badTag)
        }
        var badCiphertext = sealed.ciphertext
        badCiphertext[3] ^= 0x80
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesGCMOpen(
                key: key, nonce: nonce, aad: [0xAA], ciphertext: badCiphertext, tag: sealed.tag)
        }
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesGCMOpen(
                key: key, nonce: nonce, aad: [], ciphertext: sealed.ciphertext, tag: sealed.tag)
        }
        // A truncated tag is the leftmost bytes of the full tag (SP 800-38D), so a
        // correct prefix opens and a damaged prefix does not.
        #expect(
            try SoftCrypto.aesGCMOpen(
                key: key, nonce: nonce, aad: [0xAA], ciphertext: sealed.ciphertext, tag: Array(sealed.tag.prefix(12)))
                == plaintext)
        var badPrefix = Array(sealed.tag.prefix(12))
        badPrefix[11] ^= 0x01
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesGCMOpen(
                key: key, nonce: nonce, aad: [0xAA], ciphertext: sealed.ciphertext, tag: badPrefix)
        }
        // Wrong nonce.
        var badNonce = nonce
        badNonce[0] ^= 1
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesGCMOpen(
                key: key, nonce: badNonce, aad: [0xAA], ciphertext: sealed.ciphertext, tag: sealed.tag)
        }
    }

    @Test("Bad CBC padding → decryptionFailed")
    func badPadding() throws {
        let key = try SoftCrypto.randomBytes(16)
        let iv = [UInt8](repeating: 7, count: 16)
        // A block whose decryption ends in 0x00 is never valid PKCS#7.
        var block = [UInt8](repeating: 0x10, count: 16)
        block[15] = 0
        let ciphertext = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: block, padding: false)
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesCBC(encrypt: false, key: key, iv: iv, data: ciphertext, padding: true)
        }
        // Pad byte larger than the block size.
        block[15] = 0x11
        let ciphertext2 = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: block, padding: false)
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesCBC(encrypt: false, key: key, iv: iv, data: ciphertext2, padding: true)
        }
        // Triple-DES too.
        let desKey = try SoftCrypto.randomBytes(24)
        let desBlock: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 0]
        let desCiphertext = try SoftCrypto.des3CBC(
            encrypt: true, key: desKey, iv: [UInt8](repeating: 0, count: 8), data: desBlock, padding: false)
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.des3CBC(
                encrypt: false, key: desKey, iv: [UInt8](repeating: 0, count: 8), data: desCiphertext, padding: true)
        }
    }

    @Test("Key unwrap integrity failures → decryptionFailed")
    func unwrapTamper() throws {
        let kek = try SoftCrypto.randomBytes(32)
        var wrapped = try SoftCrypto.aesKeyWrap(kek: kek, key: try SoftCrypto.randomBytes(32))
        wrapped[5] ^= 1
        EngineTest.expectError(.decryptionFailed) { _ = try SoftCrypto.aesKeyUnwrap(kek: kek, wrapped: wrapped) }
        var wrappedPad = try SoftCrypto.aesKeyWrapPad(kek: kek, key: try SoftCrypto.randomBytes(13))
        wrappedPad[wrappedPad.count - 1] ^= 1
        EngineTest.expectError(.decryptionFailed) { _ = try SoftCrypto.aesKeyUnwrapPad(kek: kek, wrapped: wrappedPad) }
        // Wrong KEK.
        let good = try SoftCrypto.aesKeyWrap(kek: kek, key: [UInt8](repeating: 1, count: 16))
        EngineTest.expectError(.decryptionFailed) {
            _ = try SoftCrypto.aesKeyUnwrap(kek: try SoftCrypto.randomBytes(32), wrapped: good)
        }
    }

    @Test("Wrong key sizes, IV sizes and data lengths")
    func parameterErrors() throws {
        for badKeySize in [0, 1, 8, 15, 17, 31, 33, 64] {
            let key = [UInt8](repeating: 1, count: badKeySize)
            let iv = [UInt8](repeating: 0, count: 16)
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.aesECB(encrypt: true, key: key, data: iv) }
            EngineTest.expectError(.invalidKey) {
                _ = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: iv, padding: true)
            }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.aesCTR(key: key, iv: iv, data: iv) }
            EngineTest.expectError(.invalidKey) {
                _ = try SoftCrypto.aesGCMSeal(key: key, nonce: iv, aad: [], plaintext: iv)
            }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.aesKeyWrap(kek: key, key: iv) }
            EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.aesKeyWrapPad(kek: key, key: iv) }
            EngineTest.expectError(.invalidKey) {
                _ = try SoftCrypto.des3CBC(
                    encrypt: true, key: key, iv: [0, 0, 0, 0, 0, 0, 0, 0], data: [], padding: true)
            }
        }
        let key = [UInt8](repeating: 1, count: 16)
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: [1, 2], data: [], padding: true)
        }
        EngineTest.expectError(.invalidParameter) { _ = try SoftCrypto.aesCTR(key: key, iv: [], data: [1]) }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesCBC(encrypt: false, key: key, iv: key, data: [], padding: true)
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesCBC(encrypt: false, key: key, iv: key, data: [1, 2, 3], padding: true)
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesKeyWrap(kek: key, key: [1, 2, 3, 4, 5, 6, 7, 8])
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesKeyWrap(kek: key, key: [UInt8](repeating: 0, count: 20))
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesKeyUnwrap(kek: key, wrapped: [UInt8](repeating: 0, count: 16))
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesKeyUnwrap(kek: key, wrapped: [UInt8](repeating: 0, count: 25))
        }
        EngineTest.expectError(.invalidLength) { _ = try SoftCrypto.aesKeyWrapPad(kek: key, key: []) }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.aesKeyUnwrapPad(kek: key, wrapped: [UInt8](repeating: 0, count: 8))
        }
        EngineTest.expectError(.invalidLength) {
            _ = try SoftCrypto.des3ECB(encrypt: true, key: [UInt8](repeating: 1, count: 24), data: [1])
        }
        EngineTest.expectError(.invalidParameter) {
            _ = try SoftCrypto.des3CBC(
                encrypt: true, key: [UInt8](repeating: 1, count: 24), iv: key, data: [], padding: true)
        }
    }

    // MARK: Triple-DES and openssl cross-checks

    @Test("Triple-DES round trips, check value and openssl enc cross-check")
    func des3() throws {
        let cli = try EngineTest.OpenSSLCLI()
        let key = try EngineTest.hex("0123456789abcdef23456789abcdef01456789abcdef0123")
        let iv = try EngineTest.hex("1234567890abcdef")
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        let cbc = try SoftCrypto.des3CBC(encrypt: true, key: key, iv: iv, data: data, padding: true)
        #expect(try SoftCrypto.des3CBC(encrypt: false, key: key, iv: iv, data: cbc, padding: true) == data)
        try cli.write("plain.bin", data)
        let cliCBC = try cli.succeed([
            "enc", "-des-ede3-cbc", "-K", key.engineHexString, "-iv", iv.engineHexString, "-in", "plain.bin",
        ])
        #expect(cbc == cliCBC)

        let blocks = Array(data.prefix(40))
        let ecb = try SoftCrypto.des3ECB(encrypt: true, key: key, data: blocks)
        #expect(try SoftCrypto.des3ECB(encrypt: false, key: key, data: ecb) == blocks)
        try cli.write("blocks.bin", blocks)
        #expect(
            ecb == (try cli.succeed(["enc", "-des-ede3", "-K", key.engineHexString, "-nopad", "-in", "blocks.bin"])))

        let kcv = try SoftCrypto.des3CheckValue(key)
        let zero = try SoftCrypto.des3ECB(encrypt: true, key: key, data: [UInt8](repeating: 0, count: 8))
        #expect(kcv == Array(zero.prefix(3)))
    }

    @Test("AES-CBC/CTR/ECB agree with openssl enc")
    func aesCrossCheck() throws {
        let cli = try EngineTest.OpenSSLCLI()
        let key = try SoftCrypto.randomBytes(32)
        let iv = try SoftCrypto.randomBytes(16)
        let data = try SoftCrypto.randomBytes(77)
        try cli.write("plain.bin", data)
        let cbc = try SoftCrypto.aesCBC(encrypt: true, key: key, iv: iv, data: data, padding: true)
        #expect(
            cbc
                == (try cli.succeed([
                    "enc", "-aes-256-cbc", "-K", key.engineHexString, "-iv", iv.engineHexString, "-in", "plain.bin",
                ])))
        let ctr = try SoftCrypto.aesCTR(key: key, iv: iv, data: data)
        #expect(
            ctr
                == (try cli.succeed([
                    "enc", "-aes-256-ctr", "-K", key.engineHexString, "-iv", iv.engineHexString, "-in", "plain.bin",
                ])))
        // CTR counter wrap-around: a counter block of all 0xFF rolls over to zero.
        let ffIV = [UInt8](repeating: 0xFF, count: 16)
        let wrapCTR = try SoftCrypto.aesCTR(key: key, iv: ffIV, data: data)
        #expect(
            wrapCTR
                == (try cli.succeed([
                    "enc", "-aes-256-ctr", "-K", key.engineHexString, "-iv", ffIV.engineHexString, "-in", "plain.bin",
                ])))
    }
}
