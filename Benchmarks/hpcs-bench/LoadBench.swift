import EP11
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 3's load check: the standalone `hpcs-tool mock hsm` (a child process, so its memory is its own) answers
/// 256 concurrent callers over HTTP/2 for a while; the bench reports ops/s and the server's resident memory
/// after warm-up, at the end and at its peak, beside openssl's single-core ECDSA P-256 sign rate. First, the
/// server's CPU per SignSingle (32 callers), beside openssl's sign cost and the C++ answer-at-once server's CPU per
/// call measured the same way.
enum LoadBench {
    static func run(
        seconds: Double, callers: Int, serverTransport: String, clientTransport: EP11Client.Transport
    ) async throws {
        let tool = URL(fileURLWithPath: BaselineBench.selfExecutable).deletingLastPathComponent()
            .appendingPathComponent("hpcs-tool").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            print("load: n/a: \(tool) not found (build it: swift build -c release --product hpcs-tool)")
            return
        }
        let baseline = OpenSSLBaseline.measure(seconds: 3)
        let signMicroseconds = baseline.ecdsaP256SignPerSecond.map { 1e6 / $0 }
        var cppPerCall: Double?
        if let fast = BaselineBench.baselineBinary("grep11-fast-server") {
            let server = try ChildServer(fast, ["--listen", "127.0.0.1:0"])
            cppPerCall = try await serverCPUPerSign(server, clientTransport: clientTransport).perCall
            server.stop()
        }
        let server = try ChildServer(
            tool, ["mock", "hsm", "--listen", "127.0.0.1:0", "--transport", serverTransport])
        defer { server.stop() }
        let mock = try await serverCPUPerSign(server, clientTransport: clientTransport)
        func text(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "n/a" }
        let bound = signMicroseconds.flatMap { sign in cppPerCall.map { 2 * (sign + $0) } }
        print(
            "load: server CPU per SignSingle (32 callers, client \(clientTransport)): mock hsm --transport "
                + "\(serverTransport) \(text(mock.perCall)) us at \(String(format: "%.0f", mock.opsPerSecond)) ops/s; "
                + "openssl ecdsap256 sign \(text(signMicroseconds)) us; C++ answer-at-once server \(text(cppPerCall)) us "
                + "per call; target (2x of openssl sign + C++ server) \(text(bound)) us")
        var configuration = EP11Client.Configuration(
            host: "127.0.0.1", port: server.port, transportSecurity: .plaintext)
        configuration.retryPolicy = .none
        configuration.transport = clientTransport
        print(
            "load: \(callers) callers for \(Int(seconds)) s against hpcs-tool mock hsm --transport \(serverTransport) "
                + "(pid \(server.pid), port \(server.port)), client transport \(clientTransport)"
        )
        try await withEP11Client(configuration) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256)], privateKeyTemplate: [.sign(true)])
            let aes = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .encrypt(true)])
            let privateKey = pair.privateKey
            let key = aes.key
            let digest = [UInt8](repeating: 0x22, count: 32)
            let iv = [UInt8](repeating: 1, count: 16)
            let data = [UInt8](repeating: 0x33, count: 1024)
            // Warm-up, then the measured window with a memory sample every second.
            _ = try await Measurement.run(seconds: 3, callers: callers) {
                _ = try await client.sign(digest, key: privateKey, mechanism: .ecdsa)
            }
            let warm = server.memory()
            let sampler = Task {
                var samples: [Int] = []
                while !Task.isCancelled {
                    samples.append(server.memory().residentKiB)
                    try? await Task.sleep(for: .seconds(1))
                }
                return samples
            }
            let operation: Measurement.Call = {
                // A mix: two signatures for each encryption.
                if Int.random(in: 0..<3) == 0 {
                    _ = try await client.encrypt(data, key: key, mechanism: .aesCBCPad(iv: iv))
                } else {
                    _ = try await client.sign(digest, key: privateKey, mechanism: .ecdsa)
                }
            }
            let cpuBefore = ProcStat.cpuSeconds(server.pid)
            let result = try await Measurement.run(seconds: seconds, callers: callers, operation)
            let cpuAfter = ProcStat.cpuSeconds(server.pid)
            sampler.cancel()
            let samples = await sampler.value
            let end = server.memory()
            let growth = end.residentKiB - warm.residentKiB
            let sign = baseline.ecdsaP256SignPerSecond.map { String(format: "%.0f/s", $0) } ?? "n/a"
            print(
                String(
                    format: "load: %.0f ops/s (p50 %.2f ms, p99 %.2f ms); openssl ecdsap256 sign %@ (same run)",
                    result.opsPerSecond, result.p50Milliseconds, result.p99Milliseconds, sign as NSString))
            print(
                "load: server RSS after warm-up \(warm.residentKiB / 1024) MiB, at end \(end.residentKiB / 1024) MiB, "
                    + "peak \(end.peakKiB / 1024) MiB; growth over the window \(growth / 1024) MiB; "
                    + "samples (MiB): \(samples.map { String($0 / 1024) }.joined(separator: " "))")
            if let cpuBefore, let cpuAfter, result.operations > 0 {
                print(
                    String(
                        format: "load: server CPU %.1f us per call over the window (%.0f%% of one core)",
                        (cpuAfter - cpuBefore) * 1e6 / Double(result.operations),
                        (cpuAfter - cpuBefore) * 100 / max(result.elapsed, 0.001)))
            }
            print("load: server still answering at the end: \(try await client.generateRandom(count: 8).count == 8)")
            print(
                String(
                    format: "RESULT load server=%@ callers=%d ops_s=%.0f p50_us=%.0f p99_us=%.0f srv_sign_cpu_us=%@ "
                        + "openssl_sign_us=%@ cpp_srv_cpu_us=%@ srv_rss_mb=%.1f srv_rss_growth_mb=%.1f",
                    serverTransport as NSString, callers, result.opsPerSecond, result.p50Milliseconds * 1000,
                    result.p99Milliseconds * 1000, text(mock.perCall) as NSString,
                    text(signMicroseconds) as NSString, text(cppPerCall) as NSString,
                    Double(end.residentKiB) * 1.024 / 1000, Double(growth) * 1.024 / 1000))
        }
    }

    /// A server process's CPU per SignSingle: a key pair, a warm-up, then 5 s of 32 callers signing.
    static func serverCPUPerSign(
        _ server: ChildServer, clientTransport: EP11Client.Transport
    ) async throws -> (perCall: Double?, opsPerSecond: Double) {
        var configuration = EP11Client.Configuration(
            host: "127.0.0.1", port: server.port, transportSecurity: .plaintext)
        configuration.retryPolicy = .none
        configuration.transport = clientTransport
        return try await withEP11Client(configuration) { client in
            let call = try await ClientBench.prepare(client, .sign)
            _ = try await Measurement.run(seconds: 1, callers: 32, call)
            let before = ProcStat.cpuSeconds(server.pid)
            let result = try await Measurement.run(seconds: 5, callers: 32, call)
            let after = ProcStat.cpuSeconds(server.pid)
            guard let before, let after, result.operations > 0 else { return (nil, result.opsPerSecond) }
            return ((after - before) * 1e6 / Double(result.operations), result.opsPerSecond)
        }
    }
}

