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
    /// The keyfile cannot be read as a wrapped seed.
    case malformedKeyfile

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
        case .malformedKeyfile: "the metadata partition's keyfile is not a wrapped seed"
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
        case .refuse: .decisionRefused
        }
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

    public init(
        partitions: [PartitionInfo],
        wholeDeviceIsLUKS: Bool,
        metadataFormatted: Bool?,
        keyfile: [UInt8]?,
        dataIsLUKS: Bool?
    ) {
        self.partitions = partitions
        self.wholeDeviceIsLUKS = wholeDeviceIsLUKS
        self.metadataFormatted = metadataFormatted
        self.keyfile = keyfile
        self.dataIsLUKS = dataIsLUKS
    }

    /// Whether the partitions are exactly `metadata` followed by `data`.
    public var hasVolumeLayout: Bool {
        partitions.count == 2 && partitions[0].name == "metadata" && partitions[1].name == "data"
    }

    /// Reads the device without changing it.
    public static func inspect(_ device: any VolumeDevice) async throws -> DeviceInspection {
        let partitions = try await device.partitions()
        var inspection = DeviceInspection(
            partitions: partitions, wholeDeviceIsLUKS: false, metadataFormatted: nil, keyfile: nil, dataIsLUKS: nil)
        if partitions.isEmpty {
            inspection.wholeDeviceIsLUKS = try await device.isLUKS(.wholeDevice)
            return inspection
        }
        guard inspection.hasVolumeLayout else { return inspection }
        let formatted = try await device.metadataIsFormatted()
        inspection.metadataFormatted = formatted
        if formatted { inspection.keyfile = try await device.readKeyfile() }
        inspection.dataIsLUKS = try await device.isLUKS(.dataPartition)
        return inspection
    }

    /// The row of the decision table for this device and a contract with (`usesKMS`) or without a `kms` list.
    public func decision(usesKMS: Bool) -> ProvisioningDecision {
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
