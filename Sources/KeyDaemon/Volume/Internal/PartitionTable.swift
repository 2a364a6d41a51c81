import Foundation

/// One partition as `sfdisk --json` reports it, with the device node the kernel may have made for it.
struct PartitionTableEntry: Sendable, Hashable {
    var info: PartitionInfo
    /// `node` from sfdisk: `/dev/vdc1` for a block device, a made-up `image1` for an image file.
    var node: String?
}

/// Reads `sfdisk --json` output defensively: every field may be missing or absurd, and every product of sectors
/// and sector size is checked for overflow and against the device's size.
enum PartitionTableParser {
    private struct Output: Decodable {
        var partitiontable: Table
    }

    private struct Table: Decodable {
        var label: String?
        var sectorsize: UInt64?
        var partitions: [Entry]?
    }

    private struct Entry: Decodable {
        var node: String?
        var start: UInt64
        var size: UInt64
        var name: String?
    }

    /// sfdisk before 2.35 printed no `sectorsize`; its unit was then the 512-byte sector.
    static let defaultSectorSize: UInt64 = 512

    static func parse(sfdiskJSON: [UInt8], deviceSize: UInt64, device: String) throws(VolumeError)
        -> [PartitionTableEntry]
    {
        let output = try JSONDecoder().decode(Output.self, from: sfdiskJSON) { error in
            VolumeError(
                code: .unexpectedToolOutput,
                message: "sfdisk --json printed something that is not a partition table (\(Self.summary(of: error)))",
                device: device, tool: "sfdisk")
        }
        let sectorSize = output.partitiontable.sectorsize ?? defaultSectorSize
        guard sectorSize >= 512, sectorSize <= 65536, sectorSize & (sectorSize - 1) == 0 else {
            throw VolumeError(
                code: .unexpectedToolOutput, message: "sfdisk reported a sector size of \(sectorSize)",
                device: device, tool: "sfdisk")
        }
        var entries: [PartitionTableEntry] = []
        for (index, entry) in (output.partitiontable.partitions ?? []).enumerated() {
            let (offset, offsetOverflow) = entry.start.multipliedReportingOverflow(by: sectorSize)
            let (size, sizeOverflow) = entry.size.multipliedReportingOverflow(by: sectorSize)
            let (end, endOverflow) = offset.addingReportingOverflow(size)
            guard !offsetOverflow, !sizeOverflow, !endOverflow, end <= UInt64(Int64.max) else {
                throw VolumeError(
                    code: .invalidPartitionTable,
                    message: "partition \(index + 1) has a start or size that does not fit in 64 bits",
                    device: device, tool: "sfdisk")
            }
            guard end <= deviceSize else {
                throw VolumeError(
                    code: .invalidPartitionTable,
                    message: "partition \(index + 1) ends at byte \(end), beyond the device's \(deviceSize) bytes "
                        + "(a truncated image?)",
                    device: device, tool: "sfdisk")
            }
            let number = entry.node.flatMap(trailingNumber(of:)) ?? (index + 1)
            entries.append(
                PartitionTableEntry(
                    info: PartitionInfo(number: number, name: entry.name ?? "", offset: offset, size: size),
                    node: entry.node))
        }
        return entries
    }

    /// `3` for `/dev/nvme0n1p3` or `image3`; nil when the node ends in no digits or absurdly many.
    static func trailingNumber(of node: String) -> Int? {
        let digits = node.reversed().prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 6 else { return nil }
        guard let number = Int(String(digits.reversed())), number > 0 else { return nil }
        return number
    }

    /// The kind of decoding failure, without echoing the input.
    private static func summary(of error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "unexpected value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "malformed JSON"
        default: "undecodable"
        }
    }
}

/// One line of debugfs's `ls -p` listing: `/inode/mode/uid/gid/name/size/`.
struct DirectoryEntry: Sendable, Hashable {
    var inode: UInt64
    /// The octal mode, type bits included (`0o100600` for a regular file).
    var mode: UInt32
    var name: String
    /// Empty for directories in debugfs's output, hence optional.
    var size: UInt64?

    var isRegularFile: Bool { mode & 0o170000 == 0o100000 }

    static func parseListing(_ output: [UInt8]) -> [DirectoryEntry] {
        String(decoding: output, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .compactMap { line -> DirectoryEntry? in
                let fields = line.split(separator: "/", omittingEmptySubsequences: false)
                // "", inode, mode, uid, gid, name, size, ""
                guard fields.count == 8, fields[0].isEmpty,
                    let inode = UInt64(fields[1]),
                    let mode = UInt32(fields[2], radix: 8)
                else { return nil }
                let name = String(fields[5])
                guard !name.isEmpty else { return nil }
                return DirectoryEntry(inode: inode, mode: mode, name: name, size: UInt64(fields[6]))
            }
    }
}
