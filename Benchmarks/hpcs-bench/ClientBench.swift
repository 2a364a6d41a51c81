import EP11
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `hpcs-bench --endpoint`: the EP11 client alone against any GREP11 server. Callers keep one call each in flight
/// for the window; the process's own CPU (getrusage) over the window divided by the calls is the client's CPU per
/// call, and its peak resident memory (VmHWM) the client's memory. One RESULT line per measurement:
/// `RESULT transport=cgrpc op=sign callers=32 ops_s=… p50_us=… p99_us=… cli_cpu_us=… cli_rss_mb=…`.
enum ClientBench {
    enum Operation: String, CaseIterable {
        case sign
        case random
    }

    struct Result {
        var transport: String
        var operation: String
        var callers: Int
        var opsPerSecond: Double
        var p50Microseconds: Double
        var p99Microseconds: Double
        var cpuMicrosecondsPerCall: Double
        var peakResidentMB: Double

        var line: String {
            String(
                format:
                    "RESULT transport=%@ op=%@ callers=%d ops_s=%.0f p50_us=%.0f p99_us=%.0f cli_cpu_us=%.1f cli_rss_mb=%.1f",
                transport as NSString, operation as NSString, callers, opsPerSecond, p50Microseconds,
                p99Microseconds, cpuMicrosecondsPerCall, peakResidentMB)
        }

        /// Parses a RESULT line (ours or the C++ client's).
        init?(line: Substring) {
            guard line.hasPrefix("RESULT ") else { return nil }
            var fields: [Substring: Substring] = [:]
            for pair in line.dropFirst(7).split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            func number(_ key: Substring) -> Double? { fields[key].flatMap { Double($0) } }
            guard let transport = fields["transport"], let operation = fields["op"],
                let callers = number("callers"), let ops = number("ops_s"), let p50 = number("p50_us"),
                let p99 = number("p99_us"), let cpu = number("cli_cpu_us"), let rss = number("cli_rss_mb")
            else { return nil }
            self.init(
                transport: String(transport), operation: String(operation), callers: Int(callers),
                opsPerSecond: ops, p50Microseconds: p50, p99Microseconds: p99, cpuMicrosecondsPerCall: cpu,
                peakResidentMB: rss)
        }

        init(
            transport: String, operation: String, callers: Int, opsPerSecond: Double, p50Microseconds: Double,
            p99Microseconds: Double, cpuMicrosecondsPerCall: Double, peakResidentMB: Double
        ) {
            self.transport = transport
            self.operation = operation
            self.callers = callers
            self.opsPerSecond = opsPerSecond
            self.p50Microseconds = p50Microseconds
            self.p99Microseconds = p99Microseconds
            self.cpuMicrosecondsPerCall = cpuMicrosecondsPerCall
            self.peakResidentMB = peakResidentMB
        }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Parses HOST:PORT ([v6]:port too).
    static func parseEndpoint(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw Failure(description: "--endpoint must be HOST:PORT") }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { throw Failure(description: "--endpoint must be HOST:PORT") }
        return (host, port)
    }

    /// Measures each transport x operation x caller count in this process and prints a RESULT line for each.
    /// With `rssInterval`, the resident memory is printed that often during each window (`RSS t=… rss_mb=…`).
    static func run(
        endpoint: String, transports: [EP11Client.Transport], operations: [Operation], callers: [Int],
        seconds: Double, tlsRoots: String?, rssInterval: Double?
    ) async throws {
        let (host, port) = try parseEndpoint(endpoint)
        let security: EP11Client.TransportSecurity
        if let tlsRoots {
            let roots = try Array(Data(contentsOf: URL(fileURLWithPath: tlsRoots)))
            security = .tls(EP11Client.TLS(trustRootsPEM: roots))
        } else {
            security = .plaintext
        }
        for transport in transports {
            var configuration = EP11Client.Configuration(host: host, port: port, transportSecurity: security)
            configuration.retryPolicy = EP11Client.RetryPolicy.none
            configuration.transport = transport
            // NIO's client flush coalescing (off by default; f9bc0c1 had gRPC's default, on), for a like-for-like
            // comparison with the old build: HPCS_BENCH_NIO_FLUSH_COALESCING=1.
            let coalescing = ProcessInfo.processInfo.environment["HPCS_BENCH_NIO_FLUSH_COALESCING"] == "1"
            if transport == .nio, coalescing { configuration.nio.flushCoalescing = true }
            let label = transport == .nio && coalescing ? "nio-coalescing" : transport.description
            try await withEP11Client(configuration) { client in
                for operation in operations {
                    let call = try await prepare(client, operation)
                    for count in callers {
                        let result = try await measure(
                            call, transport: label, operation: operation, callers: count,
                            seconds: seconds, rssInterval: rssInterval)
                        print(result.line)
                        fflush(nil)
                    }
                }
            }
        }
    }

