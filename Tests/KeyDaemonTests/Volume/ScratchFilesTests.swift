import Foundation
import TestSupport
import Testing

@testable import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A pid that belonged to a process that has exited.
func exitedProcessID() async throws -> pid_t {
    try await ChildProcess.capture("/bin/true", [], timeout: .seconds(30)).processID
}

func scratchEntries(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["(unreadable)"]).sorted()
}

extension RealDevices {
    @Suite(
        "Scratch files: LUKS header windows are removed on every exit path, stale ones at the next start",
        .enabled(if: volumeToolsPresent || PythonInterpreter.isCI, "sfdisk, mkfs.ext4, debugfs or cryptsetup missing")
    )
    struct ScratchFilesTests {
        @Test("a window is gone after success, after a thrown error and after cancellation")
        func windowsAreRemoved() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                let volume = fixture.volume
                // A thrown error half-way: the data partition is not LUKS yet, cryptsetup fails on the window.
                await #expect(throws: VolumeError.self) {
                    try await volume.testPassphrase(.dataPartition, passphrase: SecretBytes(utf8: "x"))
                }
                #expect(scratchEntries(fixture.scratchDirectory) == [], "\(scratchEntries(fixture.scratchDirectory))")
                try await volume.luksFormat(
                    .dataPartition, passphrase: SecretBytes(utf8: "first"), keyDerivation: VolumeFixture.fastKDF)
                #expect(scratchEntries(fixture.scratchDirectory) == [], "\(scratchEntries(fixture.scratchDirectory))")
                await #expect(throws: VolumeError.wrongPassphrase) {
                    try await volume.replacePassphrase(
                        .dataPartition, old: SecretBytes(utf8: "wrong"), new: SecretBytes(utf8: "second"),
                        keyDerivation: VolumeFixture.fastKDF)
                }
                #expect(scratchEntries(fixture.scratchDirectory) == [], "\(scratchEntries(fixture.scratchDirectory))")
                // Cancelled while cryptsetup runs: the tool finishes (never stopped half-way), the window goes.
                let task = Task {
                    try await volume.replacePassphrase(
                        .dataPartition, old: SecretBytes(utf8: "first"), new: SecretBytes(utf8: "second"),
                        keyDerivation: VolumeFixture.fastKDF)
                }
                try await Task.sleep(for: .milliseconds(20))
                task.cancel()
                _ = await task.result
                #expect(scratchEntries(fixture.scratchDirectory) == [], "\(scratchEntries(fixture.scratchDirectory))")
            }
        }

        @Test("only folders of the daemon's own pattern, of a process that is gone and unlocked, are removed")
        func staleFoldersAreRemoved() async throws {
            let base = try VolumeFixture.makeTemporaryDirectory(in: "/dev/shm")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let dead = try await exitedProcessID()
            let manager = FileManager.default
            func folder(_ name: String) throws -> String {
                let path = base + "/" + name
                try manager.createDirectory(atPath: path, withIntermediateDirectories: false)
                try Data("LUKS header copy".utf8).write(to: URL(fileURLWithPath: path + "/window"))
                return path
            }
            let stale = try folder("hpcs-volume.\(dead).AbC123")
            _ = try folder("hpcs-volume.\(getpid()).XyZ789")  // this process: in use
            _ = try folder("hpcs-volume.1.aaaaaa")  // pid 1 is alive
            _ = try folder("hpcs-volume.\(dead).abc")  // not mkdtemp's six characters
            _ = try folder("other.\(dead).abcdef")
            let target = try folder("target")
            try manager.createSymbolicLink(atPath: base + "/hpcs-volume.\(dead).link01", withDestinationPath: target)
            try Data().write(to: URL(fileURLWithPath: base + "/hpcs-volume.\(dead).file01"))
            let locked = try folder("hpcs-volume.\(dead).locked")
            let lock = open(locked, O_RDONLY | O_DIRECTORY)
            #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
            defer { close(lock) }
            let live = try ScratchDirectory(in: base)
            defer { live.remove() }

            let removed = ScratchDirectory.removeStale(in: base)
            #expect(removed == [stale])
            #expect(!manager.fileExists(atPath: stale))
            let left = scratchEntries(base)
            #expect(left.count == 9, "\(left)")
            #expect(manager.fileExists(atPath: target + "/window"))
            #expect(manager.fileExists(atPath: live.path))
            #expect(
                ScratchDirectory.owningProcess(ofScratchName: (live.path as NSString).lastPathComponent) == getpid())
        }

        @Test("DiskVolume removes stale folders from its scratch directory")
        func diskVolumeRemovesStale() async throws {
            try await VolumeFixture.with { fixture async throws in
                let stale = fixture.scratchDirectory + "/hpcs-volume.\(try await exitedProcessID()).Q1w2E3"
                try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
                #expect(fixture.volume.removeStaleScratchFiles() == [stale])
                #expect(scratchEntries(fixture.scratchDirectory) == [], "\(scratchEntries(fixture.scratchDirectory))")
            }
        }
    }
}
