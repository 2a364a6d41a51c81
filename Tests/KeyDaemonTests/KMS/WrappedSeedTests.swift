import Foundation
import KeyDaemon
import KeyProtect
import Testing

@Suite("The keyfile format: the wrap response's ciphertext alone, as HPVS documents")
struct WrappedSeedTests {
    /// A ciphertext as Key Protect returns it: base64 of an opaque JSON object.
    static let ciphertext =
        "eyJjaXBoZXJ0ZXh0IjoiYjIxZ0RwM0xKQnV3YjJ5TGFvdz0iLCJpdiI6ImlOb2ZkcnRIWE5vTSIsInZlcnNpb24iOiI0LjAuMCIsImhhbmRsZSI6IjEyZThjOWMyIn0="

    @Test("what is written is the ciphertext's bytes: no JSON, no key name or version, no newline")
    func encodesTheCiphertextAlone() throws {
        let seed = WrappedSeed(ciphertext: Self.ciphertext, keyVersionID: "12e8c9c2-a162-472d-b7d6-8b9a86b815a6")
        #expect(seed.encoded() == Array(Self.ciphertext.utf8))
        #expect(!String(decoding: seed.encoded(), as: UTF8.self).contains("12e8c9c2-a162"))
        let read = try WrappedSeed(decoding: seed.encoded())
        #expect(read.ciphertext == Self.ciphertext)
        #expect(read.storedFormat == .ciphertext)
        #expect(read.keyVersionID == nil)
    }

    @Test(
        "a trailing newline and surrounding whitespace are tolerated on read",
        arguments: ["\n", "\r\n", "  \n\n", "\t"]
    )
    func whitespaceIsTolerated(_ padding: String) throws {
        let read = try WrappedSeed(decoding: Array((padding + Self.ciphertext + padding).utf8))
        #expect(read.ciphertext == Self.ciphertext)
        #expect(read.storedFormat == .ciphertext)
    }

    @Test("a keyfile of earlier versions (the hpcs-keyd/1 JSON envelope) is still read, marked for rewriting")
    func legacyEnvelopeIsRead() throws {
        let legacy =
            #"{"ciphertext":"\#(Self.ciphertext)","crn":"crn:v1:bluemix:public:kms:us-south:a/acc:inst:key:k","format":"hpcs-keyd\/1","keyVersion":"v-1"}"#
        let read = try WrappedSeed(decoding: Array(legacy.utf8))
        #expect(read.ciphertext == Self.ciphertext)
        #expect(read.storedFormat == .legacyEnvelope)
        #expect(read.keyVersionID == "v-1")
        #expect(read.encoded() == Array(Self.ciphertext.utf8))
    }

    @Test(
        "anything else is a malformed keyfile, and the message never quotes it",
        arguments: [
            "", "\n \n", #"{"format":"other/2","ciphertext":"abc"}"#, #"{"ciphertext":"abc"}"#, "[1,2]",
            "not base64 text: secret-ish", "abc=def", "abc===", "ab\u{0}cd",
        ]
    )
    func othersAreRefused(_ text: String) throws {
        let error = try #require(throws: KeyDaemonError.self) { try WrappedSeed(decoding: Array(text.utf8)) }
        #expect(error.code == .malformedKeyfile)
        #expect(!error.message.contains("secret-ish") && !error.message.contains("abc"))
        #expect(!error.description.contains("KeyDaemonError"))
    }

    @Test("a keyfile over the size limit is refused unread")
    func oversizedIsRefused() throws {
        let big = [UInt8](repeating: UInt8(ascii: "A"), count: WrappedSeed.maximumSize + 1)
        let error = try #require(throws: KeyDaemonError.self) { try WrappedSeed(decoding: big) }
        #expect(error.message.contains("at most \(WrappedSeed.maximumSize)"))
    }
}
