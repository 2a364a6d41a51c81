import AsyncHTTPClient
import CertificateAuthority
import CertificateAuthorityServer
import Crypto
import EP11
import Foundation
import HSMMock
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import Synchronization
import TestSupport
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The CA as an HTTP service: certificates per second and p50/p99 through `POST /1.0/sign` (a fresh ES256 one-time
/// token per request, minted by the requester), with 1 and 2 nodes on one PostgreSQL database (started for the run)
/// and 1 node on SQLite, at 8 and 64 concurrent requesters. Beside, in the same run: `openssl speed ecdsap256`'s
/// 1/(1/sign + 1/verify) (the cryptographic floor of one issuance) and the in-process `CertificateAuthority.sign`
/// rate on SQLite (today's CLI path), which the targets are stated against.
///
/// All nodes, the HSM mock (in process) and the requesters share this machine's cores, and the service listens on
/// loopback without TLS (connections are kept alive, so TLS would cost a handshake per connection, not per request).
enum CAServiceBench {
    static let requesterCounts = [8, 64]
    static let csrCount = 64

    struct Setup: CustomStringConvertible {
        var store: String
        var nodes: Int
        var description: String { "\(store) x\(nodes) node\(nodes == 1 ? "" : "s")" }
    }

    /// With `nodeCPU`, also 1 and 2 node processes each in a CPU group of that many cores
    /// (``measureCapped(nodeCPU:cluster:key:requests:directory:seconds:accounts:)``).
    static func run(seconds: Double, nodeCPU: Double? = nil) async throws {
        if let nodeCPU {
            // Refused before anything is measured when no CPU controller can be written.
            try CPUGroup.create(name: "hpcs-bench-probe-\(getpid())", cpus: nodeCPU).remove()
        }
        print("")
        print("CA service: certificates issued per second through POST /1.0/sign over HTTP (P-256 CA key in the")
        print("in-process HSM mock, P-256 CSRs prepared beforehand, one ES256 token minted per request)")
        let floor = OpenSSLBaseline.issuanceFloor(seconds: seconds)
        let requests = try makeRequests(count: csrCount)
        let key = P256.Signing.PrivateKey()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hpcs-bench-ca-service-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let cluster: PostgresCluster?
        do {
            cluster = try await PostgresCluster.start()
        } catch {
            print("PostgreSQL: not available (\(error)); PostgreSQL rows skipped")
            cluster = nil
        }
        defer { cluster?.stop() }

        var rows: [Row] = []
        var accounts: [String] = []
        var inProcess: Double?
        try await HSMMock().withClient { client in
            // Today's CLI path, in process on SQLite, 8 callers: the reference for "one node over HTTP ≥ 50 %".
            let directory = root.appendingPathComponent("in-process")
            let ca = try CertificateAuthority(directory: directory, client: client)
            try await ca.createRoot(
                subject: try CertificateParsing.distinguishedName("CN=hpcs-bench service CA"), keyType: .p256)
            let calls = Counter()
            let cpuBefore = CPUSample.take(postgresRoot: nil)
            let result = try await Measurement.run(seconds: seconds, callers: 8) {
                let request = requests[Int.random(in: 0..<requests.count)]
                _ = calls.increment()
                _ = try await ca.sign(csrPEMOrDER: Array(request.pem.utf8), profile: .tlsServer)
            }
            accounts.append(
                "in process (CLI path), 8 callers: "
                    + CPUSample.take(postgresRoot: nil).since(cpuBefore, operations: calls.value))
            inProcess = result.opsPerSecond
            rows.append(
                Row(
                    operation: "CA sign, in process (CLI path)", transport: "SQLite", callers: 8, result: result,
                    baselineName: "openssl 1/(1/sign+1/verify)", baseline: floor))

            var setups = [Setup(store: "SQLite", nodes: 1)]
            if cluster != nil {
                setups += [Setup(store: "PostgreSQL", nodes: 1), Setup(store: "PostgreSQL", nodes: 2)]
            }
            for setup in setups {
                let databaseURL: String?
                if let cluster, setup.store == "PostgreSQL" {
                    databaseURL = cluster.url(database: try await cluster.makeDatabase())
                } else {
                    databaseURL = nil
                }
                rows += try await measure(
                    setup, postgresRoot: setup.store == "PostgreSQL" ? cluster?.root : nil, accounts: &accounts,
                    client: client, databaseURL: databaseURL, key: key, requests: requests,
                    directory: root.appendingPathComponent("\(setup.store)-\(setup.nodes)"), seconds: seconds,
                    baseline: inProcess)
            }
        }
        if let nodeCPU, let cluster {
            rows += try await measureCapped(
                nodeCPU: nodeCPU, cluster: cluster, key: key, requests: requests,
                directory: root.appendingPathComponent("capped"), seconds: seconds, accounts: &accounts)
        }
        print(Row.header.replacingOccurrences(of: "  ops/s", with: "certs/s"))
        for row in rows { print(row.line) }
        print("CPU per certificate by process (this process: nodes, HSM mock and requesters; PostgreSQL: its")
        print("server processes), the machine's busy share, and the nodes' mean latency per call from /metrics:")
        for account in accounts { print("  " + account) }
        func rate(_ transport: String, _ callers: Int) -> Double? {
            rows.first { $0.transport == transport && $0.callers == callers }?.result.opsPerSecond
        }
        for callers in requesterCounts {
            if let one = rate("PostgreSQL x1 node", callers), let two = rate("PostgreSQL x2 nodes", callers) {
                print(
                    String(
                        format: "target: 2 nodes on PostgreSQL ≥ 1.6x one node (%d requesters): %.2fx: %@", callers,
                        two / one, (two / one >= 1.6 ? "met" : "not met") as NSString))
            }
            if let one = rate("SQLite x1 node", callers), let inProcess {
                print(
                    String(
                        format: "target: one node over HTTP ≥ 50%% of the in-process CLI rate (%d requesters): "
                            + "%.0f%%: %@", callers, one / inProcess * 100,
                        (one / inProcess >= 0.5 ? "met" : "not met") as NSString))
            }
        }
        if let nodeCPU {
            let suffix = String(format: ", %.2g CPU each", nodeCPU)
            for callers in requesterCounts {
                if let one = rate("PostgreSQL x1 node" + suffix, callers),
                    let two = rate("PostgreSQL x2 nodes" + suffix, callers)
                {
                    print(
                        String(
                            format: "capped: 2 node processes vs 1 at %.2g CPU per node, PostgreSQL (%d requesters): "
                                + "%.2fx: %@", nodeCPU, callers, two / one,
                            (two / one >= 1.6 ? "1.6x met" : "1.6x not met") as NSString))
                }
            }
            print("(capped: each node a process of its own in a CPU cgroup with that quota, reaching the HSM mock over")
            print(" HTTP/2 on loopback, as a node on a small machine of its own; the HSM mock, PostgreSQL and the")
            print(" requesters are outside the quotas.)")
        }
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores shared by every node, the HSM mock, the database")
        print(" and the requesters: a second node adds no core here, so the 2-node figure measures contention.)")
    }

    static func measure(
        _ setup: Setup,
        postgresRoot: URL?,
        accounts: inout [String],
        client: EP11Client,
        databaseURL: String?,
        key: P256.Signing.PrivateKey,
        requests: [Request],
        directory: URL,
        seconds: Double,
        baseline: Double?
    ) async throws -> [Row] {
        func openStore(_ nodeDirectory: URL) throws -> any IssuanceStore {
            if let databaseURL { return try PostgresIssuanceStore(url: databaseURL, environment: [:]) }
            return try SQLiteIssuanceStore(path: nodeDirectory.appendingPathComponent("issued.sqlite").path)
        }
        let first = directory.appendingPathComponent("node0")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        var stores = [try openStore(first)]
        let rootCA = try CertificateAuthority(directory: first, client: client, store: stores[0])
        try await rootCA.createRoot(
            subject: try CertificateParsing.distinguishedName("CN=hpcs-bench service CA"), keyType: .p256)
        _ = try await stores[0].addProvisioner(
            ProvisionerRecord(name: "bench", publicKey: jwk(key.publicKey), createdAt: Date()))
        let nodes = try await CAService.loopbackNodes(
            of: rootCA, client: client, count: setup.nodes, directory: directory, publicURL: "https://ca.bench",
            openStore: openStore)
        stores += nodes.stores
        let (services, group) = (nodes.services, nodes.group)
        let runner = Task { try await group.run() }
        // Only for /metrics; the requesters post through `LeanHTTPClient`.
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let requesters = LeanHTTPClient()
        defer { requesters.shutdown() }
        var rows: [Row] = []
        do {
            var ports: [Int] = []
            for service in services { ports.append(try await service.boundPort()) }
            let targets = ports
            for callers in requesterCounts {
                let next = Counter()
                let metricsBefore = try await scrapeMetrics(http: http, ports: targets)
                let cpuBefore = CPUSample.take(postgresRoot: postgresRoot)
                let result = try await Measurement.run(seconds: seconds, callers: callers) {
                    let request = requests[Int.random(in: 0..<requests.count)]
                    let port = targets[next.increment() % targets.count]
                    try await signOnce(http: requesters, port: port, key: key, request: request)
                }
                let cpu = CPUSample.take(postgresRoot: postgresRoot).since(cpuBefore, operations: next.value)
                let metrics = try await scrapeMetrics(http: http, ports: targets).since(metricsBefore)
                rows.append(
                    Row(
                        operation: "POST /1.0/sign + ES256 token", transport: setup.description, callers: callers,
                        result: result, baselineName: "in-process CLI rate", baseline: baseline))
                accounts.append("\(setup.description), \(callers) requesters: \(cpu); \(metrics)")
            }
        } catch {
            try? await http.shutdown()
            await group.triggerGracefulShutdown()
            _ = await runner.result
            for store in stores { await store.close() }
            throw error
        }
        try? await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = await runner.result
        for store in stores { await store.close() }
        return rows
    }

    static func signOnce(
        http: LeanHTTPClient, port: Int, key: P256.Signing.PrivateKey, request: Request
    ) async throws {
        let token = try mintToken(key: key, subject: request.host)
        // The CSR's JSON string was escaped beforehand; the token is base64url and dots.
        let body = ByteBuffer(string: #"{"csr":""# + request.json + #"","ott":""# + token + #""}"#)
        let answer = try await http.post(port: port, path: "/1.0/sign", body: body)
        guard answer.status == 201 else {
            throw BenchError("sign answered \(answer.status): \(String(buffer: answer.body).prefix(200))")
        }
    }

    /// A compact ES256 JWS, written here with swift-crypto (no JWT library on the requester's side). The claims
    /// are written as text (every value is a plain ASCII name, number or UUID), so the requesters, which share the
    /// cores with the nodes, spend their CPU on the signature rather than on JSON.
    static func mintToken(key: P256.Signing.PrivateKey, subject: String) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let claims =
            #"{"iss":"bench","sub":""# + subject + #"","aud":"https://ca.bench/1.0/sign","iat":\#(now),"#
            + #""nbf":\#(now),"exp":\#(now + 60),"jti":""# + UUID().uuidString + #""}"#
        let header = base64URL(Data(#"{"alg":"ES256","typ":"JWT"}"#.utf8))
        let payload = base64URL(Data(claims.utf8))
        let input = header + "." + payload
        let signature = try key.signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + base64URL(signature)
    }

    static func jwk(_ key: P256.Signing.PublicKey) -> String {
        let raw = key.rawRepresentation
        let x = base64URL(raw.prefix(32))
        let y = base64URL(raw.suffix(32))
        return #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)"}"#
    }

    static func base64URL(_ data: Data) -> String {
        String(
            decoding: data.base64EncodedData().compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "+"): UInt8(ascii: "-")
                case UInt8(ascii: "/"): UInt8(ascii: "_")
                case UInt8(ascii: "="): nil
                default: byte
                }
            }, as: UTF8.self)
    }

    /// PEM CSRs for distinct P-256 keys, each for one DNS name (its common name and its only SAN), with the PEM
    /// escaped as a JSON string.
    static func makeRequests(count: Int) throws -> [Request] {
        try CABench.makeRequests(count: count).enumerated().map { index, der in
            let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            let pem = "-----BEGIN CERTIFICATE REQUEST-----\n\(body)\n-----END CERTIFICATE REQUEST-----\n"
            return Request(
                pem: pem, json: pem.replacingOccurrences(of: "\n", with: "\\n"), host: "host\(index).bench.example.com")
        }
    }

    /// One prepared request: the CSR as PEM and as the body of a JSON string, and its host name.
    struct Request: Sendable {
        var pem: String
        var json: String
        var host: String
    }

    /// Round-robin over the nodes; counts every call (warm-up included).
    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() -> Int {
            count.withLock { value in
                value &+= 1
                return value
            }
        }
        var value: Int { count.withLock { $0 } }
    }

    /// CPU time from /proc: this process, the PostgreSQL cluster's processes (the postmaster named in
    /// `postmaster.pid` and its children), and the machine (busy and total, every core).
    struct CPUSample {
        var process: Double
        var nodes: Double
        var postgres: Double
        var machineBusy: Double
        var machineTotal: Double

        static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

        /// With `nodes`, the CPU time of those node processes too.
        static func take(postgresRoot: URL?, nodes: [pid_t] = []) -> CPUSample {
            var sample = CPUSample(
                process: ticks(pid: "self") ?? 0, nodes: nodes.compactMap { ticks(pid: "\($0)") }.reduce(0, +),
                postgres: 0, machineBusy: 0, machineTotal: 0)
            if let postgresRoot,
                let text = try? String(
                    contentsOf: postgresRoot.appendingPathComponent("data/postmaster.pid"), encoding: .utf8),
                let first = text.split(separator: "\n").first, let postmaster = Int(first)
            {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                    guard let pid = Int(entry), let fields = statFields(pid: entry) else { continue }
                    if pid == postmaster || Int(fields[1]) == postmaster {
                        sample.postgres += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
                    }
                }
            }
            if let line = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8))?.split(separator: "\n").first {
                let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
                if values.count >= 5 {
                    sample.machineTotal = values.prefix(8).reduce(0, +)
                    sample.machineBusy = sample.machineTotal - values[3] - values[4]
                }
            }
            return sample
        }

        /// The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent, [11] and [12]
        /// user and system time in ticks.
        static func statFields(pid: String) -> [Substring]? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 12 ? fields : nil
        }

        static func ticks(pid: String) -> Double? {
            statFields(pid: pid).map { (Double($0[11]) ?? 0) + (Double($0[12]) ?? 0) }
        }

        /// "CPU ms per certificate: process X, PostgreSQL Y; machine Z % busy".
        func since(_ before: CPUSample, operations: Int) -> String {
            let count = Double(max(operations, 1))
            let perCertificate = { (ticks: Double) in ticks / Self.ticksPerSecond * 1000 / count }
            let busy =
                machineTotal > before.machineTotal
                ? (machineBusy - before.machineBusy) / (machineTotal - before.machineTotal) * 100 : 0
            let nodeShare =
                nodes > 0 || before.nodes > 0
                ? String(format: "node processes %.2f, ", perCertificate(nodes - before.nodes)) : ""
            return String(
                format: "CPU ms/cert: %@this process %.2f, PostgreSQL %.2f; machine %.0f%% busy",
                nodeShare as NSString, perCertificate(process - before.process),
                perCertificate(postgres - before.postgres), busy)
        }
    }

    /// The nodes' histogram sums and counts (`..._sum{...}` and `..._count{...}` lines), added over the nodes.
    struct MetricsSample {
        var values: [String: Double] = [:]

        static let series: [(label: String, prefix: String)] = [
            ("issuance", #"hpcs_ca_issuance_seconds_%@{route="sign"}"#),
            ("HSM sign", #"hpcs_ca_hsm_call_seconds_%@{operation="sign"}"#),
            ("db record", #"hpcs_ca_database_seconds_%@{operation="record"}"#),
            ("db provisioner", #"hpcs_ca_database_seconds_%@{operation="provisioner"}"#),
        ]

        func since(_ before: MetricsSample) -> String {
            "mean ms per call: "
                + Self.series.map { label, prefix in
                    let key = { (kind: String) in String(format: prefix, kind as NSString) }
                    let sum = (values[key("sum")] ?? 0) - (before.values[key("sum")] ?? 0)
                    let count = (values[key("count")] ?? 0) - (before.values[key("count")] ?? 0)
                    return count > 0 ? String(format: "%@ %.2f", label as NSString, sum / count * 1000) : "\(label) -"
                }.joined(separator: ", ")
        }
    }

    static func scrapeMetrics(http: HTTPClient, ports: [Int]) async throws -> MetricsSample {
        var sample = MetricsSample()
        for port in ports {
            let response = try await http.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
            for line in text.split(separator: "\n") where line.hasPrefix("hpcs_ca_") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                else { continue }
                sample.values[String(line[..<space]), default: 0] += value
            }
        }
        return sample
    }
}

// MARK: - Nodes with a CPU quota each

extension CAServiceBench {
    /// What a node process (`hpcs-bench --ca-service-node FILE`) serves: its CA directory, the shared PostgreSQL
    /// database and the HSM mock's port on 127.0.0.1.
    struct NodeConfiguration: Codable {
        var directory: String
        var databaseURL: String
        var hsmPort: Int
    }

    /// A CA service node in a process of its own, as on a machine of its own: the CA in `configuration.directory`
    /// on the PostgreSQL store, the HSM mock reached over HTTP/2 on loopback. Prints `PORT n` once it listens and
    /// serves until SIGTERM.
    static func runNode(configurationPath: String) async throws {
        let configuration = try JSONDecoder().decode(
            NodeConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: configurationPath)))
        var hsm = EP11Client.Configuration(
            host: "127.0.0.1", port: configuration.hsmPort, transportSecurity: .plaintext)
        hsm.retryPolicy = .none
        try await withEP11Client(hsm) { client in
            let store = try PostgresIssuanceStore(url: configuration.databaseURL, environment: [:])
            do {
                let ca = try CertificateAuthority(
                    directory: URL(fileURLWithPath: configuration.directory), client: client, store: store)
                let service = try CAService(
                    ca: ca, client: client,
                    configuration: CAServiceConfiguration(host: "127.0.0.1", port: 0, publicURLs: ["https://ca.bench"]))
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [.init(service: service)], gracefulShutdownSignals: [.sigterm],
                        logger: Logger(label: "hpcs.ca.node", factory: { _ in SwiftLogNoOpLogHandler() })))
                let runner = Task { try await group.run() }
                // Straight to the pipe, unbuffered: the parent waits for this line.
                let line = Array("PORT \(try await service.boundPort())\n".utf8)
                _ = Glibc.write(1, line, line.count)
                try await runner.value
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    /// A node process started by ``measureCapped(nodeCPU:nodes:cluster:key:requests:directory:seconds:accounts:)``,
    /// in its CPU group.
    struct NodeProcess {
        var pid: pid_t
        var port: Int
        var group: CPUGroup

        /// SIGTERM, then SIGKILL after 10 s; reaps it and removes its group.
        func stop() {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(10)
            while waitpid(pid, &status, WNOHANG) == 0 {
                if Date() > deadline {
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    break
                }
                usleep(20_000)
            }
            group.remove()
        }
    }

    /// 1 and 2 node processes on one PostgreSQL database, each in its own CPU group with a quota of `nodeCPU`
    /// cores, as nodes on small machines of their own would be; the HSM mock, the database and the requesters stay
    /// outside the quotas (they are other machines). The HSM mock answers on its C-core server, about a tenth of
    /// the NIO server's CPU per call, so that on this one machine it takes as little as it can of what the nodes
    /// and the database need.
    static func measureCapped(
        nodeCPU: Double,
        cluster: PostgresCluster,
        key: P256.Signing.PrivateKey,
        requests: [Request],
        directory: URL,
        seconds: Double,
        accounts: inout [String]
    ) async throws -> [Row] {
        let hsmSettings = HSMMock.ServerSettings(transport: .cgrpc)
        let (rows, lines) = try await HSMMock().withServer(host: "127.0.0.1", settings: hsmSettings) { hsmPort in
            var rows: [Row] = []
            var lines: [String] = []
            var hsm = EP11Client.Configuration(host: "127.0.0.1", port: hsmPort, transportSecurity: .plaintext)
            hsm.retryPolicy = .none
            try await withEP11Client(hsm) { client in
                for nodeCount in [1, 2] {
                    let setup = String(
                        format: "PostgreSQL x%d node%@, %.2g CPU each", nodeCount, nodeCount == 1 ? "" : "s", nodeCPU)
                    let root = directory.appendingPathComponent("capped-\(nodeCount)")
                    let databaseURL = cluster.url(database: try await cluster.makeDatabase())
                    let store = try PostgresIssuanceStore(url: databaseURL, environment: [:])
                    var nodes: [NodeProcess] = []
                    do {
                        let ca = try CertificateAuthority(
                            directory: root.appendingPathComponent("ca"), client: client, store: store)
                        try await ca.createRoot(
                            subject: try CertificateParsing.distinguishedName("CN=hpcs-bench service CA"),
                            keyType: .p256)
                        _ = try await store.addProvisioner(
                            ProvisionerRecord(name: "bench", publicKey: jwk(key.publicKey), createdAt: Date()))
                        for index in 0..<nodeCount {
                            let nodeDirectory = root.appendingPathComponent("node\(index)")
                            try await ca.copyNodeFiles(to: nodeDirectory)
                            nodes.append(
                                try await startNode(
                                    NodeConfiguration(
                                        directory: nodeDirectory.path, databaseURL: databaseURL, hsmPort: hsmPort),
                                    name: "node\(index)", cpus: nodeCPU, in: root))
                        }
                        let (setupRows, setupLines) = try await load(
                            nodes: nodes, setup: setup, postgresRoot: cluster.root, key: key, requests: requests,
                            seconds: seconds)
                        rows += setupRows
                        lines += setupLines
                    } catch {
                        for node in nodes { node.stop() }
                        await store.close()
                        throw error
                    }
                    for node in nodes { node.stop() }
                    await store.close()
                }
            }
            return (rows, lines)
        }
        accounts += lines
        return rows
    }

    /// Starts `hpcs-bench --ca-service-node` for `configuration`, puts it in a new CPU group of `cpus` cores and
    /// waits for its port.
    static func startNode(
        _ configuration: NodeConfiguration, name: String, cpus: Double, in directory: URL
    ) async throws -> NodeProcess {
        let path = directory.appendingPathComponent("\(name).json")
        try JSONEncoder().encode(configuration).write(to: path)
        let group = try CPUGroup.create(name: "hpcs-bench-\(getpid())-\(name)", cpus: cpus)
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let (pid, stdout): (pid_t, Int32)
        do {
            (pid, stdout) = try Spawn.start(executable, ["--ca-service-node", path.path])
        } catch {
            group.remove()
            throw error
        }
        do {
            try group.add(pid)
        } catch {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(stdout)
            group.remove()
            throw error
        }
        let line = await withCheckedContinuation { continuation in
            Thread {
                var text: [UInt8] = []
                var byte: UInt8 = 0
                while read(stdout, &byte, 1) == 1, byte != UInt8(ascii: "\n") { text.append(byte) }
                close(stdout)
                continuation.resume(returning: String(decoding: text, as: UTF8.self))
            }.start()
        }
        let node = NodeProcess(pid: pid, port: 0, group: group)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            node.stop()
            throw BenchError("the node process \(name) did not start (it printed \"\(line.prefix(200))\")")
        }
        return NodeProcess(pid: pid, port: port, group: group)
    }

    /// The requesters against the node processes at each requester count: rows, and CPU per certificate with the
    /// node processes' share and how often their quota stopped them.
    static func load(
        nodes: [NodeProcess], setup: String, postgresRoot: URL, key: P256.Signing.PrivateKey, requests: [Request],
        seconds: Double
    ) async throws -> ([Row], [String]) {
        // Only for /metrics; the requesters post through `LeanHTTPClient`.
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let requesters = LeanHTTPClient()
        defer { requesters.shutdown() }
        let targets = nodes.map(\.port)
        let pids = nodes.map(\.pid)
        var rows: [Row] = []
        var lines: [String] = []
        for callers in requesterCounts {
            let next = Counter()
            let metricsBefore = try await scrapeMetrics(http: http, ports: targets)
            let cpuBefore = CPUSample.take(postgresRoot: postgresRoot, nodes: pids)
            let throttledBefore = nodes.map { $0.group.throttledSeconds() }
            let result = try await Measurement.run(seconds: seconds, callers: callers) {
                let request = requests[Int.random(in: 0..<requests.count)]
                let port = targets[next.increment() % targets.count]
                try await signOnce(http: requesters, port: port, key: key, request: request)
            }
            let cpu = CPUSample.take(postgresRoot: postgresRoot, nodes: pids).since(cpuBefore, operations: next.value)
            let throttled = zip(nodes, throttledBefore).map { $0.group.throttledSeconds() - $1 }.reduce(0, +)
            let metrics = try await scrapeMetrics(http: http, ports: targets).since(metricsBefore)
            rows.append(
                Row(
                    operation: "POST /1.0/sign + ES256 token", transport: setup, callers: callers, result: result,
                    baselineName: "", baseline: nil))
            lines.append(
                "\(setup), \(callers) requesters: \(cpu); quota stops "
                    + String(format: "%.2f s of %.1f s; ", throttled, result.elapsed * Double(nodes.count)) + metrics)
        }
        return (rows, lines)
    }
}

