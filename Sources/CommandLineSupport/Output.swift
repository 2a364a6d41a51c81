import Foundation

/// One JSON object or array on stdout, keys sorted. Every scalar `escaping` selects is written as a `\uXXXX`
/// escape: the same JSON for a parser, but (for control characters, as `ca list` escapes them) nothing that acts
/// on a terminal.
package func printJSON(_ object: Any, escaping: ((Unicode.Scalar) -> Bool)? = nil) {
    guard
        let data = try? JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else {
        print("{}")
        return
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let escaping else {
        print(text)
        return
    }
    var escaped = ""
    for scalar in text.unicodeScalars {
        if escaping(scalar) {
            let hex = String(scalar.value, radix: 16)
            escaped += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        } else {
            escaped.unicodeScalars.append(scalar)
        }
    }
    print(escaped)
}

/// One line on stderr.
package func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `value` for a JSON object: the text, or `null`.
package func jsonValue(_ value: String?) -> Any { value.map { $0 as Any } ?? NSNull() }

/// `value` for a JSON object: the number, or `null`.
package func jsonValue(_ value: Int?) -> Any { value.map { $0 as Any } ?? NSNull() }

/// A date for a JSON object or a line of text: ISO 8601 in UTC (`2026-03-28T12:00:00Z`), or `null`.
package func jsonDate(_ date: Date?) -> Any { date.map { iso8601Text($0) as Any } ?? NSNull() }

/// A date as ISO 8601 in UTC.
package func iso8601Text(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
}
