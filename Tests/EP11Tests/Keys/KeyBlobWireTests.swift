import EP11
import Foundation
import Testing

@Suite("KeyBlob wire form: encoded once per value, the same on the wire as its fields")
struct KeyBlobWireTests {
    static func sampleKey() -> KeyBlob {
        KeyBlob(
            bytes: Array(repeating: 0x11, count: 512),
            attributes: [.sign(true), .label("signing key"), .ecParameters(.p256), .id([7, 7, 7])],
            identifier: [1, 2, 3],
            version: 7,
            transactionID: [9, 9]
        )
    }

    /// What the server decodes from a SignSingle request carrying `key` as sent.
    static func decodedKey(_ key: KeyBlob) throws -> Grep11_KeyBlob {
        var request = Grep11_SignSingleRequest()
        request.privKey = key.wire
        request.data = Data([1, 2, 3])
        let bytes: [UInt8] = try request.serializedBytes()
        let decoded = try Grep11_SignSingleRequest(serializedBytes: bytes)
        #expect(decoded.data == Data([1, 2, 3]))
        return decoded.privKey
    }

    @Test("a request carrying the encoded form decodes to the key's fields, attribute map included")
    func sameOnTheWire() throws {
        let key = Self.sampleKey()
        for _ in 0..<3 {  // the first use encodes; later ones reuse it
            let decoded = try Self.decodedKey(key)
            #expect(decoded == key.fieldWire)
            let back = KeyBlob(wire: decoded)
            #expect(back.bytes == key.bytes)
            #expect(back.attributes == key.attributes)
            #expect(back.identifier == key.identifier)
            #expect(back.version == key.version)
            #expect(back.transactionID == key.transactionID)
        }
    }

    @Test("a changed field changes what is sent; copies made before keep what they had")
    func mutationResetsTheCache() throws {
        var key = Self.sampleKey()
        _ = key.wire
        let before = key
        key.bytes = [0x22, 0x23]
        #expect(try Self.decodedKey(key).keyBlobs == [Data([0x22, 0x23])])
        key.attributes = [.sign(false)]
        #expect(KeyBlob(wire: try Self.decodedKey(key)).attributes == [.sign(false)])
        key.identifier = [4]
        key.version = 8
        key.transactionID = [5]
        let decoded = try Self.decodedKey(key)
        #expect(decoded.keyBlobID == Data([4]) && decoded.version == 8 && decoded.txID == Data([5]))
        #expect(decoded == key.fieldWire)
        #expect(try Self.decodedKey(before) == Self.sampleKey().fieldWire)
    }

    @Test("concurrent first uses of one key all send the same key")
    func concurrentFirstUse() async throws {
        let key = Self.sampleKey()
        let expected = key.fieldWire
        try await withThrowingTaskGroup(of: Grep11_KeyBlob.self) { group in
            for _ in 0..<16 { group.addTask { try Self.decodedKey(key) } }
            for try await decoded in group { #expect(decoded == expected) }
        }
    }

    @Test("a key from the service round-trips through its wire form")
    func fromTheService() throws {
        var wire = Grep11_KeyBlob()
        wire.keyBlobs = [Data([0x30, 0x01, 0x02])]
        wire.attributes = [AttributeType.sign.rawValue: AttributeValue.bool(true).wire]
        let key = try KeyBlob(returnedBy: "GenerateKey", wire: wire, fallbackBytes: Data())
        #expect(try Self.decodedKey(key) == wire)
        let fallback = try KeyBlob(returnedBy: "GenerateKey", wire: Grep11_KeyBlob(), fallbackBytes: Data([0x42]))
        #expect(try Self.decodedKey(fallback).keyBlobs == [Data([0x42])])
    }

    @Test("a response with neither a key blob nor key bytes is malformed, and the message names the call")
    func noKeyReturned() {
        let error = #expect(throws: EP11Error.self) {
            try KeyBlob(returnedBy: "DeriveKey", wire: Grep11_KeyBlob(), fallbackBytes: Data())
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message == "DeriveKey returned no key")
    }
}
