import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A scratch stand-in for a partition that has no device node of its own (a partition of an image file, or of a
/// block device whose partition nodes the kernel or udev did not make): cryptsetup cannot put a LUKS header at
/// an offset inside a file, so it works on a sparse file of the partition's exact size holding a copy of the
/// partition's header area, and ``commit(to:)`` copies what changed back into the partition.
///
/// The window lives in a private 0700 folder of the scratch directory (a tmpfs by default) and is removed with it.
/// It holds the LUKS header and keyslot areas, never a passphrase or an unwrapped key.
///
/// `@unchecked Sendable`: one operation owns a window and uses it strictly in sequence; the blocking calls run on
/// a thread of their own while the owning task awaits them.
final class LUKSWindow: @unchecked Sendable {
    /// When the partition's own header cannot be read, this much of it is copied.
    static let fallbackCopyLength: UInt64 = 32 << 20
    private static let blockSize = 4096
    private static let chunkSize = 1 << 20

    let partition: PartitionInfo
    let folder: ScratchDirectory
    let path: String
    /// How many leading bytes of the partition the window was filled from (0 for a fresh window).
    private(set) var copiedLength: UInt64

    private init(partition: PartitionInfo, folder: ScratchDirectory, path: String, copiedLength: UInt64) {
        self.partition = partition
        self.folder = folder
        self.path = path
        self.copiedLength = copiedLength
    }

    private let removed = Mutex(false)

    deinit { remove() }

    /// Removes the window's folder now (once; deinit does it too). ``DiskVolume`` calls it as soon as the operation
    /// ends, so that the folder is gone when the operation returns or throws, whichever thread releases the window.
    func remove() {
        let first = removed.withLock { removed -> Bool in
            defer { removed = true }
            return !removed
        }
        if first { folder.remove() }
    }

    /// A window over `partition`. `copy` false gives a window of zeros (for luksFormat); true copies the
    /// partition's header area, as long as its own header says (at least the LUKS2 default when it says nothing
    /// readable: ``fallbackCopyLength``). Blocking.
    static func make(
        device: DeviceFile, partition: PartitionInfo, scratchDirectory: String, copy: Bool
    ) throws(VolumeError) -> LUKSWindow {
        guard partition.size <= UInt64(Int64.max) else {
            throw VolumeError(code: .invalidPartitionTable, message: "partition too large", device: device.path)
        }
        let folder = try ScratchDirectory(in: scratchDirectory)
        let window = LUKSWindow(partition: partition, folder: folder, path: folder.path + "/window", copiedLength: 0)
        let fd = open(window.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw VolumeError(
                code: .ioFailed, message: "cannot create the LUKS window: \(SystemSupport.errorText(errno))")
        }
        defer { close(fd) }
        guard ftruncate(fd, off_t(partition.size)) == 0 else {
            throw VolumeError(
                code: .ioFailed, message: "cannot size the LUKS window: \(SystemSupport.errorText(errno))")
        }
        guard copy else { return window }

        let length = min(partition.size, try headerAreaLength(device: device, partition: partition))
        var offset: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while offset < length {
            let count = Int(min(UInt64(chunkSize), length - offset))
            if buffer.count != count { buffer = [UInt8](repeating: 0, count: count) }
            let got = try device.read(into: &buffer, at: partition.offset + offset)
            guard got == count else {
                throw VolumeError(
                    code: .ioFailed, message: "the partition ends early (a truncated image?)", device: device.path)
            }
            // Zeros need no copy: the window is sparse, so it stays small.
            if buffer.contains(where: { $0 != 0 }) {
                try writeAll(fd, buffer[0..<count], at: offset)
            }
            offset += UInt64(count)
        }
        window.copiedLength = length
        return window
    }

    /// How far the header area of the LUKS header at the start of `partition` reaches, or
    /// ``fallbackCopyLength`` when there is no readable primary header.
    static func headerAreaLength(device: DeviceFile, partition: PartitionInfo) throws(VolumeError) -> UInt64 {
        guard partition.size >= UInt64(LUKSHeaderLayout.binaryHeaderSize) else { return partition.size }
        let binary = try device.read(count: LUKSHeaderLayout.binaryHeaderSize, at: partition.offset)
        if let headerSize = LUKSHeaderLayout.luks2HeaderSize(binaryHeader: binary), headerSize <= partition.size {
            let json = try device.read(
                count: Int(headerSize) - LUKSHeaderLayout.binaryHeaderSize,
                at: partition.offset + UInt64(LUKSHeaderLayout.binaryHeaderSize))
            if let geometry = LUKSHeaderLayout.luks2Geometry(headerSize: headerSize, jsonArea: json) {
                return geometry.areaEnd
            }
        } else if let geometry = LUKSHeaderLayout.luks1Geometry(header: binary) {
            return geometry.areaEnd
        }
        return fallbackCopyLength
    }

    /// Copies every 4 KiB block of the window's header area that differs from the partition back into it, and
    /// syncs. Order: keyslot areas first, then the LUKS2 secondary header, then the primary, with an fsync after
    /// each, as cryptsetup orders its own writes on a device. After a crash during an added keyslot the old
    /// headers (which do not list the new, unused area) or the new ones are valid; during a removal the removed
    /// keyslot may already be wiped while the old headers still list it, which loses only that passphrase.
    /// Blocking.
    func commit(to device: DeviceFile) throws(VolumeError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw VolumeError(
                code: .ioFailed, message: "cannot reopen the LUKS window: \(SystemSupport.errorText(errno))")
        }
        defer { close(fd) }

        var headerSize: UInt64 = 0
        var length = copiedLength
        if partition.size >= UInt64(LUKSHeaderLayout.binaryHeaderSize) {
            let binary = try Self.readWindow(fd, count: LUKSHeaderLayout.binaryHeaderSize, at: 0)
            if let size = LUKSHeaderLayout.luks2HeaderSize(binaryHeader: binary), size <= partition.size {
                headerSize = size
                let json = try Self.readWindow(
                    fd, count: Int(size) - LUKSHeaderLayout.binaryHeaderSize,
                    at: UInt64(LUKSHeaderLayout.binaryHeaderSize))
                if let geometry = LUKSHeaderLayout.luks2Geometry(headerSize: size, jsonArea: json) {
                    length = max(length, geometry.areaEnd)
                }
            } else if let geometry = LUKSHeaderLayout.luks1Geometry(header: binary) {
                length = max(length, geometry.areaEnd)
            }
        }
        length = min(length, partition.size)
        guard length > 0 else {
            throw VolumeError(
                code: .unexpectedToolOutput, message: "cryptsetup left no LUKS header to copy back", tool: "cryptsetup")
        }

        let secondaryStart = min(headerSize, length)
        let areasStart = min(headerSize * 2, length)
        for range in [areasStart..<length, secondaryStart..<areasStart, 0..<secondaryStart] where !range.isEmpty {
            try copyChangedBlocks(window: fd, device: device, range: range)
            try device.sync()
        }
        copiedLength = max(copiedLength, length)
    }

    private func copyChangedBlocks(window fd: Int32, device: DeviceFile, range: Range<UInt64>) throws(VolumeError) {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let count = Int(min(UInt64(Self.chunkSize), range.upperBound - offset))
            let wanted = try Self.readWindow(fd, count: count, at: offset)
            var current = [UInt8](repeating: 0, count: count)
            let got = try device.read(into: &current, at: partition.offset + offset)
            guard got == count else {
                throw VolumeError(
                    code: .ioFailed, message: "the partition ends early (a truncated image?)", device: device.path)
            }
            var block = 0
            while block < count {
                let end = min(block + Self.blockSize, count)
                if wanted[block..<end] != current[block..<end] {
                    // Extend over the following differing blocks, so a fresh header goes out in few writes.
                    var runEnd = end
                    while runEnd < count {
                        let next = min(runEnd + Self.blockSize, count)
                        if wanted[runEnd..<next] == current[runEnd..<next] { break }
                        runEnd = next
                    }
                    try device.write(wanted[block..<runEnd], at: partition.offset + offset + UInt64(block))
                    block = runEnd
                } else {
                    block = end
                }
            }
            offset += UInt64(count)
        }
    }

    private static func readWindow(_ fd: Int32, count: Int, at offset: UInt64) throws(VolumeError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        // A short read (past the end of a sparse file) cannot happen: the window has the partition's size.
        _ = try SystemSupport.positionedRead(fd, into: &buffer, at: offset, failure: { failure("read", $0) })
        return buffer
    }

    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(VolumeError) {
        try SystemSupport.positionedWrite(fd, bytes, at: offset, failure: { failure("fill", $0) })
    }

    /// `cannot <verb> the LUKS window` with the reason `errorCode` gives (`nil`: an offset beyond `off_t`).
    private static func failure(_ verb: String, _ errorCode: Int32?) -> VolumeError {
        VolumeError(
            code: .ioFailed,
            message: "cannot \(verb) the LUKS window: \(SystemSupport.errorText(errorCode ?? EOVERFLOW))")
    }
}
