import ArgumentParser
import EP11
import Foundation
import HSMMock

#if canImport(Glibc)
    import Glibc
#endif

/// hpcs-bench: throughput and latency of swift-hpcs, each figure printed beside a baseline measured in the same
/// run (`openssl speed` for the same primitive), because shared machines are noisy.
@main
struct HPCSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpcs-bench",
        abstract: "Benchmarks for swift-hpcs against the HSM mock, with openssl speed baselines."
    )

    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "Concurrent caller counts to measure.") var callers: [Int] = [1, 32]
    @Flag(help: "Measure Key Protect wrap+unwrap pairs (beside IBM's Python client) instead of EP11.") var kms = false
    @Flag(help: "Measure certificates issued per second by the CA (1 and 8 callers) instead of EP11.") var ca = false
    @Flag(help: "Measure the CA service over HTTP (1 and 2 nodes on PostgreSQL, 1 on SQLite; 8 and 64 requesters).")
    var caService = false
    @Option(
        help: """
            --ca-service: also measure 1 and 2 node processes each in a CPU cgroup with this many cores (e.g. 0.4), \
            as nodes on small machines of their own.
            """)
    var nodeCpu: Double?
    @Option(help: .hidden) var caServiceNode: String?
    @Flag(help: "Load the standalone `hpcs-tool mock hsm` server with 256 callers and track its memory.")
    var load = false
    @Option(help: "Seconds of load for --load.") var loadSeconds: Double = 60
    @Flag(help: "Measure the key daemon: boot to passphrase, and the monitor's CPU and memory while polling.")
    var keyd = false
    @Option(help: "Boots measured by --keyd.") var keydRounds = 20
    @Option(help: "Seconds of polling at 1 s measured by --keyd.") var keydMonitorSeconds: Double = 60
    @Option(
        help: """
            Measure the EP11 client alone against this GREP11 server (HOST:PORT): ops/s, p50, p99, client CPU per \
            call and peak memory, one RESULT line per measurement.
            """)
    var endpoint: String?
    @Option(help: "--endpoint: the client transport, cgrpc or nio (default: both).") var transport: String?
    @Option(help: "--endpoint: the operation, sign (SignSingle ECDSA P-256) or random (default: both).") var op: String?
    @Flag(help: "--endpoint: plaintext HTTP/2 (the default).") var plaintext = false
    @Option(help: "--endpoint: TLS with these PEM trust roots.") var tlsRoots: String?
    @Option(help: "--endpoint: print the resident memory every this many seconds.") var rssInterval: Double?
    @Flag(
        help: """
            Our client (nio and cgrpc) beside a C++ client on the gRPC C core, against a C++ server that answers at \
            once (Benchmarks/baseline/build.sh), then 60 s of the nio client showing its memory.
            """)
    var grpcBaseline = false
    @Option(help: "--grpc-baseline: seconds of the memory run.") var memorySeconds: Double = 60
    @Option(
        help: """
            --grpc-baseline: rounds of the comparison; with more than one, the C++ client runs alternately first and \
            last, and each ratio's median and range over the rounds ends the report.
            """)
    var rounds = 1
    @Option(help: "--load: the mock's server transport, cgrpc or nio.") var serverTransport = "cgrpc"
    @Option(help: "--load: the load client's transport, cgrpc or nio.") var loadClientTransport = "cgrpc"

    func run() async throws {
        if let endpoint {
            guard plaintext == false || tlsRoots == nil else {
                throw ValidationError("--plaintext and --tls-roots exclude each other")
            }
            let transports = try transport.map { [try Self.transport($0)] } ?? [.nio, .cgrpc]
            let operations =
                try op.map { name in
                    guard let operation = ClientBench.Operation(rawValue: name) else {
                        throw ValidationError("--op must be sign or random")
                    }
                    return [operation]
                } ?? ClientBench.Operation.allCases
            guard callers.allSatisfy({ (1...4096).contains($0) }), seconds > 0 else {
                throw ValidationError("--callers must be 1 to 4096 and --seconds positive")
            }
            do {
                return try await ClientBench.run(
                    endpoint: endpoint, transports: transports, operations: operations, callers: callers,
                    seconds: seconds, tlsRoots: tlsRoots, rssInterval: rssInterval)
            } catch let failure as ClientBench.Failure {
                throw ValidationError(failure.description)
            }
        }
        if grpcBaseline {
            guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be 1 to 100") }
            return try await BaselineBench.run(
                seconds: seconds, callers: callers, rounds: rounds, memorySeconds: memorySeconds)
        }
        if kms { return try await KeyProtectBench.run(seconds: seconds, callers: callers) }
        if ca { return try await CABench.run(seconds: seconds) }
        if let caServiceNode { return try await CAServiceBench.runNode(configurationPath: caServiceNode) }
        if caService { return try await CAServiceBench.run(seconds: seconds, nodeCPU: nodeCpu) }
        if load {
            guard ["cgrpc", "nio"].contains(serverTransport) else {
                throw ValidationError("--server-transport must be cgrpc or nio")
            }
            return try await LoadBench.run(
                seconds: loadSeconds, callers: 256, serverTransport: serverTransport,
                clientTransport: try Self.transport(loadClientTransport))
        }
        if keyd { return try await KeyDaemonBench.run(rounds: keydRounds, monitorSeconds: keydMonitorSeconds) }
        print("hpcs-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(seconds) s per figure")
        print("baseline: openssl speed (single core, same run)")
        let baseline = OpenSSLBaseline.measure(seconds: max(1, Int(seconds.rounded())))
        print(baseline.summary)

        let mock = try HSMMock()
        var rows: [Row] = []
        try await mock.withClient { client in
            rows += try await measureAll(client, transport: "in-process", baseline: baseline)
        }
        try await mock.withServer(host: "127.0.0.1", port: 0) { port in
            var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
            configuration.retryPolicy = .none
            try await withEP11Client(configuration) { client in
                rows += try await measureAll(client, transport: "HTTP/2 loopback", baseline: baseline)
            }
        }
        print("")
        print(Row.header)
        for row in rows { print(row.line) }
    }

    static func transport(_ name: String) throws -> EP11Client.Transport {
        guard let transport = EP11Client.Transport(name) else {
            throw ValidationError("a transport is cgrpc or nio, not \(name)")
        }
        return transport
    }

    func measureAll(_ client: EP11Client, transport: String, baseline: OpenSSLBaseline) async throws -> [Row] {
        let aes = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .encrypt(true)])
        let pair = try await client.generateKeyPair(
            .ecKeyPairGen,
            publicKeyTemplate: [.ecParameters(.p256)],
            privateKeyTemplate: [.sign(true)]
        )
        let iv = [UInt8](repeating: 7, count: 16)
        let kib = [UInt8](repeating: 0x5A, count: 1024)
        let digest = [UInt8](repeating: 0x11, count: 32)
        let aesKey = aes.key
        let privateKey = pair.privateKey
        var rows: [Row] = []
        for count in callers {
            let random = try await Measurement.run(seconds: seconds, callers: count) {
                _ = try await client.generateRandom(count: 32)
            }
            rows.append(
                Row(
                    operation: "GenerateRandom(32)", transport: transport, callers: count, result: random,
                    baselineName: "openssl rand 32B", baseline: baseline.random32PerSecond))
            let encrypt = try await Measurement.run(seconds: seconds, callers: count) {
                _ = try await client.encrypt(kib, key: aesKey, mechanism: .aesCBCPad(iv: iv))
            }
            rows.append(
                Row(
                    operation: "EncryptSingle AES-CBC-PAD 1KiB", transport: transport, callers: count, result: encrypt,
                    baselineName: "openssl aes-256-cbc 1KiB", baseline: baseline.aes1KiBPerSecond))
            let sign = try await Measurement.run(seconds: seconds, callers: count) {
                _ = try await client.sign(digest, key: privateKey, mechanism: .ecdsa)
            }
            rows.append(
                Row(
                    operation: "SignSingle ECDSA P-256", transport: transport, callers: count, result: sign,
                    baselineName: "openssl ecdsap256 sign", baseline: baseline.ecdsaP256SignPerSecond))
        }
        return rows
    }
}

