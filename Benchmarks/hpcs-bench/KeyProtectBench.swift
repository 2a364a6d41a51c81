import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import TestSupport

/// Key Protect: wrap+unwrap pairs per second through `KeyProtectClient` against `KeyProtectMock` over loopback HTTP,
/// beside IBM's Python client (PyPI `keyprotect` 3.x) doing the same pairs against the same mock in the same run.
///
/// The baseline runs `keyprotect_pairs.py` (beside this file) with the interpreter from `HPCS_PYTHON`, the venv
/// `scripts/install-deps.sh` makes at `.build-python/`, or `python3` on `PATH`, in that order.
enum KeyProtectBench {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let pairsScript = directory.appendingPathComponent("keyprotect_pairs.py").path

    /// The Python figure, or why there is none.
    enum Baseline {
        case pairsPerSecond(Double, detail: String)
        case unavailable(String)
    }

    static func run(seconds: Double, callers: [Int]) async throws {
        print("")
        print("Key Protect: wrap+unwrap pairs (32-byte DEK) against KeyProtectMock over HTTP/1.1 loopback")
        let apiKey = "bench-" + UUID().uuidString.lowercased()
        let mock = KeyProtectMock(configuration: .init(apiKeys: [apiKey]))
        let instanceID = UUID().uuidString.lowercased()
        let key = mock.createRootKey(instanceID: instanceID, name: "bench-root-key")

        let rows: [Row] = try await mock.withServer(host: "127.0.0.1", port: 0) { baseURL in
            // The baseline first, while nothing else runs in this process.
            let baseline = await pythonBaseline(
                baseURL: baseURL, instanceID: instanceID, apiKey: apiKey, keyID: key.id, seconds: seconds)
            let baselineName: String
            let baselineValue: Double?
            switch baseline {
            case .pairsPerSecond(let value, let detail):
                print("baseline: IBM Python client, 1 caller (same mock, same run): \(detail)")
                baselineName = "IBM Python keyprotect"
                baselineValue = value
            case .unavailable(let reason):
                print("baseline: IBM Python client n/a: \(reason)")
                baselineName = "IBM Python keyprotect"
                baselineValue = nil
            }

            let client = try KeyProtectClient(
                instance: .init(endpoint: baseURL, instanceID: instanceID),
                credentials: .apiKey(APIKey(apiKey), iam: .init(endpoint: baseURL)),
                configuration: .init(retryPolicy: .none))
            let keyID = key.id
            let dek = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var rows: [Row] = []
            for count in callers {
                let result = try await Measurement.run(seconds: seconds, callers: count) {
                    let wrapped = try await client.wrap(dek, keyID: keyID)
                    let unwrapped = try await client.unwrap(wrapped.ciphertext, keyID: keyID)
                    guard unwrapped.plaintext == dek else { throw BenchError("unwrap returned another key") }
                }
                rows.append(
                    Row(
                        operation: "KeyProtect wrap+unwrap pair",
                        transport: "HTTP/1.1 loopback",
                        callers: count,
                        result: result,
                        baselineName: baselineName,
                        baseline: baselineValue
                    )
                )
            }
            return rows
        }
        print(Row.header.replacingOccurrences(of: "  ops/s", with: "pairs/s"))
        for row in rows { print(row.line) }
    }

    /// Runs the Python pairs loop against the mock and reads its figure.
    static func pythonBaseline(baseURL: String, instanceID: String, apiKey: String, keyID: String, seconds: Double)
        async -> Baseline
    {
        guard FileManager.default.isReadableFile(atPath: pairsScript) else {
            return .unavailable("\(pairsScript) not found")
        }
        var candidates: [[String]] = []
        if let configured = ProcessInfo.processInfo.environment["HPCS_PYTHON"], !configured.isEmpty {
            candidates.append([configured])
        }
        let root = directory.deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".build-python/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: venv) { candidates.append([venv]) }
        candidates.append(["/usr/bin/env", "python3"])

        var reasons: [String] = []
        for command in candidates {
            let arguments =
                Array(command.dropFirst()) + [
                    pairsScript, baseURL, baseURL, instanceID, "-", keyID, String(format: "%.1f", seconds),
                ]
            let output: ChildProcess.Output
            do {
                // The API key through the environment, not argv.
                output = try await ChildProcess.run(
                    command[0], arguments, environment: ["HPCS_API_KEY": apiKey],
                    timeout: .seconds(Int64(seconds.rounded(.up)) + 60))
            } catch {
                reasons.append("\(command.joined(separator: " ")): \(error)")
                continue
            }
            let lines = output.text.split(separator: "\n").map(String.init)
            if output.status == 0, let line = lines.last(where: { $0.hasPrefix("pairs_per_second=") }),
                let value = Double(line.dropFirst("pairs_per_second=".count).prefix { $0 != " " })
            {
                return .pairsPerSecond(value, detail: line)
            }
            let last = lines.last ?? "exit \(output.status)"
            if output.status == 3 || output.status == 127 {
                reasons.append("\(command.joined(separator: " ")): \(last)")
                continue
            }
            // The client is there but the pairs failed: that is the answer, not a reason to try another python.
            return .unavailable("\(command.joined(separator: " ")) failed (exit \(output.status)): \(last)")
        }
        return .unavailable(
            "no python3 with keyprotect 3.x (run scripts/install-deps.sh or set HPCS_PYTHON); "
                + reasons.joined(separator: "; "))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
