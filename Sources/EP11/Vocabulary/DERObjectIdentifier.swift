/// DER encoding and decoding of ASN.1 OBJECT IDENTIFIERs (X.690 §8.19), enough for `CKA_EC_PARAMS` and
/// `CKA_IBM_PQC_PARAMS`, without a dependency.
///
/// Arcs are `UInt64`, so large arcs (above 2^28 or 2^32) are handled exactly. Decoding is strict DER: tag 0x06,
/// a definite minimal length that covers exactly the rest of the input, and minimal base-128 subidentifiers.
/// Anything else, including arcs beyond `UInt64`, returns `nil`; nothing traps.
enum DERObjectIdentifier {
    static let tag: UInt8 = 0x06

    /// The arcs of a dotted OID such as `"1.2.840.10045.3.1.7"`, or `nil` unless it has at least two arcs,
    /// each plain decimal digits that fit `UInt64`, a first arc of 0, 1 or 2, and (for first arcs 0 and 1)
    /// a second arc below 40.
    static func arcs(dotted: String) -> [UInt64]? {
        var arcs: [UInt64] = []
        for component in dotted.split(separator: ".", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let arc = UInt64(component)
            else {
                return nil
            }
            arcs.append(arc)
        }
        guard Self.isValid(arcs) else {
            return nil
        }
        return arcs
    }

    /// `"1.2.840.10045.3.1.7"` for the arcs `[1, 2, 840, 10045, 3, 1, 7]`.
    static func dotted(_ arcs: [UInt64]) -> String {
        arcs.map { String($0) }.joined(separator: ".")
    }

    /// The full DER TLV (`06 len content`) of `arcs`, or `nil` if the arcs are not a valid OID.
    static func encode(_ arcs: [UInt64]) -> [UInt8]? {
        guard Self.isValid(arcs) else {
            return nil
        }
        // The first two arcs share one subidentifier: 40 * first + second.
        let (combined, overflow) = arcs[1].addingReportingOverflow(arcs[0] &* 40)
        guard !overflow else {
            return nil
        }
        var content: [UInt8] = []
        Self.appendBase128(combined, to: &content)
        for arc in arcs.dropFirst(2) {
            Self.appendBase128(arc, to: &content)
        }
        return [Self.tag] + Self.encodeLength(content.count) + content
    }

    /// The arcs of a full DER OID TLV, or `nil` if `der` is anything but exactly one well-formed OID.
    static func decode(_ der: [UInt8]) -> [UInt64]? {
        guard der.count >= 2, der[0] == Self.tag else {
            return nil
        }
        var index = 1
        guard let length = Self.decodeLength(der, at: &index), length > 0, der.count - index == length else {
            return nil
        }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var startOfSubidentifier = true
        for byte in der[index...] {
            // A subidentifier may not start with 0x80: that would be a non-minimal encoding.
            if startOfSubidentifier && byte == 0x80 {
                return nil
            }
            guard value <= UInt64.max >> 7 else {
                return nil
            }
            value = (value << 7) | UInt64(byte & 0x7F)
            startOfSubidentifier = byte & 0x80 == 0
            if startOfSubidentifier {
                if arcs.isEmpty {
                    switch value {
                    case ..<40: arcs += [0, value]
                    case ..<80: arcs += [1, value - 40]
                    default: arcs += [2, value - 80]
                    }
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        // The last byte must end a subidentifier.
        guard startOfSubidentifier else {
            return nil
        }
        return arcs
    }

    private static func isValid(_ arcs: [UInt64]) -> Bool {
        guard arcs.count >= 2, arcs[0] <= 2 else {
            return false
        }
        return arcs[0] == 2 || arcs[1] < 40
    }

    private static func appendBase128(_ value: UInt64, to bytes: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest != 0 {
            groups.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(contentsOf: groups.reversed())
    }

    private static func encodeLength(_ length: Int) -> [UInt8] {
        if length < 0x80 {
            return [UInt8(length)]
        }
        var bytes: [UInt8] = []
        var rest = length
        while rest != 0 {
            bytes.append(UInt8(rest & 0xFF))
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes.reversed()
    }

    /// Reads a DER length at `index` and moves past it. Rejects the indefinite form, long forms of more
    /// than four bytes, and non-minimal encodings.
    private static func decodeLength(_ der: [UInt8], at index: inout Int) -> Int? {
        guard index < der.count else {
            return nil
        }
        let first = der[index]
        index += 1
        if first < 0x80 {
            return Int(first)
        }
        let count = Int(first & 0x7F)
        guard (1...4).contains(count), der.count - index >= count, der[index] != 0 else {
            return nil
        }
        var length = 0
        for byte in der[index..<(index + count)] {
            length = (length << 8) | Int(byte)
        }
        index += count
        // The long form is only allowed for lengths that do not fit the short form.
        guard length >= 0x80 else {
            return nil
        }
        return length
    }
}
