public import Foundation
import GRDB
import Synchronization

/// The embedded issuance store: one SQLite file (`issued.sqlite` in the CA directory), for a CA on one machine.
///
/// Several processes on that machine may open the file at once (a second CLI run): SQLite's write lock serialises
/// them, and every invariant of ``IssuanceStore`` holds between them. For several CA nodes on several machines use
/// ``PostgresIssuanceStore``.
///
/// The file is in write-ahead-log mode with `synchronous = FULL`: a committed issuance survives a power loss.
/// Certificates are recorded with group commit (see ``record(_:consumingToken:)``).
public final class SQLiteIssuanceStore: IssuanceStore {
    /// A pool in write-ahead-log mode: a commit appends to the log and syncs it once (synchronous = FULL, so a
    /// committed issuance survives a power loss), instead of the rollback journal's several syncs per commit.
    private let queue: DatabasePool
    /// The database file.
    public let path: String
    /// The group-commit queue (see ``record(_:consumingToken:)``), the last token-id purge, and whether closed.
    private let state = Mutex(StoreState())

    public var location: String { "SQLite \(path)" }

    /// The schema, one step per version (``SchemaMigrations``); the steps a file has not seen are applied in one write
    /// transaction (SQLite's write lock keeps two processes from applying them twice). Version 1 is the schema of
    /// the first releases, created with `IF NOT EXISTS` so that their files are adopted as they are.
    static let migrations: [String] = [
        """
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
        """,
        """
        CREATE TABLE latest_crl (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            number INTEGER NOT NULL,
            der BLOB NOT NULL,
            this_update DOUBLE NOT NULL,
            next_update DOUBLE NOT NULL
        );
        CREATE TABLE provisioner (
            name TEXT PRIMARY KEY NOT NULL,
            public_key TEXT NOT NULL,
            created_at DOUBLE NOT NULL
        );
        CREATE TABLE token_id (
            provisioner TEXT NOT NULL,
            jti TEXT NOT NULL,
            expires_at DOUBLE NOT NULL,
            PRIMARY KEY (provisioner, jti)
        );
        CREATE INDEX token_id_expiry ON token_id (expires_at);
        """,
    ]

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        do {
            var configuration = Configuration()
            // Another process (a second CLI run) may hold the write lock for a moment.
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabasePool(path: path, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                let current = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_version") ?? 0
                let missing = try SchemaMigrations.missing(
                    current: current, count: Self.migrations.count, database: "the issuance database \(path)")
                for index in missing {
                    try db.execute(sql: Self.migrations[index])
                    try db.execute(sql: "INSERT INTO schema_version (version) VALUES (?)", arguments: [index + 1])
                }
            }
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(
                code: .storageFailure, message: "cannot open the issuance database \(path)", cause: error)
        }
    }

    private func storage<T: Sendable>(
        _ what: String, write: Bool = false, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        guard !state.withLock({ $0.closed }) else { throw CertificateAuthorityError.closedStore }
        do {
            return write ? try await queue.write(body) : try await queue.read(body)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(
                code: .storageFailure, message: "issuance database \(path): \(what) failed", cause: error)
        }
    }

    // MARK: Certificates

    /// Records an issued certificate, and consumes `token`'s id, in one transaction; returns once it has committed
    /// (and, with synchronous = FULL, is durable).
    ///
    /// Group commit: while one transaction is being written and synced, the certificates that arrive queue up and
    /// then go into the next transaction together, so concurrent issuances share one sync. Inside it, each
    /// certificate's token id is inserted first (`ON CONFLICT DO NOTHING` against its primary key: a conflict means
    /// a replay, and its certificate is skipped), then the certificate (`ON CONFLICT DO NOTHING` against the serial;
    /// on a conflict its token id is deleted again, so a serial collision leaves the token unconsumed). No caller
    /// returns before that transaction has committed; if it fails, it is rolled back whole and every caller in it
    /// gets the error. The writes and syncs run on a thread of their own, never on the cooperative pool.
    public func record(_ certificate: NewCertificateRecord, consumingToken token: OneTimeTokenID?) async throws
        -> RecordOutcome
    {
        try await PendingRecord.commit(
            certificate, consumingToken: token, enqueue: { record in state.withLock { $0.enqueue(record) } },
            startCommitting: { Thread { [self] in commitPending() }.start() })
    }

    /// Commits queued certificates, a transaction per batch, until none are left.
    private func commitPending() {
        while true {
            let batch = state.withLock { state in
                let batch = state.pending
                state.pending.removeAll()
                if batch.isEmpty { state.committing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let now = Date()
            let purge = batch.contains { $0.token != nil } && state.withLock { $0.purgeIsDue(now) }
            let outcome = Result {
                try queue.write { db in
                    if purge { try Self.purgeTokenIDs(db, now: now) }
                    return try batch.map { record in
                        try Self.insert(record.certificate, consuming: record.token, db, now: now)
                    }
                }
            }
            switch outcome {
            case .success(let outcomes):
                for (record, outcome) in zip(batch, outcomes) { record.continuation.resume(returning: outcome) }
            case .failure(let error):
                let failure = CertificateAuthorityError(
                    code: .storageFailure, message: "issuance database \(path): record certificate failed",
                    cause: error)
                for record in batch { record.continuation.resume(throwing: failure) }
            }
        }
    }

    /// One certificate and its token id, inside the caller's transaction.
    private static func insert(
        _ certificate: NewCertificateRecord, consuming token: OneTimeTokenID?, _ db: Database, now: Date
    ) throws -> RecordOutcome {
        if let token, try !insertTokenID(token, db) { return .tokenAlreadyUsed }
        try db.execute(
            sql: """
                INSERT INTO certificate (serial, subject, profile, not_before, not_after, issued_at, der)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (serial) DO NOTHING
                """,
            arguments: [
                certificate.serial, certificate.subject, certificate.profile,
                certificate.notBefore.timeIntervalSince1970, certificate.notAfter.timeIntervalSince1970,
                now.timeIntervalSince1970, Data(certificate.der),
            ])
        guard db.changesCount == 1 else {
            if let token {
                try db.execute(
                    sql: "DELETE FROM token_id WHERE provisioner = ? AND jti = ?",
                    arguments: [token.provisioner, token.id])
            }
            return .serialInUse
        }
        return .recorded
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

    private static func allCertificates(_ db: Database) throws -> [IssuedCertificateRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM certificate WHERE der IS NOT NULL ORDER BY issued_at, serial")
            .map(Self.record)
    }

    public func allCertificates() async throws -> [IssuedCertificateRecord] {
        try await storage("list") { db in try Self.allCertificates(db) }
    }

    public func certificate(serial: String) async throws -> IssuedCertificateRecord? {
        try await storage("find") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM certificate WHERE serial = ? AND der IS NOT NULL", arguments: [serial]
            )
            .map(Self.record)
        }
    }

    public func revoke(serial: String, reason: RevocationReason, at date: Date) async throws -> IssuedCertificateRecord
    {
        try await storage("revoke", write: true) { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM certificate WHERE serial = ? AND der IS NOT NULL", arguments: [serial])
            else {
                throw CertificateAuthorityError(code: .notFound, message: "no certificate with serial \(serial)")
            }
            var record = Self.record(row)
            guard record.revokedAt == nil else {
                throw CertificateAuthorityError(code: .alreadyRevoked, message: "serial \(serial) is already revoked")
            }
            try db.execute(
                sql: "UPDATE certificate SET revoked_at = ?, reason = ? WHERE serial = ?",
                arguments: [date.timeIntervalSince1970, reason.rawValue, serial])
            record.revokedAt = date
            record.revocationReason = reason
            return record
        }
    }

    // MARK: CRLs

    private static func revoked(_ db: Database) throws -> [IssuedCertificateRecord] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT * FROM certificate WHERE revoked_at IS NOT NULL AND der IS NOT NULL ORDER BY revoked_at, serial"
        ).map(Self.record)
    }

    /// The number is incremented and the revoked list read in one write transaction: SQLite's write lock is the
    /// single writer.
    public func nextCRL() async throws -> CRLAllocation {
        try await storage("CRL state", write: true) { db in
            let current = try Int64.fetchOne(db, sql: "SELECT number FROM crl_state WHERE id = 1") ?? 0
            let (next, overflow) = current.addingReportingOverflow(1)
            guard !overflow else {
                throw CertificateAuthorityError(code: .storageFailure, message: "the CRL number is exhausted")
            }
            try db.execute(sql: "INSERT OR REPLACE INTO crl_state (id, number) VALUES (1, ?)", arguments: [next])
            return CRLAllocation(number: next, revoked: try Self.revoked(db))
        }
    }

    @discardableResult
    public func storeCRL(_ crl: StoredCRL) async throws -> Bool {
        try await storage("store CRL", write: true) { db in
            try db.execute(
                sql: """
                    INSERT INTO latest_crl (id, number, der, this_update, next_update) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET number = excluded.number, der = excluded.der,
                        this_update = excluded.this_update, next_update = excluded.next_update
                    WHERE excluded.number > latest_crl.number
                    """,
                arguments: [
                    crl.number, Data(crl.der), crl.thisUpdate.timeIntervalSince1970,
                    crl.nextUpdate.timeIntervalSince1970,
                ])
            return db.changesCount == 1
        }
    }

    private static func latestCRL(_ db: Database) throws -> StoredCRL? {
        try Row.fetchOne(db, sql: "SELECT * FROM latest_crl WHERE id = 1").map { row in
            let der: Data = row["der"]
            return StoredCRL(
                number: row["number"], der: Array(der), thisUpdate: Date(timeIntervalSince1970: row["this_update"]),
                nextUpdate: Date(timeIntervalSince1970: row["next_update"]))
        }
    }

    public func latestCRL() async throws -> StoredCRL? {
        try await storage("read CRL") { db in try Self.latestCRL(db) }
    }

    // MARK: Provisioners

    private static func provisioner(_ row: Row) -> ProvisionerRecord {
        ProvisionerRecord(
            name: row["name"], publicKey: row["public_key"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    private static func provisioners(_ db: Database) throws -> [ProvisionerRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM provisioner ORDER BY name").map(Self.provisioner)
    }

    public func addProvisioner(_ provisioner: ProvisionerRecord) async throws -> Bool {
        try await storage("add provisioner", write: true) { db in
            try db.execute(
                sql: """
                    INSERT INTO provisioner (name, public_key, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO NOTHING
                    """,
                arguments: [provisioner.name, provisioner.publicKey, provisioner.createdAt.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    public func provisioners() async throws -> [ProvisionerRecord] {
        try await storage("list provisioners") { db in try Self.provisioners(db) }
    }

    public func provisioner(named name: String) async throws -> ProvisionerRecord? {
        try await storage("find provisioner") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM provisioner WHERE name = ?", arguments: [name])
                .map(Self.provisioner)
        }
    }

    @discardableResult
    public func removeProvisioner(named name: String) async throws -> Bool {
        try await storage("remove provisioner", write: true) { db in
            try db.execute(sql: "DELETE FROM provisioner WHERE name = ?", arguments: [name])
            return db.changesCount == 1
        }
    }

    // MARK: One-time tokens

    public func consumeTokenID(_ jti: String, provisioner: String, expiresAt: Date) async throws -> Bool {
        let now = Date()
        let purge = state.withLock { $0.purgeIsDue(now) }
        let token = OneTimeTokenID(provisioner: provisioner, id: jti, expiresAt: expiresAt)
        return try await storage("consume token id", write: true) { db in
            if purge { try Self.purgeTokenIDs(db, now: now) }
            return try Self.insertTokenID(token, db)
        }
    }

    private static func purgeTokenIDs(_ db: Database, now: Date) throws {
        try db.execute(sql: "DELETE FROM token_id WHERE expires_at < ?", arguments: [now.timeIntervalSince1970])
    }

    /// Inserts a token id; `false` when it was already there.
    private static func insertTokenID(_ token: OneTimeTokenID, _ db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO token_id (provisioner, jti, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (provisioner, jti) DO NOTHING
                """,
            arguments: [token.provisioner, token.id, token.expiresAt.timeIntervalSince1970])
        return db.changesCount == 1
    }

    // MARK: Health and lifetime

    public func ping() async throws {
        _ = try await storage("health check") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async {
        guard !state.withLock({ $0.close() }) else { return }
        // Pending group commits finish first: close() waits for the pool's writer.
        try? queue.close()
    }

    // MARK: Migration

    public func snapshot() async throws -> IssuanceStoreSnapshot {
        try await storage("snapshot") { db in
            IssuanceStoreSnapshot(
                certificates: try Self.allCertificates(db),
                crlNumber: try Int64.fetchOne(db, sql: "SELECT number FROM crl_state WHERE id = 1") ?? 0,
                latestCRL: try Self.latestCRL(db),
                provisioners: try Self.provisioners(db))
        }
    }

    public func restore(_ snapshot: IssuanceStoreSnapshot) async throws {
        try await storage("restore", write: true) { db in
            let existing =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT COUNT(*) FROM certificate) + (SELECT COUNT(*) FROM crl_state)
                            + (SELECT COUNT(*) FROM latest_crl) + (SELECT COUNT(*) FROM provisioner)
                        """) ?? 0
            guard existing == 0 else {
                throw CertificateAuthorityError(
                    code: .alreadyInitialized, message: "the issuance database \(self.path) is not empty")
            }
            for record in snapshot.certificates {
                try db.execute(
                    sql: """
                        INSERT INTO certificate
                            (serial, subject, profile, not_before, not_after, issued_at, der, revoked_at, reason)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.serialNumber, record.subject, record.profile,
                        record.notValidBefore.timeIntervalSince1970, record.notValidAfter.timeIntervalSince1970,
                        record.issuedAt.timeIntervalSince1970, Data(record.certificateDER),
                        record.revokedAt?.timeIntervalSince1970, record.revocationReason?.rawValue,
                    ])
            }
            if snapshot.crlNumber > 0 {
                try db.execute(
                    sql: "INSERT INTO crl_state (id, number) VALUES (1, ?)", arguments: [snapshot.crlNumber])
            }
            if let crl = snapshot.latestCRL {
                try db.execute(
                    sql: "INSERT INTO latest_crl (id, number, der, this_update, next_update) VALUES (1, ?, ?, ?, ?)",
                    arguments: [
                        crl.number, Data(crl.der), crl.thisUpdate.timeIntervalSince1970,
                        crl.nextUpdate.timeIntervalSince1970,
                    ])
            }
            for provisioner in snapshot.provisioners {
                try db.execute(
                    sql: "INSERT INTO provisioner (name, public_key, created_at) VALUES (?, ?, ?)",
                    arguments: [
                        provisioner.name, provisioner.publicKey, provisioner.createdAt.timeIntervalSince1970,
                    ])
            }
        }
    }
}
