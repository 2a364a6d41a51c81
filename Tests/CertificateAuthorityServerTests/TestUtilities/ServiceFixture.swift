import AsyncHTTPClient
import CertificateAuthority
import CertificateAuthorityServer
import EP11
import Foundation
import HSMMock
import JWTKit
import Logging
import NIOCore
import NIOFoundationCompat
import NIOSSL
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import X509

/// Which store the nodes share.
enum StoreKind: Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}

/// An HSM mock served over HTTP/2 on loopback (so a test can stop it), with a client connected to it.
final class NetworkHSM: Sendable {
    let server: HSMMockServer
    let client: EP11Client
    let port: Int
    private let served: AsyncStream<Void>

    init(server: HSMMockServer, client: EP11Client, port: Int, served: AsyncStream<Void>) {
        self.server = server
        self.client = client
        self.port = port
        self.served = served
    }

    /// Shuts the server down and returns once it has stopped serving: a call after this one cannot reach it (a
    /// graceful shutdown alone lets a call that races the GOAWAY still be answered).
    func stop() async {
        server.beginGracefulShutdown()
        for await _ in served {}
    }
}

/// One CA service node under test.
struct TestNode: Sendable {
    var service: CAService
    var ca: CertificateAuthority
    var port: Int
    var directory: URL
    var baseURL: String { "https://127.0.0.1:\(port)" }
}

/// A provisioner whose private key the test holds (jwt-kit, ES256).
struct TestProvisioner: Sendable {
    var name: String
    var keys: JWTKeyCollection
    var publicJWK: String

    static func make(name: String = "tests") async throws -> TestProvisioner {
        let key = ES256PrivateKey()
        let parameters = try #require(key.publicKey.parameters)
        let jwk = #"{"kty":"EC","crv":"P-256","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return TestProvisioner(name: name, keys: keys, publicJWK: jwk)
    }

    /// A token with `claims` (missing ones are left out).
    func token(_ claims: TokenClaims) async throws -> String {
        try await keys.sign(claims)
    }

    /// A valid token for `sub` (+ `sans`) on `aud`.
    func token(sub: String, sans: [String]? = nil, aud: String, lifetime: Int = 120) async throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        return try await token(
            TokenClaims(
                iss: name, sub: sub, sans: sans, aud: aud, iat: now, nbf: now, exp: now + lifetime,
                jti: UUID().uuidString))
    }
}

/// The claims of a test token; nil members are left out.
struct TokenClaims: JWTPayload {
    var iss: String?
    var sub: String?
    var sans: [String]?
    var aud: String?
    var iat: Int?
    var nbf: Int?
    var exp: Int?
    var jti: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A running CA service world: an HSM mock, a root CA, `nodes` service nodes on one store, an HTTPS client
/// trusting the CA, and a registered provisioner.
struct ServiceWorld: Sendable {
    var directory: URL
    var hsm: NetworkHSM
    var nodes: [TestNode]
    var store: StoreKind
    var provisioner: TestProvisioner
    var rootPEM: String
    var rootPath: String
    var http: HTTPClient

    var node: TestNode { nodes[0] }

    /// POSTs `json` to `path` on `node`; returns the status and the body.
    func post(_ path: String, _ json: [String: Any], on node: TestNode? = nil, client: HTTPClient? = nil)
        async throws -> (status: Int, body: [String: Any], text: String)
    {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await post(path, bytes: Array(data), on: node, client: client)
    }

    func post(_ path: String, bytes: [UInt8], on node: TestNode? = nil, client: HTTPClient? = nil)
        async throws -> (status: Int, body: [String: Any], text: String)
    {
        var request = HTTPClientRequest(url: (node ?? self.node).baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await (client ?? http).execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
        let data = Data(buffer: buffer)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return (Int(response.status.code), object, String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String, on node: TestNode? = nil) async throws -> (status: Int, body: [UInt8]) {
        let request = HTTPClientRequest(url: (node ?? self.node).baseURL + path)
        let response = try await http.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), Array(buffer.readableBytesView))
    }

    /// The sign URL the nodes accept in `aud`.
    var signAudience: String { "https://ca.test/1.0/sign" }
    var revokeAudience: String { "https://ca.test/1.0/revoke" }

    /// A CSR from `openssl req` (P-256) for `commonName` with DNS `sans`; returns the CSR PEM and the key path.
    func csr(commonName: String?, sans: [String]) async throws -> (pem: String, keyPath: String) {
        let keyPath = directory.appendingPathComponent("req-\(UUID().uuidString).key").path
        let pem = try await certificateRequest(
            subject: commonName.map { "/CN=\($0)" } ?? "/O=swift-hpcs tests", sans: sans,
            key: ["-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", keyPath])
        return (pem, keyPath)
    }

