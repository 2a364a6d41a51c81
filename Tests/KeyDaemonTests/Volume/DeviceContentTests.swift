import Crypto
import Foundation
import TestSupport
import Testing

@testable import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// Devices that hold something the key daemon did not make: each must be refused, by `plan()` (the `--dry-run`) and
/// by `provision()`, with its own refusal and message id, and left byte for byte as it was.
enum ForeignImage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case ext4WithFiles
    case swap
    case xfs
    case randomBytesAtStart
    case randomBytesInTheMiddle
    case overlappingGPT
    case truncatedLUKSHeader
    case servicesFile
    case oneMebibyteOfZeros
    case emptyGPT

    var testDescription: String { rawValue }

    /// Large enough that the KMS layout's 120 MiB minimum is not why the device is refused.
    static let size: UInt64 = 130 << 20

    var expectedRefusal: Refusal {
        switch self {
        case .ext4WithFiles, .swap, .xfs, .overlappingGPT, .truncatedLUKSHeader, .emptyGPT: .foreignContent
        case .randomBytesAtStart, .randomBytesInTheMiddle, .servicesFile: .unclassifiableContent
        case .oneMebibyteOfZeros: .deviceTooSmall
        }
    }

    var isAvailable: Bool {
        self != .xfs || VolumeTools.isExecutableFile("/usr/sbin/mkfs.xfs")
            || VolumeTools.isExecutableFile("/sbin/mkfs.xfs")
    }

    /// Makes the image at `path` with the real tools.
    func make(at path: String, scratch: String) async throws {
        // Most images start as a sparse file of `size` bytes.
        let sparse = "truncate -s \(Self.size) '\(path)'"
        let script =
            switch self {
            case .ext4WithFiles:
                "mkdir -p '\(scratch)/files/docs' && echo 'quarterly numbers' > '\(scratch)/files/docs/report.txt' && "
                    + "head -c 300000 /dev/urandom > '\(scratch)/files/photo.jpg' && \(sparse) && "
                    + "mkfs.ext4 -q -F -d '\(scratch)/files' '\(path)'"
            case .swap: "\(sparse) && mkswap '\(path)' >/dev/null 2>&1"
            // mkfs.xfs 5.19 and later refuse filesystems under 300 MB.
            case .xfs: "truncate -s \(max(Self.size, 320 << 20)) '\(path)' && mkfs.xfs -q -f '\(path)'"
            case .randomBytesAtStart:
                "\(sparse) && head -c 4194304 /dev/urandom | dd of='\(path)' conv=notrunc status=none"
            // Nothing in the first 16 MiB or the last MiB: only a scan of the whole file sees these bytes.
            case .randomBytesInTheMiddle:
                "\(sparse) && head -c 65536 /dev/urandom | dd of='\(path)' bs=1M seek=60 conv=notrunc status=none"
            // The partition table is written below.
            case .overlappingGPT: sparse
            // The first 2 KiB of a real LUKS2 header: blkid still sees crypto_LUKS, cryptsetup no longer opens it.
            case .truncatedLUKSHeader:
                "truncate -s 32M '\(scratch)/luks.img' && printf %s 'a passphrase' | cryptsetup luksFormat --type luks2 "
                    + "--batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file=- '\(scratch)/luks.img' && "
                    + "\(sparse) && head -c 2048 '\(scratch)/luks.img' | dd of='\(path)' conv=notrunc status=none"
            case .servicesFile: "cp /etc/services '\(path)'"
            case .oneMebibyteOfZeros: "truncate -s 1M '\(path)'"
            case .emptyGPT: "\(sparse) && printf 'label: gpt\\n' | sfdisk -q '\(path)'"
            }
        let output = try await ChildProcess.run("/bin/sh", ["-c", script], timeout: .seconds(120))
        guard output.status == 0 else { throw FixtureError("\(rawValue): \(script) failed: \(output.text)") }
        if self == .overlappingGPT {
            try Self.writeOverlappingGPT(path: path, size: Self.size)
        }
    }

    /// A GPT whose `metadata` and `data` partitions overlap (sfdisk refuses to write one; the table is made by
    /// hand, with valid CRCs, so that sfdisk and blkid both read it).
    static func writeOverlappingGPT(path: String, size: UInt64) throws {
        let sector = 512
        let sectors = size / UInt64(sector)
        func entry(first: UInt64, last: UInt64, name: String) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 128)
            // Linux filesystem data: 0FC63DAF-8483-4772-8E79-3D69D8477DE4, mixed-endian on disk.
            let type: [UInt8] = [
                0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4,
            ]
            bytes.replaceSubrange(0..<16, with: type)
            for index in 16..<32 { bytes[index] = UInt8.random(in: 1...255) }
            bytes.replaceSubrange(32..<40, with: littleEndian(first, 8))
            bytes.replaceSubrange(40..<48, with: littleEndian(last, 8))
            for (index, unit) in name.utf16.enumerated() {
                bytes[56 + 2 * index] = UInt8(unit & 0xFF)
                bytes[57 + 2 * index] = UInt8(unit >> 8)
            }
            return bytes
        }
        var entries =
            entry(first: 2048, last: 150_000, name: "metadata")
            + entry(
                first: 100_000, last: sectors - 40, name: "data")
        entries += [UInt8](repeating: 0, count: 128 * 128 - entries.count)
        let entriesCRC = crc32(entries)
        func header(current: UInt64, backup: UInt64, entriesAt: UInt64) -> [UInt8] {
            var bytes = Array("EFI PART".utf8) + littleEndian(0x10000, 4) + littleEndian(92, 4) + littleEndian(0, 8)
            bytes += littleEndian(current, 8) + littleEndian(backup, 8) + littleEndian(34, 8)
            bytes += littleEndian(sectors - 34, 8) + (0..<16).map { _ in UInt8.random(in: 0...255) }
            bytes += littleEndian(entriesAt, 8) + littleEndian(128, 4) + littleEndian(128, 4)
            bytes += littleEndian(UInt64(entriesCRC), 4)
            let headerCRC = crc32(bytes)
            bytes.replaceSubrange(16..<20, with: littleEndian(UInt64(headerCRC), 4))
            return bytes
        }
        var mbr = [UInt8](repeating: 0, count: 512)
        mbr.replaceSubrange(
            446..<462, with: [0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF] + littleEndian(1, 4) + [0xFF, 0xFF, 0xFF, 0xFF])
        mbr[510] = 0x55
        mbr[511] = 0xAA
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        func write(_ bytes: [UInt8], atSector lba: UInt64) throws {
            try handle.seek(toOffset: lba * UInt64(sector))
            try handle.write(contentsOf: Data(bytes))
        }
        try write(mbr, atSector: 0)
        try write(header(current: 1, backup: sectors - 1, entriesAt: 2), atSector: 1)
        try write(entries, atSector: 2)
        try write(entries, atSector: sectors - 33)
        try write(header(current: sectors - 1, backup: 1, entriesAt: sectors - 33), atSector: sectors - 1)
    }

    static func littleEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// SHA-256 of a whole file, for "left byte for byte as it was".
