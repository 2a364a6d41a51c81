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
