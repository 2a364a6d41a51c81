/// A PKCS #11 attribute type (`CK_ATTRIBUTE_TYPE`, the `CKA_*` constants).
///
/// The vocabulary is open: any `UInt64` is a valid value, so an attribute this library does not know survives
/// a round trip. Known values have `static` members named after their C names (`CKA_VALUE_LEN` is
/// ``valueLength``, `CKA_IBM_ATTRBOUND` is ``ibmAttributeBound``) and a ``name``. On the GREP11 wire an
/// attribute type is the key of a `map<uint64, AttributeValue>`.
///
/// ```swift
/// AttributeType.valueLength.name // "CKA_VALUE_LEN"
/// AttributeType(name: "CKA_VALUE_LEN") // .valueLength
/// ```
public struct AttributeType: RawRepresentable, Hashable, Sendable {
    /// The `CK_ULONG` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

extension AttributeType {
    /// The C name of a known value (`"CKA_VALUE_LEN"`), or `nil` for a value this library does not
    /// know. Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The attribute type with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKA_VALUE_LEN"`), any alias, or the name without the
    /// `CKA_` prefix. Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [AttributeType] {
        Self.knownNames.values.map { AttributeType(rawValue: $0) }
    }
}

extension AttributeType: CustomStringConvertible {
    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}
