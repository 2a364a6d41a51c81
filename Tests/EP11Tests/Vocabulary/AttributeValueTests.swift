import EP11
import Testing

extension VocabularyTests {
    @Suite("AttributeValue")
    struct AttributeValueTests {
        @Test(
            "integerValue reads integers and 1 to 8 big-endian bytes",
            arguments: [
                (AttributeValue.integer(65537), UInt64?.some(65537)),
                (.integer(0), 0),
                (.integer(.max), .max),
                (.bytes([0x01, 0x00, 0x01]), 65537),
                (.bytes([0x00]), 0),
                (.bytes([0x20]), 32),
                (.bytes([0x00, 0x00, 0x01, 0x00]), 256),
                (.bytes([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), .max),
                (.bytes([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]), 0x0102_0304_0506_0708),
                (.bytes([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]), nil),  // 9 bytes
                (.bytes(Array(repeating: 0xFF, count: 64)), nil),
                (.bytes([]), nil),
                (.bool(true), nil),
                (.empty, nil),
            ])
        func integerValue(value: AttributeValue, expected: UInt64?) {
            #expect(value.integerValue == expected)
        }

        @Test(
            "boolValue reads booleans and single 0x00/0x01 bytes",
            arguments: [
                (AttributeValue.bool(true), Bool?.some(true)),
                (.bool(false), false),
                (.bytes([0x01]), true),
                (.bytes([0x00]), false),
                (.bytes([0x02]), nil),
                (.bytes([0x00, 0x01]), nil),
                (.bytes([]), nil),
                (.integer(1), nil),
                (.empty, nil),
            ])
        func boolValue(value: AttributeValue, expected: Bool?) {
            #expect(value.boolValue == expected)
        }

        @Test("bytesValue and stringValue")
        func bytesAndString() {
            #expect(AttributeValue.bytes([1, 2, 3]).bytesValue == [1, 2, 3])
            #expect(AttributeValue.bytes([]).bytesValue == [])
            #expect(AttributeValue.integer(3).bytesValue == nil)
            #expect(AttributeValue.empty.bytesValue == nil)
            #expect(AttributeValue.bytes(Array("clé".utf8)).stringValue == "clé")
            #expect(AttributeValue.bytes([0xC3, 0x28]).stringValue == nil)
            #expect(AttributeValue.bool(true).stringValue == nil)
            #expect(AttributeValue.empty.isEmpty)
            #expect(!AttributeValue.bytes([]).isEmpty)
        }

        @Test("Literals")
        func literals() {
            let boolean: AttributeValue = true
            let integer: AttributeValue = 32
            let string: AttributeValue = "label"
            let bytes: AttributeValue = [0x01, 0x02]
            #expect(boolean == .bool(true))
            #expect(integer == .integer(32))
            #expect(string == .bytes(Array("label".utf8)))
            #expect(bytes == .bytes([0x01, 0x02]))
        }

        @Test("Descriptions never show bytes")
        func descriptions() {
            #expect(AttributeValue.bytes([0xDE, 0xAD, 0xBE, 0xEF]).description == "<4 bytes>")
            #expect(AttributeValue.bytes([0x41]).description == "<1 byte>")
            #expect(AttributeValue.integer(65537).description == "65537")
            #expect(AttributeValue.bool(false).description == "false")
            #expect(AttributeValue.empty.description == "<empty>")
            let attribute = Attribute.value([0x13, 0x37])
            #expect(attribute.description == "CKA_VALUE: <2 bytes>")
            #expect(!attribute.description.contains("13"))
        }
    }
}
