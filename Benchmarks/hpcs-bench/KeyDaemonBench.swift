import Foundation
import IAM
import KeyDaemon
import KeyProtect

#if canImport(Glibc)
    import Glibc
#endif

/// `hpcs-bench --keyd`: the key daemon against a standalone `hpcs-tool mock kms`.
///
/// - Boot to passphrase: inspect the image, read the keyfile, get an IAM token, unwrap the seed, derive the
///   passphrase (a fresh daemon each round, so each round pays for its token). The LUKS KDF (cryptsetup's argon2id
///   default) is measured apart. Baseline in the same run: `curl` doing the two HTTP calls a boot needs (token,
///   unwrap) against the same server.
/// - Monitor: a ``KeyMonitor`` polling every second; the bench process's CPU time and memory over the window.
///   Baseline in the same run: a `curl` per second fetching the same metadata from the same server.
enum KeyDaemonBench {
    static func run(rounds: Int, monitorSeconds: Double) async throws {
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("hpcs-tool").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            print("keyd: n/a: \(tool) not found (build it: swift build -c release --product hpcs-tool)")
            return
        }
        let missing = VolumeTools().check().map(\.executableName)
        guard missing.isEmpty else {
            print("keyd: n/a: missing tools: \(missing.joined(separator: ", "))")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hpcs-bench-keyd-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let apiKey = "bench-" + UUID().uuidString.lowercased()
        let apiKeyFile = directory.appendingPathComponent("api-key").path
        try Data(apiKey.utf8).write(to: URL(fileURLWithPath: apiKeyFile))
        chmod(apiKeyFile, 0o600)
        let instance = UUID().uuidString.lowercased()
        let keyID = UUID().uuidString.lowercased()
        let server = try ChildServer(
            tool,
            [
                "mock", "kms", "--listen", "127.0.0.1:0", "--api-key-file", apiKeyFile, "--instance-id", instance,
                "--key-id", keyID, "--rotation-interval", "0", "--enable-delay", "0",
            ],
            portPrefix: "port:")
        defer { server.stop() }
        let baseURL = "http://127.0.0.1:\(server.port)"
        let crn = try CRN(parsing: "crn:v1:bluemix:public:kms:us-south:a/mock-account:\(instance):key:\(keyID)")
        let volume = VolumeConfiguration(
            name: "bench", envSeed: SecretBytes(utf8: "bench env seed"),
            workloadSeed: SecretBytes(utf8: "bench workload seed"),
            kms: [KMSEntry(apiKey: APIKey(apiKey), crn: crn, network: .public)], kmsTimeout: .seconds(60))
        func service() throws -> KeyProtectSeedService {
            try KeyProtectSeedService(entry: volume.kms[0], kmsEndpoint: baseURL, iamEndpoint: baseURL)
        }

        // A provisioned image with a production keyslot (cryptsetup's default argon2id).
        let image = directory.appendingPathComponent("volume.img").path
        guard FileManager.default.createFile(atPath: image, contents: nil),
            truncate(image, 160 * 1024 * 1024) == 0
        else { throw BenchError("cannot create \(image)") }
        let device = DiskVolume(path: image)
        let setupStart = ContinuousClock.now
        let outcome = try await VolumeProvisioner(
            volume: volume, device: device, services: [try service()],
            options: .init(keyDerivation: .cryptsetupDefault, activate: false)
        ).provision()
        print(
            "keyd: provisioned a 160 MiB image (\(outcome.decision)) in \(milliseconds(ContinuousClock.now - setupStart)) ms, "
                + "cryptsetup default KDF included; mock kms pid \(server.pid), port \(server.port)")

        // Boot to passphrase, KDF excluded.
        var inspect: [Double] = []
        var unwrap: [Double] = []
        var total: [Double] = []
        var passphrase: SecretBytes?
        for _ in 0..<max(1, rounds) {
            let seedService = try service()
            let start = ContinuousClock.now
            let inspection = try await DeviceInspection.inspect(device)
            let inspected = ContinuousClock.now
            guard let keyfile = inspection.keyfile else { throw BenchError("the image has no keyfile") }
            let wrapped = try WrappedSeed(decoding: keyfile)
            let seed = try await seedService.unwrap(wrapped).seed
            passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: seed)
            let end = ContinuousClock.now
            inspect.append(milliseconds(inspected - start))
            unwrap.append(milliseconds(end - inspected))
            total.append(milliseconds(end - start))
        }
        guard let passphrase else { throw BenchError("no passphrase") }
        let kdfStart = ContinuousClock.now
        let opens = try await device.testPassphrase(.dataPartition, passphrase: passphrase)
        let kdf = milliseconds(ContinuousClock.now - kdfStart)

