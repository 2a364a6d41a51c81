import Foundation
import Testing

@testable import KeyDaemon

extension RealDevices {
    @Suite("DiskVolume: LUKS2 on image files")
    struct DiskVolumeLUKSTests {
        static let luksMagic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]
        static let secondaryMagic: [UInt8] = [0x53, 0x4B, 0x55, 0x4C, 0xBA, 0xBE]

        @Test("luksFormat(.dataPartition) puts the header at the partition's offset and nowhere else")
        func formatDataPartition() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                try await fixture.volume.replaceKeyfile(Array("wrapped seed".utf8))
                #expect(try await fixture.volume.isLUKS(.dataPartition) == false)
                try await fixture.volume.luksFormat(
                    .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.isLUKS(.dataPartition))
                #expect(try await fixture.volume.isLUKS(.wholeDevice) == false)

                let data = try await fixture.partition(named: "data")
                #expect(try fixture.bytes(at: data.offset, count: 6) == Self.luksMagic)
                #expect(try fixture.bytes(at: data.offset + 16384, count: 6) == Self.secondaryMagic)
                // The start of the image is still the GPT: protective MBR, then "EFI PART"; no LUKS magic before the
                // data partition.
                let head = try fixture.bytes(at: 0, count: 1024)
                #expect(head[510] == 0x55 && head[511] == 0xAA)
                #expect(Array(head[512..<520]) == Array("EFI PART".utf8))
                let beforeData = try fixture.bytes(at: 0, count: Int(data.offset))
                #expect(Self.firstIndex(of: Self.luksMagic, in: beforeData) == nil)
                #expect(Self.firstIndex(of: Self.secondaryMagic, in: beforeData) == nil)
                // The metadata filesystem and its keyfile survived.
                #expect(try await fixture.volume.readKeyfile() == Array("wrapped seed".utf8))
                #expect(try await fixture.metadataFilesystemIsClean())
                // What cryptsetup reads from the partition's own bytes: one pbkdf2 keyslot, data at 16 MiB.
                let metadata = try await fixture.dataPartitionLUKSMetadata()
                let keyslots = try #require(metadata["keyslots"] as? [String: Any])
                #expect(keyslots.count == 1)
                let segments = try #require(metadata["segments"] as? [String: [String: Any]])
                #expect(segments["0"]?["offset"] as? String == "16777216")
                #expect(try fixture.scratchIsEmpty())
            }
        }

        @Test(
            "testPassphrase tells the right passphrase from a wrong one",
            arguments: [LUKSTarget.dataPartition, .wholeDevice])
        func testPassphrase(target: LUKSTarget) async throws {
            try await Self.withFormatted(target) { fixture async throws in
                #expect(try await fixture.volume.testPassphrase(target, passphrase: .first))
                #expect(try await fixture.volume.testPassphrase(target, passphrase: .wrong) == false)
                #expect(try await fixture.volume.testPassphrase(target, passphrase: SecretBytes([])) == false)
                // A prefix of the passphrase is another passphrase: cryptsetup gets exact bytes, no newline handling.
                let prefix = SecretBytes(Array(SecretBytes.first.bytes.dropLast()))
                #expect(try await fixture.volume.testPassphrase(target, passphrase: prefix) == false)
            }
        }

        @Test(
            "replacePassphrase: the old stops working, the new works, the volume key stays",
            arguments: [
                LUKSTarget.dataPartition, .wholeDevice,
            ])
        func replacePassphrase(target: LUKSTarget) async throws {
            try await Self.withFormatted(target) { fixture async throws in
                let keyBefore = try await fixture.volume.volumeKey(target, passphrase: .first)
                #expect(keyBefore.count == 64)
                try await fixture.volume.replacePassphrase(
                    target, old: .first, new: .second, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.testPassphrase(target, passphrase: .first) == false)
                #expect(try await fixture.volume.testPassphrase(target, passphrase: .second))
                let keyAfter = try await fixture.volume.volumeKey(target, passphrase: .second)
                #expect(keyAfter == keyBefore)
                if target == .dataPartition {
                    let keyslots = try #require(
                        try await fixture.dataPartitionLUKSMetadata()["keyslots"] as? [String: Any])
                    #expect(keyslots.count == 1)
                }
                #expect(try fixture.scratchIsEmpty())
            }
        }

        @Test("replacePassphrase with a wrong old passphrase throws and changes nothing")
        func replaceWithWrongOld() async throws {
            try await Self.withFormatted(.dataPartition) { fixture async throws in
                await #expect(throws: VolumeError.wrongPassphrase) {
                    try await fixture.volume.replacePassphrase(
                        .dataPartition, old: .wrong, new: .second, keyDerivation: VolumeFixture.fastKDF)
                }
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first))
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .second) == false)
            }
        }

        @Test("replacePassphrase repeated (as after a crash) completes without a second keyslot; old == new is a no-op")
        func replaceIsRepeatable() async throws {
            try await Self.withFormatted(.dataPartition) { fixture async throws in
                try await fixture.volume.replacePassphrase(
                    .dataPartition, old: .first, new: .first, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first))

                // A crash between the two steps: both passphrases open a keyslot.
                let data = try await fixture.partition(named: "data")
                try await Self.addKeyslotByHand(fixture, partition: data, existing: .first, new: .second)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first))
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .second))

                try await fixture.volume.replacePassphrase(
                    .dataPartition, old: .first, new: .second, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first) == false)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .second))
                let keyslots = try #require(try await fixture.dataPartitionLUKSMetadata()["keyslots"] as? [String: Any])
                #expect(keyslots.count == 1)

                // And once more, with nothing left to do.
                try await fixture.volume.replacePassphrase(
                    .dataPartition, old: .first, new: .second, keyDerivation: VolumeFixture.fastKDF)
                #expect(try await fixture.volume.testPassphrase(.dataPartition, passphrase: .second))
            }
        }

        @Test(
            "open without device-mapper or a node: skipped with a reason, and a wrong passphrase still throws",
            arguments: [LUKSTarget.dataPartition, .wholeDevice])
        func openIsSkipped(target: LUKSTarget) async throws {
            try await Self.withFormatted(target) { fixture async throws in
                let result = try await fixture.volume.open(target, passphrase: .first, mappingName: "hpcs-test-data")
                guard case .skipped(let reason) = result else {
                    Issue.record("expected .skipped on an image file, got \(result)")
                    return
                }
                #expect(reason.contains("image file"))
                await #expect(throws: VolumeError.wrongPassphrase) {
                    try await fixture.volume.open(target, passphrase: .wrong, mappingName: "hpcs-test-data")
                }
                await #expect(throws: VolumeError.invalidArgument) {
                    try await fixture.volume.open(target, passphrase: .first, mappingName: "../evil")
                }
            }
        }

        @Test("volumeKey with a wrong passphrase throws wrongPassphrase and leaves no file behind")
        func volumeKeyWrongPassphrase() async throws {
            try await Self.withFormatted(.dataPartition) { fixture async throws in
                await #expect(throws: VolumeError.wrongPassphrase) {
                    try await fixture.volume.volumeKey(.dataPartition, passphrase: .wrong)
                }
                #expect(try fixture.scratchIsEmpty())
            }
        }

        @Test("volumeKey refuses a scratch directory on a disk filesystem")
        func volumeKeyNeedsTmpfs() async throws {
            try await Self.withFormatted(.wholeDevice) { fixture async throws in
                try #require(
                    ScratchDirectory.isMemoryBacked(fixture.directory) == false,
                    "the temporary directory is a tmpfs here")
                let onDisk = DiskVolume(
                    path: fixture.imagePath,
                    configuration: DiskVolume.Configuration(scratchDirectory: fixture.directory))
                await #expect(throws: VolumeError.invalidArgument) {
                    try await onDisk.volumeKey(.wholeDevice, passphrase: .first)
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory) == ["disk.img"])
            }
        }

        @Test("luksFormat(.wholeDevice) on a plain image, and argon2id costs reach the keyslot")
        func wholeDeviceArgon2() async throws {
            try await VolumeFixture.with(imageSize: 40 * VolumeFixture.mebibyte) { fixture async throws in
                #expect(try await fixture.volume.isLUKS(.wholeDevice) == false)
                try await fixture.volume.luksFormat(
                    .wholeDevice, passphrase: .first,
                    keyDerivation: .argon2id(iterations: 4, memoryKiB: 32 * 1024, parallelism: 1))
                #expect(try await fixture.volume.isLUKS(.wholeDevice))
                #expect(try fixture.bytes(at: 0, count: 6) == Self.luksMagic)
                #expect(try await fixture.volume.testPassphrase(.wholeDevice, passphrase: .first))
                let dump = try await fixture.run(.cryptsetup, ["luksDump", "--dump-json-metadata", fixture.imagePath])
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(dump.standardOutput)) as? [String: Any])
                let slot = try #require((json["keyslots"] as? [String: [String: Any]])?["0"])
                let kdf = try #require(slot["kdf"] as? [String: Any])
                #expect(kdf["type"] as? String == "argon2id")
                #expect(kdf["time"] as? Int == 4)
                #expect(kdf["memory"] as? Int == 32 * 1024)
                // No partition table on a whole-device volume.
                #expect(try await fixture.volume.partitions().isEmpty)
            }
        }

        @Test("bad arguments are refused before any tool runs")
        func badArguments() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                await #expect(throws: VolumeError.invalidArgument) {
                    try await fixture.volume.luksFormat(
                        .dataPartition, passphrase: SecretBytes([]), keyDerivation: VolumeFixture.fastKDF)
                }
                await #expect(throws: VolumeError.invalidArgument) {
                    try await fixture.volume.luksFormat(
                        .dataPartition, passphrase: .first, keyDerivation: .pbkdf2(iterations: 10))
                }
                await #expect(throws: VolumeError.invalidArgument) {
                    try await fixture.volume.luksFormat(
                        .dataPartition, passphrase: .first,
                        keyDerivation: .argon2id(iterations: 0, memoryKiB: 1024, parallelism: 1))
                }
                #expect(try await fixture.volume.isLUKS(.dataPartition) == false)
            }
        }

        @Test("operations that need a LUKS header say notLUKS on a plain partition")
        func notLUKS() async throws {
            try await VolumeFixture.withLayout { fixture async throws in
                await #expect(throws: VolumeError.notLUKS) {
                    try await fixture.volume.testPassphrase(.dataPartition, passphrase: .first)
                }
                await #expect(throws: VolumeError.notLUKS) {
                    try await fixture.volume.replacePassphrase(
                        .dataPartition, old: .first, new: .second, keyDerivation: VolumeFixture.fastKDF)
                }
            }
        }

        @Test("no error description carries a passphrase")
        func errorsCarryNoSecret() async throws {
            try await Self.withFormatted(.dataPartition) { fixture async throws in
                let distinctive = SecretBytes(utf8: "SECRET-MARKER-7d3f")
                for operation in 0..<3 {
                    do {
                        switch operation {
                        case 0: _ = try await fixture.volume.volumeKey(.dataPartition, passphrase: distinctive)
                        case 1:
                            try await fixture.volume.replacePassphrase(
                                .dataPartition, old: distinctive, new: .second, keyDerivation: VolumeFixture.fastKDF)
                        default:
                            _ = try await fixture.volume.open(.dataPartition, passphrase: distinctive, mappingName: "x")
                        }
                        Issue.record("operation \(operation) accepted a wrong passphrase")
                    } catch {
                        let error = try #require(error as? VolumeError)
                        #expect(error.code == .wrongPassphrase)
                        #expect(!"\(error)".contains("SECRET-MARKER"))
                        #expect(!String(reflecting: error).contains("SECRET-MARKER"))
                    }
                }
            }
        }

        // MARK: - Helpers

        static func withFormatted(_ target: LUKSTarget, _ body: (VolumeFixture) async throws -> Void) async throws {
            switch target {
            case .dataPartition:
                try await VolumeFixture.withLayout { fixture async throws in
                    try await fixture.volume.luksFormat(
                        .dataPartition, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                    try await body(fixture)
                }
            case .wholeDevice:
                try await VolumeFixture.with(imageSize: 40 * VolumeFixture.mebibyte) { fixture async throws in
                    try await fixture.volume.luksFormat(
                        .wholeDevice, passphrase: .first, keyDerivation: VolumeFixture.fastKDF)
                    try await body(fixture)
                }
            }
        }

        /// Adds a keyslot to the data partition the long way (copy out, luksAddKey, copy back), to make the state a
        /// crash between replacePassphrase's two steps leaves.
        static func addKeyslotByHand(
            _ fixture: VolumeFixture, partition: PartitionInfo, existing: SecretBytes, new: SecretBytes
        ) async throws {
            let length = Int(16 * VolumeFixture.mebibyte)
            let copy = fixture.directory + "/by-hand"
            try VolumeFixture.makeSparseFile(copy, size: partition.size)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
            try handle.write(contentsOf: Data(try fixture.bytes(at: partition.offset, count: length)))
            try handle.close()
            let newKeyFile = fixture.directory + "/new-key"
            try Data(new.bytes).write(to: URL(fileURLWithPath: newKeyFile))
            let added = try await fixture.run(
                .cryptsetup,
                [
                    "luksAddKey", "--batch-mode", "--key-file=-", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                    "1000",
                    copy, newKeyFile,
                ],
                input: existing.bytes)
            #expect(added.status == 0)
            let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: copy))
            let header = Array(try reader.read(upToCount: length) ?? Data())
            try reader.close()
            try fixture.write(header, at: partition.offset)
            try? FileManager.default.removeItem(atPath: copy)
            try? FileManager.default.removeItem(atPath: newKeyFile)
        }

        static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard needle.count <= haystack.count else { return nil }
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if Array(haystack[start..<(start + needle.count)]) == needle { return start }
            }
            return nil
        }
    }
}
