import Crypto
import EP11
import Testing

@Suite("Public-key blobs")
struct PublicKeyInfoTests {
    @Test("an SPKI followed by a MAC trailer parses; the trailer is ignored")
    func trailerIgnored() throws {
        let key = P256.Signing.PrivateKey().publicKey
        let spki = Array(key.derRepresentation)
        let trailer: [UInt8] =
            [0x04, 0x10] + [UInt8](repeating: 0xAB, count: 16) + [0x04, 0x20] + [UInt8](repeating: 0xCD, count: 32)
        let info = try PublicKeyInfo(parsing: spki + trailer)
        #expect(info.algorithm == .ec(.p256))
        #expect(info.subjectPublicKeyInfo == spki)
        #expect(info.keyBytes == Array(key.x963Representation))
        #expect(try info.p256PublicKey().rawRepresentation == key.rawRepresentation)
        #expect(throws: EP11Error.invalidArgument) { try info.rsaPublicKey() }
        #expect(KeyBlob(spki + trailer).isPublicKey)
        #expect(!KeyBlob([0x00, 0x30]).isPublicKey)
    }

    @Test("RFC 8410 and EP11-style Ed25519 SPKIs both parse")
    func ed25519Forms() throws {
        let key = Curve25519.Signing.PrivateKey().publicKey
        let raw = Array(key.rawRepresentation)
        let rfc8410: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + raw
        let ep11: [UInt8] =
            [
                0x30, 0x33, 0x30, 0x0E, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x03, 0x2B, 0x65,
                0x70, 0x03, 0x21, 0x00,
            ] + raw
        for bytes in [rfc8410, ep11] {
            let info = try PublicKeyInfo(parsing: bytes)
            #expect(info.algorithm == .ed25519)
            #expect(try info.ed25519PublicKey().rawRepresentation == key.rawRepresentation)
        }
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("one byte", [0x30]),
        ("not a sequence", [0x04, 0x02, 0x00, 0x00]),
        ("length past the end", [0x30, 0x10, 0x00]),
        ("long length past the end", [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("length of length too big", [0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("empty sequence", [0x30, 0x00]),
        ("garbage inside", [0x30, 0x03, 0x01, 0x01, 0xFF]),
        ("unknown algorithm", [0x30, 0x0C, 0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04, 0x03, 0x03, 0x00, 0x01, 0x02]),
    ]

    @Test("malformed public keys are typed errors, never a crash", arguments: 0..<9)
    func malformedInput(index: Int) {
        let (name, bytes) = Self.malformed[index]
        #expect(throws: EP11Error.self, "\(name)") { try PublicKeyInfo(parsing: bytes) }
    }

    @Test("truncations of a real SPKI never crash")
    func truncations() {
        let spki = Array(P384.Signing.PrivateKey().publicKey.derRepresentation)
        for length in 0..<spki.count {
            #expect(throws: EP11Error.self) { try PublicKeyInfo(parsing: Array(spki.prefix(length))) }
        }
    }
}

@Suite("EP11Error")
struct EP11ErrorTests {
    @Test("equality compares the code; descriptions name the return value and never secrets")
    func equalityAndDescription() {
        let error = EP11Error(returnValue: .signatureInvalid, detail: "verify failed", isRetryable: false)
        #expect(error == .signatureInvalid)
        #expect(error != .keyUnextractable)
        #expect(error.returnValue == .signatureInvalid)
        #expect(String(describing: error).contains("CKR_SIGNATURE_INVALID"))
        #expect(EP11Error.transportFailure.returnValue == nil)
        let unknown = EP11Error(returnValue: ReturnValue(rawValue: 0x8001_ABCD))
        #expect(unknown.returnValue?.rawValue == 0x8001_ABCD)
    }

    @Test("key blobs, operation states and generated keys never print their bytes")
    func redaction() {
        let blob = KeyBlob([0x00, 0xDE, 0xAD, 0xBE, 0xEF])
        #expect(String(describing: blob) == "KeyBlob(5 bytes, opaque)")
        #expect(!String(describing: OperationState([0xDE, 0xAD])).contains("de"))
        let key = GeneratedKey(key: blob, checksum: [1, 2, 3, 0, 0, 1, 0])
        #expect(key.checkValue == [1, 2, 3])
        #expect(key.keyBitCount == 256)
        #expect(GeneratedKey(key: blob, checksum: [1]).checkValue == nil)
        let chainCode = GeneratedKey(key: blob, checksum: [UInt8](repeating: 0xC4, count: 32))
        #expect(String(describing: chainCode) == "GeneratedKey(KeyBlob(5 bytes, opaque), checksum: 32 bytes)")
    }
}