        let token = curlToken(baseURL: baseURL, apiKey: apiKey)
        var curlTimes: [Double] = []
        if token != nil {
            let ciphertext = try WrappedSeed(decoding: try await device.readKeyfile() ?? []).ciphertext
            for _ in 0..<max(1, rounds) {
                let start = ContinuousClock.now
                guard let fresh = curlToken(baseURL: baseURL, apiKey: apiKey),
                    curl([
                        "-X", "POST", "-H", "authorization: Bearer \(fresh)", "-H", "bluemix-instance: \(instance)",
                        "-H", "content-type: application/json", "--data", "{\"ciphertext\":\"\(ciphertext)\"}",
                        "\(baseURL)/api/v2/keys/\(keyID)/actions/unwrap",
                    ]) != nil
                else { break }
                curlTimes.append(milliseconds(ContinuousClock.now - start))
            }
        }
        print("")
        print("| boot to passphrase (KDF excluded), \(total.count) boots | p50 ms | p90 ms | max ms |")
        print("|---|---|---|---|")
        print(row("hpcs-keyd: inspect + token + unwrap + derive", total))
        print(row("  of which device inspection (sfdisk, debugfs, cryptsetup isLuks)", inspect))
        print(row("  of which IAM token + unwrap", unwrap))
        print(
            curlTimes.isEmpty
                ? "| baseline: curl token + unwrap | n/a | n/a | n/a |"
                : row("baseline: curl token + unwrap (same server)", curlTimes))
        print(
            String(
                format: "| LUKS KDF, reported apart: cryptsetup --test-passphrase, argon2id default | %.0f | | |", kdf))
        print("target: p50 under 50 ms; passphrase opens the volume: \(opens)")

        // The daemon as it runs in production: `hpcs-tool keyd run` in its own process, on a second image.
        let daemonImage = directory.appendingPathComponent("daemon.img").path
        guard FileManager.default.createFile(atPath: daemonImage, contents: nil),
            truncate(daemonImage, 160 * 1024 * 1024) == 0
        else { throw BenchError("cannot create \(daemonImage)") }
        let contract = directory.appendingPathComponent("contract.yaml").path
        try """
        env: |
          volumes:
            bench:
              seed: "bench env seed"
              kms:
                - apiKey: "\(apiKey)"
                  crn: "\(crn)"
                  type: public
        workload: |
          volumes:
            bench:
              seed: "bench workload seed"
        """.write(toFile: contract, atomically: true, encoding: .utf8)
        // hpcs-keyd is the daemon's own binary (hpcs-tool keyd run also works, with the mocks and CA linked in).
        let keydBinary = URL(fileURLWithPath: tool).deletingLastPathComponent().appendingPathComponent("hpcs-keyd").path
        let daemon = try ChildServer(
            FileManager.default.isExecutableFile(atPath: keydBinary) ? keydBinary : tool,
            [
                "keyd", "run", "--contract", contract, "--device", daemonImage, "--kms-endpoint", baseURL,
                "--iam-endpoint", baseURL, "--interval", "1", "--power", "log", "--luks-pbkdf2-iterations", "1000",
            ],
            portPrefix: "activation:", acceptAnyValue: true)
        defer { daemon.stop() }
        let daemonCPUBefore = processCPUSeconds(daemon.pid)

