/// Why the key daemon refuses to touch a volume.
public enum Refusal: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The whole device is LUKS (a two-seed volume) but the contract now has `kms`: remove `kms` to keep using it.
    case wholeDeviceIsLUKS
    /// The device has exactly one partition.
    case singlePartition
    /// The device has partitions other than `metadata` followed by `data`.
    case unexpectedLayout
    /// The metadata partition holds a wrapped seed but the contract has no `kms`: a downgrade to two seeds.
    case downgrade
    /// The data partition is LUKS but the metadata partition has no readable filesystem: the wrapped seed may be
    /// lost, and formatting the partition would make that final.
    case metadataUnreadable
    /// The data partition is LUKS but the seeds do not open it.
    case wrongSeeds
    /// No `kms` entry could unwrap the seed.
    case unwrapFailed
    /// The keyfile is neither a KMS wrap response's ciphertext nor a keyfile of earlier versions.
    case malformedKeyfile
    /// The device (or the partition the row would write) holds something that is not the daemon's: a filesystem,
    /// swap, a RAID member, a partition table of another layout, a LUKS header cryptsetup cannot read.
    case foreignContent
    /// The device carries no known signature but is not zeros (random bytes, a text file): it may be data.
    case unclassifiableContent
    /// The device is smaller than the row needs (``ProvisioningDecision/minimumSize(metadataSize:)``).
    case deviceTooSmall

    public var description: String {
        switch self {
        case .wholeDeviceIsLUKS:
            "the whole device is already a LUKS volume of two seeds; remove 'kms' from the contract to use it"
        case .singlePartition: "the device has one partition; a KMS volume has 'metadata' and 'data'"
        case .unexpectedLayout: "the device's partitions are not 'metadata' followed by 'data'"
        case .downgrade: "the volume has a wrapped third seed but the contract has no 'kms' (a downgrade)"
        case .metadataUnreadable:
            "the data partition is LUKS but the metadata partition has no readable filesystem"
        case .wrongSeeds: "the seeds of the contract do not open the LUKS volume"
        case .unwrapFailed: "no 'kms' entry could unwrap the volume's seed"
        case .malformedKeyfile:
            "the metadata partition's keyfile is not the ciphertext of a KMS wrap response (nor an earlier keyfile)"
        case .foreignContent: "the device holds data that is not a volume of the key daemon; it is left untouched"
        case .unclassifiableContent:
            "the device is not empty (it holds bytes without a known signature); it is left untouched"
        case .deviceTooSmall: "the device is too small for the volume; nothing was written"
        }
    }

    /// The refusal as one sentence with what was found (``DeviceInspection/detail(of:usesKMS:metadataSize:)``).
    public func explanation(_ detail: String?) -> String {
        guard let detail else { return description }
        switch self {
        case .foreignContent: return "\(detail), not a volume of the key daemon; it is left untouched"
        case .unclassifiableContent: return "\(detail), so it is not empty; it is left untouched"
        case .deviceTooSmall: return "\(detail); nothing was written"
        default: return "\(description) (\(detail))"
        }
    }

    /// The message id of the log line (and of the CLI's refusal): the content refusals have their own.
    public var messageID: MessageID {
        switch self {
        case .foreignContent: .refusedForeignContent
        case .unclassifiableContent: .refusedUnclassifiableContent
        case .deviceTooSmall: .refusedDeviceTooSmall
        default: .decisionRefused
        }
    }
}

/// A row of the decision table: what the key daemon does with a device, given the contract.
public enum ProvisioningDecision: Sendable, Hashable, CustomStringConvertible {
    /// No `kms`, a device that is not LUKS: format it with the two-seed passphrase.
    case formatTwoSeedVolume(LUKSTarget)
    /// No `kms`, a LUKS device: open it with the two-seed passphrase.
    case openTwoSeedVolume(LUKSTarget)
    /// `kms`, no partitions, not LUKS: partition, make a seed with the first entry, store it, format `data`.
    case createLayoutWithNewSeed
    /// `kms`, two partitions without a wrapped seed, `data` not LUKS: new seed through the first entry, format.
    case formatWithNewSeed
    /// `kms`, two partitions without a wrapped seed, `data` LUKS: migrate from two seeds to three.
    case migrateToThreeSeeds
    /// `kms`, a wrapped seed, `data` not LUKS: check the layout, unwrap, format.
    case unwrapAndFormat
    /// `kms`, a wrapped seed, `data` LUKS: unwrap and open.
    case unwrapAndOpen
    /// Refuse; the server shuts down.
    case refuse(Refusal)