func fileDigest(_ path: String) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    var info = stat()
    _ = stat(path, &info)
    return hasher.finalize().map { String(format: "%02x", $0) }.joined() + "/\(info.st_size)"
}

extension RealDevices {
    @Suite(
        "The key daemon refuses devices it cannot classify as empty or its own, and leaves them unchanged",
        .enabled(if: volumeToolsPresent || PythonInterpreter.isCI, "sfdisk, mkfs.ext4, debugfs or cryptsetup missing")
    )
    struct DeviceContentTests {
        @Test(
            "a foreign device is refused by plan and provision, with or without kms, and left unchanged",
            arguments: ForeignImage.allCases)
        func foreignDeviceIsRefused(_ image: ForeignImage) async throws {
            guard image.isAvailable else { return }
            try await withKMS { kms in
                try await ImageFileDevices.with { devices in
                    let path = devices.directory + "/\(image.rawValue).img"
                    try await image.make(at: path, scratch: devices.directory)
                    let before = try fileDigest(path)
                    let kmsVolume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
                    for volume in [kmsVolume, testVolume(kms: [])] {
                        let provisioner = VolumeProvisioner(
                            volume: volume, device: devices.device(path),
                            services: try kms.services(for: volume),
                            options: .init(keyDerivation: VolumeFixture.fastKDF))
                        let (inspection, planned) = try await provisioner.plan()
                        #expect(planned == .refuse(image.expectedRefusal), "\(image) with \(volume.kms.count) kms")
                        #expect(planned.messageID == image.expectedRefusal.messageID)
                        let detail = try #require(provisioner.detail(of: planned, inspection: inspection))
                        let error = try await #require(throws: KeyDaemonError.self) {
                            try await provisioner.provision()
                        }
                        #expect(error.code == .refused)
                        #expect(error.refusal == image.expectedRefusal)
                        #expect(error.message.contains(detail), "\(error.message)")
                        #expect(try fileDigest(path) == before, "\(image) was changed")
                    }
                    #expect(kms.mock.recordedRequests.filter { $0.path.contains("/keys") }.isEmpty)
                }
            }
        }

