/// One attribute of a key or template: a `CKA_*` type and its value.
///
/// The static constructors read like the template they build and pick the wire form GREP11 expects
/// (integers as ``AttributeValue/integer(_:)``, flags as ``AttributeValue/bool(_:)``, DER and text as
/// ``AttributeValue/bytes(_:)``):
///
/// ```swift
/// let template = AttributeTemplate { .class(.secretKey); .keyType(.aes); .valueLength(32); .encrypt(true) }
/// ```
///
/// Any other attribute can be built directly: `Attribute(.ibmUseAsData, .bool(true))`.
public struct Attribute: Hashable, Sendable {
    /// The attribute type.
    public var type: AttributeType

    /// The attribute value.
    public var value: AttributeValue

    /// An attribute with any type and value.
    public init(_ type: AttributeType, _ value: AttributeValue) {
        self.type = type
        self.value = value
    }
}

extension Attribute: CustomStringConvertible {
    /// `CKA_VALUE_LEN: 32`; byte values print only their length.
    public var description: String {
        "\(self.type): \(self.value)"
    }
}

// MARK: - Convenience constructors

extension Attribute {
    /// A length or bit count as an integer value; a negative count (a programming error) becomes 0 rather than
    /// trapping, and the HSM rejects it.
    private static func count(_ type: AttributeType, _ count: Int) -> Attribute {
        Attribute(type, .integer(UInt64(clamping: count)))
    }

    // MARK: Object identity

    /// `CKA_CLASS`: the object class, as an integer.
    public static func `class`(_ objectClass: ObjectClass) -> Attribute {
        Attribute(.class, .integer(objectClass.rawValue))
    }

    /// `CKA_KEY_TYPE`: the key type, as an integer.
    public static func keyType(_ keyType: KeyType) -> Attribute {
        Attribute(.keyType, .integer(keyType.rawValue))
    }

    /// `CKA_LABEL`: a label, as UTF-8 bytes.
    public static func label(_ label: String) -> Attribute {
        Attribute(.label, .bytes(Array(label.utf8)))
    }

    /// `CKA_ID`: a key identifier.
    public static func id(_ id: [UInt8]) -> Attribute {
        Attribute(.id, .bytes(id))
    }

    /// `CKA_VALUE`: the object's value (key bytes, data).
    public static func value(_ value: [UInt8]) -> Attribute {
        Attribute(.value, .bytes(value))
    }

    // MARK: Sizes and domain parameters

    /// `CKA_VALUE_LEN`: a secret key's length in bytes (32 for AES-256).
    public static func valueLength(_ byteCount: Int) -> Attribute {
        Self.count(.valueLength, byteCount)
    }

    /// `CKA_MODULUS_BITS`: an RSA key's modulus length in bits.
    public static func modulusBits(_ bitCount: Int) -> Attribute {
        Self.count(.modulusBits, bitCount)
    }

    /// `CKA_PUBLIC_EXPONENT` as an integer, the form the IBM GREP11 examples send (usually 65537).
    public static func publicExponent(_ exponent: UInt64) -> Attribute {
        Attribute(.publicExponent, .integer(exponent))
    }

    /// `CKA_PUBLIC_EXPONENT` as big-endian bytes, the PKCS #11 form (`[0x01, 0x00, 0x01]` for 65537).
    public static func publicExponent(bigEndian bytes: [UInt8]) -> Attribute {
        Attribute(.publicExponent, .bytes(bytes))
    }

    /// `CKA_EC_PARAMS`: the DER-encoded OID of a named curve.
    public static func ecParameters(_ curve: NamedCurve) -> Attribute {
        Attribute(.ecParameters, .bytes(curve.ecParameters))
    }

    /// `CKA_PRIME`: the DSA or DH prime p, big-endian.
    public static func prime(_ bigEndian: [UInt8]) -> Attribute {
        Attribute(.prime, .bytes(bigEndian))
    }

    /// `CKA_SUBPRIME`: the DSA subprime q (the order of g), big-endian.
    public static func subprime(_ bigEndian: [UInt8]) -> Attribute {
        Attribute(.subprime, .bytes(bigEndian))
    }

    /// `CKA_BASE`: the DSA or DH generator g, big-endian.
    public static func base(_ bigEndian: [UInt8]) -> Attribute {
        Attribute(.base, .bytes(bigEndian))
    }

