/// Big-endian unsigned integers as PKCS #11 byte-array attributes carry them (`CKA_PUBLIC_EXPONENT`).
enum BigEndianInteger {
    /// The value of 1 to 8 big-endian bytes; `nil` for no bytes or more than 8 (even with leading zeros).
    static func decode(_ bytes: [UInt8]) -> UInt64? {
        guard (1...8).contains(bytes.count) else {
            return nil
        }
        var value: UInt64 = 0
        for byte in bytes {
            value = (value << 8) | UInt64(byte)
        }
        return value
    }

    /// The minimal big-endian bytes of `value`: no leading zero bytes, and `[0x00]` for zero.
    static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        } while rest != 0
        return bytes.reversed()
    }

    /// Exactly 8 big-endian bytes of `value`, as a 64-bit big-endian `CK_ULONG` is laid out.
    static func bytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }
}
