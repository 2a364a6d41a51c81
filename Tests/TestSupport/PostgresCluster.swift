import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL cluster on 127.0.0.1, for tests: `initdb` into a temporary directory, `postgres` on a
/// free port, a database per test (``makeDatabase()``), and the cluster stopped and its directory removed when
/// the test process ends (or on ``stop()``).
///
/// - The binaries come from `$HPCS_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin` (Debian's `postgresql`).
/// - PostgreSQL refuses to run as root: as uid 0 every server command runs as the `postgres` user (`runuser -u
///   postgres --`) on a directory it owns.
/// - Authentication on loopback is `trust`, except for the role ``passwordUser`` (password ``password``,
///   `scram-sha-256`), which tests the password paths.
/// - A watchdog shell runs the server and stops it within a second of the test process's end, however that ends,
///   so a crashed test run leaves no server behind.
///
/// One cluster is shared per test process (``shared()``); a test that stops its server makes its own (``start()``).
package final class PostgresCluster: Sendable {
    /// The port the server listens on (127.0.0.1).
    package let port: Int
    /// The cluster's temporary directory (data directory and log inside).
    package let root: URL
    private let binDirectory: String
    private let watchdog: Mutex<Process?>
    private let counter = Mutex(0)

    /// The role that must log in with a password (scram-sha-256).
    package static let passwordUser = "hpcs_password"
    /// Its password.
    package static let password = "correct horse battery staple"

    /// The binaries' directory, or `nil` when PostgreSQL is not installed.
    package static let binDirectory: String? = {
        if let configured = ProcessInfo.processInfo.environment["HPCS_PG_BIN"], !configured.isEmpty {
            return FileManager.default.isExecutableFile(atPath: configured + "/initdb") ? configured : nil
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        return versions.map { "\(base)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }()

    /// Whether the tests can start a cluster. In CI (`CI` set) a PostgreSQL test never skips: it fails instead.
    package static var isInstalled: Bool { binDirectory != nil }

    /// Why PostgreSQL tests skip.
    package static let skipMessage =
        "PostgreSQL is not installed (apt-get install postgresql, or set HPCS_PG_BIN to its bin directory)"

    /// Whether PostgreSQL tests run: installed, or in CI (where a missing PostgreSQL is a failure).
    package static var testsEnabled: Bool { isInstalled || PythonInterpreter.isCI }

    package struct SetupError: Error, CustomStringConvertible {
        package var description: String
    }

    private static let sharedCluster = Mutex<Task<PostgresCluster, any Error>?>(nil)

    /// The cluster shared by every test in this process, started on first use.
    package static func shared() async throws -> PostgresCluster {
        let task = sharedCluster.withLock { task in
            if let task { return task }
            let started = Task { try await PostgresCluster.start() }
            task = started
            return started
        }
        return try await task.value
    }

    /// A URL for a new, empty database on the shared cluster, as the `postgres` superuser (trust).
    package static func makeDatabaseURL() async throws -> String {
        let cluster = try await shared()
        return cluster.url(database: try await cluster.makeDatabase())
    }

    /// Starts a new cluster of this test process's own.
    package static func start() async throws -> PostgresCluster {
        guard let binDirectory else { throw SetupError(description: skipMessage) }
        var lastError: (any Error)?
        // A free port can be taken between the probe and the server's bind: try a few.
        for _ in 0..<4 {
            do {
                return try await PostgresCluster(binDirectory: binDirectory)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? SetupError(description: "cannot start PostgreSQL")
    }

    private static var runsAsRoot: Bool { geteuid() == 0 }

    /// Runs a server binary, as `postgres` when we are root.
    private static func serverCommand(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        runsAsRoot ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
    }

    private init(binDirectory: String) async throws {
        self.binDirectory = binDirectory
        let root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("hpcs-pg-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.root = root
        if Self.runsAsRoot {
            try FileManager.default.setAttributes(
                [.ownerAccountName: "postgres", .posixPermissions: 0o700], ofItemAtPath: root.path)
        }
        let data = root.appendingPathComponent("data").path
        let (initdb, initArguments) = Self.serverCommand(
            binDirectory + "/initdb",
            ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"])
        let initialized = try await ChildProcess.run(initdb, initArguments, timeout: .seconds(120))
        guard initialized.status == 0 else {
            try? FileManager.default.removeItem(at: root)
            throw SetupError(description: "initdb failed (\(initialized.status)): \(initialized.text)")
        }
        let hba = """
            host all \(Self.passwordUser) 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 trust

            """
        let hbaPath = data + "/pg_hba.conf"
        try hba.write(toFile: hbaPath, atomically: false, encoding: .utf8)
        if Self.runsAsRoot {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: hbaPath)
        }

        let port = try closedLoopbackPort()
        self.port = port
        let log = root.appendingPathComponent("server.log").path
        // The watchdog: runs the server, stops it when the test process is gone, then removes the directory.
        let script = """
            "$1/postgres" -D "$2" -p "$3" -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
                -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB >"$4" 2>&1 &
            server=$!
            while [ -d "/proc/$5" ] && [ ! -e "$6/stop" ] && kill -0 "$server" 2>/dev/null; do sleep 0.2; done
            kill -INT "$server" 2>/dev/null
            wait "$server"
            [ -e "$6/keep" ] || rm -rf "$6"
            """
        let (shell, arguments) = Self.serverCommand(
            "/bin/sh", ["-c", script, "watchdog", binDirectory, data, String(port), log, String(getpid()), root.path])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.watchdog = Mutex(process)

        // Ready when pg_isready says so; a server that exited (its port taken) fails at once.
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let ready = try await ChildProcess.run(
                binDirectory + "/pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-t", "2"],
                timeout: .seconds(10))
            if ready.status == 0 { break }
            if !process.isRunning || ContinuousClock.now > deadline {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                stop()
                throw SetupError(description: "PostgreSQL did not start on port \(port): \(text.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await psql(
            "CREATE ROLE \(Self.passwordUser) LOGIN CREATEDB PASSWORD '\(Self.password)'", database: "postgres")
    }

    /// A URL for `database` as `user` (no password in it).
    package func url(database: String, user: String = "postgres") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// Creates a new empty database (owned by `owner`) and returns its name.
    package func makeDatabase(owner: String = "postgres") async throws -> String {
        let number = counter.withLock { value in
            value += 1
            return value
        }
        let name = "test_\(number)_\(UUID().uuidString.prefix(8).lowercased())"
        try await psql("CREATE DATABASE \(name) OWNER \(owner)", database: "postgres")
        return name
    }

    /// Runs `sql` with psql as the superuser; returns its unaligned, tuples-only output.
    @discardableResult
    package func psql(_ sql: String, database: String) async throws -> String {
        let output = try await ChildProcess.run(
            binDirectory + "/psql",
            [
                "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                "-X", "-q", "-A", "-t", "-c", sql,
            ],
            timeout: .seconds(60))
        guard output.status == 0 else {
            throw SetupError(description: "psql failed (\(output.status)) on \(sql): \(output.text)")
        }
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (fast shutdown) and removes its directory; waits up to 30 seconds.
    package func stop() {
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("stop").path, contents: nil)
        guard let process = watchdog.withLock({ $0 }) else { return }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(50_000) }
    }
}
