import Yams

/// The value tests of the contract schema 1.0.116 (IBM's `hpse-contract-schema-1.0.116.json`), written as plain
/// loops over Unicode scalars instead of regular expressions: each runs in linear time, whatever the input (a
/// backtracking engine can take exponential time on the schema's nested base64 patterns). Each function names the
/// pattern it implements.
enum Schema {
    // MARK: YAML typing, as the schema sees YAML converted to JSON

    /// The string of a scalar that YAML types as a string (quoted, or plain and not a number, boolean or null).
    static func stringValue(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.str.rawValue else { return nil }
        return scalar.string
    }

    /// The value of a scalar that YAML types as an integer (`type: integer`).
    static func integerValue(_ node: Node) -> Int? {
        guard case .scalar = node, node.tag.rawValue == Tag.Name.int.rawValue else { return nil }
        return node.int
    }

    static func isNull(_ node: Node) -> Bool { YAMLSupport.isNull(node) }

    static func isMap(_ node: Node) -> Bool {
        if case .mapping = node { return true }
        return false
    }

    /// `path.key` when the key looks like a field name, else the path and a placeholder: a key may be a secret
    /// pasted in the wrong place, so it is named only when it is short and made of name characters.
    static func displayKey(_ key: String, in path: String) -> String {
        let looksLikeName =
            !key.isEmpty && key.utf8.count <= 32
            && key.unicodeScalars.allSatisfy { isASCIILetter($0) || isDigit($0) || $0 == "-" || $0 == "_" }
        return looksLikeName ? "\(path).\(key)" : "\(path).(a field whose name is not shown)"
    }

    // MARK: Character classes

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isLowercaseLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// `[A-Za-z\d+/]`
    static func isBase64Character(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || isDigit(scalar) || scalar == "+" || scalar == "/"
    }

    /// `\s` for the ASCII range (space, tab, line feed, carriage return, vertical tab, form feed) and the Unicode
    /// spaces ECMAScript's `\s` also matches.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    // MARK: Patterns

