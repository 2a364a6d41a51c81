import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Classifying what a device holds before anything is written to it (see ``DeviceContent``): `blkid -p` (the
/// low-level probe, not the cache) and `wipefs -n` for signatures, then a scan for non-zero bytes where a header
/// would be.
extension DiskVolume {
    /// Where a block device without a signature must be all zeros: the LUKS2 header and keyslot area and the
    /// primary GPT at the start, and the backup GPT at the end.
    static let zeroCheckedHead: UInt64 = 16 << 20
    static let zeroCheckedTail: UInt64 = 1 << 20

    public func size() async throws(VolumeError) -> UInt64 {
        try DeviceState.inspect(path).size
    }

    /// What `region` holds.
    ///
    /// - The whole device: a regular file of size 0 is ``DeviceContent/empty``. Otherwise a signature that
    ///   `blkid -p` or `wipefs -n` finds names the content; without one, the device is empty only if it is all
    ///   zeros (every byte of a regular file; the first 16 MiB and the last MiB of a block device), and
    ///   ``DeviceContent/unclassifiable(_:)`` if not.
    /// - A partition: only signatures count (`blkid -p` at the partition's offset). A partition of the daemon's own
    ///   layout may hold leftovers of an interrupted `luksFormat` or an earlier use of the disk, which are not data.
    public func content(of region: DeviceRegion) async throws(VolumeError) -> DeviceContent {
        switch region {
        case .wholeDevice:
            let device = try DeviceState.inspect(path)
            if device.kind == .regularFile, device.size == 0 { return .empty }
            if let found = try await probeSignature(path, offset: nil, size: nil) { return found }
            if let found = try await wipefsSignature() { return found }
            let firstNonZero = try await withDeviceLock(exclusive: false) {
                (file: DeviceFile) throws(VolumeError) -> UInt64? in
                try await runOffCooperativePool { () throws(VolumeError) -> UInt64? in
                    try Self.firstNonZeroByte(file, device: device)
                }
            }
            if let firstNonZero { return .unclassifiable("the first non-zero byte is at offset \(firstNonZero)") }
            return .empty
        case .metadataPartition, .dataPartition:
            let name = region == .metadataPartition ? Self.metadataPartitionName : Self.dataPartitionName
            let (device, entry) = try await partition(named: name)
            let found: DeviceContent?
            switch access(to: entry, on: device) {
            case .node(let node):
                found = try await probeSignature(node, offset: nil, size: nil)
            case .range(let range):
                found = try await probeSignature(path, offset: range.offset, size: range.size)
            }
            return found ?? .empty
        }
    }

    /// `blkid -p -o export`: nil when it finds nothing (exit 2).
    private func probeSignature(_ target: String, offset: UInt64?, size: UInt64?) async throws(VolumeError)
        -> DeviceContent?
    {
        var arguments = ["-p", "-o", "export"]
        if let offset { arguments += ["-O", "\(offset)"] }
        if let size { arguments += ["-S", "\(size)"] }
        let result = try await runTool(.blkid, arguments + [target], outputLimit: 64 * 1024)
        switch result.status {
        case 0:
            return Self.signature(fromBlkidExport: result.standardOutput)
        case 2:
            return nil
        case 8:
            return .foreign("several conflicting signatures (blkid cannot tell which one is valid)")
        default:
            throw failure(result, tool: .blkid, message: "blkid cannot probe the \(path == target ? "device" : target)")
        }
    }

    /// The content `blkid -p -o export` describes: its `TYPE`, `USAGE` and `PTTYPE` lines.
    static func content(fromBlkidExport output: [UInt8]) -> DeviceContent {
        var fields: [String: String] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        let type = fields["TYPE"].map(safeName)
        let usage = fields["USAGE"].map(safeName)
        if type == "crypto_LUKS" { return .luks }
        if let type {
            switch usage {
            case "filesystem": return .foreign("a\(startsWithVowel(type) ? "n" : "") \(type) filesystem")
            case "raid": return .foreign("a RAID or volume-manager member (\(type))")
            case "crypto": return .foreign("an encrypted volume (\(type))")
            default: return .foreign(type == "swap" ? "swap space" : "a \(type) signature")
            }
        }
        if let table = fields["PTTYPE"].map(safeName) { return .partitionTable(table) }
        return .foreign("a signature blkid reports without a type")
    }

    /// `wipefs -n -J`: a second opinion when blkid found nothing (wipefs lists every signature libblkid knows).
    private func wipefsSignature() async throws(VolumeError) -> DeviceContent? {
        let result = try await runTool(.wipefs, ["-n", "-J", path], outputLimit: 256 * 1024)
        guard result.status == 0 else {
            throw failure(result, tool: .wipefs, message: "wipefs cannot probe the device")
        }
        let text = result.standardOutput
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text)) as? [String: Any],
            let signatures = object["signatures"] as? [[String: Any]]
        else {
            return .foreign("a signature wipefs reports in a form this tool cannot read")
        }
        guard !signatures.isEmpty else { return nil }
        let types = signatures.compactMap { $0["type"] as? String }.map(Self.safeName)
        if types.contains("crypto_LUKS") { return .luks }
        return .foreign("signatures wipefs finds (\(Set(types).sorted().joined(separator: ", ")))")
    }

    /// The offset of the first non-zero byte of the regions that must be zeros on an empty device, or nil.
    /// A regular file is scanned whole, skipping its holes (`SEEK_DATA`/`SEEK_HOLE`); a block device in its first
    /// ``zeroCheckedHead`` and last ``zeroCheckedTail`` bytes. Blocking.
    static func firstNonZeroByte(_ file: DeviceFile, device: DeviceState) throws(VolumeError) -> UInt64? {
        let ranges: [Range<UInt64>]
        switch device.kind {
        case .regularFile:
            ranges = dataRanges(file, size: device.size)
        case .blockDevice:
            let head = 0..<min(device.size, zeroCheckedHead)
            let tailStart = max(head.upperBound, device.size > zeroCheckedTail ? device.size - zeroCheckedTail : 0)
            ranges = [head, tailStart..<device.size]
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for range in ranges {
            var offset = range.lowerBound
            while offset < range.upperBound {
                let count = Int(min(UInt64(buffer.count), range.upperBound - offset))
                if buffer.count != count { buffer = [UInt8](repeating: 0, count: count) }
                let got = try file.read(into: &buffer, at: offset)
                if let index = buffer[0..<got].firstIndex(where: { $0 != 0 }) { return offset + UInt64(index) }
                if got < count { break }
                offset += UInt64(count)
            }
        }
        return nil
    }

    /// The ranges of a regular file that hold data (not holes); the whole file where the system cannot tell.
    private static func dataRanges(_ file: DeviceFile, size: UInt64) -> [Range<UInt64>] {
        let seekData: Int32 = 3  // SEEK_DATA and SEEK_HOLE (Linux, glibc): not visible without _GNU_SOURCE.
        let seekHole: Int32 = 4
        var ranges: [Range<UInt64>] = []
        var position: off_t = 0
        while UInt64(position) < size {
            let start = lseek(file.descriptor, position, seekData)
            if start < 0 {
                if errno == ENXIO { break }  // no data after `position`
                return [0..<size]
            }
            let end = lseek(file.descriptor, start, seekHole)
            guard end > start else { return [0..<size] }
            ranges.append(UInt64(start)..<min(UInt64(end), size))
            position = end
        }
        return ranges
    }

    private static func safeName(_ text: String) -> String {
        let kept = text.unicodeScalars.filter { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "_.-".unicodeScalars
                        .contains(scalar))
        }
        return String(String.UnicodeScalarView(kept.prefix(40)))
    }

    private static func startsWithVowel(_ text: String) -> Bool {
        guard let first = text.lowercased().first else { return false }
        return "aeiou".contains(first)
    }
}

extension DiskVolume {
    /// The content `blkid -p -o export` describes, or nil when it names no signature: on a partition's block device
    /// (`/dev/vda2`) blkid also reports the device's name (`DEVNAME`) and the partition's own GPT entry
    /// (`PART_ENTRY_*`), which are not content.
    static func signature(fromBlkidExport output: [UInt8]) -> DeviceContent? {
        let names = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.firstIndex(of: "=").map { String(line[..<$0]) }
        }.filter { $0 != "DEVNAME" }
        if !names.isEmpty, names.allSatisfy({ $0.hasPrefix("PART_ENTRY_") }) { return nil }
        return content(fromBlkidExport: output)
    }
}
