/// A PKCS #11 object class (`CK_OBJECT_CLASS`, the `CKO_*` constants), the value of `CKA_CLASS`.
///
/// The vocabulary is open: any `UInt64` is a valid value, so a class this library does not know survives
/// a round trip. Known values have `static` members and a ``name``.
///
/// ```swift
/// ObjectClass.secretKey.name // "CKO_SECRET_KEY"
/// ObjectClass(name: "CKO_SECRET_KEY") // .secretKey
/// ```
public struct ObjectClass: PKCS11Constant {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}
