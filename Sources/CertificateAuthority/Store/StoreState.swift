import Foundation

/// A certificate waiting for a store's group commit, with the caller waiting for its outcome.
struct PendingRecord: Sendable {
    var certificate: NewCertificateRecord
    var token: OneTimeTokenID?
    var continuation: CheckedContinuation<RecordOutcome, any Error>
}

/// What both issuance stores keep under one lock: the group-commit queue, when this instance last purged expired
/// token ids, and whether the store is closed.
struct StoreState: Sendable {
    /// Certificates waiting for the next group commit.
    var pending: [PendingRecord] = []
    /// Whether a commit run is taking batches from ``pending``.
    var committing = false
    /// When this instance last purged expired token ids.
    var lastPurge = Date.distantPast
    var closed = false

    /// Queues `record`, or fails it when the store is closed (the check and the queueing under one lock, so
    /// nothing is queued after ``close()``). Returns whether the caller must start a commit run: none was
    /// taking batches.
    mutating func enqueue(_ record: PendingRecord) -> Bool {
        guard !closed else {
            record.continuation.resume(throwing: CertificateAuthorityError.closedStore)
            return false
        }
        pending.append(record)
        guard !committing else { return false }
        committing = true
        return true
    }

    /// Whether this instance should purge expired token ids now: at most once per ``TokenIDPurge/interval``.
    mutating func purgeIsDue(_ now: Date) -> Bool {
        guard now.timeIntervalSince(lastPurge) >= TokenIDPurge.interval else { return false }
        lastPurge = now
        return true
    }

    /// Marks the store closed; returns whether it already was.
    mutating func close() -> Bool {
        defer { closed = true }
        return closed
    }
}

extension PendingRecord {
    /// Queues `certificate` (and `token`) for a store's group commit and waits for its outcome. `enqueue` queues
    /// the record under the store's lock (``StoreState/enqueue(_:)``) and returns whether this caller leads;
    /// `startCommitting` then starts the commit run.
    static func commit(
        _ certificate: NewCertificateRecord, consumingToken token: OneTimeTokenID?,
        enqueue: (PendingRecord) -> Bool, startCommitting: () -> Void
    ) async throws -> RecordOutcome {
        try await withCheckedThrowingContinuation { continuation in
            if enqueue(PendingRecord(certificate: certificate, token: token, continuation: continuation)) {
                startCommitting()
            }
        }
    }
}

/// How often an instance purges expired token ids (at most once per interval, inside a consume).
enum TokenIDPurge {
    static let interval: TimeInterval = 60
}

/// The schema versions of a store: step `n` (from 0) of a store's list brings a database to version `n + 1`, and
/// a `schema_version` table records the versions applied.
enum SchemaMigrations {
    /// The indexes of the steps a database at version `current` has not seen, of `count` steps; throws
    /// ``CertificateAuthorityError/Code/storageFailure`` for a database newer than this program (`database` names
    /// it in the message).
    static func missing(current: Int, count: Int, database: String) throws -> Range<Int> {
        guard current <= count else {
            throw CertificateAuthorityError(
                code: .storageFailure,
                message: "\(database) has schema version \(current), newer than this program's \(count): "
                    + "use a newer hpcs-tool")
        }
        return max(current, 0)..<count
    }
}

extension CertificateAuthorityError {
    /// An operation on a store after its `close()`.
    static var closedStore: CertificateAuthorityError {
        CertificateAuthorityError(code: .storageFailure, message: "the issuance database is closed")
    }
}
