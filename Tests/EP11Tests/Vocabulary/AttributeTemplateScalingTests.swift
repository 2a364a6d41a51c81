import Testing

@testable import EP11

extension VocabularyTests {
    /// A template decoded from a server's answer, or built from a long list, costs linear work: a hostile server's
    /// 4 MiB answer holds some 700,000 attributes, and a quadratic decoder would hang the client for hours.
    @Suite("AttributeTemplate: linear construction and decoding")
    struct AttributeTemplateScalingTests {
        static let count = 200_000

        @Test("a 200,000-attribute wire map decodes in linear time, sorted, nothing lost")
        func decodesLargeWireMap() throws {
            var map: [UInt64: Grep11_AttributeValue] = [:]
            for index in 0..<Self.count {
                map[UInt64(0x8000_0000 + index)] = AttributeValue.integer(UInt64(index)).wire
            }
            let start = ContinuousClock.now
            let template = AttributeTemplate(wire: map)
            let elapsed = ContinuousClock.now - start
            #expect(template.count == Self.count)
            #expect(template.first?.type.rawValue == 0x8000_0000)
            #expect(template.last?.value == .integer(UInt64(Self.count - 1)))
            // Quadratic decoding took minutes at this size; linear takes well under a second even on a loaded
            // machine. The bound is loose on purpose: it separates n from n^2, not fast from slow.
            #expect(elapsed < .seconds(30))
        }

        @Test("a list with repeated types keeps the first position and the last value, in linear time")
        func buildsFromLongList() {
            let attributes =
                (0..<Self.count).map { Attribute(AttributeType(rawValue: UInt64($0 % 1000)), .integer(UInt64($0))) }
                + (0..<Self.count).map { Attribute(AttributeType(rawValue: UInt64(0x1_0000 + $0)), .integer(0)) }
            let start = ContinuousClock.now
            let template = AttributeTemplate(attributes)
            let elapsed = ContinuousClock.now - start
            #expect(template.count == 1000 + Self.count)
            #expect(template.first?.type.rawValue == 0)
            #expect(template[AttributeType(rawValue: 0)] == .integer(UInt64(Self.count - 1000)))
            #expect(elapsed < .seconds(30))
        }

        @Test("merge: shared types take the other value in place, new ones are appended in order")
        func mergeKeepsSemantics() {
            var base: AttributeTemplate = [.valueLength(16), .encrypt(false)]
            base.merge([.encrypt(true), .decrypt(true)])
            #expect(base.types == [.valueLength, .encrypt, .decrypt])
            #expect(base[.encrypt] == .bool(true))
        }
    }
}