    public var messageID: MessageID {
        switch self {
        case .formatTwoSeedVolume: .decisionTwoSeedFormat
        case .openTwoSeedVolume: .decisionTwoSeedOpen
        case .createLayoutWithNewSeed: .decisionCreateLayout
        case .formatWithNewSeed: .decisionFormatWithNewSeed
        case .migrateToThreeSeeds: .decisionMigrate
        case .unwrapAndFormat: .decisionUnwrapAndFormat
        case .unwrapAndOpen: .decisionUnwrapAndOpen
        case .refuse(let refusal): refusal.messageID
        }
    }

    /// The smallest device (or data partition, for the rows that format it) on which this row can act, in bytes;
    /// nil for rows that write no new layout or header.
    public func minimumSize(metadataSize: UInt64) -> UInt64? {
        switch self {
        case .formatTwoSeedVolume, .formatWithNewSeed, .unwrapAndFormat: ProvisioningDecision.minimumLUKSSize
        case .createLayoutWithNewSeed: ProvisioningDecision.minimumLayoutSize(metadataSize: metadataSize)
        default: nil
        }
    }

    /// A LUKS2 volume: its 16 MiB header (two copies and the keyslot area, cryptsetup's default) and 2 MiB of data.
    public static let minimumLUKSSize: UInt64 = 18 << 20

    /// A new metadata/data layout: 1 MiB before the first partition, the metadata partition, a data partition of
    /// at least ``minimumLUKSSize`` and the backup GPT; 120 MiB with the default 100 MiB metadata partition.
    public static func minimumLayoutSize(metadataSize: UInt64) -> UInt64 {
        metadataSize.addingReportingOverflow(20 << 20).partialValue
    }

    public var description: String {
        switch self {
        case .formatTwoSeedVolume(let target): "format the \(target) with the two-seed passphrase"
        case .openTwoSeedVolume(let target): "open the \(target) with the two-seed passphrase"
        case .createLayoutWithNewSeed:
            "partition the device, wrap a new seed with the first kms entry, store it, format the data partition"
        case .formatWithNewSeed: "wrap a new seed with the first kms entry, store it, format the data partition"
        case .migrateToThreeSeeds: "migrate the data partition from two seeds to three"
        case .unwrapAndFormat: "unwrap the stored seed and format the data partition"
        case .unwrapAndOpen: "unwrap the stored seed and open the data partition"
        case .refuse(let refusal): "refuse: \(refusal)"
        }
    }
}

/// What the key daemon found on a device (read-only), from which ``ProvisioningDecision`` follows.
public struct DeviceInspection: Sendable, Hashable {
    public var partitions: [PartitionInfo]
    /// Whether the whole device carries a LUKS header (only looked at without partitions).
    public var wholeDeviceIsLUKS: Bool
    /// Whether the metadata partition has a readable filesystem (nil without that partition).
    public var metadataFormatted: Bool?
    /// The keyfile's bytes (nil when there is none or no metadata filesystem).
    public var keyfile: [UInt8]?
    /// Whether the data partition carries a LUKS header (nil without that partition).
    public var dataIsLUKS: Bool?
    /// The device's size in bytes.
    public var size: UInt64
    /// What the whole device holds (``DeviceContent/empty`` when nothing was found and it is all zeros).
    public var content: DeviceContent
    /// What the metadata partition holds, looked at only when debugfs cannot read it (nil otherwise).
    public var metadataContent: DeviceContent?
    /// What the data partition holds, looked at only when it is not LUKS (nil otherwise).
    public var dataContent: DeviceContent?
    /// Why the partition table is not one the daemon can act on (overlapping partitions, an empty table), if so.
    public var partitionTableProblem: String?

    public init(
        partitions: [PartitionInfo],
        wholeDeviceIsLUKS: Bool,
        metadataFormatted: Bool?,
        keyfile: [UInt8]?,
        dataIsLUKS: Bool?,
        size: UInt64 = .max,
        content: DeviceContent = .empty,
        metadataContent: DeviceContent? = nil,
        dataContent: DeviceContent? = nil,
        partitionTableProblem: String? = nil
    ) {
        self.partitions = partitions
        self.wholeDeviceIsLUKS = wholeDeviceIsLUKS
        self.metadataFormatted = metadataFormatted
        self.keyfile = keyfile
        self.dataIsLUKS = dataIsLUKS
        self.size = size
        self.content = content
        self.metadataContent = metadataContent
        self.dataContent = dataContent
        self.partitionTableProblem = partitionTableProblem
    }

    /// Whether the partitions are exactly `metadata` followed by `data`, without overlap.
    public var hasVolumeLayout: Bool {
        partitions.count == 2 && partitions[0].name == "metadata" && partitions[1].name == "data"
            && partitions[0].offset.addingReportingOverflow(partitions[0].size).partialValue <= partitions[1].offset
    }

