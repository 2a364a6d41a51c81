import Foundation
import TestSupport
import Testing

@testable import KeyDaemon

/// A loop device over an image file, where this machine allows one (root, /dev/loop-control).
private func withLoopDevice(_ body: (String, String) async throws -> Void) async throws {
    let directory = try VolumeFixture.makeTemporaryDirectory(in: NSTemporaryDirectory())
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let image = directory + "/mount.img"
    try VolumeFixture.makeSparseFile(image, size: 32 << 20)
    let attached = try await ChildProcess.run("/sbin/losetup", ["--show", "-f", image], timeout: .seconds(30))
    let loop = attached.text.trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(attached.status == 0 && loop.hasPrefix("/dev/loop"), "losetup: \(attached.text)")
    defer { _ = try? ChildProcess.runBlocking("/sbin/losetup", ["-d", loop], timeout: .seconds(30)) }
    try await body(loop, directory)
}

private let loopDevicesWork: Bool = {
    guard getuid() == 0, FileManager.default.fileExists(atPath: "/dev/loop-control"),
        FileManager.default.isExecutableFile(atPath: "/sbin/losetup")
    else { return false }
    return (try? ChildProcess.runBlocking("/sbin/losetup", ["-f"], timeout: .seconds(10)).status) == 0
}()

extension RealDevices {
    @Suite("VolumeMounter on a loop device", .enabled(if: loopDevicesWork, "no loop devices here"))
    struct VolumeMounterTests {
        @Test(
            "an empty volume gets ext4 and is mounted; the next mount keeps its files; other content is never formatted"
        )
        func formatsOnceAndMounts() async throws {
            try await withLoopDevice { loop, directory in
                let mountPoint = directory + "/mnt/data"
                let mounter = VolumeMounter()
                #expect(try await mounter.existingType(of: loop) == nil)
                let first = try await mounter.mount(device: loop, at: mountPoint)
                #expect(first == .mounted(mountPoint: mountPoint, formatted: true))
                #expect(VolumeMounter.mountedSource(at: mountPoint) == loop)
                try Data("kept".utf8).write(to: URL(fileURLWithPath: mountPoint + "/file"))
                // Mounting again while mounted is a no-op.
                #expect(
                    try await mounter.mount(device: loop, at: mountPoint)
                        == .mounted(mountPoint: mountPoint, formatted: false))
                let unmounted = try await ChildProcess.run("/bin/umount", [mountPoint], timeout: .seconds(30))
                #expect(unmounted.status == 0, "\(unmounted.text)")
                let second = try await mounter.mount(device: loop, at: mountPoint)
                #expect(second == .mounted(mountPoint: mountPoint, formatted: false))
                #expect(try String(contentsOfFile: mountPoint + "/file", encoding: .utf8) == "kept")
                _ = try await ChildProcess.run("/bin/umount", [mountPoint], timeout: .seconds(30))

                // An ext4 volume configured as xfs is left untouched.
                await #expect(throws: VolumeError.invalidArgument) {
                    try await mounter.mount(device: loop, at: mountPoint, filesystem: "xfs")
                }
                #expect(try await mounter.existingType(of: loop) == "ext4")
            }
        }

        @Test("a LUKS header is never formatted over")
        func refusesForeignContent() async throws {
            try await withLoopDevice { loop, directory in
                let formatted = try await ChildProcess.shell(
                    "printf %s pass | cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file=- \(loop)"
                )
                try #require(formatted.status == 0, "\(formatted.text)")
                await #expect(throws: VolumeError.invalidArgument) {
                    try await VolumeMounter().mount(device: loop, at: directory + "/mnt")
                }
                #expect(try await VolumeMounter().existingType(of: loop) == "crypto_LUKS")
            }
        }

        @Test("a partition table on the opened volume is never formatted over")
        func refusesPartitionTable() async throws {
            try await withLoopDevice { loop, directory in
                let made = try await ChildProcess.shell("printf 'label: gpt\\nname=kept\\n' | sfdisk -q \(loop)")
                try #require(made.status == 0, "\(made.text)")
                // `blkid -p -s TYPE` prints nothing for a bare partition table: it used to count as empty.
                #expect(try await VolumeMounter().existingType(of: loop) == "a gpt partition table")
                await #expect(throws: VolumeError.invalidArgument) {
                    try await VolumeMounter().mount(device: loop, at: directory + "/mnt")
                }
                let table = try await ChildProcess.run("/usr/sbin/sfdisk", ["--json", loop], timeout: .seconds(30))
                #expect(table.text.contains("\"name\": \"kept\""), "\(table.text)")
            }
        }

        @Test("bad mount points and filesystem names are refused before any tool runs")
        func refusesBadArguments() async throws {
            await #expect(throws: VolumeError.invalidArgument) {
                try await VolumeMounter().mount(device: "/dev/null", at: "relative/path")
            }
            await #expect(throws: VolumeError.invalidArgument) {
                try await VolumeMounter().mount(device: "/dev/null", at: "/mnt/x", filesystem: "ext4; rm")
            }
        }
    }
}