    /// A CSR from `openssl req` with the existing key at `keyPath`.
    func csr(commonName: String, sans: [String], keyPath: String) async throws -> String {
        try await certificateRequest(subject: "/CN=\(commonName)", sans: sans, key: ["-key", keyPath])
    }

    /// The PEM of `openssl req -new` for `subject` and DNS `sans`, with `key` (the options that make or name it).
    private func certificateRequest(subject: String, sans: [String], key: [String]) async throws -> String {
        let name = "req-\(UUID().uuidString).csr"
        var arguments = ["req", "-new"] + key + ["-out", name, "-subj", subject]
        if !sans.isEmpty {
            arguments += ["-addext", "subjectAltName=" + sans.map { "DNS:\($0)" }.joined(separator: ",")]
        }
        let result = try await openssl(arguments, in: directory)
        try #require(result.status == 0, "openssl req failed: \(result.text)")
        return try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// A certificate the service issued for `commonName` (also its one DNS name) to a new P-256 key, signed with a
    /// provisioner token on `node` (201 expected): the PEM, the certificate and the key's path (for mutual TLS).
    func issue(commonName: String, on node: TestNode? = nil) async throws
        -> (pem: String, certificate: Certificate, keyPath: String)
    {
        let (csr, keyPath) = try await csr(commonName: commonName, sans: [commonName])
        let token = try await provisioner.token(sub: commonName, aud: signAudience)
        let signed = try await post("/1.0/sign", ["csr": csr, "ott": token], on: node)
        try #require(signed.status == 201, "\(signed.text)")
        let pem = try #require(signed.body["crt"] as? String, "\(signed.text)")
        return (pem, try Certificate(pemEncoded: pem), keyPath)
    }

    /// The CRL `node` serves (`GET /crl`, 200 expected) as `openssl crl -text` prints it after checking its
    /// signature against the root ("verify OK" in the text), and the path of the DER file it read.
    func servedCRL(on node: TestNode? = nil) async throws -> (text: String, path: String) {
        let crl = try await get("/crl", on: node)
        try #require(crl.status == 200)
        let path = directory.appendingPathComponent("crl-\(UUID().uuidString).der").path
        try Data(crl.body).write(to: URL(fileURLWithPath: path))
        let output = try await openssl(
            ["crl", "-inform", "DER", "-in", path, "-noout", "-text", "-CAfile", rootPath], in: directory)
        try #require(output.status == 0, "\(output.text)")
        return (output.text, path)
    }

    /// Checks a leaf PEM with `openssl verify` against the root; returns openssl's output on failure.
    func opensslVerify(_ leafPEM: String) async throws -> ChildProcess.Output {
        let path = directory.appendingPathComponent("leaf-\(UUID().uuidString).pem")
        try Data(leafPEM.utf8).write(to: path)
        return try await openssl(["verify", "-CAfile", rootPath, path.path], in: directory)
    }

    /// An HTTPS client presenting the certificate chain `certificatePEM` with the key at `keyPath`.
    func mutualTLSClient(certificatePEM: String, keyPath: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(rootPEM.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

extension Certificate {
    /// The serial number in lower-case hex, as the store keeps it.
    var serialHex: String { serialNumber.bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Runs `openssl` in `directory`.
func openssl(_ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
    try await ChildProcess.run(
        "/bin/sh", ["-c", "cd \"$0\" && exec openssl \"$@\"", directory.path] + arguments, timeout: .seconds(120))
}

/// Log lines captured from the services, to check what is (and is not) logged.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    /// The pieces appended, joined as they came.
    var raw: String { lines.withLock { $0.joined() } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        log.append("\(event.level) \(event.message) \(fields)")
    }
}

/// Starts the HSM mock, the CA, `nodes` service nodes on one store and the client; runs `body`; shuts all down.
func withServiceWorld<T: Sendable>(
    store: StoreKind = .sqlite,
    nodes nodeCount: Int = 1,
    databaseURL givenDatabaseURL: String? = nil,
    log: CapturedLog? = nil,
    provisionerCacheLifetime: Duration? = nil,
    _ body: (ServiceWorld) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ca-service-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var databaseURL = givenDatabaseURL
    if store == .postgres, databaseURL == nil { databaseURL = try await PostgresCluster.makeDatabaseURL() }

    let mock = try HSMMock()
    let hsmServer = try mock.makeServer(host: "127.0.0.1", port: 0)
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        let (served, servedEnd) = AsyncStream<Void>.makeStream()
        group.addTask {
            defer { servedEnd.finish() }
            try await hsmServer.run()
        }
        defer { hsmServer.beginGracefulShutdown() }
        let hsmPort = try await hsmServer.boundPort()
        var hsmConfiguration = EP11Client.Configuration(
            host: "127.0.0.1", port: hsmPort, transportSecurity: .plaintext)
        hsmConfiguration.timeouts.call = .seconds(10)
        hsmConfiguration.retryPolicy = .none
        let client = try EP11Client(configuration: hsmConfiguration)
        group.addTask { try await client.run() }
        defer { client.beginGracefulShutdown() }
        let hsm = NetworkHSM(server: hsmServer, client: client, port: hsmPort, served: served)

        func openStore(_ nodeDirectory: URL) throws -> any IssuanceStore {
            if let databaseURL {
                var configuration = try PostgresIssuanceStore.Configuration(url: databaseURL, password: nil)
                configuration.operationTimeout = .seconds(10)
                return try PostgresIssuanceStore(configuration: configuration)
            }
            return try SQLiteIssuanceStore(path: nodeDirectory.appendingPathComponent("issued.sqlite").path)
        }

        // The CA, made on node 0's directory; other nodes get copies of its key blob and chain.
        let first = directory.appendingPathComponent("node0")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        let firstStore = try openStore(first)
        var stores = [firstStore]
        let rootCA = try CertificateAuthority(directory: first, client: client, store: firstStore)
        try await rootCA.createRoot(
            subject: try DistinguishedName {
                OrganizationName("swift-hpcs tests")
                CommonName("CA service test root")
            }, keyType: .p256, validity: .seconds(365 * 86_400))
        let rootPEM = await rootCA.certificateChainPEM
        let rootPath = directory.appendingPathComponent("root.pem").path
        try Data(rootPEM.utf8).write(to: URL(fileURLWithPath: rootPath))

        // The service's own TLS certificate, for 127.0.0.1, from the CA.
        let tlsRequest = try await openssl(
            [
                "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
                "tls.key", "-out", "tls.csr", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ], in: directory)
        try #require(tlsRequest.status == 0, "\(tlsRequest.text)")
        let tlsIssued = try await rootCA.sign(
            csrPEMOrDER: Array(try Data(contentsOf: directory.appendingPathComponent("tls.csr"))),
            profile: .tlsServer)
        let tls = CAServiceConfiguration.TLS(
            certificateChainPEM: Array(try tlsIssued.pemChain.utf8),
            privateKeyPEM: Array(try Data(contentsOf: directory.appendingPathComponent("tls.key"))))

        let provisioner = try await TestProvisioner.make()
        #expect(
            try await firstStore.addProvisioner(
                ProvisionerRecord(name: provisioner.name, publicKey: provisioner.publicJWK, createdAt: Date())))

        var services: [(CAService, CertificateAuthority, URL)] = []
        for index in 0..<nodeCount {
            let nodeDirectory = directory.appendingPathComponent("node\(index)")
            let ca: CertificateAuthority
            if index == 0 {
                ca = rootCA
            } else {
                let nodeStore = try openStore(nodeDirectory)
                stores.append(nodeStore)
                ca = try await rootCA.makeNode(directory: nodeDirectory, store: nodeStore)
            }
            var configuration = CAServiceConfiguration(
                host: "127.0.0.1", port: 0, tls: tls, publicURLs: ["https://ca.test"])
            configuration.healthTimeout = .seconds(5)
            if let provisionerCacheLifetime { configuration.provisionerCacheLifetime = provisionerCacheLifetime }
            var logger = Logger(label: "hpcs.ca.service.node\(index)") { _ in
                if let log { return CapturingLogHandler(log: log) }
                return SwiftLogNoOpLogHandler()
            }
            logger.logLevel = .info
            let service = try CAService(ca: ca, client: client, configuration: configuration, logger: logger)
            services.append((service, ca, nodeDirectory))
        }
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0.0) },
                logger: Logger(label: "tests", factory: { _ in SwiftLogNoOpLogHandler() })))
        group.addTask { try await serviceGroup.run() }
        var tlsClient = TLSConfiguration.makeClientConfiguration()
        tlsClient.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(rootPEM.utf8)))
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tlsClient)
        httpConfiguration.httpVersion = .http1Only
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let result: Result<T, any Error>
        do {
            var nodes: [TestNode] = []
            for (service, ca, nodeDirectory) in services {
                nodes.append(
                    TestNode(service: service, ca: ca, port: try await service.boundPort(), directory: nodeDirectory))
            }
            let world = ServiceWorld(
                directory: directory, hsm: hsm, nodes: nodes, store: store, provisioner: provisioner,
                rootPEM: rootPEM, rootPath: rootPath, http: http)
            result = .success(try await body(world))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        await serviceGroup.triggerGracefulShutdown()
        for store in stores { await store.close() }
        hsmServer.beginGracefulShutdown()
        client.beginGracefulShutdown()
        // Every task ends by its graceful shutdown: cancelling a SwiftNIO server while it accepts a connection traps
        // in SwiftNIO (apple/swift-nio#2637).
        try? await group.waitForAll()
        return try result.get()
    }
}
