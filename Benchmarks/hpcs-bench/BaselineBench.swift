import EP11
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `hpcs-bench --grpc-baseline`: the EP11 client on each transport beside a C++ client on the gRPC C core, all
/// against the C++ server that answers at once (Benchmarks/baseline, built by its build.sh into .build-baseline/),
/// so that only the clients differ; once Benchmarks/old-client/build.sh has run, the f9bc0c1 build of the EP11
/// client (NIO) too, so that the current one is compared with it in the same run. Each measurement runs in its own
/// process (`hpcs-bench --endpoint`, the old build's driver, or the C++ client), so its CPU and peak memory are its
/// own. The C++ client's calls carry the deadline every EP11Client call carries (30 s, its default per-call timeout),
/// so that both do the same work (a timer in the core and a grpc-timeout header per call); its figure without
/// deadlines is printed beside it. Ends with a 60 s, 32-caller NIO run printing memory over time.
enum BaselineBench {
    /// The repository root: the nearest directory above this executable (`.build/.../hpcs-bench`) holding a
    /// Package.swift; the current directory when there is none.
    static var repositoryRoot: URL {
        var directory = URL(fileURLWithPath: selfExecutable).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    static var selfExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func baselineBinary(_ name: String) -> String? {
        let path = repositoryRoot.appendingPathComponent(".build-baseline/\(name)").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// One figure's ratio to the C++ client measured just before or after it.
    struct PairedRatio {
        var transport: String
        var operation: String
        var callers: Int
        var cpu: Double
        var throughput: Double
    }

    static func run(seconds: Double, callers: [Int], rounds: Int, memorySeconds: Double) async throws {
        guard let serverBinary = baselineBinary("grep11-fast-server"),
            let clientBinary = baselineBinary("grep11-cpp-client")
        else {
            print("grpc-baseline: n/a: build the C++ baselines first (Benchmarks/baseline/build.sh)")
            return
        }
        let server = try ChildServer(serverBinary, ["--listen", "127.0.0.1:0"])
        defer { server.stop() }
        let endpoint = "127.0.0.1:\(server.port)"
        print(
            "grpc-baseline: \(ProcessInfo.processInfo.activeProcessorCount) cores; clients against the C++ "
                + "answer-at-once server (pid \(server.pid), \(endpoint)); \(seconds) s per figure, one process each")
        var results: [ClientBench.Result] = []
        var ratios: [PairedRatio] = []
        for round in 1...rounds {
            if rounds > 1 { print("round \(round) of \(rounds):") }
            // Odd rounds measure the C++ client last, even ones first, so that a drift of the machine's load
            // during a round does not always favour the same side.
            let cppFirst = round % 2 == 0
            for operation in ClientBench.Operation.allCases {
                for count in callers {
                    var row: [ClientBench.Result] = []
                    // The C++ client gives each call the deadline an EP11Client call has: the same work. Its
                    // figure without deadlines is printed too (cpp-no-deadline), not compared against.
                    let cpp = {
                        [(callDeadlineMilliseconds, nil), (0, "cpp-no-deadline")].flatMap { deadline, label in
                            measureChild(
                                clientBinary,
                                [
                                    "--endpoint", endpoint, "--callers", "\(count)", "--op", operation.rawValue,
                                    "--seconds", "\(seconds)", "--deadline-ms", "\(deadline)",
                                ], label: label)
                        }
                    }
                    if cppFirst { row += cpp() }
                    for transport in ["nio", "cgrpc", Self.queueThreadLabel] {
                        let onQueueThread = transport == Self.queueThreadLabel
                        row += measureChild(
                            selfExecutable,
                            [
                                "--endpoint", endpoint, "--transport", onQueueThread ? "cgrpc" : transport,
                                "--callers", "\(count)", "--op", operation.rawValue, "--seconds", "\(seconds)",
                            ], onQueueThread: onQueueThread)
                    }
                    if !cppFirst { row += cpp() }
                    if let oldClient = ClientBench.oldClientBinary {
                        row += measureChild(
                            oldClient,
                            [
                                "--endpoint", endpoint, "--transport", "nio", "--callers", "\(count)", "--op",
                                operation.rawValue, "--seconds", "\(seconds)",
                            ])
                    }
                    if let cpp = row.first(where: { $0.transport == "cpp" }) {
                        for result in row where result.transport != "cpp" {
                            let ratio = PairedRatio(
                                transport: result.transport, operation: operation.rawValue, callers: count,
                                cpu: result.cpuMicrosecondsPerCall / max(cpp.cpuMicrosecondsPerCall, 0.001),
                                throughput: result.opsPerSecond / max(cpp.opsPerSecond, 0.001))
                            ratios.append(ratio)
                            print(
                                String(
                                    format: "  %@ vs cpp (%@, %d callers): client CPU/call %.2fx, throughput %.2fx",
                                    result.transport as NSString, operation.rawValue as NSString, count, ratio.cpu,
                                    ratio.throughput))
                        }
                    }
                    for line in ClientBench.comparedToOldBuild(row) { print(line) }
                    results += row
                }
            }
        }
        if rounds > 1 {
            print("")
            print("over \(rounds) rounds, each ratio against the C++ client of its own round: median (range)")
            for line in summary(ratios) { print("  " + line) }
        }
        print("")
        print("memory: \(Int(memorySeconds)) s, 32 callers, GenerateRandom on the nio transport (RSS every 5 s):")
        let long = measureChild(
            selfExecutable,
            [
                "--endpoint", endpoint, "--transport", "nio", "--callers", "32", "--op", "random", "--seconds",
                "\(memorySeconds)", "--rss-interval", "5",
            ], echoOther: true)
        results += long
        print("")
        for result in results { print(result.line) }
    }

    /// One line per transport, operation and caller count: the median and range of its paired ratios.
    static func summary(_ ratios: [PairedRatio]) -> [String] {
        var order: [String] = []
        var groups: [String: [PairedRatio]] = [:]
        for ratio in ratios {
            let key = "\(ratio.transport) \(ratio.operation) \(ratio.callers)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(ratio)
        }
        func spread(_ values: [Double]) -> String {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            return String(format: "%.2fx (%.2f-%.2f)", median, sorted[0], sorted[sorted.count - 1])
        }
        return order.compactMap { key in
            guard let group = groups[key], let first = group.first else { return nil }
            return String(
                format: "%@ vs cpp (%@, %d callers, %d rounds): client CPU/call %@, throughput %@",
                first.transport as NSString, first.operation as NSString, first.callers, group.count,
                spread(group.map(\.cpu)) as NSString, spread(group.map(\.throughput)) as NSString)
        }
    }

    /// The deadline of an EP11Client call by default (its per-call timeout), in milliseconds: the C++ client's.
    static var callDeadlineMilliseconds: Int64 {
        let (seconds, attoseconds) = EP11Client.Timeouts().call.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The C-core client with its callers on the completion-queue thread (`EP11Client.cgrpcTaskExecutor`).
    static let queueThreadLabel = "cgrpc-cq"

    /// Runs a client process and returns its RESULT lines (printing them, and with `echoOther` its other lines).
    /// With `label`, its results are labelled so.
    /// With `onQueueThread`, the child's callers prefer the C core's completion-queue thread
    /// (`HPCS_BENCH_CGRPC_EXECUTOR=1`, read by ``Measurement``) and its cgrpc results are labelled cgrpc-cq.
    static func measureChild(
        _ executable: String, _ arguments: [String], echoOther: Bool = false, onQueueThread: Bool = false,
        label: String? = nil
    ) -> [ClientBench.Result] {
        if onQueueThread { setenv("HPCS_BENCH_CGRPC_EXECUTOR", "1", 1) }
        defer { if onQueueThread { unsetenv("HPCS_BENCH_CGRPC_EXECUTOR") } }
        guard let (status, output) = try? Spawn.run(executable, arguments) else {
            print("  \(executable): cannot start")
            return []
        }
        var results: [ClientBench.Result] = []
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            if var result = ClientBench.Result(line: line) {
                if onQueueThread, result.transport == "cgrpc" { result.transport = queueThreadLabel }
                if let label { result.transport = label }
                results.append(result)
                print("  " + result.line)
            } else if echoOther {
                print("  " + line)
            }
        }
        if status != 0 || results.isEmpty {
            print(
                "  \(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")): "
                    + "failed (exit status \(status))")
        }
        return results
    }
}

/// CPU time of a process, from /proc/<pid>/stat.
enum ProcStat {
    /// User plus system CPU seconds of `pid` (its threads included), or nil when it cannot be read.
    static func cpuSeconds(_ pid: pid_t) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }
}
