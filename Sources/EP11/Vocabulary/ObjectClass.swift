/// A PKCS #11 object class (`CK_OBJECT_CLASS`, the `CKO_*` constants), the value of `CKA_CLASS`.
///
/// The vocabulary is open: any `UInt64` is a valid value, so a class this library does not know survives
/// a round trip. Known values have `static` members and a ``name``.
///
/// ```swift
/// ObjectClass.secretKey.name // "CKO_SECRET_KEY"
/// ObjectClass(name: "CKO_SECRET_KEY") // .secretKey
/// ```
public struct ObjectClass: RawRepresentable, Hashable, Sendable {
    /// The `CK_ULONG` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

extension ObjectClass {
    /// The C name of a known value (`"CKO_SECRET_KEY"`), or `nil` for a value this library does not
    /// know. Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The object class with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKO_SECRET_KEY"`), any alias, or the name without the
    /// `CKO_` prefix. Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [ObjectClass] {
        Self.knownNames.values.map { ObjectClass(rawValue: $0) }
    }
}

extension ObjectClass: CustomStringConvertible {
    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}