    /// The call one caller repeats; for sign, after generating an EC P-256 key pair.
    static func prepare(_ client: EP11Client, _ operation: Operation) async throws -> Measurement.Call {
        switch operation {
        case .random:
            return { _ = try await client.generateRandom(count: 32) }
        case .sign:
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256)], privateKeyTemplate: [.sign(true)])
            let key = pair.privateKey
            let digest = [UInt8](repeating: 0x44, count: 32)
            return { _ = try await client.sign(digest, key: key, mechanism: .ecdsa) }
        }
    }

    static func measure(
        _ call: @escaping Measurement.Call, transport: String, operation: Operation, callers: Int,
        seconds: Double, rssInterval: Double?
    ) async throws -> Result {
        // Warm-up: the connection and a second of calls.
        _ = try await Measurement.run(seconds: min(1, seconds), callers: callers, call)
        let sampler = rssInterval.map { RSSSampler(interval: $0) }
        let cpuBefore = processCPUSeconds()
        let measurement = try await Measurement.run(seconds: seconds, callers: callers, call)
        let cpu = processCPUSeconds() - cpuBefore
        sampler?.stop()
        let peak = Double(ProcStatus.kibibytes("/proc/self/status", ["VmHWM:"])[0]) * 1024 / 1e6
        return Result(
            transport: transport, operation: operation.rawValue, callers: callers,
            opsPerSecond: measurement.opsPerSecond, p50Microseconds: measurement.p50Milliseconds * 1000,
            p99Microseconds: measurement.p99Milliseconds * 1000,
            cpuMicrosecondsPerCall: measurement.operations > 0 ? cpu * 1e6 / Double(measurement.operations) : 0,
            peakResidentMB: peak)
    }

    /// The f9bc0c1 build of the EP11 client (Benchmarks/old-client/build.sh), when it has been built: the same
    /// load with the library as it was before its per-call deadline task and request building were cut.
    static var oldClientBinary: String? {
        let path = BaselineBench.repositoryRoot.appendingPathComponent(".build-old-client/old-ep11-client").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// One line per current NIO result of `row` against the old build's (CPU per call and throughput ratios);
    /// nothing when the row has no old-build result.
    static func comparedToOldBuild(_ row: [Result]) -> [String] {
        guard let old = row.first(where: { $0.transport == oldTransportName }) else { return [] }
        return row.filter { $0.transport == "nio" }.map { new in
            String(
                format: "  nio vs %@ (%@, %d callers): client CPU/call %.2fx (%+.0f %%), throughput %.2fx",
                old.transport as NSString, new.operation as NSString, new.callers,
                new.cpuMicrosecondsPerCall / max(old.cpuMicrosecondsPerCall, 0.001),
                (new.cpuMicrosecondsPerCall / max(old.cpuMicrosecondsPerCall, 0.001) - 1) * 100,
                new.opsPerSecond / max(old.opsPerSecond, 0.001))
        }
    }

    /// The transport name the old build's RESULT lines carry.
    static let oldTransportName = "nio-f9bc0c1"

    /// User plus system CPU seconds of this process.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Prints this process's resident memory every `interval` seconds, from a plain thread (so that the sampler does
/// not compete with the measured tasks for the Swift pool).
final class RSSSampler: Sendable {
    private let stopped = Atomic<Bool>(false)

    init(interval: Double) {
        let start = ContinuousClock.now
        Thread.detachNewThread { [self] in
            var next = interval
            while !stopped.load(ordering: .relaxed) {
                usleep(50_000)
                let elapsed = start.duration(to: .now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                guard seconds >= next else { continue }
                next += interval
                let rss = Double(ProcStatus.kibibytes("/proc/self/status", ["VmRSS:"])[0]) * 1024 / 1e6
                print(String(format: "RSS t=%.0fs rss_mb=%.1f", seconds, rss))
                fflush(nil)
            }
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
