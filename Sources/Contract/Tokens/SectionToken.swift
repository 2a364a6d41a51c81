/// The parts of an encrypted section token `PREFIX.A.B`:
/// A = base64(RSAES-PKCS1-v1_5(password)), B = base64(`openssl enc` salted envelope).
struct SectionToken: Sendable {
    var prefix: TokenPrefix
    var wrappedPassword: [UInt8]
    var envelope: [UInt8]

    /// Parses and validates the shape of a token (surrounding whitespace is ignored, e.g. a file's final
    /// newline). Nothing here needs a key.
    static func parse(_ token: String, acceptedPrefixes: [TokenPrefix], field: ContractField?) throws -> SectionToken {
        let trimmed = token.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else {
            throw ContractError(code: .malformedToken, message: "the token is empty", field: field)
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw ContractError(
                code: .malformedToken,
                message: "a token has three parts separated by \".\" (PREFIX.A.B); this one has \(parts.count)",
                field: field)
        }
        guard let prefix = TokenPrefix(rawValue: String(parts[0])), acceptedPrefixes.contains(prefix) else {
            // Quoted only when it reads like a prefix (lower-case letters, digits, '-'): never a pasted secret.
            let prefixLike = parts[0].utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
            }
            let shown = prefixLike && parts[0].count <= 40 ? "\"\(parts[0])\"" : "of \(parts[0].count) characters"
            throw ContractError(
                code: .invalidPrefix,
                message: "the token prefix \(shown) is not one of "
                    + acceptedPrefixes.map { "\"\($0)\"" }.joined(separator: ", "),
                field: field)
        }
        guard let wrapped = StrictBase64.decode(parts[1]) else {
            throw ContractError(
                code: .malformedToken, message: "the wrapped password (part A) is not standard base64", field: field)
        }
        guard let envelope = StrictBase64.decode(parts[2]) else {
            throw ContractError(
                code: .malformedToken, message: "the encrypted data (part B) is not standard base64", field: field)
        }
        do {
            try SaltedEnvelope.validateShape(envelope)
        } catch var error as ContractError {
            error.field = field
            throw error
        }
        return SectionToken(prefix: prefix, wrappedPassword: wrapped, envelope: envelope)
    }

    /// `PREFIX.A.B` with standard padded base64 on one line.
    var text: String {
        "\(prefix.rawValue).\(StrictBase64.encode(wrappedPassword)).\(StrictBase64.encode(envelope))"
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
