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
public struct MechanismType: PKCS11Constant {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}
