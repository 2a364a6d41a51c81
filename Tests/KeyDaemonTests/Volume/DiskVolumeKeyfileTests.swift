import Foundation
import Testing

@testable import KeyDaemon

extension RealDevices {
    @Suite("DiskVolume: keyfile")
    struct DiskVolumeKeyfileTests {
        static let wrappedSeed = Array("eyJjaXBoZXJ0ZXh0Ijoid3JhcHBlZCBzZWVkIG9uZSJ9".utf8)
        static let rewrappedSeed = Array("eyJjaXBoZXJ0ZXh0IjoicmV3cmFwcGVkIHNlZWQgdHdvIiwia2V5VmVyc2lvbiI6Mn0=".utf8)

        /// Replaces the keyfile with `contents` and checks that it reads back, alone on a clean metadata filesystem.
        static func replaceAndCheck(
            _ fixture: VolumeFixture, _ contents: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            try await fixture.volume.replaceKeyfile(contents)
            #expect(try await fixture.volume.readKeyfile() == contents, sourceLocation: sourceLocation)
            #expect(try await fixture.metadataNames() == ["keyfile"], sourceLocation: sourceLocation)
            #expect(try await fixture.metadataFilesystemIsClean(), sourceLocation: sourceLocation)
        }

        @Test("replaceKeyfile then readKeyfile round-trips, and a second replacement wins")
        func roundTrip() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                #expect(try await fixture.volume.readKeyfile() == nil)
                try await Self.replaceAndCheck(fixture, Self.wrappedSeed)
                try await Self.replaceAndCheck(fixture, Self.rewrappedSeed)
                #expect(try fixture.scratchIsEmpty())
            }
        }

        @Test("any bytes, the empty file and exactly 64 KiB round-trip", arguments: [0, 1, 256, 65536])
        func contents(count: Int) async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                let contents = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
                try await Self.replaceAndCheck(fixture, contents)
            }
        }

        @Test("a keyfile over 64 KiB is refused on write and on read")
        func oversized() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                let tooLarge = [UInt8](repeating: 0x41, count: DiskVolume.maximumKeyfileSize + 1)
                await #expect(throws: VolumeError.keyfileTooLarge) { try await fixture.volume.replaceKeyfile(tooLarge) }
                #expect(try await fixture.volume.readKeyfile() == nil)
                try await fixture.writeMetadataFile("keyfile", [UInt8](repeating: 0x42, count: 100 * 1024))
                await #expect(throws: VolumeError.keyfileTooLarge) { try await fixture.volume.readKeyfile() }
            }
        }

        @Test("an interrupted replacement that left only keyfile.new: readKeyfile returns it, the next one completes")
        func onlyPendingKeyfile() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.replaceKeyfile(Self.wrappedSeed)
                try await fixture.writeMetadataFile("keyfile.new", Self.rewrappedSeed)
                try await fixture.debugfs(["rm keyfile"])
                #expect(try await fixture.metadataNames() == ["keyfile.new"])
                #expect(try await fixture.volume.readKeyfile() == Self.rewrappedSeed)

                try await Self.replaceAndCheck(fixture, Array("third".utf8))
            }
        }

        @Test("keyfile and keyfile.new sharing an inode (stopped before the last unlink) are tidied without a free")
        func sharedInode() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.replaceKeyfile(Self.wrappedSeed)
                try await fixture.debugfs(["ln keyfile keyfile.new"])
                #expect(try await fixture.volume.readKeyfile() == Self.wrappedSeed)
                try await Self.replaceAndCheck(fixture, Self.rewrappedSeed)
            }
        }

        @Test("stale keyfile.tmp and keyfile.new beside keyfile: keyfile stays current, then is replaced")
        func staleStagingFiles() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.replaceKeyfile(Self.wrappedSeed)
                try await fixture.writeMetadataFile("keyfile.tmp", Array("half-written".utf8))
                try await fixture.writeMetadataFile("keyfile.new", Array("never swapped in".utf8))
                #expect(try await fixture.volume.readKeyfile() == Self.wrappedSeed)
                try await Self.replaceAndCheck(fixture, Self.rewrappedSeed)
            }
        }

        @Test("a stale keyfile.tmp alone (first write interrupted) is never read as a keyfile")
        func stagingAloneIsIgnored() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.writeMetadataFile("keyfile.tmp", Array("partial".utf8))
                #expect(try await fixture.volume.readKeyfile() == nil)
                try await Self.replaceAndCheck(fixture, Self.wrappedSeed)
            }
        }

        @Test("a keyfile that is a directory is unreadable metadata, not a crash")
        func keyfileDirectory() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.debugfs(["mkdir keyfile"])
                await #expect(throws: VolumeError.metadataUnreadable) { try await fixture.volume.readKeyfile() }
            }
        }

        @Test("concurrent replacements serialise: one of them wins and the filesystem stays clean")
        func concurrentReplacements() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                let candidates = (0..<4).map { Array("candidate \($0)".utf8) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for contents in candidates {
                        group.addTask { try await fixture.volume.replaceKeyfile(contents) }
                    }
                    try await group.waitForAll()
                }
                let final = try #require(try await fixture.volume.readKeyfile())
                #expect(candidates.contains(final))
                #expect(try await fixture.metadataNames() == ["keyfile"])
                #expect(try await fixture.metadataFilesystemIsClean())
            }
        }
    }
}
