/// Control characters in text that came from a request or a certificate (a subject, a SAN, a file name), which
/// must never reach a terminal raw: an ANSI escape in a common name could rewrite what the operator sees.
package enum ControlCharacters {
    /// Whether `scalar` is a control character (C0, DEL, C1) or a bidirectional-text control that reorders what a
    /// terminal shows (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
    package static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The first control character in `text`, if any.
    package static func first(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isControl)
    }

    /// `text` with every control character written as an escape (`\x1b`, `\u202e`), safe to print.
    package static func escaped(_ text: String) -> String {
        guard first(in: text) != nil else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += escape(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The escape for one control character: `\x1b` below U+0100, `\u202e` above.
    package static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        if scalar.value < 0x100 { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
