/// A PKCS #11 key type (`CK_KEY_TYPE`, the `CKK_*` constants), the value of `CKA_KEY_TYPE`.
///
/// The vocabulary is open: any `UInt64` is a valid value, so a key type this library does not know survives
/// a round trip. Known values have `static` members and a ``name``.
///
/// ```swift
/// KeyType.aes.name // "CKK_AES"
/// KeyType(name: "CKK_AES") // .aes
/// ```
public struct KeyType: PKCS11Constant {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}
