import EP11
import Testing

extension VocabularyTests {
    @Suite("Attribute and AttributeTemplate")
    struct AttributeTemplateTests {
        @Test(
            "Convenience constructors pick the type and wire form",
            arguments: [
                (Attribute.class(.secretKey), Attribute(.class, .integer(4))),
                (.keyType(.aes), Attribute(.keyType, .integer(0x1F))),
                (.valueLength(32), Attribute(.valueLength, .integer(32))),
                (.valueLength(-1), Attribute(.valueLength, .integer(0))),
                (.modulusBits(2048), Attribute(.modulusBits, .integer(2048))),
                (.publicExponent(65537), Attribute(.publicExponent, .integer(65537))),
                (.publicExponent(bigEndian: [1, 0, 1]), Attribute(.publicExponent, .bytes([1, 0, 1]))),
                (.ecParameters(.p256), Attribute(.ecParameters, .bytes(hexBytes("06082a8648ce3d030107")))),
                (.label("x"), Attribute(.label, .bytes([0x78]))),
                (.id([9, 8]), Attribute(.id, .bytes([9, 8]))),
                (.value([1]), Attribute(.value, .bytes([1]))),
                (.primeBits(2048), Attribute(.primeBits, .integer(2048))),
                (.subprimeBits(256), Attribute(.subprimeBits, .integer(256))),
                (
                    .structParameters([0x30, 0x00]),
                    Attribute(AttributeType(rawValue: 0x8001_0009), .bytes([0x30, 0x00]))
                ),
                (.pqcParameters([0x06]), Attribute(AttributeType(rawValue: 0x8001_000E), .bytes([0x06]))),
                (.token(true), Attribute(.token, .bool(true))),
                (.private(false), Attribute(.private, .bool(false))),
                (.sensitive(true), Attribute(.sensitive, .bool(true))),
                (.extractable(false), Attribute(.extractable, .bool(false))),
                (.encrypt(true), Attribute(.encrypt, .bool(true))),
                (.decrypt(true), Attribute(.decrypt, .bool(true))),
                (.wrap(true), Attribute(.wrap, .bool(true))),
                (.unwrap(true), Attribute(.unwrap, .bool(true))),
                (.sign(true), Attribute(.sign, .bool(true))),
                (.verify(true), Attribute(.verify, .bool(true))),
                (.derive(true), Attribute(.derive, .bool(true))),
                (.modifiable(false), Attribute(.modifiable, .bool(false))),
                (.trusted(true), Attribute(.trusted, .bool(true))),
                (.wrapWithTrusted(true), Attribute(.wrapWithTrusted, .bool(true))),
                (.attributeBound(true), Attribute(AttributeType(rawValue: 0x8001_0004), .bool(true))),
            ])
        func constructors(attribute: Attribute, expected: Attribute) {
            #expect(attribute == expected)
        }

        @Test("The builder keeps order and replaces repeated types in place")
        func builderOrderAndReplacement() {
            let template = AttributeTemplate {
                .valueLength(16);
                .encrypt(true);
                .decrypt(true);
                .valueLength(32)
            }
            #expect(template.types == [.valueLength, .encrypt, .decrypt])
            #expect(template[.valueLength] == .integer(32))
            #expect(template.count == 3)

            let t = AttributeTemplate {
                .valueLength(32); .encrypt(true); .decrypt(true)
            }
            #expect(t == template)
            #expect(t.map(\.value) == [.integer(32), .bool(true), .bool(true)])
        }

        @Test(
            "The builder supports if/else, if without else, optionals, for loops and splicing",
            arguments: [
                true, false,
            ])
        func builderControlFlow(flag: Bool) {
            let label: String? = flag ? "key" : nil
            let base: AttributeTemplate = [.token(false), .private(true)]
            let template = AttributeTemplate {
                .class(.secretKey)
                if flag {
                    .extractable(true)
                } else {
                    .extractable(false); .sensitive(true)
                }
                if flag { .label("only when flag") }
                label.map { Attribute.id(Array($0.utf8)) }
                for usage in [Attribute.encrypt(true), .decrypt(true)] {
                    usage
                }
                base
            }
            if flag {
                #expect(template.types == [.class, .extractable, .label, .id, .encrypt, .decrypt, .token, .private])
                #expect(template[.extractable]?.boolValue == true)
                #expect(template[.id]?.bytesValue == Array("key".utf8))
            } else {
                #expect(template.types == [.class, .extractable, .sensitive, .encrypt, .decrypt, .token, .private])
                #expect(template[.extractable]?.boolValue == false)
                #expect(template[.id] == nil)
            }
        }

