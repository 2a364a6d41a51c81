import Foundation
import Yams

/// Yams calls with errors reduced to a position: a Yams error's description quotes the offending line, which
/// may be secret (a decrypted `env`), so it never becomes a message or a cause.
enum YAMLSupport {
    /// The root node of a single-document YAML text, read within the limits of ``BoundedYAML`` (1 MiB, 32
    /// aliases, 100,000 nodes once aliases are expanded).
    static func compose(_ text: String, what: String, code: ContractError.Code, field: ContractField?) throws -> Node? {
        do {
            return try BoundedYAML.compose(text)
        } catch let failure as BoundedYAML.Failure {
            throw ContractError(code: code, message: "\(what) \(failure.message)", field: field)
        } catch {
            throw ContractError(code: code, message: "\(what) is not valid YAML\(position(of: error))", field: field)
        }
    }

    /// ` (line L, column C)` when the error carries a position, else an empty string.
    static func position(of error: any Error) -> String {
        guard let error = error as? YamlError else { return "" }
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return " (line \(mark.line), column \(mark.column))"
        case .reader(_, let offset?, _, _):
            return " (at character \(offset))"
        default:
            return ""
        }
    }

    /// Whether a node is a YAML null (`~`, `null`, or nothing).
    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any {
            return node.tag.rawValue == Tag.Name.null.rawValue
        }
        return false
    }

    /// Serialises a node as block YAML on unlimited width.
    static func serialize(_ node: Node, what: String) throws -> String {
        do {
            return try Yams.serialize(node: node, width: -1)
        } catch {
            throw ContractError(code: .malformedContract, message: "\(what) cannot be written as YAML")
        }
    }

    /// One `key: value` line pair of a top-level map whose value decodes back to exactly `value`: a plain scalar
    /// when that round-trips (tokens, base64), else a style chosen by the emitter (literal block for a PEM,
    /// double-quoted otherwise).
    static func emitStringPair(key: String, value: String) throws -> String {
        let plain = "\(key): \(value)\n"
        if isPlainSafe(value), decodedString(of: plain, key: key) == value {
            return plain
        }
        let literalFits =
            value.hasSuffix("\n") && !value.hasSuffix("\n\n") && !value.hasPrefix(" ")
            && value.unicodeScalars.allSatisfy { $0 == "\n" || ($0.value >= 0x20 && $0.value < 0x7F) }
            && !value.contains(" \n")
        for style in (literalFits ? [Node.Scalar.Style.literal, .doubleQuoted] : [.doubleQuoted]) {
            let node = Node([(Node(key), Node(value, Tag(.str), style))])
            if let text = try? Yams.serialize(node: node, width: -1), decodedString(of: text, key: key) == value {
                return text
            }
        }
        throw ContractError(
            code: .malformedContract, message: "the \(key) section cannot be written as a YAML string",
            field: ContractField(rawValue: key))
    }

    /// The string value of `key` in a one-pair map text, if it is a string scalar.
    private static func decodedString(of text: String, key: String) -> String? {
        guard let root = try? Yams.compose(yaml: text), case .mapping(let mapping) = root, mapping.count == 1,
            let value = mapping[key], case .scalar(let scalar) = value, value.tag.rawValue == Tag.Name.str.rawValue
        else { return nil }
        return scalar.string
    }

    /// Characters of tokens and base64, starting with a letter or digit.
    private static func isPlainSafe(_ value: String) -> Bool {
        guard let first = value.utf8.first, isAlphanumeric(first) else { return false }
        return value.utf8.allSatisfy {
            isAlphanumeric($0) || $0 == 0x2B || $0 == 0x2F || $0 == 0x3D || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
