import Foundation
import TestSupport
import Testing

@testable import KeyDaemon

/// Devices that are real image files in a temporary folder, driven by ``DiskVolume`` and the real tools.
struct ImageFileDevices: DeviceFactory {
    let directory: String
    let scratch: String
    var name: String { "image files" }
    var keyDerivation: LUKSKeyDerivation { VolumeFixture.fastKDF }

    func device(_ path: String) -> DiskVolume {
        DiskVolume(
            path: path,
            configuration: .init(toolTimeout: .seconds(60), lockTimeout: .seconds(60), scratchDirectory: scratch))
    }

    func blank() async throws -> any VolumeDevice {
        let path = directory + "/disk-\(UUID().uuidString).img"
        try VolumeFixture.makeSparseFile(path, size: VolumeFixture.imageSize)
        return device(path)
    }

    func singlePartition() async throws -> any VolumeDevice {
        let path = directory + "/single-\(UUID().uuidString).img"
        try VolumeFixture.makeSparseFile(path, size: VolumeFixture.imageSize)
        let output = try await ChildProcess.run(
            "/bin/sh", ["-c", "printf 'label: gpt\\nname=only\\n' | sfdisk -q '\(path)'"], timeout: .seconds(30))
        guard output.status == 0 else { throw FixtureError("sfdisk failed: \(output.text)") }
        return device(path)
    }

    static func with(_ body: (ImageFileDevices) async throws -> Void) async throws {
        let directory = try VolumeFixture.makeTemporaryDirectory(in: NSTemporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scratch = try VolumeFixture.makeTemporaryDirectory(in: "/dev/shm")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try await body(ImageFileDevices(directory: directory, scratch: scratch))
    }
}

let volumeToolsPresent = VolumeTools().check([.sfdisk, .mkfsExt4, .debugfs, .cryptsetup]).isEmpty

/// Every row of the decision table on real LUKS2 image files against the Key Protect mock: the passphrase the
/// daemon derives is checked by `cryptsetup open --test-passphrase`, and volume keys by `luksDump`.
extension RealDevices {
    @Suite(
        "The decision table on real LUKS2 image files",
        .enabled(if: volumeToolsPresent || PythonInterpreter.isCI, "sfdisk, mkfs.ext4, debugfs or cryptsetup missing")
    )
    struct ImageDecisionTableTests {
        func run(_ body: @escaping @Sendable (DecisionTableScenarios) async throws -> Void) async throws {
            try await withKMS { kms in
                try await ImageFileDevices.with { devices in
                    try await body(DecisionTableScenarios(factory: devices, kms: kms))
                }
            }
        }

        @Test("every row of the decision table", arguments: DecisionTableRow.allCases)
        func row(_ row: DecisionTableRow) async throws { try await run { try await row.run(on: $0) } }

        @Test("the daemon's passphrase is what cryptsetup itself accepts, given on stdin by the test")
        func cryptsetupAcceptsThePassphrase() async throws {
            try await run { scenarios in
                let volume = testVolume(kms: [try scenarios.kms.entry(crn: scenarios.kms.makeRootKey())])
                let (device, _) = try await scenarios.provisioned(volume)
                let passphrase = try await scenarios.expectedPassphrase(device, volume)
                guard let disk = device as? DiskVolume else { throw FixtureError("not a DiskVolume") }
                // Cut the data partition out of the image and ask cryptsetup directly (no window code involved).
                let data = try #require(try await disk.partitions().last)
                let copy = disk.path + ".data"
                let cut = try await ChildProcess.shell(
                    "dd if='\(disk.path)' of='\(copy)' bs=1M skip=\(data.offset >> 20) count=\(data.size >> 20) status=none"
                )
                #expect(cut.status == 0, "\(cut.text)")
                let good = try await ChildProcess.shell(
                    "printf %s '\(String(decoding: passphrase.bytes, as: UTF8.self))' | cryptsetup open --test-passphrase --key-file=- '\(copy)'"
                )
                #expect(good.status == 0, "\(good.text)")
                let bad = try await ChildProcess.shell(
                    "printf %s 'not it' | cryptsetup open --test-passphrase --key-file=- '\(copy)'")
                #expect(bad.status != 0)
            }
        }
    }
}
