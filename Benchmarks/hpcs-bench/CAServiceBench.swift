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

    static func run(seconds: Double) async throws {
        print("")
        print("CA service: certificates issued per second through POST /1.0/sign over HTTP (P-256 CA key in the")
        print("in-process HSM mock, P-256 CSRs prepared beforehand, one ES256 token minted per request)")
        let (sign, verify) = OpenSSLBaseline.ecdsaP256(seconds: max(1, Int(seconds.rounded())))
        var floor: Double?
        if let sign, let verify {
            floor = 1 / (1 / sign + 1 / verify)
            print(
                String(
                    format: "baseline: openssl speed ecdsap256 (single core, same run): 1/(1/sign + 1/verify) = %.0f/s",
                    floor ?? 0))
        }
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
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
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
                    try await signOnce(http: http, port: port, key: key, request: request)
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
        http: HTTPClient, port: Int, key: P256.Signing.PrivateKey, request: Request
    ) async throws {
        let token = try mintToken(key: key, subject: request.host)
        var call = HTTPClientRequest(url: "http://127.0.0.1:\(port)/1.0/sign")
        call.method = .POST
        call.headers.add(name: "content-type", value: "application/json")
        // The CSR's JSON string was escaped beforehand; the token is base64url and dots.
        call.body = .bytes(ByteBuffer(string: #"{"csr":""# + request.json + #"","ott":""# + token + #""}"#))
        let response = try await http.execute(call, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 201 else {
            throw BenchError("sign answered \(response.status.code): \(String(buffer: body).prefix(200))")
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
        var postgres: Double
        var machineBusy: Double
        var machineTotal: Double

        static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

        static func take(postgresRoot: URL?) -> CPUSample {
            var sample = CPUSample(process: ticks(pid: "self") ?? 0, postgres: 0, machineBusy: 0, machineTotal: 0)
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
            return String(
                format: "CPU ms/cert: this process %.2f, PostgreSQL %.2f; machine %.0f%% busy",
                perCertificate(process - before.process), perCertificate(postgres - before.postgres), busy)
        }
    }

    /// The nodes' histogram sums and counts (`..._sum{...}` and `..._count{...}` lines), added over the nodes.
    struct MetricsSample {
        var values: [String: Double] = [:]

        static let series: [(label: String, prefix: String)] = [
            ("issuance", #"hpcs_ca_issuance_seconds_%@{route="sign"}"#),
            ("HSM sign", #"hpcs_ca_hsm_call_seconds_%@{operation="sign"}"#),
            ("db record", #"hpcs_ca_database_seconds_%@{operation="record"}"#),
            ("db token", #"hpcs_ca_database_seconds_%@{operation="token"}"#),
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
