/// A two-way table between PKCS #11 constant values and their C names, shared by the open vocabularies
/// (``MechanismType``, ``AttributeType``, ``KeyType``, ``ObjectClass``, ``ReturnValue``).
///
/// Several names may share a value (`CKM_EC_KEY_PAIR_GEN` and `CKM_ECDSA_KEY_PAIR_GEN`). The first name
/// listed for a value is its primary name, the one `name(for:)` returns; every listed name resolves in
/// `value(for:)`.
struct ConstantNames: Sendable {
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
