import Foundation
import Testing

@testable import KeyDaemon

extension RealDevices {
    @Suite("DiskVolume: layout and metadata filesystem")
    struct DiskVolumeLayoutTests {
        @Test("the tools this layer runs are installed")
        func toolsArePresent() {
            let missing = VolumeTools().check(VolumeTools.Tool.required)
            #expect(missing.isEmpty, "install: \(Set(missing.map(\.debianPackage)).sorted())")
        }

        @Test("createLayout makes metadata (exact size) then data (the rest)")
        func createLayout() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                let partitions = try await fixture.volume.partitions()
                #expect(partitions.map(\.name) == ["metadata", "data"])
                #expect(partitions.map(\.number) == [1, 2])
                let metadata = partitions[0]
                let data = partitions[1]
                #expect(metadata.offset == VolumeFixture.mebibyte)
                #expect(metadata.size == VolumeFixture.metadataSize)
                #expect(data.offset == metadata.offset + metadata.size)
                // The data partition runs to the backup GPT at the end (33 sectors), 1 MiB aligned.
                #expect(data.size == 58 * VolumeFixture.mebibyte)
                #expect(data.offset + data.size <= VolumeFixture.imageSize - 33 * 512)
                #expect(try await fixture.volume.metadataIsFormatted())
                #expect(try await fixture.volume.readKeyfile() == nil)
                #expect(try fixture.scratchIsEmpty())
            }
        }

        @Test("an image without a partition table has no partitions")
        func blankImage() async throws {
            try await VolumeFixture.with { fixture async throws in
                #expect(try await fixture.volume.partitions().isEmpty)
                await #expect(throws: VolumeError.partitionMissing) { try await fixture.volume.metadataIsFormatted() }
            }
        }

        @Test("metadataIsFormatted is false on a bare partition and true after formatMetadata")
        func formatMetadata() async throws {
            try await VolumeFixture.with { fixture async throws in
                let script = "label: gpt\nsize=100MiB, name=metadata\nname=data\n"
                let made = try await fixture.run(.sfdisk, ["-q", fixture.imagePath], input: Array(script.utf8))
                #expect(made.status == 0)
                #expect(try await fixture.volume.metadataIsFormatted() == false)
                await #expect(throws: VolumeError.metadataUnreadable) { try await fixture.volume.readKeyfile() }
                await #expect(throws: VolumeError.metadataUnreadable) { try await fixture.volume.replaceKeyfile([1]) }
                try await fixture.volume.formatMetadata()
                #expect(try await fixture.volume.metadataIsFormatted())
                #expect(try await fixture.volume.readKeyfile() == nil)
            }
        }

        @Test("formatMetadata empties the filesystem and leaves the data partition alone")
        func reformatKeepsData() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.luksFormat(
                    .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                try await fixture.volume.replaceKeyfile(Array("wrapped".utf8))
                try await fixture.volume.formatMetadata()
                #expect(try await fixture.volume.readKeyfile() == nil)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first))
            }
        }

        @Test("createLayout destroys an earlier data partition's LUKS header and a whole-device one")
        func relayoutWipesLUKS() async throws {
            try await VolumeFixture.with { fixture async throws in
                try await fixture.volume.luksFormat(
                    .wholeDevice, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.isLUKS(.wholeDevice))
                try await fixture.volume.createLayout(metadataSize: VolumeFixture.metadataSize)
                #expect(try await fixture.volume.isLUKS(.wholeDevice) == false)
                try await fixture.volume.luksFormat(
                    .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.isLUKS(.dataPartition))
                try await fixture.volume.createLayout(metadataSize: VolumeFixture.metadataSize)
                #expect(try await fixture.volume.isLUKS(.dataPartition) == false)
                #expect(try await fixture.volume.partitions().map(\.name) == ["metadata", "data"])
            }
        }

        @Test(
            "createLayout refuses sizes that are not whole MiB or leave no room for data",
            arguments: [0, 512, 1_572_864, 150 << 20, UInt64.max]
        )
        func createLayoutRejectsSizes(metadataSize: UInt64) async throws {
            try await VolumeFixture.with { fixture async throws in
                await #expect(throws: VolumeError.invalidArgument) {
                    try await fixture.volume.createLayout(metadataSize: metadataSize)
                }
                #expect(try await fixture.volume.partitions().isEmpty)
            }
        }
    }
}
