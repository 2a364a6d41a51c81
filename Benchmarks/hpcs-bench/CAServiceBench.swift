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
        var inProcess: Double?
        try await HSMMock().withClient { client in
            // Today's CLI path, in process on SQLite, 8 callers: the reference for "one node over HTTP ≥ 50 %".
            let directory = root.appendingPathComponent("in-process")
            let ca = try CertificateAuthority(directory: directory, client: client)
            try await ca.createRoot(
                subject: try CertificateParsing.distinguishedName("CN=hpcs-bench service CA"), keyType: .p256)
            let result = try await Measurement.run(seconds: seconds, callers: 8) {
                let request = requests[Int.random(in: 0..<requests.count)]
                _ = try await ca.sign(csrPEMOrDER: Array(request.pem.utf8), profile: .tlsServer)
            }
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
                    setup, client: client, databaseURL: databaseURL, key: key, requests: requests,
                    directory: root.appendingPathComponent("\(setup.store)-\(setup.nodes)"), seconds: seconds,
                    baseline: inProcess)
            }
        }
        print(Row.header.replacingOccurrences(of: "  ops/s", with: "certs/s"))
        for row in rows { print(row.line) }
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
        client: EP11Client,
        databaseURL: String?,
        key: P256.Signing.PrivateKey,
        requests: [(pem: String, host: String)],
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
        var services: [CAService] = []
        for index in 0..<setup.nodes {
            let nodeDirectory = directory.appendingPathComponent("node\(index)")
            var ca = rootCA
            if index > 0 {
                let store = try openStore(nodeDirectory)
                stores.append(store)
                ca = try await rootCA.makeNode(directory: nodeDirectory, store: store)
            }
            services.append(
                try CAService(
                    ca: ca, client: client,
                    configuration: CAServiceConfiguration(
                        host: "127.0.0.1", port: 0, publicURLs: ["https://ca.bench"])))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) },
                logger: .init(label: "hpcs-bench", factory: { _ in SwiftLogNoOpLogHandler() })))
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
                let result = try await Measurement.run(seconds: seconds, callers: callers) {
                    let request = requests[Int.random(in: 0..<requests.count)]
                    let port = targets[next.increment() % targets.count]
                    try await signOnce(http: http, port: port, key: key, request: request)
                }
                rows.append(
                    Row(
                        operation: "POST /1.0/sign + ES256 token", transport: setup.description, callers: callers,
                        result: result, baselineName: "in-process CLI rate", baseline: baseline))
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
        http: HTTPClient, port: Int, key: P256.Signing.PrivateKey, request: (pem: String, host: String)
    ) async throws {
        let token = try mintToken(key: key, subject: request.host)
        var call = HTTPClientRequest(url: "http://127.0.0.1:\(port)/1.0/sign")
        call.method = .POST
        call.headers.add(name: "content-type", value: "application/json")
        call.body = .bytes(
            ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["csr": request.pem, "ott": token])))
        let response = try await http.execute(call, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 201 else {
            throw BenchError("sign answered \(response.status.code): \(String(buffer: body).prefix(200))")
        }
    }

    /// A compact ES256 JWS, written here with swift-crypto (no JWT library on the requester's side).
    static func mintToken(key: P256.Signing.PrivateKey, subject: String) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": "bench", "sub": subject, "aud": "https://ca.bench/1.0/sign", "iat": now, "nbf": now,
            "exp": now + 60, "jti": UUID().uuidString,
        ]
        let header = base64URL(Data(#"{"alg":"ES256","typ":"JWT"}"#.utf8))
        let payload = base64URL(try JSONSerialization.data(withJSONObject: claims))
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
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// PEM CSRs for distinct P-256 keys, each for one DNS name (its common name and its only SAN).
    static func makeRequests(count: Int) throws -> [(pem: String, host: String)] {
        try CABench.makeRequests(count: count).enumerated().map { index, der in
            let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return (
                "-----BEGIN CERTIFICATE REQUEST-----\n\(body)\n-----END CERTIFICATE REQUEST-----\n",
                "host\(index).bench.example.com"
            )
        }
    }

    /// Round-robin over the nodes.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() -> Int {
            value.withLock { value in
                value &+= 1
                return value
            }
        }
    }
}