/// A child server process (started by ``Spawn``), its stdout read until it reports its port.
final class ChildServer: Sendable {
    let pid: pid_t
    let port: Int

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Starts the server and reads its stdout until a line `<portPrefix><port>` (spaces after the prefix allowed).
    /// With `acceptAnyValue`, the first line starting with `portPrefix` ends the wait whatever follows it (port 0).
    init(
        _ executable: String, _ arguments: [String], portPrefix: String = "listening on port ",
        acceptAnyValue: Bool = false
    ) throws {
        let (child, stdout) = try Spawn.start(executable, arguments)
        var text = ""
        var byte: UInt8 = 0
        var found: Int?
        while found == nil, read(stdout, &byte, 1) == 1 {
            if byte == 0x0A {
                if text.hasPrefix(portPrefix),
                    let value = acceptAnyValue
                        ? 0 : Int(text.dropFirst(portPrefix.count).trimmingCharacters(in: .whitespaces))
                {
                    found = value
                }
                text = ""
            } else {
                text.append(Character(UnicodeScalar(byte)))
            }
        }
        close(stdout)
        guard let found else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw Failure(description: "the server did not report its port")
        }
        self.pid = child
        self.port = found
    }

    /// Resident and peak resident memory from /proc/<pid>/status, in KiB.
    func memory() -> (residentKiB: Int, peakKiB: Int) {
        let fields = ProcStatus.kibibytes("/proc/\(pid)/status", ["VmRSS:", "VmHWM:"])
        return (fields[0], fields[1])
    }

    /// Anonymous and file-backed resident memory from /proc/<pid>/status, as text (MB = 10^6 bytes).
    func memoryBreakdown() -> String {
        let fields = ProcStatus.kibibytes("/proc/\(pid)/status", ["RssAnon:", "RssFile:"])
        return String(
            format: "anonymous %.1f MB, file-backed code %.1f MB", Double(fields[0]) * 1.024 / 1000,
            Double(fields[1]) * 1.024 / 1000)
    }

    /// SIGTERM (the server shuts down gracefully), then reaps it.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// Fields of a /proc/<pid>/status file.
enum ProcStatus {
    /// The values (KiB) of the lines named `names` (e.g. `VmRSS:`), in order; 0 for a missing line or file.
    static func kibibytes(_ path: String, _ names: [String]) -> [Int] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        return names.map { name in
            guard let line = lines.first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
    }
}
