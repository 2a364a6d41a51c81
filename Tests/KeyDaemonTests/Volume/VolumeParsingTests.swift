import Foundation
import Testing

@testable import KeyDaemon

@Suite("Volume parsing: sfdisk JSON, debugfs listings, LUKS headers, arguments")
struct VolumeParsingTests {
    static let sfdiskOutput = """
        {
           "partitiontable": {
              "label": "gpt", "id": "714A762A-6CDF-BD44-9C50-F74DBF35F949", "device": "/dev/vdc", "unit": "sectors",
              "firstlba": 2048, "lastlba": 327646, "sectorsize": 512,
              "partitions": [
                 {"node": "/dev/vdc1", "start": 2048, "size": 204800, "type": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                  "uuid": "9CE22CCA-F5AC-4340-AE65-77C47A8133DE", "name": "metadata"},
                 {"node": "/dev/vdc2", "start": 206848, "size": 118784, "type": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                  "uuid": "18771108-A60D-0A42-92FB-CE0DE378FB2B", "name": "data"}
              ]
           }
        }
        """

    @Test("sfdisk --json: offsets and sizes in bytes, numbers from the node names")
    func sfdisk() throws {
        let entries = try PartitionTableParser.parse(
            sfdiskJSON: Array(Self.sfdiskOutput.utf8), deviceSize: 160 << 20, device: "/dev/vdc")
        #expect(
            entries.map(\.info) == [
                PartitionInfo(number: 1, name: "metadata", offset: 1 << 20, size: 100 << 20),
                PartitionInfo(number: 2, name: "data", offset: 101 << 20, size: 58 << 20),
            ])
        #expect(entries.map(\.node) == ["/dev/vdc1", "/dev/vdc2"])
    }

    @Test("4 KiB sectors multiply; a missing sector size means 512; missing names are empty")
    func sectorSizes() throws {
        let fourK =
            #"{"partitiontable":{"sectorsize":4096,"partitions":[{"node":"/dev/nvme0n1p3","start":256,"size":10}]}}"#
        let entry = try #require(
            try PartitionTableParser.parse(sfdiskJSON: Array(fourK.utf8), deviceSize: 1 << 30, device: "d").first)
        #expect(entry.info == PartitionInfo(number: 3, name: "", offset: 1 << 20, size: 40960))
        let old = #"{"partitiontable":{"partitions":[{"start":2048,"size":2048}]}}"#
        let legacy = try #require(
            try PartitionTableParser.parse(sfdiskJSON: Array(old.utf8), deviceSize: 1 << 30, device: "d").first)
        #expect(legacy.info == PartitionInfo(number: 1, name: "", offset: 1 << 20, size: 1 << 20))
        let empty = #"{"partitiontable":{"label":"gpt"}}"#
        #expect(try PartitionTableParser.parse(sfdiskJSON: Array(empty.utf8), deviceSize: 1 << 30, device: "d").isEmpty)
    }

    @Test(
        "odd sfdisk output is an error, never a crash",
        arguments: [
            ("", VolumeError.Code.unexpectedToolOutput),
            ("not json", .unexpectedToolOutput),
            ("[]", .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"start":-1,"size":1}]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"start":1.5,"size":1}]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"size":1}]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"start":"2048","size":1}]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"sectorsize":0,"partitions":[]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"sectorsize":1000,"partitions":[]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"start":18446744073709551615,"size":1}]}}"#, .invalidPartitionTable),
            (#"{"partitiontable":{"partitions":[{"start":1,"size":36028797018963968}]}}"#, .invalidPartitionTable),
            (#"{"partitiontable":{"partitions":[{"start":99999999999999999999,"size":1}]}}"#, .unexpectedToolOutput),
            (#"{"partitiontable":{"partitions":[{"start":2048,"size":409600}]}}"#, .invalidPartitionTable),
        ])
    func oddSfdiskOutput(text: String, code: VolumeError.Code) {
        do {
            _ = try PartitionTableParser.parse(sfdiskJSON: Array(text.utf8), deviceSize: 160 << 20, device: "d")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test("node names give partition numbers when they end in digits")
    func nodeNumbers() {
        #expect(PartitionTableParser.trailingNumber(of: "/dev/nvme0n1p12") == 12)
        #expect(PartitionTableParser.trailingNumber(of: "disk.img2") == 2)
        #expect(PartitionTableParser.trailingNumber(of: "/dev/sda") == nil)
        #expect(PartitionTableParser.trailingNumber(of: "x99999999999999999999999") == nil)
        #expect(PartitionTableParser.trailingNumber(of: "x0") == nil)
    }

    @Test("debugfs ls -p: entries parsed, everything else ignored")
    func debugfsListing() {
        let output = """
            /2/040755/0/0/.//
            /12/100600/0/0/keyfile/44/
            /13/100644/0/0/keyfile.new/0/
            debugfs 1.47.0 (5-Feb-2023)
            /x/100600/0/0/bad/1/
            /14/100600/0/0//1/
            /15/040755/0/0/sub/dir//

            """
        let entries = DirectoryEntry.parseListing(Array(output.utf8))
        #expect(entries.map(\.name) == [".", "keyfile", "keyfile.new"])
        #expect(entries[1] == DirectoryEntry(inode: 12, mode: 0o100600, name: "keyfile", size: 44))
        #expect(entries[1].isRegularFile)
        #expect(entries[0].isRegularFile == false)
    }

    @Test("the keyfile tidy-up after an interrupted replacement")
    func tidyCommands() {
        let volume = DiskVolume(path: "/nonexistent")
        func entry(_ name: String, _ inode: UInt64) -> DirectoryEntry {
            DirectoryEntry(inode: inode, mode: 0o100600, name: name, size: 1)
        }
        #expect(volume.tidyCommands([]) == [])
        #expect(volume.tidyCommands([entry("keyfile", 12)]) == [])
        #expect(volume.tidyCommands([entry("keyfile", 12), entry("keyfile.new", 13)]) == ["rm keyfile.new"])
        #expect(volume.tidyCommands([entry("keyfile", 12), entry("keyfile.new", 12)]) == ["unlink keyfile.new"])
        #expect(
            volume.tidyCommands([entry("keyfile.new", 13)]) == ["ln keyfile.new keyfile", "unlink keyfile.new"])
        #expect(
            volume.tidyCommands([entry("keyfile.tmp", 14), entry("keyfile.new", 14)]) == [
                "unlink keyfile.tmp", "ln keyfile.new keyfile", "unlink keyfile.new",
            ])
        #expect(
            volume.tidyCommands([entry("keyfile", 12), entry("keyfile.tmp", 14), entry("keyfile.new", 14)]) == [
                "unlink keyfile.tmp", "rm keyfile.new",
            ])
        #expect(volume.tidyCommands([entry("keyfile.tmp", 14)]) == ["rm keyfile.tmp"])
    }

    @Test("LUKS header layout: garbage and absurd sizes give nil, never a trap")
    func luksHeaderGarbage() {
        #expect(LUKSHeaderLayout.luks2HeaderSize(binaryHeader: []) == nil)
        #expect(LUKSHeaderLayout.luks2HeaderSize(binaryHeader: [UInt8](repeating: 0xFF, count: 4096)) == nil)
        var header = LUKSHeaderLayout.primaryMagic + [0, 2] + [0, 0, 0, 0, 0, 0, 0x40, 0]  // 16 KiB
        #expect(LUKSHeaderLayout.luks2HeaderSize(binaryHeader: header) == 16384)
        header[13] = 0x41  // not an allowed size
        #expect(LUKSHeaderLayout.luks2HeaderSize(binaryHeader: header) == nil)
        #expect(LUKSHeaderLayout.luks2Geometry(headerSize: 16384, jsonArea: Array("{oops".utf8)) == nil)
        let huge =
            #"{"segments":{"0":{"offset":"18446744073709551615"}},"keyslots":{"0":{"area":{"offset":"18446744073709551615","size":"10"}}}}"#
        #expect(LUKSHeaderLayout.luks2Geometry(headerSize: 16384, jsonArea: Array(huge.utf8)) == nil)
        let normal =
            #"{"config":{"json_size":"12288","keyslots_size":"16744448"},"segments":{"0":{"offset":"16777216","size":"dynamic"}},"keyslots":{"0":{"area":{"offset":"32768","size":"258048"}}}}"#
        #expect(
            LUKSHeaderLayout.luks2Geometry(headerSize: 16384, jsonArea: Array(normal.utf8) + [0, 0])
                == LUKSHeaderLayout.Geometry(headerSize: 16384, areaEnd: 16 << 20))
        var luks1 = [UInt8](repeating: 0, count: 592)
        luks1.replaceSubrange(0..<8, with: LUKSHeaderLayout.primaryMagic + [0, 1])
        luks1.replaceSubrange(104..<112, with: [0, 0, 0x10, 0, 0, 0, 0, 64])  // payload 4096 sectors, 64-byte key
        #expect(
            LUKSHeaderLayout.luks1Geometry(header: luks1) == LUKSHeaderLayout.Geometry(headerSize: 0, areaEnd: 2 << 20))
        luks1.replaceSubrange(208..<212, with: [0x00, 0xAC, 0x71, 0xF3])  // an active slot with absurd stripes
        luks1.replaceSubrange(248..<256, with: [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(LUKSHeaderLayout.luks1Geometry(header: luks1) == nil)
    }

    @Test("key-derivation costs become cryptsetup options")
    func keyDerivationArguments() throws {
        #expect(try DiskVolume.keyDerivationArguments(.cryptsetupDefault) == [])
        #expect(
            try DiskVolume.keyDerivationArguments(.pbkdf2(iterations: 1000)) == [
                "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
            ])
        #expect(
            try DiskVolume.keyDerivationArguments(.argon2id(iterations: 4, memoryKiB: 65536, parallelism: 2)) == [
                "--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "65536",
                "--pbkdf-parallel", "2",
            ])
        #expect(throws: VolumeError.invalidArgument) { try DiskVolume.keyDerivationArguments(.pbkdf2(iterations: 999)) }
        #expect(throws: VolumeError.invalidArgument) {
            try DiskVolume.keyDerivationArguments(.argon2id(iterations: 4, memoryKiB: -1, parallelism: 1))
        }
    }

    @Test(
        "mapping names",
        arguments: [
            ("data", true), ("hpcs-data_1.2", true), ("", false), ("-x", false), (".x", false), ("a/b", false),
            ("a b", false), (String(repeating: "a", count: 128), false), ("dätä", false),
        ])
    func mappingNames(name: String, valid: Bool) {
        #expect(((try? DiskVolume.validateMappingName(name)) != nil) == valid, "\(name)")
    }

    @Test("stderr diagnostics: last lines, control characters replaced, capped")
    func diagnostics() {
        let text = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n\u{1B}[31mred\u{7}\n"
        let summary = VolumeError.diagnostics(fromStandardError: Array(text.utf8))
        #expect(summary == "line 6 | line 7 | line 8 | line 9 | line 10 | ?[31mred?")
        let long = VolumeError.diagnostics(fromStandardError: [UInt8](repeating: 0x61, count: 50_000))
        #expect(long.count == VolumeError.maximumDiagnosticsLength)
    }

    @Test("key material goes only to a memory filesystem")
    func memoryBackedScratch() {
        #expect(ScratchDirectory.isMemoryBacked("/dev/shm"))
        #expect(ScratchDirectory.isMemoryBacked("/proc") == false)
        #expect(ScratchDirectory.isMemoryBacked("/nonexistent/folder") == false)
        #expect(throws: VolumeError.invalidArgument) { try ScratchDirectory.forKeyMaterial(in: "/proc") }
    }

    @Test("errors compare by code and describe themselves with context")
    func errorDescription() {
        let error = VolumeError(
            code: .toolFailed, message: "cryptsetup luksFormat failed", device: "/dev/vdc", tool: "cryptsetup",
            exitStatus: 1, diagnostics: "Device /dev/vdc is in use.")
        #expect(error == VolumeError.toolFailed)
        #expect(error != VolumeError.wrongPassphrase)
        #expect(
            error.description
                == #"VolumeError.toolFailed: "cryptsetup luksFormat failed" (device: /dev/vdc, tool: cryptsetup, "#
                + #"exit status: 1, stderr: Device /dev/vdc is in use.)"#)
    }
}
