/// A PKCS #11 mechanism type (`CK_MECHANISM_TYPE`, the `CKM_*` constants).
///
/// The vocabulary is open: any `UInt64` is a valid value, so a mechanism this library does not know (a newer
/// IBM one, say) survives a round trip. Known values have `static` members named after their C names
/// (`CKM_AES_CBC_PAD` is ``aesCBCPad``) and a ``name``.
///
/// A mechanism type says which algorithm to run; ``Mechanism`` pairs it with its parameter, and is what
/// operations take.
///
/// ```swift
/// MechanismType.aesCBCPad.name // "CKM_AES_CBC_PAD"
/// MechanismType(name: "CKM_AES_CBC_PAD") // .aesCBCPad
/// ```
public struct MechanismType: RawRepresentable, Hashable, Sendable {
    /// The `CK_ULONG` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

extension MechanismType {
    /// The C name of a known value (`"CKM_AES_CBC_PAD"`), or `nil` for a value this library does not
    /// know. Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The mechanism type with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKM_AES_CBC_PAD"`), any alias, or the name without the
    /// `CKM_` prefix. Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [MechanismType] {
        Self.knownNames.values.map { MechanismType(rawValue: $0) }
    }
}

extension MechanismType: CustomStringConvertible {
    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}
