import COpenSSL
import Synchronization

/// An `EVP_PKEY` owned by Swift: freed when the last reference goes. OpenSSL 3 keys are safe to use from several
/// threads at once for signing, verification and encryption, which is all the engine does with them.
final class ParsedKey: Sendable {
    nonisolated(unsafe) let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }
}

/// A bounded cache of parsed, validated keys keyed by their DER encoding.
///
/// Only keys that parsed and passed validation are cached, so a cache hit is exactly as safe as a fresh parse;
/// it saves the DER decoding and, for EC keys, the pairwise check (two scalar multiplications) on every call.
/// When full, the cache is emptied: simple, and bounded in memory.
final class ParsedKeyCache: Sendable {
    static let privateKeys = ParsedKeyCache(capacity: 4096)
    static let publicKeys = ParsedKeyCache(capacity: 4096)

    private let capacity: Int
    private let entries = Mutex<[[UInt8]: ParsedKey]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    func key(for der: [UInt8], parse: () throws -> OpaquePointer) throws -> ParsedKey {
        if let cached = entries.withLock({ $0[der] }) {
            return cached
        }
        let parsed = ParsedKey(try parse())
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[der] = parsed
        }
        return parsed
    }
}
