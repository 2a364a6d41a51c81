import Foundation
import Testing

@testable import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// The block-device path, on a loop device over an image. Runs where loop devices can be attached (root, a loop
/// driver); CI containers often cannot, and then the suite is skipped. Partition nodes (`/dev/loopNp1`) need
/// partition scanning and udev, which a container usually lacks: then the partitions are reached at their offsets
/// of the block device, which is the path tested here when the nodes are missing.
extension RealDevices {
    @Suite(
        "DiskVolume: a loop block device",
        .enabled("needs root and a usable loop driver") { await LoopDevice.isUsable() })
    struct DiskVolumeBlockDeviceTests {
        @Test("layout, keyfile, LUKS on the data partition and activation on a loop device")
        func loopDevice() async throws {
            try await VolumeFixture.with { fixture async throws in
                let loop = try await LoopDevice.attach(fixture.imagePath)
                do {
                    let volume = DiskVolume(path: loop, configuration: fixture.volume.configuration)
                    try await volume.createLayout(metadataSize: VolumeFixture.metadataSize)
                    #expect(try await volume.partitions().map(\.name) == ["metadata", "data"])
                    try await volume.replaceKeyfile(Array("wrapped on a block device".utf8))
                    #expect(try await volume.readKeyfile() == Array("wrapped on a block device".utf8))
                    try await volume.luksFormat(
                        .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                    #expect(try await volume.isLUKS(.dataPartition))
                    #expect(try await volume.testPassphrase(.dataPartition, passphrase: .first))
                    try await volume.replacePassphrase(
                        .dataPartition, old: .first, new: .second, keyDerivation: VolumeFixture.fastKDF)
                    #expect(try await volume.testPassphrase(.dataPartition, passphrase: .second))
                    #expect(try await volume.testPassphrase(.dataPartition, passphrase: .first) == false)

                    // Through the loop device, the image file holds the header at the partition's offset.
                    let data = try await volume.partitions()[1]
                    #expect(try fixture.bytes(at: data.offset, count: 6) == DiskVolumeLUKSTests.luksMagic)

                    let result = try await volume.open(
                        .dataPartition, passphrase: .second, mappingName: "hpcs-loop-test")
                    switch result {
                    case .opened(let mapperPath):
                        #expect(mapperPath == "/dev/mapper/hpcs-loop-test")
                        let closed = try await fixture.run(.cryptsetup, ["close", "hpcs-loop-test"])
                        #expect(closed.status == 0)
                    case .skipped(let reason):
                        #expect(reason.contains("device node") || reason.contains("device-mapper"))
                    }
                    await #expect(throws: VolumeError.wrongPassphrase) {
                        try await volume.open(.dataPartition, passphrase: .wrong, mappingName: "hpcs-loop-test")
                    }
                    #expect(try fixture.scratchIsEmpty())
                } catch {
                    await LoopDevice.detach(loop)
                    throw error
                }
                await LoopDevice.detach(loop)
            }
        }
    }
}

enum LoopDevice {
    static func losetup() -> String? {
        VolumeTools().paths[.losetup]
    }

    /// Attaches and detaches a small file once.
    static func isUsable() async -> Bool {
        guard geteuid() == 0, FileManager.default.fileExists(atPath: "/dev/loop-control"), losetup() != nil else {
            return false
        }
        do {
            return try await VolumeFixture.with(imageSize: 1 << 20) { fixture async throws in
                let loop = try await attach(fixture.imagePath)
                await detach(loop)
                return true
            }
        } catch {
            return false
        }
    }

    static func attach(_ image: String) async throws -> String {
        let result = try await ToolRunner.run(
            ToolRequest(
                executable: try #require(losetup()), arguments: ["-f", "--show", image], timeout: .seconds(30)))
        let device = String(decoding: result.standardOutput, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, device.hasPrefix("/dev/") else {
            throw FixtureError("losetup failed: \(VolumeError.diagnostics(fromStandardError: result.standardError))")
        }
        return device
    }

    static func detach(_ device: String) async {
        guard let losetup = losetup() else { return }
        _ = try? await ToolRunner.run(
            ToolRequest(executable: losetup, arguments: ["-d", device], timeout: .seconds(30)))
    }
}
