/// A JSON object whose members are all strings, such as the body of `POST /1.0/sign` (`{"csr": PEM, "ott": token}`),
/// read from its bytes in one pass without Foundation's object graph.
///
/// Anything it does not read is `nil`, never an error: a value of another type, a `\u` escape, a duplicate member,
/// bytes that are not UTF-8, anything after the object. The caller then reads the body with `JSONSerialization`,
/// which decides and words the refusal, so the rules and messages of a request body stay those of the general path.
enum FlatJSON {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The members of `bytes`, a JSON object of strings, or `nil` (see ``FlatJSON``).
    static func stringObject(_ bytes: UnsafeRawBufferPointer) -> [String: String]? {
        var index = 0
        func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }
        func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> String? {
            guard consume(quote) else { return nil }
            var text: [UInt8] = []
            var start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == quote {
                    text.append(contentsOf: bytes[start..<index])
                    index += 1
                    return String(validating: text, as: UTF8.self)
                }
                guard byte >= 0x20 else { return nil }
                guard byte == backslash else {
                    index += 1
                    continue
                }
                text.append(contentsOf: bytes[start..<index])
                index += 1
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case quote, backslash, UInt8(ascii: "/"): text.append(bytes[index])
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                default: return nil
                }
                index += 1
                start = index
            }
            return nil
        }

        skipSpace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        var object: [String: String] = [:]
        skipSpace()
        if !consume(UInt8(ascii: "}")) {
            while true {
                skipSpace()
                guard let name = string() else { return nil }
                skipSpace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = string(), object[name] == nil else { return nil }
                object[name] = value
                skipSpace()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        return index == bytes.count ? object : nil
    }
}