        @Test("Array and dictionary literals")
        func literals() {
            let array: AttributeTemplate = [.valueLength(32), .encrypt(true), .valueLength(16)]
            #expect(array.types == [.valueLength, .encrypt])
            #expect(array[.valueLength]?.integerValue == 16)

            let dictionary: AttributeTemplate = [.valueLength: 32, .encrypt: true, .label: "k", .id: [0x01]]
            #expect(dictionary.types == [.valueLength, .encrypt, .label, .id])
            #expect(dictionary[.label] == .bytes([0x6B]))
            #expect(dictionary == [.valueLength(32), .encrypt(true), .label("k"), .id([0x01])])

            let empty: AttributeTemplate = [:]
            #expect(empty.isEmpty)
            #expect(AttributeTemplate().isEmpty)
        }

        @Test("Subscript set, replace and remove")
        func subscriptMutation() {
            var template: AttributeTemplate = [.valueLength(32), .encrypt(true)]
            template[.decrypt] = .bool(true)
            template[.valueLength] = .integer(16)
            #expect(template.types == [.valueLength, .encrypt, .decrypt])
            #expect(template[.valueLength] == .integer(16))
            template[.encrypt] = nil
            #expect(template.types == [.valueLength, .decrypt])
            #expect(!template.contains(.encrypt))
            #expect(template.contains(.decrypt))
            #expect(template.removeValue(for: .decrypt) == .bool(true))
            #expect(template.removeValue(for: .decrypt) == nil)
            #expect(template.count == 1)
            #expect(template[0] == .valueLength(16))
        }

        @Test("merging: the other template wins and new types are appended")
        func merging() {
            let defaults: AttributeTemplate = [.token(true), .sensitive(true), .extractable(false)]
            let overrides: AttributeTemplate = [.extractable(true), .label("x"), .token(false)]
            let merged = defaults.merging(overrides)
            #expect(merged.types == [.token, .sensitive, .extractable, .label])
            #expect(merged[.token] == .bool(false))
            #expect(merged[.extractable] == .bool(true))
            #expect(defaults[.token] == .bool(true))  // value semantics
        }

        @Test("Equality and hashing ignore order")
        func equality() {
            let a: AttributeTemplate = [.encrypt(true), .valueLength(32)]
            let b: AttributeTemplate = [.valueLength(32), .encrypt(true)]
            let c: AttributeTemplate = [.valueLength(32), .encrypt(false)]
            let d: AttributeTemplate = [.valueLength(32)]
            #expect(a == b)
            #expect(a.hashValue == b.hashValue)
            #expect(a != c)
            #expect(a != d)
            #expect(Set([a, b, c]).count == 2)
        }

        @Test("Collection conformance")
        func collection() {
            let template = AttributeTemplate {
                .class(.secretKey); .keyType(.aes); .valueLength(32)
            }
            #expect(template.map(\.type) == [.class, .keyType, .valueLength])
            #expect(template.first == .class(.secretKey))
            #expect(template.last == .valueLength(32))
            #expect(Array(template.reversed()).count == 3)
            #expect(template.description == "[CKA_CLASS: 4, CKA_KEY_TYPE: 31, CKA_VALUE_LEN: 32]")
        }

        @Test("A template description never shows secret bytes")
        func descriptionRedacts() {
            let template: AttributeTemplate = [.value([0xAB, 0xCD, 0xEF]), .label("secret-label")]
            #expect(template.description == "[CKA_VALUE: <3 bytes>, CKA_LABEL: <12 bytes>]")
        }
    }
}