        // The monitor over the window, beside a curl poller.
        let seconds = max(5, monitorSeconds)
        let power = RecordingPowerControl()
        let monitor = KeyMonitor(
            volume: volume, device: device, service: try service(), power: power, interval: .seconds(1))
        let before = usage()
        let memoryBefore = memory()
        let wallStart = ContinuousClock.now
        let monitorTask = Task { try await monitor.monitor() }
        let poller = CurlPoller(baseURL: baseURL, apiKey: apiKey, instance: instance, keyID: keyID, seconds: seconds)
        let pollerThread = Thread { poller.run() }
        pollerThread.start()
        try await Task.sleep(for: .seconds(seconds))
        monitorTask.cancel()
        _ = try? await monitorTask.value
        let wall = (ContinuousClock.now - wallStart)
        while !poller.finished { try await Task.sleep(for: .milliseconds(50)) }
        let after = usage()
        let memoryAfter = memory()
        let daemonCPU = processCPUSeconds(daemon.pid) - daemonCPUBefore
        let daemonMemory = daemon.memory()
        let monitorCPU = after.selfSeconds - before.selfSeconds
        let curlCPU = after.childrenSeconds - before.childrenSeconds
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        print("")
        print("| polling at 1 s for \(Int(seconds)) s | CPU s | % of a core | memory |")
        print("|---|---|---|---|")
        print(
            String(
                format:
                    "| hpcs-keyd keyd run (its own process, after provisioning) | %.3f | %.2f%% | RSS %.1f MB, peak %.1f MB (%@) |",
                daemonCPU, 100 * daemonCPU / wallSeconds, Double(daemonMemory.residentKiB) * 1.024 / 1000,
                Double(daemonMemory.peakKiB) * 1.024 / 1000, daemon.memoryBreakdown() as NSString))
        print(
            String(
                format:
                    "| KeyMonitor in process (whole bench process) | %.3f | %.2f%% | RSS %d MiB, peak %d MiB (%d MiB before the window) |",
                monitorCPU, 100 * monitorCPU / wallSeconds, memoryAfter.residentKiB / 1024, memoryAfter.peakKiB / 1024,
                memoryBefore.residentKiB / 1024))
        print(
            String(
                format: "| baseline: curl per second (%d polls, same server) | %.3f | %.2f%% | |",
                poller.polls, curlCPU, 100 * curlCPU / wallSeconds))
        print("target: monitor under 1% of a core and under 40 MB; power actions during the window: \(power.actions)")
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func row(_ name: String, _ values: [Double]) -> String {
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))]
        }
        return String(
            format: "| %@ | %.1f | %.1f | %.1f |", name as NSString, quantile(0.5), quantile(0.9), sorted.last ?? 0)
    }

    static func usage() -> (selfSeconds: Double, childrenSeconds: Double) {
        func seconds(_ who: Int32) -> Double {
            var value = rusage()
            getrusage(__rusage_who_t(who), &value)
            return Double(value.ru_utime.tv_sec + value.ru_stime.tv_sec)
                + Double(value.ru_utime.tv_usec + value.ru_stime.tv_usec) / 1e6
        }
        return (seconds(RUSAGE_SELF.rawValue), seconds(RUSAGE_CHILDREN.rawValue))
    }

    /// User plus system CPU seconds of process `pid` (fields 14 and 15 of /proc/PID/stat).
    static func processCPUSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? (user + system) / ticks : 0
    }

    static func memory() -> (residentKiB: Int, peakKiB: Int) {
        let fields = ProcStatus.kibibytes("/proc/self/status", ["VmRSS:", "VmHWM:"])
        return (fields[0], fields[1])
    }

    static func curl(_ arguments: [String]) -> [UInt8]? {
        guard let result = try? Spawn.run("/usr/bin/curl", ["-s", "-f"] + arguments), result.status == 0 else {
            return nil
        }
        return result.stdout
    }

    static func curlToken(baseURL: String, apiKey: String) -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
            let body = curl([
                "-X", "POST", "-H", "content-type: application/x-www-form-urlencoded", "--data",
                "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=\(apiKey)",
                "\(baseURL)/identity/token",
            ]),
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return nil }
        return object["access_token"] as? String
    }
}

/// A `curl` per second fetching the key's metadata, on its own thread (it blocks on each child).
final class CurlPoller: @unchecked Sendable {
    let baseURL: String
    let apiKey: String
    let instance: String
    let keyID: String
    let seconds: Double
    private let lock = NSLock()
    private var done = false
    private var count = 0

    init(baseURL: String, apiKey: String, instance: String, keyID: String, seconds: Double) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.instance = instance
        self.keyID = keyID
        self.seconds = seconds
    }

    var finished: Bool { lock.withLock { done } }
    var polls: Int { lock.withLock { count } }

    func run() {
        defer { lock.withLock { done = true } }
        guard let token = KeyDaemonBench.curlToken(baseURL: baseURL, apiKey: apiKey) else { return }
        let start = Date()
        var next = start
        while Date().timeIntervalSince(start) < seconds {
            _ = KeyDaemonBench.curl([
                "-H", "authorization: Bearer \(token)", "-H", "bluemix-instance: \(instance)",
                "\(baseURL)/api/v2/keys/\(keyID)/metadata",
            ])
            lock.withLock { count += 1 }
            next = next.addingTimeInterval(1)
            let wait = next.timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
    }
}
