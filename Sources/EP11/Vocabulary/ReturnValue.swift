/// A PKCS #11 return value (`CK_RV`, the `CKR_*` constants), as EP11 and GREP11 report it.
///
/// The vocabulary is open: any `UInt64` is a valid value, so a code this library does not know (a newer
/// vendor one, say) survives and prints as hex. Known values have `static` members named after their C
/// names (`CKR_SIGNATURE_INVALID` is ``signatureInvalid``, `CKR_IBM_WKID_MISMATCH` is ``ibmWKIDMismatch``)
/// and a ``name``. A GREP11 server reports failures as a `Grep11Error` whose `Code` is one of these.
///
/// ```swift
/// ReturnValue(rawValue: 0xC0).name // "CKR_SIGNATURE_INVALID"
/// ReturnValue(name: "CKR_SIGNATURE_INVALID") // .signatureInvalid
/// ```
public struct ReturnValue: RawRepresentable, Hashable, Sendable {
    /// The `CK_ULONG` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

extension ReturnValue {
    /// The C name of a known value (`"CKR_SIGNATURE_INVALID"`), or `nil` for a value this library does not
    /// know. Where several names share a value, this is the primary one.
    public var name: String? {
        Self.knownNames.name(for: self.rawValue)
    }

    /// The return value with the C name `name`, or `nil` if the name is unknown.
    ///
    /// Accepts the full name (`"CKR_SIGNATURE_INVALID"`), any alias, or the name without the
    /// `CKR_` prefix. Matching is case-sensitive.
    public init?(name: String) {
        guard let value = Self.knownNames.value(for: name) else {
            return nil
        }
        self.init(rawValue: value)
    }

    /// Every known value, each once, in the order of the PKCS #11 and EP11 headers.
    public static var allKnown: [ReturnValue] {
        Self.knownNames.values.map { ReturnValue(rawValue: $0) }
    }

    /// `true` for `CKR_OK`, the only success value.
    public var isOK: Bool {
        self == .ok
    }

    /// `true` for values in the vendor-defined range (`CKR_VENDOR_DEFINED` and above): the IBM EP11 and
    /// GREP11 codes.
    public var isVendorDefined: Bool {
        self.rawValue >= Self.vendorDefined.rawValue
    }
}

extension ReturnValue: CustomStringConvertible {
    /// The C name for a known value, otherwise the value in hex (`0x8001ABCD`).
    public var description: String {
        self.name ?? pkcs11Hex(self.rawValue)
    }
}
