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
public struct ReturnValue: PKCS11Constant {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

extension ReturnValue {
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
