/// The value of one attribute, as GREP11 sends it: the `AttributeValue` message, whose `oneof` is a byte
/// string, a boolean or an integer, or nothing at all.
///
/// Integer attributes (`CKA_VALUE_LEN`, `CKA_MODULUS_BITS`, `CKA_CLASS`, `CKA_KEY_TYPE`, and in the IBM
/// examples even `CKA_PUBLIC_EXPONENT`) travel as ``integer(_:)``; structured values (`CKA_EC_PARAMS`,
/// `CKA_IBM_PQC_PARAMS`) as DER ``bytes(_:)``. The accessors read a value in either form where PKCS #11 allows
/// it, so code can ask `value.integerValue` without caring which form a peer chose.
///
/// The literal conformances let a template be written as a dictionary:
///
/// ```swift
/// let template: AttributeTemplate = [.valueLength: 32, .encrypt: true, .label: "backup key"]
/// ```
public enum AttributeValue: Hashable, Sendable {
    /// A boolean (`AttributeTF`).
    case bool(Bool)
    /// An unsigned integer (`AttributeI`; `CK_ULONG` on the HSM).
    case integer(UInt64)
    /// A byte string (`AttributeB`): key material, DER, UTF-8 text, big-endian numbers.
    case bytes([UInt8])
    /// No value: an `AttributeValue` with no `oneof` member set (what a nil Go slice becomes).
    case empty
}

extension AttributeValue {
    /// The boolean for ``bool(_:)``, and for a single `0x00` or `0x01` byte (`CK_BBOOL` in byte form);
    /// otherwise `nil`.
    public var boolValue: Bool? {
        switch self {
        case .bool(let value):
            return value
        case .bytes(let bytes) where bytes == [0x00]:
            return false
        case .bytes(let bytes) where bytes == [0x01]:
            return true
        default:
            return nil
        }
    }

    /// The integer for ``integer(_:)``, and for 1 to 8 big-endian ``bytes(_:)``; otherwise `nil` (no bytes,
    /// more than 8 bytes, booleans, ``empty``).
    public var integerValue: UInt64? {
        switch self {
        case .integer(let value):
            return value
        case .bytes(let bytes):
            return BigEndianInteger.decode(bytes)
        case .bool, .empty:
            return nil
        }
    }

    /// The bytes of ``bytes(_:)``; otherwise `nil`.
    public var bytesValue: [UInt8]? {
        if case .bytes(let bytes) = self {
            return bytes
        }
        return nil
    }

    /// The bytes of ``bytes(_:)`` decoded as UTF-8 (labels, IDs typed by people), or `nil` for other cases
    /// and for invalid UTF-8.
    public var stringValue: String? {
        guard case .bytes(let bytes) = self else {
            return nil
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `true` for ``empty``.
    public var isEmpty: Bool {
        self == .empty
    }
}

extension AttributeValue: ExpressibleByBooleanLiteral {
    /// `true` and `false` are ``bool(_:)``.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension AttributeValue: ExpressibleByIntegerLiteral {
    /// Integer literals are ``integer(_:)``.
    public init(integerLiteral value: UInt64) {
        self = .integer(value)
    }
}

extension AttributeValue: ExpressibleByStringLiteral {
    /// String literals are ``bytes(_:)`` holding their UTF-8.
    public init(stringLiteral value: String) {
        self = .bytes(Array(value.utf8))
    }
}

extension AttributeValue: ExpressibleByArrayLiteral {
    /// Array literals of bytes are ``bytes(_:)``.
    public init(arrayLiteral elements: UInt8...) {
        self = .bytes(elements)
    }
}

extension AttributeValue: CustomStringConvertible {
    /// `true`, `65537`, `<32 bytes>` or `<empty>`. Byte strings print only their length, so key material
    /// never reaches a log.
    public var description: String {
        switch self {
        case .bool(let value):
            return String(value)
        case .integer(let value):
            return String(value)
        case .bytes(let bytes):
            return bytes.count == 1 ? "<1 byte>" : "<\(bytes.count) bytes>"
        case .empty:
            return "<empty>"
        }
    }
}