    /// Reads the device without changing it: first what it holds (signatures, zeros), then, only for a partition
    /// table or a LUKS header, the partitions, the metadata filesystem, the keyfile and the data partition.
    public static func inspect(_ device: any VolumeDevice) async throws -> DeviceInspection {
        let content = try await device.content(of: .wholeDevice)
        var inspection = DeviceInspection(
            partitions: [], wholeDeviceIsLUKS: false, metadataFormatted: nil, keyfile: nil, dataIsLUKS: nil,
            size: try await device.size(), content: content)
        switch content {
        case .foreign, .unclassifiable, .empty:
            return inspection
        case .luks:
            inspection.wholeDeviceIsLUKS = try await device.isLUKS(.wholeDevice)
            return inspection
        case .partitionTable(let type):
            do {
                inspection.partitions = try await device.partitions()
            } catch let error as VolumeError where error.code == .invalidPartitionTable {
                inspection.partitionTableProblem = "a \(type) partition table that does not fit the device"
                return inspection
            }
            if inspection.partitions.isEmpty {
                inspection.partitionTableProblem = "a \(type) partition table without partitions"
                return inspection
            }
            if let problem = Self.overlap(in: inspection.partitions) {
                inspection.partitionTableProblem = "a \(type) partition table whose \(problem)"
                return inspection
            }
        }
        guard inspection.hasVolumeLayout else { return inspection }
        let formatted = try await device.metadataIsFormatted()
        inspection.metadataFormatted = formatted
        if formatted {
            inspection.keyfile = try await device.readKeyfile()
        } else {
            inspection.metadataContent = try await device.content(of: .metadataPartition)
        }
        let dataIsLUKS = try await device.isLUKS(.dataPartition)
        inspection.dataIsLUKS = dataIsLUKS
        if !dataIsLUKS { inspection.dataContent = try await device.content(of: .dataPartition) }
        return inspection
    }

    /// "partitions 1 and 2 overlap" when two partitions share bytes, nil otherwise.
    static func overlap(in partitions: [PartitionInfo]) -> String? {
        let sorted = partitions.sorted { $0.offset < $1.offset }
        for (left, right) in zip(sorted, sorted.dropFirst()) {
            let (end, overflow) = left.offset.addingReportingOverflow(left.size)
            if overflow || end > right.offset {
                return "partitions \(left.number) and \(right.number) overlap"
            }
        }
        return nil
    }

    /// The row of the decision table for this device and a contract with (`usesKMS`) or without a `kms` list.
    /// A row that writes acts only on what was classified as empty or as the daemon's own, and only on a device
    /// (or data partition) of at least its ``ProvisioningDecision/minimumSize(metadataSize:)``.
    public func decision(usesKMS: Bool, metadataSize: UInt64 = VolumeProvisioner.defaultMetadataSize)
        -> ProvisioningDecision
    {
        if let refusal = contentRefusal { return .refuse(refusal) }
        let row = layoutDecision(usesKMS: usesKMS)
        if let minimum = row.minimumSize(metadataSize: metadataSize), writtenSize(for: row) < minimum {
            return .refuse(.deviceTooSmall)
        }
        if writesMetadata(row), let refusal = Self.refusal(for: metadataContent) { return .refuse(refusal) }
        if writesDataPartition(row), let refusal = Self.refusal(for: dataContent) { return .refuse(refusal) }
        return row
    }

    /// Why the whole device is refused whatever the contract says, if it is.
    private var contentRefusal: Refusal? {
        if partitionTableProblem != nil { return .foreignContent }
        switch content {
        case .foreign: return .foreignContent
        case .unclassifiable: return .unclassifiableContent
        case .luks where !wholeDeviceIsLUKS: return .foreignContent
        default: return nil
        }
    }

    /// A partition's content that forbids writing to it: any signature (a partition of the daemon's layout that
    /// is not LUKS and not readable ext4 is written only when it carries none).
    private static func refusal(for content: DeviceContent?) -> Refusal? {
        switch content {
        case nil, .empty?, .unclassifiable?: nil
        case .luks?, .partitionTable?, .foreign?: .foreignContent
        }
    }

    private func writesMetadata(_ row: ProvisioningDecision) -> Bool {
        row == .formatWithNewSeed && metadataFormatted != true
    }

    private func writesDataPartition(_ row: ProvisioningDecision) -> Bool {
        row == .formatWithNewSeed || row == .unwrapAndFormat
    }

    /// The size of what `row` writes: the data partition for the rows that format it, the whole device otherwise.
    private func writtenSize(for row: ProvisioningDecision) -> UInt64 {
        if writesDataPartition(row), partitions.count == 2 { return partitions[1].size }
        return size
    }