struct Row {
    var operation: String
    var transport: String
    var callers: Int
    var result: Measurement
    var baselineName: String
    var baseline: Double?

    static let header =
        "operation                        transport        callers      ops/s   p50 ms   p99 ms   baseline (same run)                 ratio"

    var line: String {
        let ratio = baseline.map { $0 > 0 ? String(format: "%.2fx", result.opsPerSecond / $0) : "n/a" } ?? "n/a"
        let baselineText = baseline.map { String(format: "%@ %.0f/s", baselineName, $0) } ?? "\(baselineName) n/a"
        return String(
            format: "%-32@ %-16@ %7d %10.0f %8.3f %8.3f   %-35@ %@",
            operation as NSString, transport as NSString, callers, result.opsPerSecond, result.p50Milliseconds,
            result.p99Milliseconds, baselineText as NSString, ratio as NSString
        )
    }
}

/// `openssl speed` figures for the same primitives, measured in this run.
struct OpenSSLBaseline {
    var ecdsaP256SignPerSecond: Double?
    var ecdsaP256VerifyPerSecond: Double?
    var aes1KiBPerSecond: Double?
    var random32PerSecond: Double?

    var summary: String {
        func text(_ value: Double?) -> String { value.map { String(format: "%.0f/s", $0) } ?? "n/a" }
        return "openssl: ecdsap256 sign \(text(ecdsaP256SignPerSecond)), verify \(text(ecdsaP256VerifyPerSecond)); "
            + "aes-256-cbc 1KiB \(text(aes1KiBPerSecond)); rand 32B \(text(random32PerSecond))"
    }

