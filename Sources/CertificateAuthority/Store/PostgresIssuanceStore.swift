public import Foundation
public import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The shared issuance store: one PostgreSQL database for several CA nodes.
///
/// Every invariant of ``IssuanceStore`` is the database's: the serial is the certificate table's primary key (an
/// `INSERT ... ON CONFLICT DO NOTHING` tells a duplicate), the CRL number is one row updated under a row lock and a
/// transaction-scoped advisory lock (`pg_advisory_xact_lock`), a token id is a primary key, and each write commits
/// before its method returns.
///
/// The store owns a `PostgresClient` (a connection pool) and runs it in a task of its own from ``init(configuration:logger:)``
/// until ``close()``. The schema is brought up to date before the first operation (``migrate()``): a
/// `schema_version` table, and the missing steps applied in one transaction under an advisory lock, so two nodes
/// starting together apply each step once.
///
/// When the database cannot be reached, an operation fails after ``Configuration/operationTimeout`` with
/// ``CertificateAuthorityError/Code/storageFailure`` (the pool keeps trying to connect, and the next operation
/// succeeds once the database is back).
public final class PostgresIssuanceStore: IssuanceStore {
    /// The database and how it is reached.
    public let configuration: Configuration
    private let client: PostgresClient
    /// The same settings for one direct connection: when an operation times out (the pool retries a failing
    /// connection without telling why), one connection attempt finds the reason (a refused password, TLS).
    private let diagnosticConfiguration: PostgresConnection.Configuration
    private let runner: Task<Void, Never>
    private let logger: Logger
    private let state = Mutex(State())

    private struct State: Sendable {
        /// The group-commit queue, the last token-id purge, and whether closed.
        var common = StoreState()
        /// The commit task that may take batches (see ``commitPending(_:)``); a new one when a batch is given up at
        /// its deadline.
        var commitRun = 0
        var migrated = false
    }

    /// Advisory lock keys (`pg_advisory_xact_lock(bigint)`), the ASCII of "hpcs-ca" plus a purpose.
    enum LockKey {
        static let migration: Int64 = 0x6870_6373_2D63_6101
        static let crl: Int64 = 0x6870_6373_2D63_6102
    }

    /// The most certificates one group commit writes (and one chunk of a restore: nine parameters each, under
    /// PostgreSQL's 65535).
    static let maximumBatch = 1000

    public var location: String { configuration.description }