        @Test("the refusal says what was found and, for a small device, the minimum and the actual size")
        func refusalDetails() async throws {
            try await ImageFileDevices.with { (devices: ImageFileDevices) async throws -> Void in
                let detail = { @Sendable (image: ForeignImage, kms: Bool) async throws -> String in
                    try await Self.detail(image, kms: kms, devices: devices)
                }
                #expect(try await detail(.ext4WithFiles, true) == "the device holds an ext4 filesystem")
                #expect(try await detail(.swap, false) == "the device holds swap space")
                #expect(
                    try await detail(.overlappingGPT, true)
                        == "the device holds a gpt partition table whose partitions 1 and 2 overlap")
                #expect(
                    try await detail(.truncatedLUKSHeader, false).contains("LUKS header that cryptsetup cannot read"))
                #expect(
                    try await detail(.randomBytesInTheMiddle, true)
                        .hasPrefix(
                            "the device holds bytes without a known signature (the first non-zero byte is at offset 629145"
                        ))
                #expect(
                    try await detail(.oneMebibyteOfZeros, true)
                        == "the device has 1048576 bytes (1 MiB); this volume needs at least 125829120 bytes (120 MiB)")
                #expect(
                    try await detail(.oneMebibyteOfZeros, false)
                        == "the device has 1048576 bytes (1 MiB); this volume needs at least 18874368 bytes (18 MiB)")
            }
        }

        static func detail(_ image: ForeignImage, kms: Bool, devices: ImageFileDevices) async throws -> String {
            let path = devices.directory + "/\(image.rawValue)-\(UUID().uuidString).img"
            try await image.make(at: path, scratch: devices.directory)
            let inspection = try await DeviceInspection.inspect(devices.device(path))
            return inspection.detail(of: inspection.decision(usesKMS: kms), usesKMS: kms) ?? ""
        }

        @Test("empty means a file of size 0, or zeros throughout (sparse or written), with no signature")
        func emptyDevices() async throws {
            try await ImageFileDevices.with { devices in
                let sparse = devices.directory + "/sparse.img"
                try VolumeFixture.makeSparseFile(sparse, size: ForeignImage.size)
                #expect(try await devices.device(sparse).content(of: .wholeDevice) == .empty)
                let written = devices.directory + "/written.img"
                let made = try await ChildProcess.shell(
                    "truncate -s 130M '\(written)' && dd if=/dev/zero of='\(written)' bs=1M count=20 seek=3 conv=notrunc status=none"
                )
                #expect(made.status == 0)
                #expect(try await devices.device(written).content(of: .wholeDevice) == .empty)
                let zero = devices.directory + "/zero.img"
                try VolumeFixture.makeSparseFile(zero, size: 0)
                #expect(try await devices.device(zero).content(of: .wholeDevice) == .empty)
                // A blank image still takes the create-layout row (and a zero-byte file is too small for it).
                #expect(
                    try await DeviceInspection.inspect(devices.device(sparse)).decision(usesKMS: true)
                        == .createLayoutWithNewSeed)
                #expect(
                    try await DeviceInspection.inspect(devices.device(zero)).decision(usesKMS: true)
                        == .refuse(.deviceTooSmall))
            }
        }

        @Test(
            "on a block device (a loop device): a signature, or bytes in the first 16 MiB or the last MiB, are refused",
            .enabled(
                if: getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/loop-control"), "no loop devices"))
        func blockDevices() async throws {
            try await ImageFileDevices.with { devices in
                for (image, setup, expected) in [
                    (ForeignImage.ext4WithFiles, "", DeviceContent.foreign("an ext4 filesystem")),
                    (nil, "", .empty),
                    (nil, "head -c 512 /dev/urandom | dd of=IMAGE bs=512 seek=20000 conv=notrunc status=none", nil),
                    (nil, "head -c 512 /dev/urandom | dd of=IMAGE bs=512 seek=266200 conv=notrunc status=none", nil),
                ] as [(ForeignImage?, String, DeviceContent?)] {
                    let path = devices.directory + "/loop-\(UUID().uuidString).img"
                    if let image {
                        try await image.make(at: path, scratch: devices.directory)
                    } else {
                        try VolumeFixture.makeSparseFile(path, size: ForeignImage.size)
                    }
                    if !setup.isEmpty {
                        let prepared = try await ChildProcess.run(
                            "/bin/sh", ["-c", setup.replacingOccurrences(of: "IMAGE", with: "'\(path)'")],
                            timeout: .seconds(30))
                        #expect(prepared.status == 0, "\(prepared.text)")
                    }
                    let attached = try await ChildProcess.run(
                        "/sbin/losetup", ["--show", "-f", path], timeout: .seconds(30))
                    let loop = attached.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    try #require(attached.status == 0 && loop.hasPrefix("/dev/loop"), "losetup: \(attached.text)")
                    defer { _ = try? ChildProcess.runBlocking("/sbin/losetup", ["-d", loop], timeout: .seconds(30)) }
                    let content = try await devices.device(loop).content(of: .wholeDevice)
                    if let expected {
                        #expect(content == expected, "\(loop): \(content)")
                    } else {
                        guard case .unclassifiable = content else {
                            Issue.record("bytes near the start or end of \(loop) were not seen: \(content)")
                            continue
                        }
                    }
                }
            }
        }

        @Test("a data partition of the daemon's layout that holds a filesystem is not formatted")
        func foreignDataPartition() async throws {
            try await withKMS { kms in
                try await ImageFileDevices.with { devices in
                    let path = devices.directory + "/layout.img"
                    try VolumeFixture.makeSparseFile(path, size: VolumeFixture.imageSize)
                    let device = devices.device(path)
                    try await device.createLayout(metadataSize: VolumeFixture.metadataSize)
                    let data = try #require(try await device.partitions().last)
                    // Someone made a filesystem on the data partition of a layout whose keyfile was never written.
                    let made = try await ChildProcess.shell(
                        "mkfs.ext4 -q -F -E offset=\(data.offset) '\(path)' \(data.size / 1024)k")
                    #expect(made.status == 0, "\(made.text)")
                    let before = try fileDigest(path)
                    let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
                    let provisioner = VolumeProvisioner(
                        volume: volume, device: device, services: try kms.services(for: volume),
                        options: .init(keyDerivation: VolumeFixture.fastKDF))
                    let (inspection, planned) = try await provisioner.plan()
                    #expect(planned == .refuse(.foreignContent))
                    #expect(
                        provisioner.detail(of: planned, inspection: inspection)
                            == "the data partition holds an ext4 filesystem")
                    await #expect(throws: KeyDaemonError.self) { try await provisioner.provision() }
                    #expect(try fileDigest(path) == before)
                }
            }
        }
    }
}

