/// One of the open PKCS #11 vocabularies (``AttributeType``, ``KeyType``, ``MechanismType``, ``ObjectClass``,
/// ``ReturnValue``, and the parameter values ``MaskGenerationFunction`` and ``ECSGType``): a `CK_ULONG` wrapper where any `UInt64` is a valid value, so a value this library does not
/// know survives a round trip. Known values have `static` members, a C ``name`` and print by it; others print as
/// hex (`0x8001ABCD`).
public protocol PKCS11Constant: RawRepresentable<UInt64>, Hashable, Sendable, CustomStringConvertible {
    /// Wraps any value, known or not.
    init(rawValue: UInt64)

    /// The known values and their C names. The table is opaque outside this library.
    static var knownNames: PKCS11NameTable { get }
}

extension PKCS11Constant {
    /// The C name of a known value (`"CKM_AES_CBC_PAD"`), or `nil` for a value this library does not know.
    /// Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The value with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKM_AES_CBC_PAD"`), any alias, or the name without the prefix
    /// (`"AES_CBC_PAD"`). Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [Self] {
        Self.knownNames.values.map { Self(rawValue: $0) }
    }

    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}

/// A two-way table between PKCS #11 constant values and their C names, shared by the open vocabularies
/// (``PKCS11Constant``).
///
/// Several names may share a value (`CKM_EC_KEY_PAIR_GEN` and `CKM_ECDSA_KEY_PAIR_GEN`). The first name
/// listed for a value is its primary name, the one `name(for:)` returns; every listed name resolves in
/// `value(for:)`.
public struct PKCS11NameTable: Sendable {
    /// The C prefix of every name in the table, such as `"CKM_"`.
    let prefix: String

    /// Every distinct value in declaration order, each once.
    let values: [UInt64]

    private let nameByValue: [UInt64: String]
    private let valueByName: [String: UInt64]

    init(prefix: String, _ entries: [(UInt64, String)]) {
        var nameByValue: [UInt64: String] = [:]
        var valueByName: [String: UInt64] = [:]
        var values: [UInt64] = []
        for (value, name) in entries {
            if nameByValue[value] == nil {
                nameByValue[value] = name
                values.append(value)
            }
            valueByName[name] = value
        }
        self.prefix = prefix
        self.values = values
        self.nameByValue = nameByValue
        self.valueByName = valueByName
    }

    /// The primary name of `value`, or `nil` if the value is not in the table.
    func name(for value: UInt64) -> String? {
        self.nameByValue[value]
    }

    /// The value named `name`. Accepts the full C name (`"CKM_AES_CBC_PAD"`) or the name without its
    /// prefix (`"AES_CBC_PAD"`); matching is case-sensitive.
    func value(for name: String) -> UInt64? {
        if let value = self.valueByName[name] {
            return value
        }
        return self.valueByName[self.prefix + name]
    }
}

/// `0x` followed by at least eight upper-case hex digits, as PKCS #11 headers write constants.
func pkcs11Hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    let padding = digits.count < 8 ? String(repeating: "0", count: 8 - digits.count) : ""
    return "0x" + padding + digits
}
