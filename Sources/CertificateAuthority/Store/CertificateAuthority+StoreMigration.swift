public import Foundation
public import Logging

/// What ``CertificateAuthority/migrateStore(directory:to:environment:logger:)`` did.
public enum StoreMigrationOutcome: Sendable, Hashable {
    /// The records were copied and the directory switched to the database.
    case copied(certificates: Int, provisioners: Int, crlNumber: Int64)
    /// An earlier run had copied the records but stopped before switching the directory: it was switched now.
    case resumed(certificates: Int)
    /// The directory already used that database: nothing was done.
    case alreadyMigrated
}

extension CertificateAuthority {
    /// Copies the SQLite issuance store of the CA in `directory` (every certificate with its revocation, the CRL
    /// number, the latest CRL and the provisioners) into the empty PostgreSQL database at `url`, then records the
    /// database in `ca-config.json` so that every later run uses it. `issued.sqlite` is left as it was, as a
    /// backup. No HSM is needed.
    ///
    /// Stop every process using the directory first: a certificate issued after the copy would stay behind.
    ///
    /// Idempotent and crash-safe:
    /// - the copy is one PostgreSQL transaction, which refuses a database already holding records: a crash before
    ///   its commit leaves the database empty, and a run again starts over;
    /// - the switch is an atomic rename of `ca-config.json` after that commit: a crash between the two leaves a
    ///   database holding exactly the SQLite records and a directory still on SQLite, and a run again finds them
    ///   equal and only switches (``StoreMigrationOutcome/resumed(certificates:)``);
    /// - a run after the switch finds the directory on that database and does nothing
    ///   (``StoreMigrationOutcome/alreadyMigrated``).
    ///
    /// - Throws: ``CertificateAuthorityError/Code/alreadyInitialized`` when the database holds other records or
    ///   the directory already uses another database; ``CertificateAuthorityError/Code/notInitialized`` when the
    ///   directory holds no CA; ``CertificateAuthorityError/Code/storageFailure`` when a database fails.
    public static func migrateStore(
        directory: URL,
        to url: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "hpcs.ca", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> StoreMigrationOutcome {
        let target = try PostgresIssuanceStore.Configuration(url: url, environment: environment)
        let configurationPath = directory.appendingPathComponent("ca-config.json").path
        let sqlitePath = directory.appendingPathComponent("issued.sqlite").path
        guard FileIO.exists(directory.appendingPathComponent("ca-key.blob").path) else {
            throw CertificateAuthorityError(code: .notInitialized, message: "\(directory.path) holds no CA key")
        }
        var configuration =
            FileIO.exists(configurationPath)
            ? try StoredConfiguration.read(configurationPath) : StoredConfiguration(rsaSignatureScheme: .pkcs1v1_5)
        if let current = configuration.database {
            let recorded = try PostgresIssuanceStore.Configuration(url: current, password: nil)
            guard recorded.url == target.url else {
                throw CertificateAuthorityError(
                    code: .alreadyInitialized,
                    message: "\(directory.path) already keeps its records in \(recorded.description)")
            }
            return .alreadyMigrated
        }
        guard FileIO.exists(sqlitePath) else {
            throw CertificateAuthorityError(
                code: .notInitialized, message: "\(directory.path) has no issuance database (issued.sqlite)")
        }
        let source = try SQLiteIssuanceStore(path: sqlitePath)
        let destination = try PostgresIssuanceStore(configuration: target, logger: logger)
        let outcome: StoreMigrationOutcome
        do {
            let snapshot = try await source.snapshot()
            try await destination.migrate()
            do {
                try await destination.restore(snapshot)
                outcome = .copied(
                    certificates: snapshot.certificates.count, provisioners: snapshot.provisioners.count,
                    crlNumber: snapshot.crlNumber)
            } catch let error as CertificateAuthorityError where error.code == .alreadyInitialized {
                // A run that stopped after the copy's commit: the database holds exactly these records.
                guard StoreDigest(try await destination.snapshot()) == StoreDigest(snapshot) else {
                    throw CertificateAuthorityError(
                        code: .alreadyInitialized,
                        message: "\(target.description) already holds other records: migrate into an empty database")
                }
                outcome = .resumed(certificates: snapshot.certificates.count)
            }
        } catch {
            await source.close()
            await destination.close()
            throw error
        }
        await source.close()
        await destination.close()
        configuration.database = target.url
        try configuration.write(configurationPath)
        logger.info(
            "issuance store migrated",
            metadata: ["hpcs.ca.database": "\(target.description)", "hpcs.ca.outcome": "\(outcome)"])
        return outcome
    }
}

/// What two snapshots must share to hold the same records: dates are left out (PostgreSQL keeps microseconds,
/// SQLite a double), every identity and state is in.
struct StoreDigest: Equatable {
    struct Certificate: Hashable {
        var serial: String
        var der: [UInt8]
        var revoked: Bool
        var reason: Int?
    }
    var certificates: Set<Certificate>
    var crlNumber: Int64
    var latestCRL: [UInt8]?
    var provisioners: [String: String]

    init(_ snapshot: IssuanceStoreSnapshot) {
        certificates = Set(
            snapshot.certificates.map {
                Certificate(
                    serial: $0.serialNumber, der: $0.certificateDER, revoked: $0.isRevoked,
                    reason: $0.revocationReason?.rawValue)
            })
        crlNumber = snapshot.crlNumber
        latestCRL = snapshot.latestCRL?.der
        provisioners = Dictionary(
            snapshot.provisioners.map { ($0.name, $0.publicKey) }, uniquingKeysWith: { a, _ in a })
    }
}
