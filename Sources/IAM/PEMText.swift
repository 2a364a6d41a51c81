import Foundation

/// A lenient reader of PEM text (RFC 7468 "lax" parsing), for certificates, CSRs and keys a user hands in.
///
/// swift-asn1's `PEMDocument` (and with it `Certificate(pemEncoded:)`) accepts only the strict form: lines of exactly
/// 64 base64 characters. Valid PEM written by other tools is often wrapped differently: Python's
/// `base64.encodebytes` wraps at 76 columns, some tools not at all, Windows tools end lines with CRLF, and
/// copy-paste adds indentation or trailing blanks. This reader accepts:
/// - any line length, and whitespace (spaces, tabs, CR, LF, blank lines) anywhere in the base64 text;
/// - CRLF, CR or LF line ends, leading and trailing whitespace on the boundary lines;
/// - explanatory text before, between and after blocks (as `openssl x509 -text` writes);
/// - RFC 1421 headers (`Proc-Type:`, `DEK-Info:`) before the base64 text of legacy encrypted keys.
///
/// It refuses, with a plain sentence that names the block's label and never its contents: a BEGIN line without a
/// matching END line (a truncated file), an END line with another label, text that is not base64, and an empty
/// block. ``canonical(_:)`` gives the strict form for parsers that need it.
package enum PEMText {
    /// One `-----BEGIN label-----` ... `-----END label-----` block.
    package struct Block: Sendable, Equatable {
        /// The label, e.g. `CERTIFICATE`.
        package var label: String
        /// RFC 1421 header lines (`Name: value`), usually none.
        package var headers: [String]
        /// The decoded contents.
        package var derBytes: [UInt8]

        package init(label: String, headers: [String] = [], derBytes: [UInt8]) {
            self.label = label
            self.headers = headers
            self.derBytes = derBytes
        }

        /// The block in the strict form: 64-column base64, LF line ends.
        package var canonicalText: String {
            var text = "-----BEGIN \(label)-----\n"
            if !headers.isEmpty { text += headers.joined(separator: "\n") + "\n\n" }
            let encoded = Data(derBytes).base64EncodedString()
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let end = encoded.index(index, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
                text += encoded[index..<end] + "\n"
                index = end
            }
            return text + "-----END \(label)-----\n"
        }
    }

    /// Why PEM text could not be read; ``message`` is a sentence for a user, without the text's contents.
    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package init(_ message: String) { self.message = message }
        package var description: String { message }
    }

    /// Whether `text` contains a PEM BEGIN line (so it should be read as PEM rather than DER).
    package static func looksLikePEM(_ text: String) -> Bool {
        text.contains("-----BEGIN ")
    }

    /// Every PEM block in `bytes`: the canonical form read on bytes (`canonicalBlocks(_:)`), anything else
    /// leniently as `blocks(in:)` on a `String` reads it.
    package static func blocks(in bytes: [UInt8]) throws(Failure) -> [Block] {
        if let canonical = canonicalBlocks(bytes) { return canonical }
        return try blocks(in: String(decoding: bytes, as: UTF8.self))
    }

    /// The blocks of PEM text in the form openssl and the CA write (only blocks: a BEGIN line, base64 lines, an
    /// END line with the same label, LF line ends), read on bytes; `nil` for anything else, which
    /// `blocks(in:)` on a `String` then reads leniently (and explains when it refuses). On text of this form both give
    /// the same blocks; this path costs a fraction of the string processing, which was a visible share of a CA
    /// service request's CPU.
    package static func canonicalBlocks(_ bytes: [UInt8]) -> [Block]? {
        let dash = Array("-----".utf8)
        let begin = Array("-----BEGIN ".utf8)
        let end = Array("-----END ".utf8)
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            guard line.starts(with: begin), line.count > begin.count + dash.count, line.suffix(5).elementsEqual(dash)
            else { return nil }
            let label = line.dropFirst(begin.count).dropLast(dash.count)
            guard
                label.allSatisfy({
                    (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x20
                })
            else { return nil }
            var base64: [UInt8] = []
            index += 1
            while index < lines.count, !lines[index].starts(with: end) {
                let text = lines[index]
                guard !text.isEmpty, text.allSatisfy(isBase64) else { return nil }
                base64 += text
                index += 1
            }
            guard index < lines.count, lines[index].elementsEqual(end + label + dash), !base64.isEmpty,
                let der = Data(base64Encoded: Data(base64))
            else { return nil }
            blocks.append(Block(label: String(decoding: label, as: UTF8.self), derBytes: Array(der)))
            index += 1
        }
        return blocks.isEmpty ? nil : blocks
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == 0x2B || byte == 0x2F || byte == 0x3D
    }

    /// Every PEM block in `text`, in order. Text outside the blocks is ignored.
    ///
    /// - Throws: ``Failure`` when there is no block at all, or a block is unterminated, mislabelled, not base64 or
    ///   empty.
    package static func blocks(in text: String) throws(Failure) -> [Block] {
        var blocks: [Block] = []
        var open: (label: String, headers: [String], base64: String, sawBase64: Bool)?
        for rawLine in lines(of: text) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if var current = open {
                if line.hasPrefix("-----END ") {
                    guard let label = boundaryLabel(line, kind: "END") else {
                        throw Failure("the END line of the PEM block \"\(printable(current.label))\" is malformed")
                    }
                    guard label == current.label else {
                        throw Failure(
                            "the PEM block \"\(printable(current.label))\" ends with an END line for "
                                + "\"\(printable(label))\"")
                    }
                    blocks.append(try decode(current.label, current.headers, current.base64))
                    open = nil
                    continue
                }
                if line.hasPrefix("-----BEGIN ") {
                    throw Failure(
                        "the PEM block \"\(printable(current.label))\" has no END line before the next BEGIN line "
                            + "(the text may be truncated)")
                }
                if !current.sawBase64, line.contains(":") {
                    current.headers.append(line)
                } else if !line.isEmpty {
                    current.sawBase64 = true
                    current.base64 += line.filter { !$0.isWhitespace }
                }
                open = current
            } else if line.hasPrefix("-----BEGIN ") {
                guard let label = boundaryLabel(line, kind: "BEGIN") else {
                    throw Failure("a PEM BEGIN line is malformed")
                }
                open = (label, [], "", false)
            }
        }
        if let open {
            throw Failure(
                "the PEM block \"\(printable(open.label))\" has no END line (the text is probably truncated)")
        }
        guard !blocks.isEmpty else { throw Failure("no PEM block (-----BEGIN ...-----) was found") }
        return blocks
    }

    /// `text` rewritten in the strict form (64-column base64, LF line ends), every block kept in order and the
    /// text between blocks dropped; for parsers such as swift-asn1's `PEMDocument` that accept only that form.
    package static func canonical(_ text: String) throws(Failure) -> String {
        try blocks(in: text).map(\.canonicalText).joined()
    }

    private static func lines(of text: String) -> [Substring] {
        // Split on LF, CR and CRLF alike.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
    }

    /// The label of `-----BEGIN label-----` or `-----END label-----`; nil when the line is not one.
    private static func boundaryLabel(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.count >= prefix.count + 5 else { return nil }
        let label = String(line.dropFirst(prefix.count).dropLast(5))
        guard !label.contains("-----"), label.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\t" }) else {
            return nil
        }
        return label
    }

    private static func decode(_ label: String, _ headers: [String], _ base64: String) throws(Failure) -> Block {
        guard !base64.isEmpty else { throw Failure("the PEM block \"\(printable(label))\" is empty") }
        guard let data = Data(base64Encoded: base64) else {
            throw Failure(
                "the PEM block \"\(printable(label))\" is not valid base64 (it may be truncated or edited)")
        }
        return Block(label: label, headers: headers, derBytes: Array(data))
    }

    private static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(64).map { scalar in
                scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
            }.joined())
    }
}
