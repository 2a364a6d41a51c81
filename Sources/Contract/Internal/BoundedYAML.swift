import Yams

/// The one YAML reader for text that comes from a user: contracts, their sections, and the key daemon's `volumes`
/// configuration. It bounds the work a document can cause before and after Yams composes it:
///
/// - a document is at most ``maximumDocumentBytes`` (1 MiB) of UTF-8;
/// - at most ``maximumAliases`` (32) alias indicators (`*name`) appear in it, counted on the raw text (a `*`
///   followed by a letter, digit, `-` or `_`; the count may include such text inside quoted or block strings);
/// - collections nest at most 1,000 levels deep (libyaml's own limit, a syntax error beyond it);
/// - with every alias expanded, the document holds at most ``maximumExpandedNodes`` (100,000) nodes and
///   ``maximumExpandedScalarBytes`` (4 MiB) of scalar text.
///
/// Nested aliases ("billion laughs": a 755-byte document that expands to a billion nodes) fail with
/// ``Failure`` in well under a second; the expansion is measured once per anchor, so the check is linear in the
/// text. Everything a caller does with the returned node afterwards (walk, serialise, compare) is bounded by the
/// same limits.
package enum BoundedYAML {
    /// The largest document read: 1 MiB.
    package static let maximumDocumentBytes = 1 << 20
    /// The most alias indicators (`*name`) a document may contain.
    package static let maximumAliases = 32
    /// The most nodes a document may hold with its aliases expanded.
    package static let maximumExpandedNodes = 100_000
    /// The most scalar bytes a document may hold with its aliases expanded: 4 MiB.
    package static let maximumExpandedScalarBytes = 4 << 20

    /// A limit the document exceeds. ``message`` names the limit and never quotes the document.
    package struct Failure: Error, Sendable, Equatable {
        /// What was exceeded, e.g. "is 2097152 bytes; at most 1048576 bytes (1 MiB) of YAML are read".
        /// Meant to follow the name of the document: "the contract \(message)".
        package var message: String
    }

    /// The root node of a single-document YAML text (nil for an empty document), within the limits above.
    ///
    /// - Throws: ``Failure`` for a document over a limit; Yams' `YamlError` for text that is not YAML.
    package static func compose(_ text: String) throws -> Node? {
        try checkText(text)
        let parser = try Parser(yaml: text)
        let root = try parser.singleRoot()
        // Anchors are weakly held by nodes and owned by the parser: keep it alive while they are used as keys.
        try withExtendedLifetime(parser) {
            if let root {
                var measure = ExpansionMeasure()
                try measure.add(root)
            }
        }
        return root
    }

    /// The checks made on the raw text, before the parser runs: size and alias indicators.
    static func checkText(_ text: String) throws(Failure) {
        let size = text.utf8.count
        guard size <= maximumDocumentBytes else {
            throw Failure(
                message: "is \(size) bytes; at most \(maximumDocumentBytes) bytes (1 MiB) of YAML are read")
        }
        var aliases = 0
        var previousWasStar = false
        for byte in text.utf8 {
            if previousWasStar, isAnchorCharacter(byte) {
                aliases += 1
                guard aliases <= maximumAliases else {
                    throw Failure(
                        message: "uses more than \(maximumAliases) YAML aliases (*name); at most \(maximumAliases) "
                            + "are allowed, to bound their expansion")
                }
            }
            previousWasStar = byte == UInt8(ascii: "*")
        }
    }

    /// libyaml's anchor characters: ASCII letters, digits, `-` and `_`.
    private static func isAnchorCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Counts the nodes and scalar bytes of a tree with aliases expanded, measuring each anchored node once.
    private struct ExpansionMeasure {
        struct Size {
            var nodes = 0
            var scalarBytes = 0
        }
        /// The expanded size of each anchored node already measured, by anchor identity (an alias is composed as
        /// the anchored node itself, sharing its `Anchor` object).
        var measured: [ObjectIdentifier: Size] = [:]

        mutating func add(_ node: Node) throws(Failure) {
            _ = try size(of: node)
        }

        private mutating func size(of node: Node) throws(Failure) -> Size {
            if let anchor = node.anchor, let known = measured[ObjectIdentifier(anchor)] {
                return known
            }
            var size = Size(nodes: 1, scalarBytes: 0)
            switch node {
            case .scalar(let scalar):
                size.scalarBytes = scalar.string.utf8.count
            case .sequence(let sequence):
                for child in sequence {
                    try accumulate(try self.size(of: child), into: &size)
                }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    try accumulate(try self.size(of: key), into: &size)
                    try accumulate(try self.size(of: value), into: &size)
                }
            case .alias:
                break
            }
            if let anchor = node.anchor {
                measured[ObjectIdentifier(anchor)] = size
            }
            return size
        }

        private func accumulate(_ child: Size, into size: inout Size) throws(Failure) {
            size.nodes += child.nodes
            size.scalarBytes += child.scalarBytes
            guard size.nodes <= BoundedYAML.maximumExpandedNodes else {
                throw Failure(
                    message: "expands to more than \(BoundedYAML.maximumExpandedNodes) YAML nodes through its "
                        + "aliases (*name)")
            }
            guard size.scalarBytes <= BoundedYAML.maximumExpandedScalarBytes else {
                throw Failure(
                    message: "expands to more than \(BoundedYAML.maximumExpandedScalarBytes) bytes (4 MiB) of YAML "
                        + "text through its aliases (*name)")
            }
        }
    }
}
