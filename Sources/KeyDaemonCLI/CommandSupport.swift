import Foundation

// Helpers shared by hpcs-tool and hpcs-keyd: one vocabulary for failures, JSON output and transport checks.

/// A failure at run time (bad input, unusable configuration): printed as `Error: <description>`, exit status 1.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One JSON object or array on stdout, keys sorted.
public func printJSON(_ object: Any) {
    guard
        let data = try? JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else {
        print("{}")
        return
    }
    print(String(decoding: data, as: UTF8.self))
}

/// One line on stderr.
public func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Plain HTTP only to loopback, unless `allowPlaintext` (--plaintext) says otherwise.
public func checkHTTPTransport(_ endpoint: String, allowPlaintext: Bool, what: String) throws {
    let lowered = endpoint.lowercased()
    if lowered.hasPrefix("https://") { return }
    guard lowered.hasPrefix("http://") else {
        throw CommandFailure("the \(what) must be an http(s) URL")
    }
    let authority = lowered.dropFirst("http://".count).prefix { $0 != "/" }
    let host: Substring
    if authority.hasPrefix("[") {
        host = authority.dropFirst().prefix { $0 != "]" }
    } else {
        host = authority.prefix { $0 != ":" }
    }
    let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
    guard loopback || allowPlaintext else {
        throw CommandFailure("refusing plain HTTP to \(host): use https, or --plaintext for a trusted network")
    }
}
