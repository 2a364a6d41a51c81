import Testing

/// Namespace for the vocabulary suites, so their type names cannot clash with other EP11 test suites.
@Suite("Vocabulary")
enum VocabularyTests {
    /// Bytes from a hex string such as `"06 08 2a 86"`; spaces are ignored. Test-only: traps on bad input.
    static func hex(_ string: String) -> [UInt8] {
        let digits = Array(string.filter { !$0.isWhitespace })
        precondition(digits.count.isMultiple(of: 2), "odd number of hex digits")
        return stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                preconditionFailure("not hex: \(string)")
            }
            return byte
        }
    }
}