    static func measure(seconds: Int) -> OpenSSLBaseline {
        var baseline = OpenSSLBaseline()
        // Machine-readable lines: "+F4:<n>:256:<signs per second>:<verifies per second>" for ECDSA (OpenSSL 3).
        if let output = openssl(["speed", "-mr", "-seconds", "\(seconds)", "ecdsap256"]) {
            for line in output.split(separator: "\n") where line.hasPrefix("+F4:") {
                let fields = line.split(separator: ":")
                if fields.count >= 5, let sign = Double(fields[3]), let verify = Double(fields[4]), sign > 0, verify > 0
                {
                    baseline.ecdsaP256SignPerSecond = sign
                    baseline.ecdsaP256VerifyPerSecond = verify
                }
            }
        }
        // "+F:<n>:<name>:<bytes per second>" per block size.
        if let output = openssl(["speed", "-mr", "-seconds", "\(seconds)", "-bytes", "1024", "-evp", "aes-256-cbc"]) {
            if let rate = lastRate(output) { baseline.aes1KiBPerSecond = rate / 1024 }
        }
        if let output = openssl(["speed", "-mr", "-seconds", "\(seconds)", "-bytes", "32", "rand"]) {
            if let rate = lastRate(output) { baseline.random32PerSecond = rate / 32 }
        }
        return baseline
    }

    private static func lastRate(_ output: String) -> Double? {
        for line in output.split(separator: "\n") where line.hasPrefix("+F:") {
            if let last = line.split(separator: ":").last, let value = Double(last) { return value }
        }
        return nil
    }

    /// Runs `openssl` with an empty signal mask: `openssl speed` times itself with SIGALRM, and a child of a
    /// Swift process inherits the runtime's blocked signals, so a plain `Process` would never stop.
    static func openssl(_ arguments: [String]) -> String? {
        guard let (_, output) = try? Spawn.run("/usr/bin/openssl", arguments) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