@Suite("The decision table acts only on what it classified")
struct ContentDecisionTests {
    func inspection(
        _ content: DeviceContent, size: UInt64 = 1 << 30, partitions: [PartitionInfo] = []
    ) -> DeviceInspection {
        DeviceInspection(
            partitions: partitions, wholeDeviceIsLUKS: content == .luks, metadataFormatted: nil, keyfile: nil,
            dataIsLUKS: nil, size: size, content: content)
    }

    @Test("foreign, unclassifiable and too-small devices are refused with their own message ids")
    func refusals() {
        for usesKMS in [true, false] {
            #expect(inspection(.foreign("swap space")).decision(usesKMS: usesKMS) == .refuse(.foreignContent))
            #expect(inspection(.unclassifiable("x")).decision(usesKMS: usesKMS) == .refuse(.unclassifiableContent))
            #expect(inspection(.empty, size: 1 << 20).decision(usesKMS: usesKMS) == .refuse(.deviceTooSmall))
        }
        #expect(ProvisioningDecision.refuse(.foreignContent).messageID == .refusedForeignContent)
        #expect(ProvisioningDecision.refuse(.unclassifiableContent).messageID == .refusedUnclassifiableContent)
        #expect(ProvisioningDecision.refuse(.deviceTooSmall).messageID == .refusedDeviceTooSmall)
        #expect(ProvisioningDecision.refuse(.singlePartition).messageID == .decisionRefused)
        // A damaged LUKS header: blkid sees one, cryptsetup does not.
        var damaged = inspection(.luks)
        damaged.wholeDeviceIsLUKS = false
        #expect(damaged.decision(usesKMS: false) == .refuse(.foreignContent))
    }

