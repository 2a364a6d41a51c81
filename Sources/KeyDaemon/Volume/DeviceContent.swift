/// The part of a device whose content ``VolumeDevice/content(of:)`` classifies.
public enum DeviceRegion: Sendable, Hashable, CustomStringConvertible {
    /// The whole device or image.
    case wholeDevice
    /// The partition named `metadata`.
    case metadataPartition
    /// The partition named `data`.
    case dataPartition

    public var description: String {
        switch self {
        case .wholeDevice: "device"
        case .metadataPartition: "metadata partition"
        case .dataPartition: "data partition"
        }
    }
}

/// What a device (or one of its partitions) holds, as far as the key daemon can tell before it writes anything.
///
/// The key daemon writes only on what it classified as ``empty`` or as its own. Everything else is refused and left
/// as it is: a filesystem, swap, a RAID or LVM member, a partition table that is not the daemon's, a LUKS header
/// that cryptsetup cannot read, or bytes that carry no known signature but are not zeros.
public enum DeviceContent: Sendable, Hashable, CustomStringConvertible {
    /// No signature (`blkid -p`, `wipefs -n`) and, for a whole device, zeros wherever a signature or header would
    /// be: the first 16 MiB and the last MiB of a block device, every byte of a regular file.
    case empty
    /// A LUKS header (`crypto_LUKS`).
    case luks
    /// A partition table of this type (`gpt`, `dos`).
    case partitionTable(String)
    /// A known signature that is not a LUKS header or a partition table: "an ext4 filesystem", "swap".
    case foreign(String)
    /// Bytes that are not zeros but carry no signature (random bytes, a text file); the detail says where
    /// ("the first non-zero byte is at offset 0").
    case unclassifiable(String)

    public var description: String {
        switch self {
        case .empty: "empty"
        case .luks: "a LUKS header"
        case .partitionTable(let type): "a \(type) partition table"
        case .foreign(let what): what
        case .unclassifiable(let detail): "bytes without a known signature (\(detail))"
        }
    }
}
