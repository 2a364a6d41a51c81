import EP11
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// old-ep11-client --endpoint HOST:PORT [--callers N] [--op sign|random] [--seconds S]
// The load of `hpcs-bench --endpoint --transport nio` on the f9bc0c1 library, by the same loop (Measurement.swift,
// linked from Benchmarks/hpcs-bench): callers keep one call each in flight;
// after one call per caller and a 1 s warm-up, the process's CPU (getrusage) over the window divided by the calls
// is the client's CPU per call, and VmHWM its peak memory. Prints one line:
// `RESULT transport=nio-f9bc0c1 op=… callers=… ops_s=… p50_us=… p99_us=… cli_cpu_us=… cli_rss_mb=…`.

struct UsageError: Error, CustomStringConvertible { var description: String }

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakResidentMB() -> Double {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    return kibibytes * 1024 / 1e6
}

guard let endpoint = option("--endpoint"), let colon = endpoint.lastIndex(of: ":"),
    let port = Int(endpoint[endpoint.index(after: colon)...])
else { throw UsageError(description: "--endpoint HOST:PORT is required") }
let host = String(endpoint[..<colon])
let callers = Int(option("--callers") ?? "32") ?? 32
let seconds = Double(option("--seconds") ?? "5") ?? 5
let operation = option("--op") ?? "sign"
if let transport = option("--transport"), transport != "nio" {
    throw UsageError(description: "the f9bc0c1 client has the nio transport only")
}

var configuration = EP11Client.Configuration(host: host, port: port, transportSecurity: .plaintext)
configuration.retryPolicy = EP11Client.RetryPolicy.none
try await withEP11Client(configuration) { client in
    let call: @Sendable () async throws -> Void
    switch operation {
    case "random":
        call = { _ = try await client.generateRandom(count: 32) }
    case "sign":
        let pair = try await client.generateKeyPair(
            .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256)], privateKeyTemplate: [.sign(true)])
        let key = pair.privateKey
        let digest = [UInt8](repeating: 0x44, count: 32)
        call = { _ = try await client.sign(digest, key: key, mechanism: .ecdsa) }
    default:
        throw UsageError(description: "--op must be sign or random")
    }
    _ = try await Measurement.run(seconds: min(1, seconds), callers: callers, call)
    let before = cpuSeconds()
    let measurement = try await Measurement.run(seconds: seconds, callers: callers, call)
    let cpu = cpuSeconds() - before
    print(
        String(
            format:
                "RESULT transport=nio-f9bc0c1 op=%@ callers=%d ops_s=%.0f p50_us=%.0f p99_us=%.0f cli_cpu_us=%.1f cli_rss_mb=%.1f",
            operation as NSString, callers, measurement.opsPerSecond, measurement.p50Milliseconds * 1000,
            measurement.p99Milliseconds * 1000,
            measurement.operations > 0 ? cpu * 1e6 / Double(measurement.operations) : 0, peakResidentMB()))
    fflush(nil)
}