    /// Creates the store and starts its connection pool; no connection is made until the first operation.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "hpcs.ca.store", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.configuration = configuration
        self.logger = logger
        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        var diagnosticConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        switch configuration.tls {
        case .disable:
            clientConfiguration.tls = .disable
        case .verifyCA, .verifyFull:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = configuration.tls == .verifyCA ? .noHostnameVerification : .fullVerification
            if let path = configuration.rootCertificatePath {
                tls.trustRoots = .file(path)
            }
            clientConfiguration.tls = .require(tls)
            clientConfiguration.options.tlsServerName = configuration.host
            do {
                diagnosticConfiguration.tls = .require(try NIOSSLContext(configuration: tls))
            } catch {
                throw CertificateAuthorityError(
                    code: .malformedInput,
                    message: "cannot set up TLS for the issuance database (check sslrootcert)", cause: error)
            }
            diagnosticConfiguration.options.tlsServerName = configuration.host
        }
        diagnosticConfiguration.options.connectTimeout = .seconds(5)
        self.diagnosticConfiguration = diagnosticConfiguration
        clientConfiguration.options.connectTimeout = configuration.operationTimeout
        clientConfiguration.options.maximumConnections = configuration.maximumConnections
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        self.runner = Task { await client.run() }
    }

    /// Creates the store for `url` (password from the URL, `HPCS_CA_DATABASE_PASSWORD` or
    /// `HPCS_CA_DATABASE_PASSWORD_FILE`, see ``Configuration``).
    public convenience init(
        url: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "hpcs.ca.store", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        try self.init(configuration: try Configuration(url: url, environment: environment), logger: logger)
    }

    deinit {
        runner.cancel()
    }

    // MARK: Running operations

    /// Runs `body` with a deadline of ``Configuration/operationTimeout``, after the schema is up to date, turning
    /// every failure into ``CertificateAuthorityError/Code/storageFailure`` (codes the body throws itself pass).
    private func operation<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        guard !state.withLock({ $0.common.closed }) else { throw CertificateAuthorityError.closedStore }
        let client = self.client
        let work: @Sendable () async throws -> T = { [self] in
            try await migrateOnce()
            return try await body(client)
        }
        do {
            // An operation still waiting after two seconds gets one direct connection attempt beside it: a refused
            // password or connection then fails it at once instead of at the deadline.
            return try await Deadline.run(
                configuration.operationTimeout, work, probeAfter: .seconds(2),
                probe: { [self] in await probeFailure(what) })
        } catch {
            throw await failure(error, what)
        }
    }

    /// The database is brought up to date before the first operation of this instance.
    private func migrateOnce() async throws {
        guard !state.withLock({ $0.migrated }) else { return }
        try await Self.migrate(client, logger: logger)
        state.withLock { $0.migrated = true }
    }

    /// The failure of an operation that is still waiting after two seconds, from one direct connection attempt
    /// beside it (a refused password or connection), or `nil` (let it go on).
    private func probeFailure(_ what: String) async -> CertificateAuthorityError? {
        await diagnose().map {
            CertificateAuthorityError(
                code: .storageFailure,
                message: "the issuance database (\(configuration.description)): \(what) failed: \($0)")
        }
    }

    /// `error` of the operation `what` as ``CertificateAuthorityError/Code/storageFailure`` (codes the operation
    /// throws itself pass); ``Deadline/Expired`` says why when one direct connection attempt can tell.
    private func failure(_ error: any Error, _ what: String) async -> CertificateAuthorityError {
        let description = configuration.description
        if let error = error as? CertificateAuthorityError { return error }
        if let error = error as? PostgresTransactionError, let inner = error.closureError as? CertificateAuthorityError
        {
            // A refusal of our own inside a transaction (not empty, not found), rolled back.
            return inner
        }
        if error is Deadline.Expired {
            if let reason = await diagnose() {
                return CertificateAuthorityError(
                    code: .storageFailure, message: "the issuance database (\(description)): \(what) failed: \(reason)")
            }
            return CertificateAuthorityError(
                code: .storageFailure,
                message: "the issuance database (\(description)) did not answer within "
                    + "\(configuration.operationTimeout.components.seconds) s (\(what)): is it running and reachable?")
        }
        return CertificateAuthorityError(
            code: .storageFailure,
            message: "the issuance database (\(description)): \(what) failed: \(Self.explain(error))")
    }

    /// Why the database cannot be used, from one direct connection attempt (at most 5 seconds), or `nil` when that
    /// connection succeeds or also times out.
    private func diagnose() async -> String? {
        let configuration = diagnosticConfiguration
        let logger = self.logger
        do {
            try await Deadline.run(.seconds(5)) {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: 0, logger: logger)
                try? await connection.close()
            }
            return nil
        } catch is Deadline.Expired {
            return nil
        } catch {
            return Self.explain(error)
        }
    }

    /// A message for a PostgresNIO error: the server's own message, or what went wrong with the connection.
    /// PostgresNIO's descriptions are deliberately generic, and its debug descriptions may hold the query.
    static func explain(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return explain(inner) }
            return "the transaction failed"
        }
        if let error = error as? CertificateAuthorityError { return error.message }
        guard let error = error as? PSQLError else { return ControlCharacters.escaped(String(describing: error)) }
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return ControlCharacters.escaped("the server said: \(message)\(state)")
        case .connectionError:
            let cause = error.underlying.map { ": \(ControlCharacters.escaped(String(describing: $0)))" } ?? ""
            return "cannot connect\(cause)"
        case .sslUnsupported:
            return "the server does not offer TLS (sslmode requires it)"
        case .failedToAddSSLHandler:
            return "cannot set up TLS (check sslrootcert)"
        case .authMechanismRequiresPassword:
            return "the server asks for a password: set \(Configuration.passwordVariable) or "
                + "\(Configuration.passwordFileVariable)"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            let cause = error.underlying.map { ": \(ControlCharacters.escaped(String(describing: $0)))" } ?? ""
            return "the connection closed\(cause)"
        case .poolClosed:
            return "the store is closed"
        default:
            return "PostgreSQL client error \(error.code)"
        }
    }

    // MARK: Schema

    /// The schema, one step (a list of statements) per version.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE certificate (
                serial text PRIMARY KEY,
                subject text NOT NULL,
                profile text NOT NULL,
                not_before timestamptz NOT NULL,
                not_after timestamptz NOT NULL,
                issued_at timestamptz NOT NULL,
                der bytea NOT NULL,
                revoked_at timestamptz,
                reason integer
            )
            """,
            "CREATE INDEX certificate_revoked ON certificate (revoked_at) WHERE revoked_at IS NOT NULL",
            "CREATE TABLE crl_state (id integer PRIMARY KEY CHECK (id = 1), number bigint NOT NULL)",
            "INSERT INTO crl_state (id, number) VALUES (1, 0)",
            """
            CREATE TABLE latest_crl (
                id integer PRIMARY KEY CHECK (id = 1),
                number bigint NOT NULL,
                der bytea NOT NULL,
                this_update timestamptz NOT NULL,
                next_update timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE provisioner (
                name text PRIMARY KEY,
                public_key text NOT NULL,
                created_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE token_id (
                provisioner text NOT NULL,
                jti text NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (provisioner, jti)
            )
            """,
            "CREATE INDEX token_id_expiry ON token_id (expires_at)",
        ]
    ]

    /// Brings the schema up to date (also done before the first operation): in one transaction holding the
    /// migration advisory lock, reads `schema_version` and applies each missing step, recording it. Safe to run
    /// again and from several nodes at once: the lock serialises them, and each sees the steps the others applied.
    public func migrate() async throws {
        try await operation("schema migration") { _ in }
    }

    private static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(LockKey.migration))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            let rows = try await connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version", logger: logger
            ).collect()
            let current = try rows.first?.decode(Int.self) ?? 0
            let missing = try SchemaMigrations.missing(
                current: current, count: migrations.count, database: "the issuance database")
            for index in missing {
                for statement in migrations[index] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_version (version) VALUES (\(index + 1))", logger: logger)
            }
        }
    }

    // MARK: Certificates

    /// Records an issued certificate and consumes `token`'s id with group commit: while one statement is in flight,
    /// the certificates that arrive queue up and go into the next one together. That statement is one
    /// `INSERT ... ON CONFLICT DO NOTHING` of the token ids and one of the certificates, joined in a `WITH` (so one
    /// transaction, one commit): a certificate is inserted only when its token id was (a replay inserts neither),
    /// and a token id only for a serial not yet recorded. No caller returns before the statement committed.
    ///
    /// The one case the statement cannot decide alone is a serial recorded by another node between its snapshot
    /// and its insert (two nodes drawing one random 126-bit serial at the same moment): its token id was then
    /// inserted without the certificate, and is deleted again by a second statement before the caller hears
    /// ``RecordOutcome/serialInUse``. A crash between the two leaves that token refused, the safe side.
    public func record(_ certificate: NewCertificateRecord, consumingToken token: OneTimeTokenID?) async throws
        -> RecordOutcome
    {
        try await PendingRecord.commit(
            certificate, consumingToken: token, enqueue: { record in state.withLock { $0.common.enqueue(record) } },
            startCommitting: { startCommitting() })
    }

    /// The next batch: at most ``maximumBatch`` records, no serial or token id twice (a second one waits for the
    /// next batch, where the first one's outcome decides it).
    private static func takeBatch(_ pending: inout [PendingRecord]) -> [PendingRecord] {
        var batch: [PendingRecord] = []
        var deferred: [PendingRecord] = []
        var serials = Set<String>()
        var tokens = Set<[String]>()
        for record in pending {
            let tokenKey = record.token.map { [$0.provisioner, $0.id] }
            if batch.count < maximumBatch, !serials.contains(record.certificate.serial),
                tokenKey.map({ !tokens.contains($0) }) ?? true
            {
                batch.append(record)
                serials.insert(record.certificate.serial)
                if let tokenKey { tokens.insert(tokenKey) }
            } else {
                deferred.append(record)
            }
        }
        pending = deferred
        return batch
    }

    /// Starts a commit task (the caller has set `committing`).
    private func startCommitting() {
        let run = state.withLock { state in
            state.commitRun += 1
            return state.commitRun
        }
        let task = CommitTask()
        task.set(Task { await commitPending(CommitRun(number: run, task: task)) })
    }

    /// The task of a commit run, for its cancellation when a batch is given up.
    private final class CommitTask: Sendable {
        private let task = Mutex<Task<Void, Never>?>(nil)
        func set(_ task: Task<Void, Never>) { self.task.withLock { $0 = task } }
        func cancel() { task.withLock { $0 }?.cancel() }
    }

    private struct CommitRun: Sendable {
        var number: Int
        var task: CommitTask
    }

    /// The continuations of one batch, resumed once: by the statement's outcome, or by its failure at the
    /// deadline.
    private final class BatchWaiters: Sendable {
        private let waiting: Mutex<[CheckedContinuation<RecordOutcome, any Error>]?>

        init(_ batch: [PendingRecord]) {
            waiting = Mutex(batch.map(\.continuation))
        }

        func succeed(_ outcomes: [RecordOutcome]) {
            guard let waiting = waiting.withLock({ $0.take() }) else { return }
            for (continuation, outcome) in zip(waiting, outcomes) { continuation.resume(returning: outcome) }
        }

        /// Fails every waiter unless they were resumed; returns whether this call did.
        func fail(_ error: any Error) -> Bool {
            guard let waiting = waiting.withLock({ $0.take() }) else { return false }
            for continuation in waiting { continuation.resume(throwing: error) }
            return true
        }
    }

    /// Records queued certificates, a statement per batch, until none are left, in the commit task itself (no task
    /// per statement). Each batch has the deadline of an operation (``Configuration/operationTimeout``, with the
    /// connection probe after two seconds), kept by callbacks scheduled on NIO's shared event loop group: at the
    /// deadline its callers fail with ``CertificateAuthorityError/Code/storageFailure``, this task is cancelled
    /// and takes no more batches, and a new commit task takes the queued ones.
    private func commitPending(_ run: CommitRun) async {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let what = "record certificate"
        while true {
            let now = Date()
            let batch = state.withLock { state -> [PendingRecord] in
                guard state.commitRun == run.number else { return [] }
                let batch = Self.takeBatch(&state.common.pending)
                if batch.isEmpty { state.common.committing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let waiters = BatchWaiters(batch)
            let giveUp: @Sendable (CertificateAuthorityError) -> Void = { [self] error in
                guard waiters.fail(error) else { return }
                let restart = state.withLock { state -> Bool in
                    guard state.commitRun == run.number else { return false }
                    state.commitRun += 1
                    if state.common.pending.isEmpty {
                        state.common.committing = false
                        return false
                    }
                    return true
                }
                run.task.cancel()
                if restart { startCommitting() }
            }
            let deadline = loop.scheduleTask(in: TimeAmount(configuration.operationTimeout)) { [self] in
                Task { giveUp(await failure(Deadline.Expired(), what)) }
            }
            let probe =
                configuration.operationTimeout > .seconds(2)
                ? loop.scheduleTask(in: .seconds(2)) { [self] in
                    Task { if let error = await probeFailure(what) { giveUp(error) } }
                } : nil
            let purge = batch.contains { $0.token != nil } && state.withLock { $0.common.purgeIsDue(now) }
            let rows = batch.map { ($0.certificate, $0.token) }
            do {
                try await migrateOnce()
                if purge {
                    _ = try await client.query("DELETE FROM token_id WHERE expires_at < now()", logger: logger)
                        .collect()
                }
                let outcomes = try await Self.insert(rows, client, logger: logger)
                deadline.cancel()
                probe?.cancel()
                waiters.succeed(outcomes)
            } catch {
                deadline.cancel()
                probe?.cancel()
                _ = waiters.fail(await failure(error, what))
            }
        }
    }

    /// The group commit's statement (see ``record(_:consumingToken:)``), prepared once per connection: its text
    /// is the same for every batch (the batch comes as one array per column, `unnest`ed into rows), so the server
    /// parses and plans it once per connection instead of once per batch. A row without a token has `has_token`
    /// false (arrays carry no NULL here), and its token columns are NULL from there on.
    struct RecordBatch: PostgresPreparedStatement {
        static let name = "hpcs_record_batch_v1"
        static let sql = """
            WITH input AS (
                SELECT serial, subject, profile, not_before, not_after, der,
                    CASE WHEN has_token THEN provisioner END AS provisioner,
                    CASE WHEN has_token THEN jti END AS jti,
                    CASE WHEN has_token THEN expires_at END AS expires_at
                FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::bytea[],
                    $7::bool[], $8::text[], $9::text[], $10::timestamptz[])
                    AS t (serial, subject, profile, not_before, not_after, der, has_token, provisioner, jti, expires_at)
            ),
            fresh AS (
                SELECT * FROM input WHERE NOT EXISTS (SELECT 1 FROM certificate c WHERE c.serial = input.serial)
            ),
            token AS (
                INSERT INTO token_id (provisioner, jti, expires_at)
                SELECT provisioner, jti, expires_at FROM fresh WHERE jti IS NOT NULL
                ON CONFLICT (provisioner, jti) DO NOTHING RETURNING provisioner, jti
            ),
            inserted AS (
                INSERT INTO certificate (serial, subject, profile, not_before, not_after, issued_at, der)
                SELECT serial, subject, profile, not_before, not_after, now(), der FROM fresh
                WHERE jti IS NULL OR (provisioner, jti) IN (SELECT provisioner, jti FROM token)
                ON CONFLICT (serial) DO NOTHING RETURNING serial
            )
            SELECT input.serial,
                input.serial IN (SELECT serial FROM inserted),
                input.serial IN (SELECT serial FROM fresh),
                (input.provisioner, input.jti) IN (SELECT provisioner, jti FROM token)
            FROM input
            """

        typealias Row = (String, Bool, Bool, Bool?)

        var rows: [(NewCertificateRecord, OneTimeTokenID?)]

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings(capacity: 10)
            binds.append(rows.map(\.0.serial))
            binds.append(rows.map(\.0.subject))
            binds.append(rows.map(\.0.profile))
            binds.append(rows.map(\.0.notBefore))
            binds.append(rows.map(\.0.notAfter))
            binds.append(rows.map { ByteBuffer(bytes: $0.0.der) })
            binds.append(rows.map { $0.1 != nil })
            binds.append(rows.map { $0.1?.provisioner ?? "" })
            binds.append(rows.map { $0.1?.id ?? "" })
            binds.append(rows.map { $0.1?.expiresAt ?? Date(timeIntervalSince1970: 0) })
            return binds
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            try row.decode(Row.self)
        }
    }

    /// One statement for a batch (see ``record(_:consumingToken:)``); the outcome of each row, in order.
    private static func insert(
        _ rows: [(NewCertificateRecord, OneTimeTokenID?)], _ client: PostgresClient, logger: Logger
    ) async throws -> [RecordOutcome] {
        var found: [String: (inserted: Bool, fresh: Bool, consumed: Bool)] = [:]
        found.reserveCapacity(rows.count)
        for try await (serial, inserted, fresh, consumed) in try await client.execute(
            RecordBatch(rows: rows), logger: logger)
        {
            found[serial] = (inserted, fresh, consumed ?? false)
        }
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(rows.count)
        for (certificate, token) in rows {
            guard let result = found[certificate.serial] else {
                throw CertificateAuthorityError(code: .storageFailure, message: "a recorded row is missing")
            }
            if result.inserted {
                outcomes.append(.recorded)
            } else if let token, result.consumed {
                // The serial was taken after the statement's snapshot: give the token back.
                _ = try await client.query(
                    "DELETE FROM token_id WHERE provisioner = \(token.provisioner) AND jti = \(token.id)",
                    logger: logger
                ).collect()
                outcomes.append(.serialInUse)
            } else if token == nil || !result.fresh {
                outcomes.append(.serialInUse)
            } else {
                outcomes.append(.tokenAlreadyUsed)
            }
        }
        return outcomes
    }

    private typealias CertificateRow = (String, String, String, Date, Date, Date, Data, Date?, Int?)
    private static let certificateColumns =
        "serial, subject, profile, not_before, not_after, issued_at, der, revoked_at, reason"

    private static func certificate(_ row: PostgresRow) throws -> IssuedCertificateRecord {
        let (serial, subject, profile, notBefore, notAfter, issuedAt, der, revokedAt, reason) = try row.decode(
            CertificateRow.self)
        return IssuedCertificateRecord(
            serialNumber: serial, subject: subject, profile: profile, notValidBefore: notBefore,
            notValidAfter: notAfter, issuedAt: issuedAt, certificateDER: Array(der), revokedAt: revokedAt,
            revocationReason: reason.map { RevocationReason(rawValue: $0) })
    }

    public func allCertificates() async throws -> [IssuedCertificateRecord] {
        let logger = self.logger
        return try await operation("list") { client in
            let sql = "SELECT \(Self.certificateColumns) FROM certificate ORDER BY issued_at, serial"
            return try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                .map(Self.certificate)
        }
    }

    public func certificate(serial: String) async throws -> IssuedCertificateRecord? {
        let logger = self.logger
        return try await operation("find") { client in
            var binds = PostgresBindings()
            binds.append(serial)
            let sql = "SELECT \(Self.certificateColumns) FROM certificate WHERE serial = $1"
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                .first.map(Self.certificate)
        }
    }

    /// One `UPDATE ... WHERE revoked_at IS NULL RETURNING`: of two concurrent revocations the row lock lets one
    /// through; the other then finds the row revoked.
    public func revoke(serial: String, reason: RevocationReason, at date: Date) async throws -> IssuedCertificateRecord
    {
        let logger = self.logger
        return try await operation("revoke") { client in
            var binds = PostgresBindings()
            binds.append(date)
            binds.append(reason.rawValue)
            binds.append(serial)
            let sql = """
                UPDATE certificate SET revoked_at = $1, reason = $2 WHERE serial = $3 AND revoked_at IS NULL
                RETURNING \(Self.certificateColumns)
                """
            if let row = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                .collect().first
            {
                return try Self.certificate(row)
            }
            var lookup = PostgresBindings()
            lookup.append(serial)
            let exists = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT 1 FROM certificate WHERE serial = $1", binds: lookup), logger: logger
            ).collect()
            if exists.isEmpty {
                throw CertificateAuthorityError(code: .notFound, message: "no certificate with serial \(serial)")
            }
            throw CertificateAuthorityError(code: .alreadyRevoked, message: "serial \(serial) is already revoked")
        }
    }

    // MARK: CRLs

    /// In one transaction: the CRL advisory lock (one CRL writer at a time across nodes), the number incremented
    /// under its row lock, and the revoked certificates read after both, so a CRL with a higher number never lists
    /// fewer revocations than one with a lower number.
    public func nextCRL() async throws -> CRLAllocation {
        let logger = self.logger
        return try await operation("CRL state") { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(LockKey.crl))", logger: logger)
                let numbers = try await connection.query(
                    "UPDATE crl_state SET number = number + 1 WHERE id = 1 RETURNING number", logger: logger
                ).collect()
                guard let number = try numbers.first?.decode(Int64.self) else {
                    throw CertificateAuthorityError(code: .storageFailure, message: "the CRL state row is missing")
                }
                let sql = """
                    SELECT \(Self.certificateColumns) FROM certificate WHERE revoked_at IS NOT NULL
                    ORDER BY revoked_at, serial
                    """
                let revoked = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                    .map(Self.certificate)
                return CRLAllocation(number: number, revoked: revoked)
            }
        }
    }

    @discardableResult
    public func storeCRL(_ crl: StoredCRL) async throws -> Bool {
        let logger = self.logger
        return try await operation("store CRL") { client in
            var binds = PostgresBindings()
            binds.append(crl.number)
            try binds.append(Data(crl.der))
            binds.append(crl.thisUpdate)
            binds.append(crl.nextUpdate)
            let sql = """
                INSERT INTO latest_crl (id, number, der, this_update, next_update) VALUES (1, $1, $2, $3, $4)
                ON CONFLICT (id) DO UPDATE SET number = excluded.number, der = excluded.der,
                    this_update = excluded.this_update, next_update = excluded.next_update
                WHERE excluded.number > latest_crl.number
                RETURNING number
                """
            return try await !client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                .isEmpty
        }
    }

    private static func storedCRL(_ row: PostgresRow) throws -> StoredCRL {
        let (number, der, thisUpdate, nextUpdate) = try row.decode((Int64, Data, Date, Date).self)
        return StoredCRL(number: number, der: Array(der), thisUpdate: thisUpdate, nextUpdate: nextUpdate)
    }

    public func latestCRL() async throws -> StoredCRL? {
        let logger = self.logger
        return try await operation("read CRL") { client in
            try await client.query(
                "SELECT number, der, this_update, next_update FROM latest_crl WHERE id = 1", logger: logger
            ).collect().first.map(Self.storedCRL)
        }
    }

    // MARK: Provisioners

    private static func provisioner(_ row: PostgresRow) throws -> ProvisionerRecord {
        let (name, publicKey, createdAt) = try row.decode((String, String, Date).self)
        return ProvisionerRecord(name: name, publicKey: publicKey, createdAt: createdAt)
    }

    public func addProvisioner(_ provisioner: ProvisionerRecord) async throws -> Bool {
        let logger = self.logger
        return try await operation("add provisioner") { client in
            var binds = PostgresBindings()
            binds.append(provisioner.name)
            binds.append(provisioner.publicKey)
            binds.append(provisioner.createdAt)
            let sql = """
                INSERT INTO provisioner (name, public_key, created_at) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO NOTHING RETURNING name
                """
            return try await !client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                .isEmpty
        }
    }

    public func provisioners() async throws -> [ProvisionerRecord] {
        let logger = self.logger
        return try await operation("list provisioners") { client in
            try await client.query("SELECT name, public_key, created_at FROM provisioner ORDER BY name", logger: logger)
                .collect().map(Self.provisioner)
        }
    }

    public func provisioner(named name: String) async throws -> ProvisionerRecord? {
        let logger = self.logger
        return try await operation("find provisioner") { client in
            try await client.query(
                "SELECT name, public_key, created_at FROM provisioner WHERE name = \(name)", logger: logger
            ).collect().first.map(Self.provisioner)
        }
    }

    @discardableResult
    public func removeProvisioner(named name: String) async throws -> Bool {
        let logger = self.logger
        return try await operation("remove provisioner") { client in
            try await !client.query("DELETE FROM provisioner WHERE name = \(name) RETURNING name", logger: logger)
                .collect().isEmpty
        }
    }

    // MARK: One-time tokens

    public func consumeTokenID(_ jti: String, provisioner: String, expiresAt: Date) async throws -> Bool {
        let purge = state.withLock { $0.common.purgeIsDue(Date()) }
        let logger = self.logger
        return try await operation("consume token id") { client in
            if purge {
                _ = try await client.query("DELETE FROM token_id WHERE expires_at < now()", logger: logger).collect()
            }
            return try await !client.query(
                """
                INSERT INTO token_id (provisioner, jti, expires_at) VALUES (\(provisioner), \(jti), \(expiresAt))
                ON CONFLICT (provisioner, jti) DO NOTHING RETURNING jti
                """, logger: logger
            ).collect().isEmpty
        }
    }

    // MARK: Health and lifetime

    public func ping() async throws {
        let logger = self.logger
        try await operation("health check") { client in
            _ = try await client.query("SELECT 1", logger: logger).collect()
        }
    }

    /// Waits for queued certificates, then stops the connection pool.
    public func close() async {
        guard !state.withLock({ $0.common.close() }) else { return }
        // Queued group commits finish (or time out) first.
        while state.withLock({ $0.common.committing }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        runner.cancel()
        await runner.value
    }

    // MARK: Migration

    public func snapshot() async throws -> IssuanceStoreSnapshot {
        let logger = self.logger
        return try await operation("snapshot") { client in
            try await client.withConnection { connection in
                // One snapshot of the whole database.
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let certificates = try await connection.query(
                        PostgresQuery(
                            unsafeSQL: "SELECT \(Self.certificateColumns) FROM certificate ORDER BY issued_at, serial"),
                        logger: logger
                    ).collect().map(Self.certificate)
                    let number =
                        try await connection.query("SELECT number FROM crl_state WHERE id = 1", logger: logger)
                        .collect().first?.decode(Int64.self) ?? 0
                    let crl = try await connection.query(
                        "SELECT number, der, this_update, next_update FROM latest_crl WHERE id = 1", logger: logger
                    ).collect().first.map(Self.storedCRL)
                    let provisioners = try await connection.query(
                        "SELECT name, public_key, created_at FROM provisioner ORDER BY name", logger: logger
                    ).collect().map(Self.provisioner)
                    try await connection.query("COMMIT", logger: logger)
                    return IssuanceStoreSnapshot(
                        certificates: certificates, crlNumber: number, latestCRL: crl, provisioners: provisioners)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// One transaction: checks the tables are empty (under the migration lock, so two restores cannot interleave),
    /// then inserts everything; a failure or a crash leaves the database as it was.
    public func restore(_ snapshot: IssuanceStoreSnapshot) async throws {
        let logger = self.logger
        let description = configuration.description
        try await operation("restore") { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(LockKey.migration))", logger: logger)
                let counts = try await connection.query(
                    """
                    SELECT (SELECT COUNT(*) FROM certificate) + (SELECT COUNT(*) FROM latest_crl)
                        + (SELECT COUNT(*) FROM provisioner) + (SELECT COUNT(*) FROM crl_state WHERE number > 0)
                    """, logger: logger
                ).collect()
                guard try counts.first?.decode(Int64.self) == 0 else {
                    throw CertificateAuthorityError(
                        code: .alreadyInitialized, message: "the issuance database (\(description)) is not empty")
                }
                for chunk in stride(from: 0, to: snapshot.certificates.count, by: Self.maximumBatch) {
                    let records = snapshot.certificates[
                        chunk..<min(chunk + Self.maximumBatch, snapshot.certificates.count)]
                    var binds = PostgresBindings(capacity: records.count * 9)
                    var values: [String] = []
                    for (index, record) in records.enumerated() {
                        binds.append(record.serialNumber)
                        binds.append(record.subject)
                        binds.append(record.profile)
                        binds.append(record.notValidBefore)
                        binds.append(record.notValidAfter)
                        binds.append(record.issuedAt)
                        try binds.append(Data(record.certificateDER))
                        binds.append(record.revokedAt)
                        binds.append(record.revocationReason?.rawValue)
                        let base = index * 9
                        values.append("(" + (1...9).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                    }
                    let sql =
                        "INSERT INTO certificate (\(Self.certificateColumns)) VALUES "
                        + values.joined(separator: ", ")
                    try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                }
                try await connection.query(
                    "UPDATE crl_state SET number = \(snapshot.crlNumber) WHERE id = 1", logger: logger)
                if let crl = snapshot.latestCRL {
                    try await connection.query(
                        """
                        INSERT INTO latest_crl (id, number, der, this_update, next_update)
                        VALUES (1, \(crl.number), \(Data(crl.der)), \(crl.thisUpdate), \(crl.nextUpdate))
                        """, logger: logger)
                }
                for provisioner in snapshot.provisioners {
                    try await connection.query(
                        """
                        INSERT INTO provisioner (name, public_key, created_at)
                        VALUES (\(provisioner.name), \(provisioner.publicKey), \(provisioner.createdAt))
                        """, logger: logger)
                }
            }
        }
    }
}

/// Runs an operation with a deadline, without waiting for it to honour cancellation: a PostgreSQL connection pool
/// waits for a connection to an unreachable database indefinitely, and the caller must get an answer.
///
/// The operation runs in a task of its own; the deadline (and the probe's start) are callbacks scheduled on an
/// event loop of NIO's shared group (the one PostgresNIO runs on), cancelled when the operation finishes first: no
/// timer task and no sleeping task per operation.
enum Deadline {
    struct Expired: Error {}

    /// Whichever of the operation and the timers comes first resumes the caller, and cancels the timers left.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var waiting: CheckedContinuation<T, any Error>?
            var timers: [Scheduled<Void>] = []
        }
        private let state: Mutex<State>
        let work = Mutex<Task<Void, Never>?>(nil)

        init(_ continuation: CheckedContinuation<T, any Error>) {
            state = Mutex(State(waiting: continuation))
        }

        /// Resumes the caller with `result` unless it was resumed; returns whether this call did.
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (waiting, timers) = state.withLock { state in
                defer { state.timers.removeAll() }
                return (state.waiting.take(), state.timers)
            }
            for timer in timers { timer.cancel() }
            guard let waiting else { return false }
            waiting.resume(with: result)
            return true
        }

        /// Keeps `timer` for cancellation; cancels it at once when the caller was already resumed.
        func add(_ timer: Scheduled<Void>) {
            let finished = state.withLock { state in
                if state.waiting == nil { return true }
                state.timers.append(timer)
                return false
            }
            if finished { timer.cancel() }
        }

        /// Fails the caller with `error` (unless resumed) and cancels the operation.
        func expire(_ error: any Error) {
            if finish(.failure(error)) { work.withLock { $0 }?.cancel() }
        }
    }

    /// Runs `body`; fails with ``Expired`` after `timeout`, or with the error `probe` returns when run after
    /// `probeAfter` (a `nil` error lets the operation go on).
    static func run<T: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T,
        probeAfter: Duration? = nil, probe: (@Sendable () async -> (any Error)?)? = nil
    ) async throws -> T {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        return try await withCheckedThrowingContinuation { continuation in
            let race = Race<T>(continuation)
            let work = Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                _ = race.finish(result)
            }
            race.work.withLock { $0 = work }
            race.add(loop.scheduleTask(in: TimeAmount(timeout)) { race.expire(Expired()) })
            if let probeAfter, let probe, probeAfter < timeout {
                race.add(
                    loop.scheduleTask(in: TimeAmount(probeAfter)) {
                        Task {
                            if let error = await probe() { race.expire(error) }
                        }
                    })
            }
        }
    }
}
