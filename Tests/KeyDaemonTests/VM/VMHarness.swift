import Foundation
import TestSupport
import Testing

/// Boots a VM with scripts/vm/run.sh and runs a guest script that sources scripts/vm/guest-lib.sh, on disk images
/// the host keeps between boots: the key daemon's scenarios on a real kernel (dm-crypt, ext4, mount).
struct VMHarness {
    static let root = PythonInterpreter.repositoryRoot
    static let runScript = root.appendingPathComponent("scripts/vm/run.sh").path
    static let guestLibrary = root.appendingPathComponent("scripts/vm/guest-lib.sh").path
    static let hpcsTool = HPCSTool.path

    /// Why the VM suite cannot run here (no QEMU, no kernel, no busybox, no built hpcs-tool), or nil.
    static let missing: String? = {
        let fileManager = FileManager.default
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        func onPath(_ tool: String) -> Bool {
            path.contains { fileManager.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        if !onPath("qemu-system-x86_64") { return "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)" }
        let kernels = (try? fileManager.contentsOfDirectory(atPath: "/boot")) ?? []
        if !kernels.contains(where: { $0.hasPrefix("vmlinuz-") && $0.hasSuffix("-amd64") }) {
            return "no /boot/vmlinuz-*-amd64 (Debian: linux-image-amd64)"
        }
        if !onPath("busybox") && !fileManager.isExecutableFile(atPath: "/bin/busybox") {
            return "busybox is not installed (Debian: busybox-static)"
        }
        if !onPath("cpio") { return "cpio is not installed" }
        if !HPCSTool.isBuilt { return "hpcs-tool is not built (.build/debug/hpcs-tool)" }
        return nil
    }()

    /// The VM suite runs where QEMU and a kernel are installed, and always in CI, where a missing one fails it.
    static let enabled = missing == nil || PythonInterpreter.isCI

    /// Fails the test (in CI, where the suite is enabled without QEMU or a kernel) with what is missing.
    static func requireTools() throws {
        if let missing {
            Issue.record("the VM suite needs QEMU and a Debian kernel: \(missing); run scripts/install-deps.sh")
            throw VMUnavailable()
        }
    }

    struct VMUnavailable: Error {}

    /// What one boot showed.
    struct Boot: CustomStringConvertible {
        var status: Int32
        var output: String
        /// Wall time of the whole boot, as the host measured it.
        var seconds: Double

        /// `vm-<name>: value` lines of the guest script.
        func value(_ name: String) -> String? {
            let prefix = "vm-\(name): "
            return output.split(separator: "\n").last { $0.hasPrefix(prefix) }.map {
                String($0.dropFirst(prefix.count))
            }
        }

        /// `vm-mark: NAME SECONDS` (seconds since the kernel booted).
        func mark(_ name: String) -> Double? {
            output.split(separator: "\n").compactMap { line -> Double? in
                let fields = line.split(separator: " ")
                guard fields.count == 3, fields[0] == "vm-mark:", fields[1] == name else { return nil }
                return Double(fields[2])
            }.last
        }

        var mapperPresent: Bool { value("mapper") == "present" }
        /// `/dev/mapper/<name> ext4` when /proc/mounts has the mount point.
        var mount: String? { value("mount").flatMap { $0.isEmpty ? nil : $0 } }
        var file: String? { value("file") }
        var messageIDs: Set<String> { Set((value("ids") ?? "").split(separator: " ").map(String.init)) }
        var keyfileDigest: String? { value("keyfile") }

        var description: String { "exit \(status) after \(Int(seconds)) s:\n\(output.suffix(4000))" }
    }

    /// A scratch folder shared with the guest, removed at the end.
    let work: String

    static func withWork<T>(_ body: (VMHarness) async throws -> T) async throws -> T {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hpcs-vm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        return try await body(VMHarness(work: work))
    }

    /// Checks that QEMU and a kernel are there, then runs `body` with a scratch folder and a sparse `disk.img` of
    /// `megabytes` in it.
    static func withDisk<T>(megabytes: Int = 200, _ body: (VMHarness, String) async throws -> T) async throws -> T {
        try requireTools()
        return try await withWork { vm in try await body(vm, try vm.disk("disk.img", megabytes: megabytes)) }
    }

    /// A sparse disk image of `megabytes` in the work folder.
    func disk(_ name: String, megabytes: Int = 200) throws -> String {
        let path = work + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw VMUnavailable()
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(megabytes) << 20)
        try handle.close()
        return path
    }

    /// Boots once and runs `script` (bash, after sourcing guest-lib.sh with `environment` set first).
    func boot(
        _ script: String, disks: [String], environment: [String: String] = [:], memory: Int = 1024,
        timeout: Int = 420
    ) async throws -> Boot {
        let exports = environment.sorted { $0.key < $1.key }.map { "export \($0.key)='\($0.value)'" }
        let text = (exports + ["source '\(Self.guestLibrary)'", script]).joined(separator: "\n") + "\n"
        let scriptPath = work + "/scenario.sh"
        try text.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        // The daemon's log is per boot.
        try? FileManager.default.removeItem(atPath: work + "/keyd.log")
        let started = ContinuousClock.now
        var arguments = ["--work", work, "--memory", "\(memory)", "--timeout", "\(timeout)"]
        for disk in disks { arguments += ["--disk", disk] }
        let output = try await ChildProcess.run(
            Self.runScript, arguments + ["--", "bash", scriptPath], timeout: .seconds(timeout + 60))
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Boot(status: output.status, output: output.text, seconds: seconds)
    }

    /// SHA-256 of a file (the whole disk image), to show that a boot left it untouched.
    static func digest(_ path: String) async throws -> String {
        let output = try await ChildProcess.run("/usr/bin/sha256sum", [path], timeout: .seconds(120))
        return String(output.text.prefix(64))
    }

    /// Prints a boot's timing for the closing report.
    static func report(_ scenario: String, _ boot: Boot) {
        let mounted = boot.mark("mounted").map { String(format: "%.1f s", $0) } ?? "not mounted"
        print("VM \(scenario): boot-to-mounted \(mounted), boot wall time \(String(format: "%.1f s", boot.seconds))")
    }
}
