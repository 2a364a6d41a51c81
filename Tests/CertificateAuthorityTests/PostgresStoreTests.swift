import CertificateAuthority
import EP11
import Foundation
import HSMMock
import TestSupport
import Testing
import X509

extension Trait where Self == ConditionTrait {
    /// Runs where PostgreSQL is installed, and always in CI (where its absence fails).
    fileprivate static var postgreSQL: Self {
        .enabled(if: PostgresCluster.testsEnabled, "PostgreSQL is not installed (apt-get install postgresql)")
    }

    /// Runs where PostgreSQL and the built hpcs-tool are there, and always in CI.
    fileprivate static var postgreSQLAndTool: Self {
        .enabled(
            if: PostgresCluster.testsEnabled && HPCSTool.isBuilt
                || PythonInterpreter.isCI, "PostgreSQL or .build/debug/hpcs-tool missing")
    }
}

/// A new database owned by the cluster's password user, and the URL that logs in as that user (with no password).
private func passwordUserDatabase() async throws -> (cluster: PostgresCluster, name: String, url: String) {
    let cluster = try await PostgresCluster.shared()
    let name = try await cluster.makeDatabase(owner: PostgresCluster.passwordUser)
    return (cluster, name, cluster.url(database: name, user: PostgresCluster.passwordUser))
}

