import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// Issue 13 item 5: a template's size is capped and checked before any work, so a huge template costs nothing.
@Suite("HSM mock: request limits (attributes per template)")
struct RequestLimitsTests {
    /// A serialized GenerateKeyRequest { Mech = 1: {Mechanism = 1: CKM_AES_KEY_GEN}, Template = 6: map } with
    /// `count` vendor attributes (CKA_VENDOR_DEFINED + i → AttributeTF true).
    static func generateKeyRequest(attributes count: Int) -> [UInt8] {
        var request: [UInt8] = [0x0A, 0x03, 0x08] + varint(0x1080)
        request[1] = UInt8(request.count - 2)
        for index in 0..<count {
            // map entry: key = 1 (uint64), value = 2 (AttributeValue { AttributeTF = 2: true })
            let key = varint(0x8000_0000 + UInt64(index))
            let entry: [UInt8] = [0x08] + key + [0x12, 0x02, 0x10, 0x01]
            request += [0x32] + varint(UInt64(entry.count)) + entry
        }
        return request
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }

    @Test("a template over 256 attributes is CKR_ARGUMENTS_BAD; 100,000 attributes are refused in well under a second")
    func hugeTemplate() async throws {
        let mock = try HSMMock()
        for count in [257, 100_000] {
            let request = Self.generateKeyRequest(attributes: count)
            // The fastest of three refusals: a busy machine can pause any single one, but hardly all three.
            var fastest = Duration.seconds(60)
            for _ in 0..<3 {
                let clock = ContinuousClock()
                let start = clock.now
                let outcome = await mock.dispatch(.init(Grep11_Crypto.Method.GenerateKey.self), request: request)
                fastest = min(fastest, clock.now - start)
                #expect(outcome == .hsmFailure(returnValue: ReturnValue.argumentsBad.rawValue), "\(count): \(outcome)")
            }
            #expect(fastest < .seconds(1), "\(count) attributes took \(fastest)")
        }
    }

    @Test("the EP11 client gets CKR_ARGUMENTS_BAD naming the limit; 256 attributes are still read")
    func clientSeesTheLimit() async throws {
        try await withMockHSM { client in
            var template: AttributeTemplate = [.valueLength(32), .encrypt(true), .decrypt(true)]
            for index in 0..<254 {
                template.set(Attribute(AttributeType(rawValue: 0x8000_0000 + UInt64(index)), .bool(true)))
            }
            #expect(template.count == 257)
            let error = await #expect(throws: EP11Error.argumentsBad) {
                _ = try await client.generateKey(.aesKeyGen, template: template)
            }
            #expect(error?.detail == "the template has 257 attributes; at most 256 are accepted")

            // At the limit the template is read (the mock then judges the vendor attributes on their merits).
            template.removeValue(for: AttributeType(rawValue: 0x8000_0000))
            do {
                _ = try await client.generateKey(.aesKeyGen, template: template)
            } catch let error as EP11Error {
                #expect(error.returnValue != .argumentsBad, "256 attributes must pass the size check")
            }
        }
    }

    @Test("GetAttributeValue asking for more than 256 attributes is CKR_ARGUMENTS_BAD")
    func attributeRequest() async throws {
        try await withMockHSM { client in
            let key = try await client.generateKey(
                .aesKeyGen, template: [.valueLength(16), .encrypt(true), .decrypt(true)])
            let types = (0..<300).map { AttributeType(rawValue: 0x8000_0000 + UInt64($0)) }
            let error = await #expect(throws: EP11Error.argumentsBad) {
                _ = try await client.attributeValues(of: key.key, types: types)
            }
            #expect(error?.detail.contains("at most 256") == true)
        }
    }
}
