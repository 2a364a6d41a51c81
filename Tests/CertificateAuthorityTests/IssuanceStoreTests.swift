import CertificateAuthority
import Foundation
import Synchronization
import TestSupport
import Testing

/// Which issuance store a parameterised test runs on.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }
}

/// One database, and a way to open more store instances on it: each instance is one CA "node".
struct StoreDatabase: Sendable {
    var kind: StoreKind
    /// The SQLite file or the PostgreSQL URL.
    var location: String
    /// The PostgreSQL database name (for psql checks).
    var databaseName: String?

    /// A new instance on the database (a second process, a second node).
    func open() throws -> any IssuanceStore {
        switch kind {
        case .sqlite: try SQLiteIssuanceStore(path: location)
        case .postgres: try PostgresIssuanceStore(url: location, environment: [:])
        }
    }
}

/// A fresh database of `kind`: a file in a temporary directory, or a new database on the shared test cluster.
func withStoreDatabase<T>(_ kind: StoreKind, _ body: (StoreDatabase) async throws -> T) async throws -> T {
    switch kind {
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            try await body(
                StoreDatabase(kind: .sqlite, location: directory.appendingPathComponent("issued.sqlite").path))
        }
    case .postgres:
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.makeDatabase()
        return try await body(StoreDatabase(kind: .postgres, location: cluster.url(database: name), databaseName: name))
    }
}

/// Opens `count` instances on `database`, runs `body`, closes them.
func withStores<T>(
    _ database: StoreDatabase, count: Int = 2, _ body: ([any IssuanceStore]) async throws -> T
) async throws -> T {
    let stores = try (0..<count).map { _ in try database.open() }
    do {
        let result = try await body(stores)
        for store in stores { await store.close() }
        return result
    } catch {
        for store in stores { await store.close() }
        throw error
    }
}

/// A fresh database of `kind` with two store instances (two CA nodes) on it, closed after `body`.
func withTwoStores<T>(
    _ kind: StoreKind, _ body: (any IssuanceStore, any IssuanceStore) async throws -> T
) async throws -> T {
    try await withStoreDatabase(kind) { database in
        try await withStores(database) { stores in try await body(stores[0], stores[1]) }
    }
}

/// Store kinds whose tests can run here: PostgreSQL when installed (always in CI, where its absence fails).
let runnableStoreKinds: [StoreKind] = PostgresCluster.testsEnabled ? StoreKind.allCases : [.sqlite]

private func record(
    _ store: any IssuanceStore, _ serial: String, subject: String = "CN=test", der: [UInt8]? = nil
) async throws -> Bool {
    let now = Date()
    return try await store.record(
        serial: serial, subject: subject, profile: "tls-server", notBefore: now,
        notAfter: now.addingTimeInterval(86_400), der: der ?? Array("certificate \(serial)".utf8))
}

