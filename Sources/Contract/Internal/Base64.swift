import Foundation

/// Strict standard base64 (RFC 4648 §4, padded), as `base64 -w0` and Go's `base64.StdEncoding` write it.
enum StrictBase64 {
    /// Decodes `text`, refusing whitespace, the URL alphabet, missing padding and anything else.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count % 4 == 0 else { return nil }
        var padding = 0
        for (index, byte) in utf8.enumerated() {
            let isAlphabet =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2B || byte == 0x2F
            if byte == 0x3D {
                padding += 1
                guard index >= utf8.count - 2 else { return nil }
            } else if !isAlphabet || padding > 0 {
                return nil
            }
        }
        return Data(base64Encoded: Data(utf8)).map { Array($0) }
    }

    /// Decodes base64 with whitespace between characters tolerated (as the contract schema allows for
    /// `envWorkloadSignature` and as `openssl enc -base64` wraps lines).
    static func decodeIgnoringWhitespace(_ text: some StringProtocol) -> [UInt8]? {
        decode(String(text.filter { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") }))
    }

    /// Standard padded base64 on one line.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }
}
