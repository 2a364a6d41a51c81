import Foundation

/// Decoding that fails closed for the JSON files a person may edit (a policy, `ca-config.json`,
/// `publication.json`): an unknown member (a misspelling) or a value of the wrong type is an error that names the
/// member, never silently dropped.
enum StrictDecoding {
    /// Any JSON object key, to find the ones a type does not know.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) {
            self.stringValue = String(intValue)
            self.intValue = intValue
        }
    }

    /// The dotted path of a member (`dnsNames.permitted`, `allowedKeyTypes[2]`), for messages.
    static func path(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    static func error(_ message: String) -> CertificateAuthorityError {
        CertificateAuthorityError(code: .malformedInput, message: ControlCharacters.escaped(message))
    }

    /// A keyed container that refuses members outside `Keys`, naming the first unknown one. `document` names the
    /// file in messages ("the policy", "ca-config.json").
    static func container<Keys: CodingKey & CaseIterable>(
        _ decoder: any Decoder, _ keys: Keys.Type, document: String
    ) throws -> KeyedDecodingContainer<Keys> {
        let scope = decoder.codingPath.isEmpty ? document : "\(document)'s \"\(path(decoder.codingPath))\""
        let members: KeyedDecodingContainer<AnyKey>
        do {
            members = try decoder.container(keyedBy: AnyKey.self)
        } catch {
            throw Self.error("\(scope) must be a JSON object")
        }
        let known = Keys.allCases.map(\.stringValue)
        for key in members.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
        where !known.contains(key.stringValue) {
            throw Self.error(
                "\(document) has an unknown member \"\(path(decoder.codingPath + [key]))\"; \(scope) may have "
                    + known.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return try decoder.container(keyedBy: Keys.self)
    }
}

extension KeyedDecodingContainer {
    /// The member's value if present and not null; a value of another type is an error naming the member and
    /// saying what it must be (`expected`, e.g. "a list of strings").
    func strictMember<T: Decodable>(
        _ type: T.Type, _ key: Key, expected: String, document: String
    ) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: key)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            let member = StrictDecoding.path(codingPath + [key])
            throw StrictDecoding.error("\(document)'s \"\(member)\" must be \(expected)")
        }
    }
}

extension StrictDecoding {
    /// The path of the first member that appears twice in one JSON object (`dnsNames`, `dnsNames.permitted`), if
    /// any: a decoder keeps one of the two and silently drops the other. One pass over the text; text that is not
    /// JSON ends the scan (the decoder reports it).
    static func duplicateMember(in bytes: [UInt8]) -> String? {
        struct Frame {
            var isObject: Bool
            var keys: Set<String> = []
            var expectingKey = true
            var key: String?
            var index = 0
        }
        var stack: [Frame] = []
        func path(_ last: String) -> String {
            var parts: [String] = []
            for frame in stack.dropLast() {
                if frame.isObject { parts.append(frame.key ?? "?") } else { parts.append("[\(frame.index)]") }
            }
            return (parts + [last]).reduce("") { text, part in
                part.hasPrefix("[") || text.isEmpty ? text + part : text + "." + part
            }
        }
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append(Frame(isObject: true))
            case UInt8(ascii: "["):
                stack.append(Frame(isObject: false, expectingKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if stack.popLast() == nil { return nil }
            case UInt8(ascii: ","):
                guard !stack.isEmpty else { return nil }
                if stack[stack.count - 1].isObject {
                    stack[stack.count - 1].expectingKey = true
                } else {
                    stack[stack.count - 1].index += 1
                }
            case UInt8(ascii: "\""):
                var end = position + 1
                var escaped = false
                while end < bytes.count {
                    if bytes[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end += 2
                        continue
                    }
                    if bytes[end] == UInt8(ascii: "\"") { break }
                    end += 1
                }
                guard end < bytes.count else { return nil }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let raw = Array(bytes[position...end])
                    let key: String
                    if escaped {
                        guard let decoded = try? JSONDecoder().decode(String.self, from: Data(raw)) else { return nil }
                        key = decoded
                    } else {
                        key = String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                    }
                    if stack[stack.count - 1].keys.contains(key) { return path(key) }
                    stack[stack.count - 1].keys.insert(key)
                    stack[stack.count - 1].key = key
                    stack[stack.count - 1].expectingKey = false
                }
                position = end
            default:
                break
            }
            position += 1
        }
        return nil
    }

    /// Throws when a member appears twice in one object of `document`'s JSON.
    static func refuseDuplicateMembers(_ bytes: [UInt8], document: String) throws {
        if let member = duplicateMember(in: bytes) {
            throw error("\(document) has the member \"\(member)\" twice; which one applies would be a guess")
        }
    }
}