/// A CPU control group with a quota, for one node process: cgroup v2 (`cpu.max`) when
/// `/sys/fs/cgroup/cgroup.controllers` exists, else cgroup v1's cpu controller (`cpu.cfs_quota_us` over a
/// `cpu.cfs_period_us`). Refused with a clear message when neither can be written.
///
/// The quota is enforced over a 10 ms period, not the kernel's default 100 ms: a node stands for a machine with a
/// slower core, which never stops. Over 100 ms, a node with 0.3 CPU runs 30 ms and then stops for 70 ms with its
/// requests in flight, so a request that comes due in the stop waits for it, and at a few requesters per node the
/// rate measures those stops, not the node.
struct CPUGroup {
    var path: String
    var version: Int

    /// The quota's period in microseconds.
    static let period = 10_000

    static func create(name: String, cpus: Double) throws -> CPUGroup {
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        // The kernel's smallest quota is 1 ms: 0.1 of the 10 ms period.
        guard cpus.isFinite, cpus >= 0.1, cpus <= cores else {
            throw BenchError(String(format: "--node-cpu must be 0.1 to %.0f (this machine's cores)", cores))
        }
        let quota = Int(cpus * Double(period))
        let manager = FileManager.default
        if manager.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers"), access("/sys/fs/cgroup", W_OK) == 0 {
            let controllers = (try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8)) ?? ""
            guard
                controllers.split(separator: " ").contains(where: {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines) == "cpu"
                })
            else {
                throw BenchError("--node-cpu: the cgroup v2 hierarchy at /sys/fs/cgroup has no cpu controller")
            }
            try? write("+cpu", to: "/sys/fs/cgroup/cgroup.subtree_control")
            let group = CPUGroup(path: "/sys/fs/cgroup/\(name)", version: 2)
            try group.make()
            do {
                try write("\(quota) \(period)", to: group.path + "/cpu.max")
            } catch {
                group.remove()
                throw error
            }
            return group
        }
        let v1 = "/sys/fs/cgroup/cpu"
        if manager.fileExists(atPath: v1 + "/cpu.cfs_quota_us"), access(v1, W_OK) == 0 {
            let group = CPUGroup(path: "\(v1)/\(name)", version: 1)
            try group.make()
            do {
                try write("\(period)", to: group.path + "/cpu.cfs_period_us")
                try write("\(quota)", to: group.path + "/cpu.cfs_quota_us")
            } catch {
                group.remove()
                throw error
            }
            return group
        }
        throw BenchError(
            "--node-cpu needs a CPU cgroup this process can write: neither cgroup v2 (/sys/fs/cgroup/cpu.max, "
                + "with cgroup.controllers) nor v1 (/sys/fs/cgroup/cpu/cpu.cfs_quota_us) is writable here "
                + "(run as root, with the cgroup file system mounted read-write)")
    }

    private func make() throws {
        guard mkdir(path, 0o755) == 0 else {
            throw BenchError("--node-cpu: cannot create the cgroup \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Moves the process `pid` into the group.
    func add(_ pid: pid_t) throws {
        try Self.write("\(pid)", to: path + "/cgroup.procs")
    }

    /// Seconds the group's processes were stopped by the quota so far.
    func throttledSeconds() -> Double {
        let text = (try? String(contentsOfFile: path + "/cpu.stat", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let value = Double(fields[1]) else { continue }
            if version == 1, fields[0] == "throttled_time" { return value / 1e9 }
            if version == 2, fields[0] == "throttled_usec" { return value / 1e6 }
        }
        return 0
    }

    /// Removes the group (its processes have ended).
    func remove() {
        rmdir(path)
    }

    private static func write(_ text: String, to file: String) throws {
        let descriptor = open(file, O_WRONLY)
        guard descriptor >= 0 else {
            throw BenchError("--node-cpu: cannot open \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else {
            throw BenchError("--node-cpu: cannot write \(file): \(String(cString: strerror(errno)))")
        }
    }
}
