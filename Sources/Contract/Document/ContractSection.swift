/// The value of one contract section, as found in the contract.
///
/// - ``plaintext(_:)`` holds the section's YAML text: for a string-valued section the string itself (byte for
///   byte as YAML decodes it), for a map-valued section the Yams serialisation of the map.
/// - ``encrypted(token:)`` holds the exact token string, `hyper-protect-basic.<A>.<B>` or
///   `contract-basic.<A>.<B>`.
public enum ContractSection: Sendable, Hashable {
    /// A section in clear.
    case plaintext(String)
    /// An encrypted section: the exact token string as written in the contract.
    case encrypted(token: String)

    /// Whether the section is an encrypted token.
    public var isEncrypted: Bool {
        if case .encrypted = self { return true }
        return false
    }

    /// The string that stands in the contract for a string-valued section: the token or the plaintext.
    var stringValue: String {
        switch self {
        case .plaintext(let text): text
        case .encrypted(let token): token
        }
    }

    /// Classifies a string value found in a contract: a string that starts with a known token prefix and a
    /// dot is a token (validated only when decrypted), anything else is plaintext.
    static func classify(_ value: String) -> ContractSection {
        let trimmed = value.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        for prefix in TokenPrefix.known where trimmed.hasPrefix(prefix.rawValue + ".") {
            return .encrypted(token: value)
        }
        return .plaintext(value)
    }
}