    /// `^(?:[A-Za-z\d+/]{4}\s*)*(?:[A-Za-z\d+/]{3}=|[A-Za-z\d+/]{2}==)?$`: the signature, a base64 signing key, and the
    /// body of a PEM block. Whitespace may follow any complete group of four; the empty string matches.
    static func isBase64WithWhitespace<S: Collection<Unicode.Scalar>>(_ scalars: S) -> Bool {
        let characters = Array(scalars)
        var inGroup = 0
        var groups = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if isBase64Character(character) {
                inGroup += 1
                if inGroup == 4 {
                    inGroup = 0
                    groups += 1
                }
            } else if isWhitespace(character) {
                guard inGroup == 0, groups > 0 else { return false }
            } else if character == "=" {
                switch inGroup {
                case 3: return index == characters.count - 1
                case 2: return index == characters.count - 2 && characters[index + 1] == "="
                default: return false
                }
            } else {
                return false
            }
            index += 1
        }
        return inGroup == 0
    }

    static func isBase64WithWhitespace(_ text: String) -> Bool { isBase64WithWhitespace(text.unicodeScalars) }

    /// `^-----BEGIN <label>-----\s+<base64 with whitespace>\s+-----END <label>-----\s*$` (`publicKeySigningKey`,
    /// `certSigningKey`, `attestationPublicKey`).
    static func isPEM(_ text: String, label: String) -> Bool {
        var scalars = Array(text.unicodeScalars)
        while let last = scalars.last, isWhitespace(last) { scalars.removeLast() }
        let begin = Array("-----BEGIN \(label)-----".unicodeScalars)
        let end = Array("-----END \(label)-----".unicodeScalars)
        guard scalars.count >= begin.count + end.count, scalars.starts(with: begin),
            Array(scalars.suffix(end.count)) == end
        else { return false }
        var middle = scalars[begin.count..<(scalars.count - end.count)]
        guard let first = middle.first, isWhitespace(first), let last = middle.last, isWhitespace(last) else {
            return false
        }
        let length = middle.count
        while let head = middle.first, isWhitespace(head) { middle.removeFirst() }
        while let tail = middle.last, isWhitespace(tail) { middle.removeLast() }
        // An empty body needs two whitespace characters: one for each `\s+`.
        if middle.isEmpty { return length >= 2 }
        return isBase64WithWhitespace(middle)
    }

    /// `$defs/tgz`: `^[-A-Za-z0-9+/]*={0,3}$`.
    static func isArchiveBase64(_ text: String) -> Bool {
        var padding = 0
        for scalar in text.unicodeScalars {
            if scalar == "=" {
                padding += 1
                if padding > 3 { return false }
            } else if padding == 0, isBase64Character(scalar) || scalar == "-" {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// `allOf[1].$defs.env` property names: `^[A-Za-z_][A-Za-z0-9_]*$`.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isASCIILetter(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { isASCIILetter($0) || isDigit($0) || $0 == "_" }
    }

    /// Volume names (`envVolumes`, `workloadVolumes` pattern properties): `^[a-z_][a-z0-9-_]*$`.
    static func isVolumeName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLowercaseLetter(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { isLowercaseLetter($0) || isDigit($0) || $0 == "-" || $0 == "_" }
    }

    /// `$defs/uvSecretId`, `$defs/uvPreviousSecretId`: `^index-[1-8]$`.
    static func isUltravisorIndex(_ text: String) -> Bool {
        ["index-1", "index-2", "index-3", "index-4", "index-5", "index-6", "index-7", "index-8"].contains(text)
    }

    /// `$defs/mount`: `^(/[^/]+)+$`.
    static func isMountPoint(_ text: String) -> Bool {
        guard text.hasPrefix("/"), !text.hasSuffix("/") else { return false }
        return !text.contains("//")
    }

    /// `$defs/seed`, `$defs/previousSeed`: `^[a-zA-Z0-9!@#$%^&*(),.?":{}|<>_-]{15,}$`.
    static func isSeed(_ text: String) -> Bool {
        let specials = Set("!@#$%^&*(),.?\":{}|<>_-".unicodeScalars)
        var count = 0
        for scalar in text.unicodeScalars {
            guard isASCIILetter(scalar) || isDigit(scalar) || specials.contains(scalar) else { return false }
            count += 1
        }
        return count >= 15
    }

    /// `$defs/crn`: `^crn:(v\d+):(bluemix|staging):(public|dedicated|local):([^:]+):([^:]+):([^:]+):([^:]+):key:(.+)$`.
    /// Returns the service-name segment of a matching CRN, else nil.
    static func rootKeyCRNService(_ text: String) -> String? {
        let parts = text.split(separator: ":", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 10, parts[0] == "crn" else { return nil }
        let version = parts[1].unicodeScalars
        guard version.first == "v", version.count >= 2, version.dropFirst().allSatisfy(isDigit) else { return nil }
        guard ["bluemix", "staging"].contains(parts[2]), ["public", "dedicated", "local"].contains(parts[3]) else {
            return nil
        }
        guard parts[4...7].allSatisfy({ !$0.isEmpty }), parts[8] == "key", !parts[9].isEmpty else { return nil }
        // `.` matches no line terminator.
        let lineTerminators: Set<Unicode.Scalar> = ["\n", "\r", "\u{2028}", "\u{2029}"]
        guard !text.unicodeScalars.contains(where: lineTerminators.contains) else { return nil }
        return parts[4]
    }

    /// `$defs/grep11Address`: `host:port` or `IPv4:port` with a port of one to five digits (every IPv4 address is
    /// also a host name of the first form, so one test covers both).
    static func isHostAndPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        let port = text[text.index(after: colon)...].unicodeScalars
        guard (1...5).contains(port.count), port.allSatisfy(isDigit) else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty
            && labels.allSatisfy { label in
                !label.isEmpty && label.unicodeScalars.allSatisfy { isASCIILetter($0) || isDigit($0) || $0 == "-" }
            }
    }

    /// `$defs/base64Material`: `^[A-Za-z0-9+/=]+$`; with `maskAllowed` (`$defs/base64MaterialOrMasked`) also
    /// `^\*+$`.
    static func isBase64Material(_ text: String, maskAllowed: Bool) -> Bool {
        guard !text.isEmpty else { return false }
        if maskAllowed, text.unicodeScalars.allSatisfy({ $0 == "*" }) { return true }
        return text.unicodeScalars.allSatisfy { isBase64Character($0) || $0 == "=" }
    }
}