    @Test("the minimum size of each row, checked before anything is written")
    func minimumSizes() {
        let layout = ProvisioningDecision.minimumLayoutSize(metadataSize: 100 << 20)
        #expect(layout == 120 << 20)
        #expect(inspection(.empty, size: layout).decision(usesKMS: true) == .createLayoutWithNewSeed)
        #expect(inspection(.empty, size: layout - 1).decision(usesKMS: true) == .refuse(.deviceTooSmall))
        #expect(inspection(.empty, size: 18 << 20).decision(usesKMS: false) == .formatTwoSeedVolume(.wholeDevice))
        #expect(inspection(.empty, size: (18 << 20) - 1).decision(usesKMS: false) == .refuse(.deviceTooSmall))
        // Opening needs no minimum.
        #expect(inspection(.luks, size: 1 << 20).decision(usesKMS: false) == .openTwoSeedVolume(.wholeDevice))
        let requirement = inspection(.empty, size: 1 << 20).sizeRequirement(usesKMS: true)
        #expect(requirement?.minimum == layout && requirement?.actual == 1 << 20)
    }

    @Test("partitions of the daemon's layout are written only when they carry no signature")
    func partitionContent() {
        let layout = [
            PartitionInfo(number: 1, name: "metadata", offset: 1 << 20, size: 100 << 20),
            PartitionInfo(number: 2, name: "data", offset: 101 << 20, size: 64 << 20),
        ]
        var crashed = inspection(.partitionTable("gpt"), partitions: layout)
        crashed.metadataFormatted = false
        crashed.dataIsLUKS = false
        crashed.metadataContent = .empty
        crashed.dataContent = .unclassifiable("leftovers")
        #expect(crashed.decision(usesKMS: true) == .formatWithNewSeed)
        crashed.metadataContent = .foreign("an xfs filesystem")
        #expect(crashed.decision(usesKMS: true) == .refuse(.foreignContent))
        crashed.metadataContent = .empty
        crashed.dataContent = .foreign("an ext4 filesystem")
        #expect(crashed.decision(usesKMS: true) == .refuse(.foreignContent))
        var overlapping = layout
        overlapping[1].offset = 50 << 20
        #expect(DeviceInspection.overlap(in: overlapping) == "partitions 1 and 2 overlap")
        #expect(DeviceInspection.overlap(in: layout) == nil)
    }

    @Test("blkid's export output names the content")
    func blkidOutput() {
        func content(_ text: String) -> DeviceContent { DiskVolume.content(fromBlkidExport: Array(text.utf8)) }
        #expect(content("DEVNAME=x\nTYPE=ext4\nUSAGE=filesystem\n") == .foreign("an ext4 filesystem"))
        #expect(content("TYPE=swap\nUSAGE=other\n") == .foreign("swap space"))
        #expect(content("TYPE=crypto_LUKS\nUSAGE=crypto\n") == .luks)
        #expect(content("PTUUID=1\nPTTYPE=gpt\n") == .partitionTable("gpt"))
        #expect(
            content("TYPE=linux_raid_member\nUSAGE=raid\n")
                == .foreign("a RAID or volume-manager member (linux_raid_member)"))
        #expect(content("TYPE=x\u{1B}[31m\nUSAGE=filesystem\n") == .foreign("a x31m filesystem"))
    }
}