/// Runs `body` with a store on `url` (`environment` in place of the process's) and closes the store after it, also
/// when it throws.
private func withPostgresStore<T>(
    _ url: String, environment: [String: String] = [:], _ body: (PostgresIssuanceStore) async throws -> T
) async throws -> T {
    let store = try PostgresIssuanceStore(url: url, environment: environment)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

@Suite("PostgreSQL issuance store: URLs and passwords, an unreachable database, two CA nodes, ca init and migrate")
struct PostgresStoreTests {
    // MARK: Configuration

    @Test("Database URLs: TLS required off loopback, strict parameters, the password never in the recorded URL")
    func configuration() throws {
        let remote = try PostgresIssuanceStore.Configuration(
            url: "postgres://ca@db.example:6432/issuance", password: nil)
        #expect(remote.tls == .verifyFull)
        #expect(remote.port == 6432 && remote.database == "issuance" && remote.username == "ca")
        let loopback = try PostgresIssuanceStore.Configuration(url: "postgresql://ca@127.0.0.1/ca", password: nil)
        #expect(loopback.tls == .disable && loopback.port == 5432)
        #expect(try PostgresIssuanceStore.Configuration(url: "postgres://ca@[::1]/ca", password: nil).tls == .disable)
        #expect(
            try PostgresIssuanceStore.Configuration(url: "postgres://ca@127.0.0.1/ca?sslmode=require", password: nil)
                .tls == .verifyFull)
        #expect(
            try PostgresIssuanceStore.Configuration(url: "postgres://ca@db.example/ca?sslmode=verify-ca", password: nil)
                .tls == .verifyCA)

        let secret = "s3cr%40t"
        let withPassword = try PostgresIssuanceStore.Configuration(
            url: "postgres://ca:\(secret)@db.example/ca?sslrootcert=/etc/ca.pem&connect_timeout=3", password: nil)
        #expect(withPassword.password == "s3cr@t")
        #expect(!withPassword.url.contains("s3cr"))
        #expect(!withPassword.description.contains("s3cr"))
        #expect(withPassword.rootCertificatePath == "/etc/ca.pem")
        #expect(withPassword.operationTimeout == .seconds(3))
        #expect(try PostgresIssuanceStore.Configuration(url: withPassword.url, password: nil).url == withPassword.url)

        for bad in [
            "postgres://ca@db.example/ca?sslmode=disable", "postgres://ca@db.example/ca?sslmode=prefer",
            "postgres://ca@10.0.0.1/ca?sslmode=allow", "postgres://ca@127.0.0.1.example/ca?sslmode=disable",
            "postgres://ca@127.0.0.1/ca?sslmode=bogus", "postgres://ca@127.0.0.1/ca?application_name=x",
            "postgres://ca@127.0.0.1/ca?sslmode=disable&sslmode=disable", "postgres://127.0.0.1/ca",
            "postgres://ca@127.0.0.1/", "http://ca@127.0.0.1/ca", "postgres://ca@127.0.0.1:0/ca",
            "postgres://ca@127.0.0.1/ca?connect_timeout=0", "not a url",
        ] {
            #expect(throws: CertificateAuthorityError.malformedInput, "\(bad)") {
                try PostgresIssuanceStore.Configuration(url: bad, password: nil)
            }
        }
        do {
            _ = try PostgresIssuanceStore.Configuration(
                url: "postgres://ca:hunter2@db.example/ca?sslmode=disable", password: nil)
            Issue.record("plain text to a remote host was accepted")
        } catch let error as CertificateAuthorityError {
            #expect(error.message.contains("TLS is required"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test(
        "Password: from the URL, HPCS_CA_DATABASE_PASSWORD or a 0600 file; none or a wrong one fails clearly",
        .postgreSQL)
    func passwords() async throws {
        let url = try await passwordUserDatabase().url
        let password = PostgresCluster.password

        func ping(_ url: String, _ environment: [String: String]) async throws {
            try await withPostgresStore(url, environment: environment) { try await $0.ping() }
        }
        // From the environment, from a file, from the URL.
        try await ping(url, ["HPCS_CA_DATABASE_PASSWORD": password])
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("password").path
            _ = FileManager.default.createFile(
                atPath: file, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
            try await ping(url, ["HPCS_CA_DATABASE_PASSWORD_FILE": file])
            // Readable by others: refused before any connection.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            #expect(throws: CertificateAuthorityError.storageFailure) {
                try PostgresIssuanceStore.Configuration(url: url, environment: ["HPCS_CA_DATABASE_PASSWORD_FILE": file])
            }
            #expect(throws: CertificateAuthorityError.malformedInput) {
                try PostgresIssuanceStore.Configuration(
                    url: url, environment: ["HPCS_CA_DATABASE_PASSWORD_FILE": file, "HPCS_CA_DATABASE_PASSWORD": "x"])
            }
        }
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        try await ping(
            url.replacingOccurrences(
                of: "\(PostgresCluster.passwordUser)@", with: "\(PostgresCluster.passwordUser):\(encoded)@"), [:])

        // No password: the server asks for one, and the message says where to put it.
        do {
            try await ping(url, [:])
            Issue.record("a login without a password succeeded")
        } catch let error as CertificateAuthorityError {
            #expect(error.code == .storageFailure)
            #expect(error.message.contains("HPCS_CA_DATABASE_PASSWORD"), "\(error.message)")
        }
        // A wrong one: the server's refusal, and the wrong password appears nowhere.
        do {
            try await ping(url, ["HPCS_CA_DATABASE_PASSWORD": "wrong-Pa55word"])
            Issue.record("a wrong password was accepted")
        } catch let error as CertificateAuthorityError {
            #expect(error.code == .storageFailure)
            #expect(error.message.contains("password authentication failed"), "\(error.message)")
            #expect(!error.description.contains("wrong-Pa55word"))
            #expect(!String(reflecting: error).contains("wrong-Pa55word"))
        }
    }

    // MARK: Database down

    @Test("Nothing listening: storageFailure within the timeout, naming the database, no crash")
    func unreachable() async throws {
        let port = try closedLoopbackPort()
        try await withPostgresStore("postgres://postgres@127.0.0.1:\(port)/ca?connect_timeout=2") { store in
            let started = ContinuousClock.now
            do {
                try await store.ping()
                Issue.record("ping succeeded with nothing listening")
            } catch let error as CertificateAuthorityError {
                #expect(error.code == .storageFailure)
                #expect(error.message.contains("127.0.0.1:\(port)/ca"), "\(error.message)")
            }
            await #expect(throws: CertificateAuthorityError.storageFailure) {
                try await store.record(
                    serial: "01", subject: "CN=x", profile: "tls-server", notBefore: Date(), notAfter: Date(), der: [1])
            }
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test(
        "A database that never answers: every record fails at its deadline, also those queued behind a batch given up",
        .timeLimit(.minutes(1)))
    func silentDatabase() async throws {
        let listener = try ConnectionCountingListener()
        try await withPostgresStore("postgres://postgres@127.0.0.1:\(listener.port)/ca?connect_timeout=1") { store in
            let started = ContinuousClock.now
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<3 {
                    group.addTask {
                        // The second and third arrive while the first batch waits, and queue behind it.
                        if index > 0 { try? await Task.sleep(for: .milliseconds(300)) }
                        do {
                            _ = try await store.record(
                                serial: "0\(index)", subject: "CN=x", profile: "tls-server", notBefore: Date(),
                                notAfter: Date(), der: [1])
                            return "recorded"
                        } catch let error as CertificateAuthorityError {
                            // At the deadline, or a moment later when the direct connection attempt beside it times
                            // out first.
                            return error.code == .storageFailure
                                && error.message.contains("127.0.0.1:\(listener.port)/ca")
                                && (error.message.contains("did not answer within 1 s")
                                    || error.message.contains("Connect timeout"))
                                ? "timed out" : error.message
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes == ["timed out", "timed out", "timed out"])
            #expect(listener.acceptedConnections() > 0)
            #expect(ContinuousClock.now - started < .seconds(40))
        }
    }

    @Test(
        "The database stops under a running CA: issuance and health fail with storageFailure, and recover",
        .postgreSQL)
    func databaseGoesDown() async throws {
        let cluster = try await PostgresCluster.start()
        defer { cluster.stop() }
        let name = try await cluster.makeDatabase()
        // Room for the first connection and the migrations on a busy machine; once the database is down, the
        // direct connection attempt two seconds into an operation fails it (connection refused), not the deadline.
        try await withPostgresStore(cluster.url(database: name) + "?connect_timeout=15") { store in
            try await withEmptyCA(store: store) { ca, _, directory in
                try await ca.createRoot(subject: try DistinguishedName { CommonName("Down Test Root") })
                let csr = try await opensslCSR(.p256, in: directory)
                let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
                #expect(try await ca.issuedCertificate(serialNumber: issued.serialNumber).certificateDER == issued.der)

                cluster.stop()
                do {
                    _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
                    Issue.record("issued with the database down")
                } catch let error as CertificateAuthorityError {
                    #expect(error.code == .storageFailure)
                    #expect(error.message.contains("issuance database"), "\(error.message)")
                }
                await #expect(throws: CertificateAuthorityError.storageFailure) { try await store.ping() }
                await #expect(throws: CertificateAuthorityError.storageFailure) {
                    try await ca.revoke(serialNumber: issued.serialNumber)
                }
            }
        }
    }

    // MARK: Two CA nodes

    @Test(
        "Two CA nodes on one database: concurrent issuance, revocation on A in B's CRL, increasing CRL numbers",
        .postgreSQL)
    func twoNodes() async throws {
        let url = try await PostgresCluster.makeDatabaseURL()
        try await withPostgresStore(url) { storeA in
            try await withPostgresStore(url) { storeB in
                try await withMockHSM { client in
                    try await withTemporaryDirectory { directory in
                        let nodeA = try CertificateAuthority(
                            directory: directory.appendingPathComponent("a"), client: client, store: storeA)
                        try await nodeA.createRoot(subject: try DistinguishedName { CommonName("Two Node Root") })
                        // Node B: the same key blob and chain (as a second machine would have), its own store instance.
                        let b = directory.appendingPathComponent("b")
                        try FileManager.default.copyItem(at: directory.appendingPathComponent("a"), to: b)
                        let nodeB = try CertificateAuthority(directory: b, client: client, store: storeB)
                        #expect(await nodeB.databaseURL == storeB.configuration.url)

                        let csr = try await opensslCSR(.p256, in: directory)
                        let issued = try await withThrowingTaskGroup(of: IssuedCertificate.self) { group in
                            for index in 0..<12 {
                                let node = index % 2 == 0 ? nodeA : nodeB
                                group.addTask { try await node.sign(csrPEMOrDER: csr, profile: .tlsServer) }
                            }
                            return try await group.reduce(into: [IssuedCertificate]()) { $0.append($1) }
                        }
                        let serials = Set(issued.map(\.serialNumber))
                        #expect(serials.count == 12)
                        #expect(Set(try await nodeB.issuedCertificates().map(\.serialNumber)) == serials)

                        let revoked = try #require(issued.first?.serialNumber)
                        try await nodeA.revoke(serialNumber: revoked, reason: .keyCompromise)
                        let crlB = try await nodeB.generateCRL()
                        #expect(crlB.revokedSerialNumbers == [revoked])
                        let crlA = try await nodeA.generateCRL()
                        #expect(crlA.number > crlB.number)
                        // Both nodes serve the newest CRL.
                        #expect(try await nodeB.latestCRL()?.der == crlA.der)
                        #expect(try await nodeA.latestCRL()?.number == crlA.number)
                    }
                }
            }
        }
    }

    // MARK: Command line

    @Test(
        "ca init --database records the URL without password, refuses a used database, and issues into PostgreSQL",
        .postgreSQLAndTool)
    func initWithDatabase() async throws {
        let (cluster, name, url) = try await passwordUserDatabase()
        let environment = ["HPCS_CA_DATABASE_PASSWORD": PostgresCluster.password]
        try await withTemporaryDirectory { directory in
            try await runHPCSTool(
                ["ca", "init", "--mock", "--dir", "ca", "--subject", "CN=PG Root", "--database", url],
                in: directory, environment: environment
            ).expectStatus(0)
            let configuration = try String(
                contentsOf: directory.appendingPathComponent("ca/ca-config.json"), encoding: .utf8)
            #expect(configuration.contains(#""database""#) && configuration.contains(name), "\(configuration)")
            #expect(!configuration.contains(PostgresCluster.password))

            try await writeLeafCSR(in: directory)
            try await runHPCSTool(
                ["ca", "sign", "--mock", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server"],
                in: directory, environment: environment
            ).expectStatus(0)
            let count = try await cluster.psql("SELECT COUNT(*) FROM certificate", database: name)
            #expect(count == "1")
            // No SQLite store was made beside it.
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca/issued.sqlite").path))

            // Without the password the next command fails clearly, and does not crash.
            try await runHPCSTool(["ca", "list", "--mock", "--dir", "ca"], in: directory).expectStatus(
                1, printing: "HPCS_CA_DATABASE_PASSWORD")

            // The same database for a second CA: refused before any key is made.
            try await runHPCSTool(
                ["ca", "init", "--mock", "--dir", "other", "--subject", "CN=Other Root"], in: directory,
                environment: environment.merging(["HPCS_CA_DATABASE": url]) { a, _ in a }
            ).expectStatus(1, printing: "already holds a CA's records")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other/ca-key.blob").path))
        }
    }

    @Test(
        "ca migrate copies a CLI-made SQLite CA into PostgreSQL, every record kept; again does nothing",
        .postgreSQLAndTool)
    func migrateFromCLI() async throws {
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.makeDatabase()
        let url = cluster.url(database: name)
        try await withTemporaryDirectory { directory in
            var result = try await runHPCSTool(
                ["ca", "init", "--mock", "--dir", "ca", "--subject", "CN=Migrated Root"], in: directory
            ).expectStatus(0)
            try await writeLeafCSR(in: directory)
            var serials: [String] = []
            for _ in 0..<3 {
                result = try await runHPCSTool(
                    ["ca", "sign", "--mock", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server"],
                    in: directory
                ).expectStatus(0)
                let line = try #require(result.text.split(separator: "\n").first { $0.hasPrefix("issued serial ") })
                serials.append(String(line.split(separator: " ")[2]))
            }
            result = try await runHPCSTool(
                ["ca", "revoke", "--mock", "--dir", "ca", "--serial", serials[1], "--reason", "key-compromise"],
                in: directory
            ).expectStatus(0)
            result = try await runHPCSTool(["ca", "crl", "--mock", "--dir", "ca", "--out", "crl1.pem"], in: directory)
                .expectStatus(0)
            let sqlitePath = directory.appendingPathComponent("ca/issued.sqlite").path
            let sqlite = try SQLiteIssuanceStore(path: sqlitePath)
            _ = try await sqlite.addProvisioner(
                ProvisionerRecord(name: "ops", publicKey: #"{"kty":"EC"}"#, createdAt: Date()))
            let before = try await sqlite.snapshot()
            await sqlite.close()

            result = try await runHPCSTool(["ca", "migrate", "--dir", "ca", "--database", url], in: directory)
                .expectStatus(0, printing: "copied 3 certificates, 1 provisioners and CRL number 1")

            let after = try await withPostgresStore(url) { try await $0.snapshot() }
            #expect(after.certificates.map(\.serialNumber).sorted() == before.certificates.map(\.serialNumber).sorted())
            #expect(Set(after.certificates.map(\.certificateDER)) == Set(before.certificates.map(\.certificateDER)))
            #expect(after.certificates.filter(\.isRevoked).map(\.serialNumber) == [serials[1]])
            #expect(after.certificates.first { $0.isRevoked }?.revocationReason == .keyCompromise)
            #expect(after.crlNumber == 1)
            #expect(after.latestCRL?.der == before.latestCRL?.der && after.latestCRL != nil)
            #expect(after.provisioners.map(\.publicKey) == [#"{"kty":"EC"}"#])

            // Again: nothing to do. The CA now works on PostgreSQL, its CRL numbers going on.
            result = try await runHPCSTool(["ca", "migrate", "--dir", "ca", "--database", url], in: directory)
            #expect(result.status == 0 && result.text.contains("nothing to do"), "\(result.text)")
            result = try await runHPCSTool(["ca", "list", "--mock", "--dir", "ca"], in: directory).expectStatus(0)
            for serial in serials { #expect(result.text.contains(serial), "\(result.text)") }
            result = try await runHPCSTool(["ca", "crl", "--mock", "--dir", "ca", "--out", "crl2.pem"], in: directory)
                .expectStatus(0)
            #expect(try await cluster.psql("SELECT number FROM crl_state", database: name) == "2")
            // A second, different database is refused.
            result = try await runHPCSTool(
                ["ca", "migrate", "--dir", "ca", "--database", cluster.url(database: "elsewhere")], in: directory)
            #expect(result.status == 1 && result.text.contains("already keeps its records"), "\(result.text)")
        }
    }

    @Test(
        "migrateStore resumes after a crash between the copy and the switch, and refuses a database with other records",
        .postgreSQL)
    func migrateResumesAndRefuses() async throws {
        try await withEmptyCA(in: "ca") { ca, client, directory in
            let caDirectory = directory.appendingPathComponent("ca")
            try await ca.createRoot(subject: try DistinguishedName { CommonName("Resume Root") })
            let csr = try await opensslCSR(.p256, in: directory)
            _ = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let snapshot = try await ca.store.snapshot()
            await ca.store.close()

            // The copy committed, then the process died: the database holds exactly the records.
            let url = try await PostgresCluster.makeDatabaseURL()
            try await withPostgresStore(url) { try await $0.restore(snapshot) }
            let outcome = try await CertificateAuthority.migrateStore(
                directory: caDirectory, to: url, environment: [:])
            #expect(outcome == .resumed(certificates: 1))
            #expect(
                try await CertificateAuthority.migrateStore(directory: caDirectory, to: url, environment: [:])
                    == .alreadyMigrated)
            let reopened = try CertificateAuthority.openStore(directory: caDirectory, environment: [:])
            #expect(reopened is PostgresIssuanceStore)
            #expect(try await reopened.allCertificates().count == 1)
            await reopened.close()

            // Another CA directory into that (non-empty) database: refused, and left on SQLite.
            let other = directory.appendingPathComponent("other")
            let second = try CertificateAuthority(directory: other, client: client)
            try await second.createRoot(subject: try DistinguishedName { CommonName("Other Root") })
            await second.store.close()
            await #expect(throws: CertificateAuthorityError.alreadyInitialized) {
                try await CertificateAuthority.migrateStore(directory: other, to: url, environment: [:])
            }
            #expect(try CertificateAuthority.openStore(directory: other, environment: [:]) is SQLiteIssuanceStore)
        }
    }
}
