import Foundation
import TestSupport
import Testing

private let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// packaging/systemd/hpcs-keyd.service, as an image builder installs it, checked by systemd itself.
@Suite(
    "systemd unit of the key daemon",
    // systemd-analyze comes with systemd (scripts/install-deps.sh installs it); in CI its absence fails the suite.
    .enabled(if: systemdAnalyze != nil || PythonInterpreter.isCI, "systemd-analyze is not installed")
)
struct SystemdUnitTests {
    static let unit = PythonInterpreter.repositoryRoot.appendingPathComponent("packaging/systemd/hpcs-keyd.service")

    /// The unit with its ExecStart binary pointing at an executable that exists here (verify checks it).
    static func installedCopy(in folder: String) throws -> String {
        let built = PythonInterpreter.repositoryRoot.appendingPathComponent(".build/debug/hpcs-keyd").path
        let binary = FileManager.default.isExecutableFile(atPath: built) ? built : "/bin/true"
        let text = try String(contentsOf: unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hpcs-keyd", with: binary)
        let path = folder + "/hpcs-keyd.service"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func withFolder<T>(_ body: (String) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try await body(folder)
    }

    @Test("systemd-analyze verify accepts the unit without a single warning")
    func verifies() async throws {
        let analyze = try #require(systemdAnalyze, "systemd-analyze is not installed (Debian: systemd)")
        try await Self.withFolder { folder in
            let path = try Self.installedCopy(in: folder)
            let output = try await ChildProcess.run(analyze, ["verify", path], timeout: .seconds(60))
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(output.text)")

            // The check can fail: a misspelled key is reported.
            let broken = folder + "/broken.service"
            try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "Type=exec", with: "Typo=exec")
                .write(toFile: broken, atomically: true, encoding: .utf8)
            let rejected = try await ChildProcess.run(analyze, ["verify", broken], timeout: .seconds(60))
            #expect(rejected.text.contains("Unknown key 'Typo'"), "\(rejected.text)")
        }
    }

    @Test(
        "the unit runs keyd with --power systemd after the network, is started only once mounted, never retries a refusal"
    )
    func settings() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("After=network-online.target systemd-udev-settle.service local-fs.target"))
        #expect(lines.contains("Wants=network-online.target"))
        #expect(
            lines.contains {
                $0.hasPrefix("ExecStart=/usr/local/bin/hpcs-keyd keyd run ") && $0.contains("--power systemd")
            })
        #expect(lines.contains { $0.hasPrefix("ExecStartPost=") && $0.contains("mountpoint -q") })
        #expect(lines.contains("Restart=on-failure"))
        #expect(lines.contains("RestartPreventExitStatus=2 3 4 5"))
        // A mount namespace of its own would hide the volume's mount from the workload.
        for option in ["PrivateTmp", "ProtectSystem", "ProtectHome", "PrivateDevices", "PrivateMounts", "MountFlags"] {
            #expect(!lines.contains { $0.hasPrefix(option + "=") }, "\(option) gives the daemon its own mounts")
        }
    }

    @Test("systemd-analyze security rates the unit's exposure below 7 (of 10)")
    func exposure() async throws {
        let analyze = try #require(systemdAnalyze, "systemd-analyze is not installed (Debian: systemd)")
        try await Self.withFolder { folder in
            let path = try Self.installedCopy(in: folder)
            let output = try await ChildProcess.run(
                analyze, ["security", "--offline=true", "--no-pager", path], timeout: .seconds(60))
            let line = try #require(
                output.text.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(output.text)")
            let number = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
            let exposure = try #require(number, "\(line)")
            #expect(exposure < 7.0, "\(line)")
        }
    }
}