@Suite("Issuance stores: the same invariants on SQLite and on PostgreSQL, across two instances (two nodes)")
struct IssuanceStoreTests {
    @Test(
        "A recorded certificate is found by serial and listed; a duplicate serial is refused by the database",
        arguments: runnableStoreKinds)
    func recordAndDuplicate(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            #expect(try await record(a, "0a01", subject: "CN=first", der: [1, 2, 3]))
            let found = try #require(try await b.certificate(serial: "0a01"))
            #expect(found.subject == "CN=first")
            #expect(found.profile == "tls-server")
            #expect(found.certificateDER == [1, 2, 3])
            #expect(!found.isRevoked)
            #expect(try await b.certificate(serial: "0a02") == nil)

            // The same serial through the other instance: refused, and the first record is unchanged.
            #expect(try await record(b, "0a01", subject: "CN=second", der: [9]) == false)
            #expect(try await a.certificate(serial: "0a01")?.certificateDER == [1, 2, 3])

            // Both instances race to record one serial many times: exactly one wins.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<16 {
                    group.addTask { try await record([a, b][index % 2], "0b0b", der: [UInt8(index)]) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await a.allCertificates().map(\.serialNumber).sorted() == ["0a01", "0b0b"])
        }
    }

    @Test(
        "Concurrent issuance through two instances records every certificate (group commit)",
        arguments: runnableStoreKinds)
    func concurrentRecords(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            let serials = (0..<200).map { String(format: "%04x", $0 + 0x1000) }
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, serial) in serials.enumerated() {
                    group.addTask { try await record([a, b][index % 2], serial) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 200 && results.allSatisfy { $0 })
            let listed = try await b.allCertificates().map(\.serialNumber)
            #expect(listed.sorted() == serials)
        }
    }

    @Test(
        "A revocation through instance A is visible through B at once; revoking twice or an unknown serial fails",
        arguments: runnableStoreKinds)
    func revocationAcrossInstances(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            #expect(try await record(a, "c001"))
            #expect(try await record(a, "c002"))
            let when = Date(timeIntervalSince1970: 1_800_000_000)
            let revoked = try await a.revoke(serial: "c001", reason: .keyCompromise, at: when)
            #expect(revoked.isRevoked && revoked.revocationReason == .keyCompromise)

            let seen = try #require(try await b.certificate(serial: "c001"))
            #expect(seen.revocationReason == .keyCompromise)
            #expect(abs((seen.revokedAt ?? .distantPast).timeIntervalSince(when)) < 0.001)
            #expect(try await b.certificate(serial: "c002")?.isRevoked == false)

            await #expect(throws: CertificateAuthorityError.alreadyRevoked) {
                try await b.revoke(serial: "c001", reason: .superseded, at: Date())
            }
            await #expect(throws: CertificateAuthorityError.notFound) {
                try await b.revoke(serial: "ffff", reason: .superseded, at: Date())
            }
            // Two nodes revoke one certificate at once: one succeeds, the other is told it is revoked.
            async let first = try? a.revoke(serial: "c002", reason: .superseded, at: Date())
            async let second = try? b.revoke(serial: "c002", reason: .cessationOfOperation, at: Date())
            let outcomes = await [first, second]
            #expect(outcomes.compactMap { $0 }.count == 1)
            let allocation = try await b.nextCRL()
            #expect(allocation.revoked.map(\.serialNumber).sorted() == ["c001", "c002"])
        }
    }

    @Test(
        "nextCRL from two instances at once: distinct numbers, strictly increasing on each, none skipped",
        arguments: runnableStoreKinds)
    func crlNumbersAcrossInstances(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            let perInstance = 15
            let sequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for store in [a, b] {
                    group.addTask {
                        var numbers: [Int64] = []
                        for _ in 0..<perInstance { numbers.append(try await store.nextCRL().number) }
                        return numbers
                    }
                }
                return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
            }
            for sequence in sequences {
                #expect(zip(sequence, sequence.dropFirst()).allSatisfy { $0 < $1 }, "\(sequence)")
            }
            let all = sequences.flatMap { $0 }.sorted()
            #expect(all == Array(1...Int64(2 * perInstance)))
        }
    }

    @Test("The latest CRL is shared: a newer number replaces it, an older one does not", arguments: runnableStoreKinds)
    func latestCRL(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            #expect(try await b.latestCRL() == nil)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let second = StoredCRL(number: 2, der: [2, 2], thisUpdate: now, nextUpdate: now + 3600)
            let first = StoredCRL(number: 1, der: [1], thisUpdate: now, nextUpdate: now + 3600)
            #expect(try await a.storeCRL(second))
            #expect(try await b.storeCRL(first) == false)
            let latest = try #require(try await b.latestCRL())
            #expect(latest.number == 2 && latest.der == [2, 2])
            #expect(abs(latest.nextUpdate.timeIntervalSince(now + 3600)) < 0.001)
            #expect(try await b.storeCRL(StoredCRL(number: 3, der: [3], thisUpdate: now, nextUpdate: now)))
            #expect(try await a.latestCRL()?.der == [3])
        }
    }

    @Test(
        "Provisioners: added once by name, listed, found and removed through either instance",
        arguments: runnableStoreKinds)
    func provisioners(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            let created = Date(timeIntervalSince1970: 1_800_000_000)
            let jwk = #"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
            #expect(try await a.addProvisioner(ProvisionerRecord(name: "ops", publicKey: jwk, createdAt: created)))
            #expect(
                try await b.addProvisioner(
                    ProvisionerRecord(name: "ci", publicKey: "-----BEGIN PUBLIC KEY-----", createdAt: created)))
            #expect(
                try await b.addProvisioner(ProvisionerRecord(name: "ops", publicKey: "other", createdAt: created))
                    == false)
            #expect(try await a.provisioners().map(\.name) == ["ci", "ops"])
            let ops = try #require(try await b.provisioner(named: "ops"))
            #expect(ops.publicKey == jwk)
            #expect(abs(ops.createdAt.timeIntervalSince(created)) < 0.001)
            #expect(try await b.removeProvisioner(named: "ops"))
            #expect(try await a.removeProvisioner(named: "ops") == false)
            #expect(try await a.provisioner(named: "ops") == nil)
        }
    }

    @Test("A token id is accepted once across instances; expired ids are purged", arguments: runnableStoreKinds)
    func tokenReplay(kind: StoreKind) async throws {
        try await withStoreDatabase(kind) { database in
            try await withStores(database, count: 3) { stores in
                let (a, b, c) = (stores[0], stores[1], stores[2])
                let later = Date().addingTimeInterval(300)
                #expect(try await a.consumeTokenID("jti-1", provisioner: "ops", expiresAt: later))
                #expect(try await b.consumeTokenID("jti-1", provisioner: "ops", expiresAt: later) == false)
                #expect(try await a.consumeTokenID("jti-1", provisioner: "ops", expiresAt: later) == false)
                // Another provisioner's token may carry the same id.
                #expect(try await b.consumeTokenID("jti-1", provisioner: "ci", expiresAt: later))

                // Many requests replay one token on both nodes at once: exactly one is accepted.
                let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            try await stores[index % 2].consumeTokenID("jti-race", provisioner: "ops", expiresAt: later)
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(accepted == 1)

                // An id whose expiry passed is purged (by an instance's first consume), and is then new again.
                let past = Date().addingTimeInterval(-60)
                #expect(try await b.consumeTokenID("jti-old", provisioner: "ops", expiresAt: past))
                #expect(try await c.consumeTokenID("jti-other", provisioner: "ops", expiresAt: later))
                #expect(try await b.consumeTokenID("jti-old", provisioner: "ops", expiresAt: later))
                // An unexpired one survives the purge.
                #expect(try await b.consumeTokenID("jti-1", provisioner: "ops", expiresAt: later) == false)
            }
        }
    }

    @Test(
        "A certificate and its token id land together: a replay or a taken serial writes neither, on either instance",
        arguments: runnableStoreKinds)
    func certificateWithToken(kind: StoreKind) async throws {
        try await withTwoStores(kind) { a, b in
            let now = Date()
            func certificate(_ serial: String) -> NewCertificateRecord {
                NewCertificateRecord(
                    serial: serial, subject: "CN=test", profile: "tls-server", notBefore: now,
                    notAfter: now.addingTimeInterval(86_400), der: Array(serial.utf8))
            }
            func token(_ id: String) -> OneTimeTokenID {
                OneTimeTokenID(provisioner: "ops", id: id, expiresAt: now.addingTimeInterval(300))
            }
            #expect(try await a.record(certificate("f001"), consumingToken: token("t1")) == .recorded)
            #expect(try await b.certificate(serial: "f001")?.certificateDER == Array("f001".utf8))
            // The token again, through the other instance: refused, and its certificate not recorded.
            #expect(try await b.record(certificate("f002"), consumingToken: token("t1")) == .tokenAlreadyUsed)
            #expect(try await a.certificate(serial: "f002") == nil)
            #expect(try await a.consumeTokenID("t1", provisioner: "ops", expiresAt: now + 300) == false)
            // A taken serial: nothing written, so the token is still unused and serves the next serial.
            #expect(try await b.record(certificate("f001"), consumingToken: token("t2")) == .serialInUse)
            #expect(try await a.record(certificate("f003"), consumingToken: token("t2")) == .recorded)

            // One token presented many times on both instances at once (one group commit may hold several):
            // exactly one certificate is recorded.
            let outcomes = try await withThrowingTaskGroup(of: RecordOutcome.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        try await [a, b][index % 2].record(
                            certificate(String(format: "f1%02x", index)), consumingToken: token("t3"))
                    }
                }
                return try await group.reduce(into: [RecordOutcome]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .recorded }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0 == .tokenAlreadyUsed }.count == 15, "\(outcomes)")
            #expect(try await a.allCertificates().count == 3)
            // A token's id is one table whichever way it is consumed.
            #expect(try await b.record(certificate("f004"), consumingToken: token("t3")) == .tokenAlreadyUsed)
            #expect(try await a.consumeTokenID("t5", provisioner: "ops", expiresAt: now + 300))
            #expect(try await b.record(certificate("f005"), consumingToken: token("t5")) == .tokenAlreadyUsed)
            #expect(try await a.allCertificates().count == 3)
        }
    }

    @Test("Schema migrations run twice and from several instances at once are safe", arguments: runnableStoreKinds)
    func migrationsAreIdempotent(kind: StoreKind) async throws {
        try await withStoreDatabase(kind) { database in
            // Several instances open a fresh database at the same moment, each bringing the schema up to date.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let store = try database.open()
                        if let postgres = store as? PostgresIssuanceStore { try await postgres.migrate() }
                        #expect(try await record(store, String(format: "d%03x", index)))
                        await store.close()
                    }
                }
                try await group.waitForAll()
            }
            // And again, on a database already up to date.
            try await withStores(database, count: 1) { stores in
                if let postgres = stores[0] as? PostgresIssuanceStore {
                    try await postgres.migrate()
                    try await postgres.migrate()
                }
                #expect(try await stores[0].allCertificates().count == 4)
            }
            if kind == .postgres, let name = database.databaseName {
                let versions = try await PostgresCluster.shared().psql(
                    "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", database: name)
                #expect(versions == "1")
            }
        }
    }

    @Test(
        "A snapshot restores into an empty store of either kind, and a non-empty store refuses it",
        arguments: runnableStoreKinds)
    func snapshotAndRestore(kind: StoreKind) async throws {
        try await withStoreDatabase(.sqlite) { source in
            try await withStoreDatabase(kind) { target in
                try await withStores(source, count: 1) { sources in
                    let from = sources[0]
                    #expect(try await record(from, "e001", der: [1]))
                    #expect(try await record(from, "e002", der: [2]))
                    _ = try await from.revoke(serial: "e002", reason: .keyCompromise, at: Date())
                    _ = try await from.nextCRL()
                    let now = Date()
                    try await from.storeCRL(StoredCRL(number: 1, der: [7], thisUpdate: now, nextUpdate: now))
                    _ = try await from.addProvisioner(ProvisionerRecord(name: "ops", publicKey: "k", createdAt: now))
                    let snapshot = try await from.snapshot()
                    #expect(!snapshot.isEmpty)
                    try await withStores(target, count: 1) { targets in
                        let to = targets[0]
                        #expect(try await to.snapshot().isEmpty)
                        try await to.restore(snapshot)
                        let copied = try await to.snapshot()
                        #expect(copied.certificates.map(\.serialNumber) == ["e001", "e002"])
                        #expect(copied.certificates.map(\.certificateDER) == [[1], [2]])
                        #expect(copied.certificates[1].revocationReason == .keyCompromise)
                        #expect(copied.crlNumber == 1)
                        #expect(copied.latestCRL?.der == [7])
                        #expect(copied.provisioners.map(\.name) == ["ops"])
                        #expect(try await to.nextCRL().number == 2)
                        await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                            try await to.restore(snapshot)
                        }
                    }
                }
            }
        }
    }

    @Test("A closed store fails with storageFailure, no crash", arguments: runnableStoreKinds)
    func closedStore(kind: StoreKind) async throws {
        try await withStoreDatabase(kind) { database in
            let store = try database.open()
            try await store.ping()
            await store.close()
            await #expect(throws: CertificateAuthorityError.storageFailure) { try await store.ping() }
            await #expect(throws: CertificateAuthorityError.storageFailure) { try await record(store, "aa") }
        }
    }
}
