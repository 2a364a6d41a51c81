import Foundation
import Testing

@testable import KeyDaemon

extension RealDevices {
    @Suite("DiskVolume: errors on missing, odd and damaged devices")
    struct DiskVolumeErrorTests {
        @Test("a missing image is deviceNotFound for every kind of operation")
        func missingImage() async throws {
            try await VolumeFixture.with(imageSize: nil) { fixture async throws in
                let volume = fixture.volume
                await #expect(throws: VolumeError.deviceNotFound) { try await volume.partitions() }
                await #expect(throws: VolumeError.deviceNotFound) { try await volume.readKeyfile() }
                await #expect(throws: VolumeError.deviceNotFound) { try await volume.isLUKS(.wholeDevice) }
                await #expect(throws: VolumeError.deviceNotFound) { try await volume.isLUKS(.dataPartition) }
                await #expect(throws: VolumeError.deviceNotFound) {
                    try await volume.createLayout(metadataSize: VolumeFixture.metadataSize)
                }
                await #expect(throws: VolumeError.deviceNotFound) {
                    try await volume.open(.wholeDevice, passphrase: .first, mappingName: "data")
                }
                #expect(FileManager.default.fileExists(atPath: fixture.imagePath) == false)
            }
        }

        @Test("a directory is not a device")
        func directory() async throws {
            try await VolumeFixture.with { fixture async throws in
                let volume = DiskVolume(path: fixture.directory, configuration: fixture.volume.configuration)
                await #expect(throws: VolumeError.deviceNotFound) { try await volume.partitions() }
            }
        }

        @Test("an image with only a metadata partition has no data partition, and the other way round")
        func onePartition() async throws {
            try await VolumeFixture.with { fixture async throws in
                let made = try await fixture.run(
                    .sfdisk, ["-q", fixture.imagePath], input: Array("label: gpt\nsize=100MiB, name=metadata\n".utf8))
                #expect(made.status == 0)
                #expect(try await fixture.volume.partitions().map(\.name) == ["metadata"])
                try await fixture.volume.formatMetadata()
                #expect(try await fixture.volume.readKeyfile() == nil)
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.isLUKS(.dataPartition) }
                await #expect(throws: VolumeError.partitionMissing) {
                    try await fixture.volume.luksFormat(
                        .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                }
            }
            try await VolumeFixture.with { fixture async throws in
                let made = try await fixture.run(
                    .sfdisk, ["-q", fixture.imagePath], input: Array("label: gpt\nname=data\n".utf8))
                #expect(made.status == 0)
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.readKeyfile() }
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.metadataIsFormatted() }
                #expect(try await fixture.volume.isLUKS(.dataPartition) == false)
            }
        }

        @Test("a garbage image has no partitions and no LUKS header")
        func garbageImage() async throws {
            try await VolumeFixture.with(imageSize: 40 * VolumeFixture.mebibyte) { fixture async throws in
                var generator = SystemRandomNumberGenerator()
                let noise = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try fixture.write(noise, at: 0)
                #expect(try await fixture.volume.partitions().isEmpty)
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.readKeyfile() }
                #expect(try await fixture.volume.isLUKS(.wholeDevice) == false)
                await #expect(throws: VolumeError.notLUKS) {
                    try await fixture.volume.testPassphrase(.wholeDevice, passphrase: .first)
                }
            }
        }

        @Test("a truncated image loses its GPT (only the protective MBR is left): no metadata partition")
        func truncatedImage() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.replaceKeyfile(Array("seed".utf8))
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.imagePath))
                try handle.truncate(atOffset: 50 * VolumeFixture.mebibyte)
                try handle.close()
                let partitions = try await fixture.volume.partitions()
                #expect(!partitions.contains { $0.name == "metadata" || $0.name == "data" })
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.readKeyfile() }
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.isLUKS(.dataPartition) }
            }
        }

        @Test("a GPT cut short by truncation is not believed: no data partition, or invalidPartitionTable")
        func partitionBeyondEnd() async throws {
            try await VolumeFixture.with { fixture async throws in
                // Partition within the image, then the image shrinks by less than the backup GPT's reach keeps valid:
                // sfdisk still reads the primary GPT, whose data partition now ends beyond the device.
                let made = try await fixture.run(
                    .sfdisk, ["-q", fixture.imagePath],
                    input: Array("label: gpt\nsize=100MiB, name=metadata\nname=data\n".utf8))
                #expect(made.status == 0)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.imagePath))
                try handle.truncate(atOffset: 159 * VolumeFixture.mebibyte)
                try handle.close()
                do {
                    let partitions = try await fixture.volume.partitions()
                    // sfdisk may instead reject the GPT and report only the protective MBR.
                    #expect(!partitions.contains { $0.name == "data" })
                } catch {
                    #expect((error as? VolumeError)?.code == .invalidPartitionTable)
                }
            }
        }

        @Test("a missing tool is toolMissing and names the Debian package")
        func missingTool() async throws {
            try await VolumeFixture.with { fixture async throws in
                let volume = DiskVolume(
                    path: fixture.imagePath, tools: VolumeTools(paths: [:]), configuration: fixture.volume.configuration
                )
                do {
                    _ = try await volume.partitions()
                    Issue.record("partitions() ran without sfdisk")
                } catch {
                    #expect((error as? VolumeError)?.code == .toolMissing)
                    #expect((error as? VolumeError)?.debianPackage == "fdisk")
                    #expect("\(error)".contains("fdisk"))
                }
                let noCryptsetup = VolumeTools(paths: ["sfdisk": "/usr/sbin/sfdisk"].compactMapKeys())
                #expect(noCryptsetup.check(VolumeTools.Tool.required).contains(.cryptsetup))
                #expect(VolumeTools.Tool.cryptsetup.debianPackage == "cryptsetup-bin")
                #expect(VolumeTools.Tool.debugfs.debianPackage == "e2fsprogs")
            }
        }

        @Test("VolumeTools finds tools in sbin even with an empty PATH")
        func toolsInSbin() {
            let tools = VolumeTools(searchPath: "")
            #expect(tools.check(VolumeTools.Tool.required).isEmpty)
            #expect(tools.paths[.cryptsetup]?.hasPrefix("/") == true)
        }
    }
}

extension Dictionary where Key == String, Value == String {
    fileprivate func compactMapKeys() -> [VolumeTools.Tool: String] {
        var result: [VolumeTools.Tool: String] = [:]
        for (key, value) in self {
            if let tool = VolumeTools.Tool(rawValue: key) { result[tool] = value }
        }
        return result
    }
}
