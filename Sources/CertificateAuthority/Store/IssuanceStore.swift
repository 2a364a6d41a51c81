public import Foundation
import GRDB
import Synchronization

/// One certificate the CA issued, as the issuance store keeps it.
public struct IssuedCertificateRecord: Sendable, Hashable {
    /// The serial number, lower-case hex without separators.
    public var serialNumber: String
    /// The subject DN in RFC 4514 form.
    public var subject: String
    /// The profile it was issued under.
    public var profile: String
    public var notValidBefore: Date
    public var notValidAfter: Date
    public var issuedAt: Date
    /// The certificate, DER.
    public var certificateDER: [UInt8]
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// The CRL reason code (RFC 5280 §5.3.1), if revoked.
    public var revocationReason: RevocationReason?

    public var isRevoked: Bool { revokedAt != nil }
}

/// RFC 5280 CRL reason codes.
public struct RevocationReason: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let unspecified = RevocationReason(rawValue: 0)
    public static let keyCompromise = RevocationReason(rawValue: 1)
    public static let caCompromise = RevocationReason(rawValue: 2)
    public static let affiliationChanged = RevocationReason(rawValue: 3)
    public static let superseded = RevocationReason(rawValue: 4)
    public static let cessationOfOperation = RevocationReason(rawValue: 5)
    public static let certificateHold = RevocationReason(rawValue: 6)
    public static let privilegeWithdrawn = RevocationReason(rawValue: 9)

    /// Parses `keyCompromise`, `key-compromise`, `superseded`, ... (for a CLI).
    public init(parsing text: String) throws {
        let names: [String: Int] = [
            "unspecified": 0, "keycompromise": 1, "cacompromise": 2, "affiliationchanged": 3, "superseded": 4,
            "cessationofoperation": 5, "certificatehold": 6, "privilegewithdrawn": 9,
        ]
        let key = text.lowercased().replacingOccurrences(of: "-", with: "")
        guard let value = names[key] else {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "unknown revocation reason '\(ControlCharacters.escaped(text))'")
        }
        self.rawValue = value
    }

    public var description: String {
        switch rawValue {
        case 0: "unspecified"
        case 1: "keyCompromise"
        case 2: "cACompromise"
        case 3: "affiliationChanged"
        case 4: "superseded"
        case 5: "cessationOfOperation"
        case 6: "certificateHold"
        case 9: "privilegeWithdrawn"
        default: "reason(\(rawValue))"
        }
    }
}

/// The SQLite issuance database (`issued.sqlite` in the CA directory).
final class IssuanceStore: Sendable {
    /// A pool in write-ahead-log mode: a commit appends to the log and syncs it once (synchronous = FULL, so a
    /// committed issuance survives a power loss), instead of the rollback journal's several syncs per commit.
    private let queue: DatabasePool
    /// Certificates waiting for the next group commit (see ``record(serial:subject:profile:notBefore:notAfter:der:)``).
    private let commits = Mutex(CommitState())

    private struct PendingRecord: Sendable {
        var serial: String
        var subject: String
        var profile: String
        var notBefore: Double
        var notAfter: Double
        var der: [UInt8]
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct CommitState: Sendable {
        var pending: [PendingRecord] = []
        var committing = false
    }

