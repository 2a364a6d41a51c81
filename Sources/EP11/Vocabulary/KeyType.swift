/// A PKCS #11 key type (`CK_KEY_TYPE`, the `CKK_*` constants), the value of `CKA_KEY_TYPE`.
///
/// The vocabulary is open: any `UInt64` is a valid value, so a key type this library does not know survives
/// a round trip. Known values have `static` members and a ``name``.
///
/// ```swift
/// KeyType.aes.name // "CKK_AES"
/// KeyType(name: "CKK_AES") // .aes
/// ```
public struct KeyType: RawRepresentable, Hashable, Sendable {
    /// The `CK_ULONG` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

extension KeyType {
    /// The C name of a known value (`"CKK_AES"`), or `nil` for a value this library does not
    /// know. Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The key type with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKK_AES"`), any alias, or the name without the
    /// `CKK_` prefix. Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [KeyType] {
        Self.knownNames.values.map { KeyType(rawValue: $0) }
    }
}

extension KeyType: CustomStringConvertible {
    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}