    /// The minimum size of the row the layout leads to and the size it would write on (the device, or the data
    /// partition for the rows that format it); nil for rows that write no new layout or header, and for devices
    /// refused for their content.
    public func sizeRequirement(usesKMS: Bool, metadataSize: UInt64 = VolumeProvisioner.defaultMetadataSize)
        -> (minimum: UInt64, actual: UInt64, ofDataPartition: Bool)?
    {
        guard contentRefusal == nil else { return nil }
        let row = layoutDecision(usesKMS: usesKMS)
        guard let minimum = row.minimumSize(metadataSize: metadataSize) else { return nil }
        return (minimum, writtenSize(for: row), writesDataPartition(row) && partitions.count == 2)
    }

    /// What a refusal is about, in a sentence for the operator: the content found, or the sizes. Nil when the
    /// refusal's own description says it all.
    public func detail(
        of decision: ProvisioningDecision, usesKMS: Bool, metadataSize: UInt64 = VolumeProvisioner.defaultMetadataSize
    ) -> String? {
        switch decision {
        case .refuse(.foreignContent), .refuse(.unclassifiableContent):
            if let partitionTableProblem { return "the device holds \(partitionTableProblem)" }
            switch content {
            case .luks where !wholeDeviceIsLUKS:
                return "the device holds a LUKS header that cryptsetup cannot read (damaged or truncated)"
            case .foreign, .unclassifiable:
                return "the device holds \(content)"
            default:
                break
            }
            if let metadataContent, Self.refusal(for: metadataContent) != nil {
                return "the metadata partition holds \(metadataContent)"
            }
            if let dataContent, Self.refusal(for: dataContent) != nil {
                return "the data partition holds \(dataContent)"
            }
            return nil
        case .refuse(.deviceTooSmall):
            guard let requirement = sizeRequirement(usesKMS: usesKMS, metadataSize: metadataSize) else { return nil }
            return "the \(requirement.ofDataPartition ? "data partition" : "device") has "
                + "\(Self.sizeText(requirement.actual)); this volume needs at least \(Self.sizeText(requirement.minimum))"
        default:
            return nil
        }
    }

    /// "125829120 bytes (120 MiB)".
    public static func sizeText(_ bytes: UInt64) -> String {
        let mebibytes = Double(bytes) / Double(1 << 20)
        let rounded = (mebibytes * 100).rounded(.down) / 100
        return "\(bytes) bytes (\(rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)") MiB)"
    }

    /// The rows of the decision table by layout alone (partitions, LUKS headers, keyfile).
    private func layoutDecision(usesKMS: Bool) -> ProvisioningDecision {
        if !usesKMS {
            if partitions.isEmpty {
                return wholeDeviceIsLUKS ? .openTwoSeedVolume(.wholeDevice) : .formatTwoSeedVolume(.wholeDevice)
            }
            if partitions.count == 1 { return .refuse(.singlePartition) }
            guard hasVolumeLayout else { return .refuse(.unexpectedLayout) }
            if keyfile != nil { return .refuse(.downgrade) }
            return dataIsLUKS == true ? .openTwoSeedVolume(.dataPartition) : .refuse(.unexpectedLayout)
        }
        if partitions.isEmpty {
            return wholeDeviceIsLUKS ? .refuse(.wholeDeviceIsLUKS) : .createLayoutWithNewSeed
        }
        if partitions.count == 1 { return .refuse(.singlePartition) }
        guard hasVolumeLayout else { return .refuse(.unexpectedLayout) }
        let dataLUKS = dataIsLUKS == true
        if metadataFormatted != true {
            // A crash between partitioning and mkfs leaves an empty metadata partition over a blank data
            // partition: safe to format. Over a LUKS data partition the wrapped seed may be lost: refuse.
            return dataLUKS ? .refuse(.metadataUnreadable) : .formatWithNewSeed
        }
        if keyfile == nil {
            return dataLUKS ? .migrateToThreeSeeds : .formatWithNewSeed
        }
        return dataLUKS ? .unwrapAndOpen : .unwrapAndFormat
    }
}

/// The points between the steps of provisioning and rewrapping at which state is durable. Tests stop the process
/// at each one (``VolumeProvisioner/afterStep``) and check that the volume still opens afterwards.
public enum ProvisioningStep: String, Sendable, Hashable, CaseIterable {
    /// The GPT and the metadata filesystem exist.
    case layoutCreated
    /// The first kms entry made and wrapped a new seed (nothing stored yet).
    case seedGenerated
    /// A wrapped seed was unwrapped back to the same seed.
    case seedVerified
    /// The keyfile holds the (new) wrapped seed.
    case keyfileWritten
    /// The data partition (or whole device) is LUKS-formatted.
    case luksFormatted
    /// The three-seed keyslot replaced the two-seed one.
    case passphraseReplaced
    /// The KMS rewrapped the seed under the key's latest version (nothing stored yet).
    case seedRewrapped
}
