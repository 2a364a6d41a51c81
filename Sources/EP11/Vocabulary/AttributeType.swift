/// A PKCS #11 attribute type (`CK_ATTRIBUTE_TYPE`, the `CKA_*` constants).
///
/// The vocabulary is open: any `UInt64` is a valid value, so an attribute this library does not know survives
/// a round trip. Known values have `static` members named after their C names (`CKA_VALUE_LEN` is
/// ``valueLength``, `CKA_IBM_ATTRBOUND` is ``ibmAttributeBound``) and a ``name``. On the GREP11 wire an
/// attribute type is the key of a `map<uint64, AttributeValue>`.
///
/// ```swift
/// AttributeType.valueLength.name // "CKA_VALUE_LEN"
/// AttributeType(name: "CKA_VALUE_LEN") // .valueLength
/// ```
public struct AttributeType: PKCS11Constant {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}
