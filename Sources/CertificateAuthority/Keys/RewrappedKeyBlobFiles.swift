public import EP11
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension CertificateAuthority {
    /// Master-key rotation for a CA's key: give it to the EP11 client the CA uses
    /// (`EP11Client.Configuration.masterKeyRotation`).
    ///
    /// When the HSM no longer accepts the CA key's blob (`CKR_IBM_WKID_MISMATCH` after a master-key change), the
    /// client re-enciphers it (on `rewrapper`, an endpoint that still has the old master key current and the new
    /// one committed; `nil` for the client's own endpoint) and this writes the new blob over `ca-key.blob` (or
    /// `ca-key.pub`) in `directory` crash-safely: a temporary file with the file's mode (0600 for the private key),
    /// `fsync`, `rename`, `fsync` of the directory. A crash leaves the old blob or the new one, never a torn file.
    /// CAs in this process then sign with the new blob without asking the HSM to rewrap it again.
    ///
    /// ```swift
    /// var configuration = EP11Client.Configuration(host: "grep11.example.com", port: 9876)
    /// configuration.masterKeyRotation = CertificateAuthority.masterKeyRotation(directory: caDirectory)
    /// ```
    public static func masterKeyRotation(
        directory: URL,
        rewrappingWith rewrapper: EP11Client? = nil
    ) -> EP11Client.MasterKeyRotation {
        let files = RewrappedKeyBlobFiles(directory: directory)
        return .rewrapOnMismatch(using: rewrapper) { old, new in try files.replace(old, with: new) }
    }
}

/// Writes rewrapped CA key blobs over the files that held the old ones, and remembers the replacements.
struct RewrappedKeyBlobFiles: Sendable {
    let directory: URL

    /// Old blob to new blob, for every CA key blob rewrapped in this process. One lock for all directories:
    /// rewraps are rare, and it makes each read-compare-replace of a file atomic.
    private static let replacements = Mutex<[KeyBlob: KeyBlob]>([:])

    /// Replaces `old` by `new` in `ca-key.blob` or `ca-key.pub`, whichever holds `old`; a file that holds
    /// something else (already replaced by a concurrent rewrap of the same blob) is left alone.
    func replace(_ old: KeyBlob, with new: KeyBlob) throws {
        let files: [(name: String, mode: mode_t)] = [("ca-key.blob", 0o600), ("ca-key.pub", 0o644)]
        try Self.replacements.withLock { replacements in
            for file in files {
                let path = directory.appendingPathComponent(file.name).path
                guard FileIO.exists(path), try FileIO.read(path) == old.bytes else { continue }
                try FileIO.write(new.bytes, to: path, mode: file.mode)
                try Self.syncDirectory(directory.path)
                replacements[old] = new
            }
        }
    }

    /// The newest replacement of `blob` rewrapped in this process, if any.
    static func replacement(for blob: KeyBlob) -> KeyBlob? {
        replacements.withLock { replacements in
            var current = blob
            // A chain of rotations: old -> newer -> newest; bounded in case of a cycle.
            for _ in 0..<16 {
                guard let next = replacements[current] else { break }
                current = next
            }
            return current == blob ? nil : current
        }
    }

    /// Makes a rename in `path` durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CertificateAuthorityError(code: .storageFailure, message: "cannot open \(path) to sync it")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw CertificateAuthorityError(code: .storageFailure, message: "cannot sync \(path)")
        }
    }
}
