import Foundation
import Testing

@testable import KeyDaemon

/// Found by the VM suite (a kill after `layoutCreated` on a real disk): `blkid -p /dev/vda2` on an empty partition
/// exits 0 with only the partition's own GPT entry (`PART_ENTRY_*`), which the classifier took for an unknown
/// signature, so the next boot refused the half-made volume (KD111E) instead of finishing it.
@Suite("blkid output of a partition's block device")
struct PartitionEntryProbeTests {
    @Test("a partition's own GPT entry is no signature; a filesystem, LUKS or an untyped signature still are")
    func partitionEntry() {
        // What blkid 2.38 prints for /dev/vda2 after the daemon's sfdisk (seen in the VM).
        let entryOnly = """
            DEVNAME=/dev/vda2
            PART_ENTRY_SCHEME=gpt
            PART_ENTRY_NAME=data
            PART_ENTRY_UUID=4a62ee8e-08d2-5b4b-a30d-88b63fcd22d1
            PART_ENTRY_TYPE=0fc63daf-8483-4772-8e79-3d69d8477de4
            PART_ENTRY_NUMBER=2
            PART_ENTRY_OFFSET=206848
            PART_ENTRY_SIZE=118784
            PART_ENTRY_DISK=254:0

            """
        #expect(DiskVolume.signature(fromBlkidExport: Array(entryOnly.utf8)) == nil)

        let ext4 = "UUID=4d9c\nTYPE=ext4\nUSAGE=filesystem\n" + entryOnly
        #expect(DiskVolume.signature(fromBlkidExport: Array(ext4.utf8)) == .foreign("an ext4 filesystem"))
        let luks = "TYPE=crypto_LUKS\nUSAGE=crypto\n" + entryOnly
        #expect(DiskVolume.signature(fromBlkidExport: Array(luks.utf8)) == .luks)
        let untyped = "SBMAGIC=xyz\n" + entryOnly
        #expect(
            DiskVolume.signature(fromBlkidExport: Array(untyped.utf8))
                == .foreign("a signature blkid reports without a type"))
        #expect(
            DiskVolume.signature(fromBlkidExport: Array("DEVNAME=/dev/vda2\n".utf8))
                == .foreign("a signature blkid reports without a type"))
    }
}
