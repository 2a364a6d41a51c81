import Foundation

/// The third seed wrapped by a KMS root key: the content of the metadata partition's `keyfile`.
///
/// The keyfile is what Hyper Protect Virtual Servers documents for a data volume prepared by hand: the `ciphertext`
/// string of the KMS's wrap response (base64 text), and nothing else. It names neither the root key nor its
/// version: which `kms` entry wrapped it is found by trying the entries in order, and the version comes from the
/// service (the unwrap response's `keyVersion`, and the key's metadata when the monitor polls). Surrounding
/// whitespace, such as the trailing newline an editor or `echo` adds, is ignored on read; none is written.
///
/// Keyfiles written by earlier versions of this daemon, a JSON document
/// `{"format":"hpcs-keyd/1","crn":…,"keyVersion":…,"ciphertext":…}`, are still read
/// (``storedFormat`` is ``StoredFormat/legacyEnvelope``), and the provisioner rewrites them in the documented format
/// at the next successful boot. The ciphertext is useless without the root key, but it is still never logged.
public struct WrappedSeed: Sendable, Hashable, CustomStringConvertible {
    /// Keyfiles larger than this are refused unread.
    public static let maximumSize = 64 * 1024
    /// The format marker of the keyfiles of earlier versions of this daemon.
    public static let legacyFormat = "hpcs-keyd/1"

    /// How a keyfile was stored.
    public enum StoredFormat: Sendable, Hashable {
        /// The documented format: the wrap response's ciphertext as text.
        case ciphertext
        /// The JSON envelope of earlier versions of this daemon; rewritten at the next successful boot.
        case legacyEnvelope
    }

    /// The KMS's opaque wrapped data key (WDEK), base64 text exactly as the wrap response gave it.
    public var ciphertext: String
    /// The root key version that wrapped it, when the service said (never stored in the keyfile).
    public var keyVersionID: String?
    /// The format the keyfile was read in; ``StoredFormat/ciphertext`` for a wrap made now.
    public var storedFormat: StoredFormat

    public init(ciphertext: String, keyVersionID: String? = nil, storedFormat: StoredFormat = .ciphertext) {
        self.ciphertext = ciphertext
        self.keyVersionID = keyVersionID
        self.storedFormat = storedFormat
    }

    public var description: String {
        "wrapped seed (key version \(keyVersionID ?? "unknown"), \(ciphertext.utf8.count) bytes)"
    }

    /// The keyfile bytes: the ciphertext, without a trailing newline.
    public func encoded() -> [UInt8] {
        Array(ciphertext.utf8)
    }

    private struct LegacyDocument: Decodable {
        var format: String
        var keyVersion: String?
        var ciphertext: String
    }

    /// Reads a keyfile: the documented ciphertext text, or the JSON envelope of earlier versions.
    ///
    /// - Throws: ``KeyDaemonError`` `malformedKeyfile` for anything else (the message never quotes the keyfile).
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count <= Self.maximumSize else {
            throw KeyDaemonError(
                code: .malformedKeyfile, message: "the keyfile has \(bytes.count) bytes; at most \(Self.maximumSize)")
        }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let trimmed = Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        guard !trimmed.isEmpty else {
            throw KeyDaemonError(code: .malformedKeyfile, message: "the keyfile is empty")
        }
        if trimmed.first == UInt8(ascii: "{") {
            let document = try JSONDecoder().decode(LegacyDocument.self, from: trimmed) { _ in
                KeyDaemonError(
                    code: .malformedKeyfile,
                    message: "the keyfile is JSON but neither a wrap response's ciphertext nor an earlier keyfile")
            }
            guard document.format == Self.legacyFormat else {
                throw KeyDaemonError(
                    code: .malformedKeyfile, message: "the keyfile is JSON of an unknown format, not a ciphertext")
            }
            guard Self.isCiphertextText(Array(document.ciphertext.utf8)) else {
                throw KeyDaemonError(
                    code: .malformedKeyfile, message: "the earlier keyfile's ciphertext is not base64 text")
            }
            self.init(
                ciphertext: document.ciphertext, keyVersionID: document.keyVersion, storedFormat: .legacyEnvelope)
            return
        }
        guard Self.isCiphertextText(trimmed) else {
            throw KeyDaemonError(
                code: .malformedKeyfile,
                message:
                    "the keyfile is not the ciphertext of a KMS wrap response (base64 text, \(trimmed.count) bytes)")
        }
        self.init(ciphertext: String(decoding: trimmed, as: UTF8.self), storedFormat: .ciphertext)
    }

    /// Base64 text (standard or URL-safe alphabet, padding only at the end), as a wrap response's ciphertext is.
    static func isCiphertextText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        var padding = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "="):
                padding += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "-"),
                UInt8(ascii: "_"):
                if padding > 0 { return false }
            default:
                return false
            }
        }
        return padding <= 2
    }
}