    init(path: String) throws {
        do {
            var configuration = Configuration()
            // Another process (a second CLI run) may hold the write lock for a moment.
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabasePool(path: path, configuration: configuration)
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS certificate (
                            serial TEXT PRIMARY KEY NOT NULL,
                            subject TEXT NOT NULL,
                            profile TEXT NOT NULL,
                            not_before DOUBLE NOT NULL,
                            not_after DOUBLE NOT NULL,
                            issued_at DOUBLE NOT NULL,
                            der BLOB,
                            revoked_at DOUBLE,
                            reason INTEGER
                        );
                        CREATE TABLE IF NOT EXISTS crl_state (
                            id INTEGER PRIMARY KEY CHECK (id = 1),
                            number INTEGER NOT NULL
                        );
                        """)
            }
        } catch {
            throw CertificateAuthorityError(
                code: .storageFailure, message: "cannot open the issuance database", cause: error)
        }
    }

    private func storage<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(
                code: .storageFailure, message: "issuance database: \(what) failed", cause: error)
        }
    }

    /// Records an issued certificate; returns false, writing nothing, if `serial` is already used. Returns once the
    /// transaction holding the row has committed (and, with synchronous = FULL, is durable).
    ///
    /// Group commit: while one transaction is being written and synced, the certificates that arrive queue up and
    /// then go into the next transaction together, so concurrent issuances share one sync. Each row is still checked
    /// for an unused serial inside its transaction, and no caller returns before that transaction has committed; if
    /// it fails, every caller in it gets the error. The writes and syncs run on a thread of their own, never on the
    /// cooperative pool.
    func record(
        serial: String, subject: String, profile: String, notBefore: Date, notAfter: Date, der: [UInt8]
    ) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let record = PendingRecord(
                serial: serial, subject: subject, profile: profile, notBefore: notBefore.timeIntervalSince1970,
                notAfter: notAfter.timeIntervalSince1970, der: der, continuation: continuation)
            let leads = commits.withLock { state in
                state.pending.append(record)
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if leads {
                Thread { [self] in commitPending() }.start()
            }
        }
    }

    /// Commits queued certificates, a transaction per batch, until none are left.
    private func commitPending() {
        while true {
            let batch = commits.withLock { state in
                let batch = state.pending
                state.pending.removeAll()
                if batch.isEmpty { state.committing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let now = Date().timeIntervalSince1970
            let outcome = Result {
                try queue.write { db in
                    try batch.map { record in
                        let sql = "SELECT COUNT(*) FROM certificate WHERE serial = ?"
                        let existing = try Int.fetchOne(db, sql: sql, arguments: [record.serial]) ?? 0
                        guard existing == 0 else { return false }
                        try db.execute(
                            sql: """
                                INSERT INTO certificate (serial, subject, profile, not_before, not_after, issued_at, der)
                                VALUES (?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                record.serial, record.subject, record.profile, record.notBefore, record.notAfter, now,
                                Data(record.der),
                            ])
                        return true
                    }
                }
            }
            switch outcome {
            case .success(let inserted):
                for (record, wasInserted) in zip(batch, inserted) { record.continuation.resume(returning: wasInserted) }
            case .failure(let error):
                let failure = CertificateAuthorityError(
                    code: .storageFailure, message: "issuance database: record certificate failed", cause: error)
                for record in batch { record.continuation.resume(throwing: failure) }
            }
        }
    }

    private static func record(_ row: Row) -> IssuedCertificateRecord {
        let der: Data = row["der"] ?? Data()
        let revoked: Double? = row["revoked_at"]
        let reason: Int? = row["reason"]
        return IssuedCertificateRecord(
            serialNumber: row["serial"],
            subject: row["subject"],
            profile: row["profile"],
            notValidBefore: Date(timeIntervalSince1970: row["not_before"]),
            notValidAfter: Date(timeIntervalSince1970: row["not_after"]),
            issuedAt: Date(timeIntervalSince1970: row["issued_at"]),
            certificateDER: Array(der),
            revokedAt: revoked.map { Date(timeIntervalSince1970: $0) },
            revocationReason: reason.map { RevocationReason(rawValue: $0) }
        )
    }

    func all() throws -> [IssuedCertificateRecord] {
        try storage("list") {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM certificate WHERE der IS NOT NULL ORDER BY issued_at, serial")
                    .map(Self.record)
            }
        }
    }

    func find(serial: String) throws -> IssuedCertificateRecord? {
        try storage("find") {
            try queue.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT * FROM certificate WHERE serial = ? AND der IS NOT NULL", arguments: [serial]
                )
                .map(Self.record)
            }
        }
    }

    /// Marks `serial` revoked; throws `notFound` or `alreadyRevoked`.
    func revoke(serial: String, reason: RevocationReason, at date: Date) throws -> IssuedCertificateRecord {
        try storage("revoke") {
            try queue.write { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT * FROM certificate WHERE serial = ? AND der IS NOT NULL", arguments: [serial])
                else {
                    throw CertificateAuthorityError(code: .notFound, message: "no certificate with serial \(serial)")
                }
                var record = Self.record(row)
                guard record.revokedAt == nil else {
                    throw CertificateAuthorityError(
                        code: .alreadyRevoked, message: "serial \(serial) is already revoked")
                }
                try db.execute(
                    sql: "UPDATE certificate SET revoked_at = ?, reason = ? WHERE serial = ?",
                    arguments: [date.timeIntervalSince1970, reason.rawValue, serial])
                record.revokedAt = date
                record.revocationReason = reason
                return record
            }
        }
    }

    /// The revoked certificates and the next CRL number (incremented in the same transaction).
    func nextCRL() throws -> (number: Int64, revoked: [IssuedCertificateRecord]) {
        try storage("CRL state") {
            try queue.write { db in
                let current = try Int64.fetchOne(db, sql: "SELECT number FROM crl_state WHERE id = 1") ?? 0
                let next = current + 1
                try db.execute(sql: "INSERT OR REPLACE INTO crl_state (id, number) VALUES (1, ?)", arguments: [next])
                let revoked = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT * FROM certificate WHERE revoked_at IS NOT NULL AND der IS NOT NULL ORDER BY revoked_at, serial"
                ).map(Self.record)
                return (next, revoked)
            }
        }
    }
}
