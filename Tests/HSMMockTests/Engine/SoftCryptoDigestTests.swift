import HSMMock
import Testing

@Suite("SoftCrypto digests, MACs and random")
struct SoftCryptoDigestTests {
    typealias Digest = SoftCrypto.DigestAlgorithm

    @Test("SHA family of \"abc\" (FIPS 180 examples)")
    func shaKnownAnswers() throws {
        let abc = Array("abc".utf8)
        let expected: [(Digest, String)] = [
            (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (.sha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
            (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                .sha384,
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                    + "8086072ba1e7cc2358baeca134c825a7"
            ),
            (
                .sha512,
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                    + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            ),
        ]
        for (algorithm, digestHex) in expected {
            let digest = try SoftCrypto.digest(algorithm, abc)
            #expect(digest == (try EngineTest.hex(digestHex)), "\(algorithm)")
            #expect(digest.count == algorithm.outputByteCount)
        }
    }

    @Test("SHA-256 of the empty string")
    func sha256Empty() throws {
        #expect(
            try SoftCrypto.digest(.sha256, [])
                == EngineTest.hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test("HMAC-SHA256 RFC 4231 test case 2")
    func hmacRFC4231() throws {
        let mac = try SoftCrypto.hmac(
            .sha256, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(mac == (try EngineTest.hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")))
        let mac512 = try SoftCrypto.hmac(
            .sha512, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(
            mac512
                == (try EngineTest.hex(
                    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                        + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")))
    }

    @Test("HMAC accepts an empty key and empty data")
    func hmacEmpty() throws {
        // HMAC-SHA256("", "") is a well-known constant.
        #expect(
            try SoftCrypto.hmac(.sha256, key: [], data: [])
                == EngineTest.hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"))
    }

    @Test("AES-CMAC RFC 4493 examples 1 and 2")
    func cmacRFC4493() throws {
        let key = try EngineTest.hex("2b7e151628aed2a6abf7158809cf4f3c")
        #expect(try SoftCrypto.cmacAES(key: key, data: []) == EngineTest.hex("bb1d6929e95937287fa37d129b756746"))
        #expect(
            try SoftCrypto.cmacAES(key: key, data: EngineTest.hex("6bc1bee22e409f96e93d7e117393172a"))
                == EngineTest.hex("070a16b46b4d4144f79bdd9dd04a287c"))
    }

    @Test("AES-CMAC rejects a bad key size")
    func cmacBadKey() {
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.cmacAES(key: [1, 2, 3], data: []) }
        EngineTest.expectError(.invalidKey) { _ = try SoftCrypto.cmacAES(key: [], data: [1]) }
    }

    @Test("randomBytes lengths and bounds")
    func random() throws {
        #expect(try SoftCrypto.randomBytes(0) == [])
        let a = try SoftCrypto.randomBytes(32)
        let b = try SoftCrypto.randomBytes(32)
        #expect(a.count == 32)
        #expect(a != b)
        EngineTest.expectError(.invalidParameter) { _ = try SoftCrypto.randomBytes(-1) }
        EngineTest.expectError(.invalidParameter) { _ = try SoftCrypto.randomBytes(Int.max) }
    }
}