    /// `CKA_PRIME_BITS`: the DSA or DH prime length in bits, for domain parameter generation.
    public static func primeBits(_ bitCount: Int) -> Attribute {
        Self.count(.primeBits, bitCount)
    }

    /// `CKA_SUBPRIME_BITS`: the DSA subprime length in bits, for domain parameter generation.
    public static func subprimeBits(_ bitCount: Int) -> Attribute {
        Self.count(.subprimeBits, bitCount)
    }

    /// `CKA_IBM_STRUCT_PARAMS`: DSA or DH domain parameters as a DER structure, as EP11 generates them.
    public static func structParameters(_ der: [UInt8]) -> Attribute {
        Attribute(.ibmStructParameters, .bytes(der))
    }

    /// `CKA_IBM_PQC_PARAMS`: the DER-encoded OID of a post-quantum parameter set (see ``ObjectIdentifiers``).
    public static func pqcParameters(_ der: [UInt8]) -> Attribute {
        Attribute(.ibmPQCParameters, .bytes(der))
    }

    // MARK: Storage and protection

    /// `CKA_TOKEN`: `true` for a token object.
    public static func token(_ isToken: Bool) -> Attribute {
        Attribute(.token, .bool(isToken))
    }

    /// `CKA_PRIVATE`: `true` if the object needs a login to be seen.
    public static func `private`(_ isPrivate: Bool) -> Attribute {
        Attribute(.private, .bool(isPrivate))
    }

    /// `CKA_SENSITIVE`: `true` if the key value may never leave the HSM in the clear.
    public static func sensitive(_ isSensitive: Bool) -> Attribute {
        Attribute(.sensitive, .bool(isSensitive))
    }

    /// `CKA_EXTRACTABLE`: `true` if the key may be wrapped.
    public static func extractable(_ isExtractable: Bool) -> Attribute {
        Attribute(.extractable, .bool(isExtractable))
    }

    /// `CKA_MODIFIABLE`: `true` if the attributes may be changed later.
    public static func modifiable(_ isModifiable: Bool) -> Attribute {
        Attribute(.modifiable, .bool(isModifiable))
    }

    /// `CKA_IBM_ATTRBOUND`: `true` if the key may only travel with its attributes, wrapped with
    /// `CKM_IBM_ATTRIBUTEBOUND_WRAP`.
    public static func attributeBound(_ isAttributeBound: Bool) -> Attribute {
        Attribute(.ibmAttributeBound, .bool(isAttributeBound))
    }

    /// `CKA_TRUSTED`: `true` if the key is trusted to wrap keys marked `CKA_WRAP_WITH_TRUSTED`.
    public static func trusted(_ isTrusted: Bool) -> Attribute {
        Attribute(.trusted, .bool(isTrusted))
    }

    /// `CKA_WRAP_WITH_TRUSTED`: `true` if the key may only be wrapped by a trusted key.
    public static func wrapWithTrusted(_ onlyTrusted: Bool) -> Attribute {
        Attribute(.wrapWithTrusted, .bool(onlyTrusted))
    }

    // MARK: Usage

    /// `CKA_ENCRYPT`: `true` if the key may encrypt.
    public static func encrypt(_ allowed: Bool) -> Attribute {
        Attribute(.encrypt, .bool(allowed))
    }

    /// `CKA_DECRYPT`: `true` if the key may decrypt.
    public static func decrypt(_ allowed: Bool) -> Attribute {
        Attribute(.decrypt, .bool(allowed))
    }

    /// `CKA_WRAP`: `true` if the key may wrap other keys.
    public static func wrap(_ allowed: Bool) -> Attribute {
        Attribute(.wrap, .bool(allowed))
    }

    /// `CKA_UNWRAP`: `true` if the key may unwrap other keys.
    public static func unwrap(_ allowed: Bool) -> Attribute {
        Attribute(.unwrap, .bool(allowed))
    }

    /// `CKA_SIGN`: `true` if the key may sign or compute MACs.
    public static func sign(_ allowed: Bool) -> Attribute {
        Attribute(.sign, .bool(allowed))
    }

    /// `CKA_VERIFY`: `true` if the key may verify signatures or MACs.
    public static func verify(_ allowed: Bool) -> Attribute {
        Attribute(.verify, .bool(allowed))
    }

    /// `CKA_DERIVE`: `true` if other keys may be derived from the key.
    public static func derive(_ allowed: Bool) -> Attribute {
        Attribute(.derive, .bool(allowed))
    }
}
