import Foundation

/// The third seed wrapped by a KMS root key: the content of the metadata partition's `keyfile`.
///
/// The keyfile is a small JSON document of this project's own format:
/// `{"format":"hpcs-keyd/1","crn":"<root key CRN>","keyVersion":"<version id>","ciphertext":"<WDEK>"}`.
/// `ciphertext` is the KMS's opaque wrapped data key; `crn` names the root key that wrapped it and `keyVersion` the
/// key version, so the monitor sees a rotation by comparing it with the key's current version. The ciphertext is
/// useless without the root key, but it is still never logged.
public struct WrappedSeed: Sendable, Hashable, CustomStringConvertible {
    /// The format marker written into every keyfile.
    public static let format = "hpcs-keyd/1"
    /// Keyfiles larger than this are refused unread.
    public static let maximumSize = 64 * 1024

    public var crn: String
    public var keyVersionID: String?
    public var ciphertext: String

    public init(crn: String, keyVersionID: String?, ciphertext: String) {
        self.crn = crn
        self.keyVersionID = keyVersionID
        self.ciphertext = ciphertext
    }

    public var description: String {
        "WrappedSeed(crn: \(crn), keyVersion: \(keyVersionID ?? "unknown"), \(ciphertext.utf8.count) bytes)"
    }

    private struct Document: Codable {
        var format: String
        var crn: String
        var keyVersion: String?
        var ciphertext: String
    }

    /// The keyfile bytes.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let document = Document(format: Self.format, crn: crn, keyVersion: keyVersionID, ciphertext: ciphertext)
        // Encoding a struct of strings cannot fail; an empty result would be refused by `init(decoding:)`.
        return (try? Array(encoder.encode(document))) ?? []
    }

    /// Reads a keyfile.
    ///
    /// - Throws: ``KeyDaemonError`` `malformedKeyfile` for anything but a keyfile of this format.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count <= Self.maximumSize else {
            throw KeyDaemonError(
                code: .malformedKeyfile, message: "the keyfile has \(bytes.count) bytes; at most \(Self.maximumSize)")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw KeyDaemonError(code: .malformedKeyfile, message: "the keyfile is not a wrapped-seed document")
        }
        guard document.format == Self.format else {
            throw KeyDaemonError(
                code: .malformedKeyfile,
                message: "the keyfile has format '\(document.format.prefix(40))', not \(Self.format)")
        }
        guard !document.ciphertext.isEmpty, !document.crn.isEmpty else {
            throw KeyDaemonError(code: .malformedKeyfile, message: "the keyfile lacks the wrapped seed or its CRN")
        }
        self.init(crn: document.crn, keyVersionID: document.keyVersion, ciphertext: document.ciphertext)
    }
}
