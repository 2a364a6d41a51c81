/// The bytes a hex string spells (upper or lower case; white space between digits is ignored), or `nil` when
/// it has an odd number of digits or a character that is not a hex digit.
///
/// The one hex reader of the package: the EP11 vocabulary's and the HSM mock's domain-parameter literals and the
/// tests' vectors all read through it.
package func bytes(fromHex text: some StringProtocol) -> [UInt8]? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count / 2)
    var high: UInt8?
    for unit in text.utf8 {
        let nibble: UInt8
        switch unit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = unit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = unit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = unit - UInt8(ascii: "A") + 10
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): continue
        default: return nil
        }
        if let first = high {
            bytes.append(first << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return high == nil ? bytes : nil
}
