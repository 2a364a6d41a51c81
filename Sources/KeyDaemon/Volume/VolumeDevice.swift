import Foundation

/// Secret bytes (a LUKS passphrase, a seed) that never print.
///
/// `description` is `SecretBytes(redacted, N bytes)`; the bytes are reachable only through ``withUnsafeBytes(_:)``
/// or ``bytes`` for the one call that needs them (writing them to a pipe, hashing them).
public struct SecretBytes: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret value. Hand it to exactly the call that needs it; never log or format it.
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(utf8 text: String) { self.bytes = Array(text.utf8) }

    public var count: Int { bytes.count }
    public var description: String { "SecretBytes(redacted, \(bytes.count) bytes)" }
    public var debugDescription: String { description }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.bytes.indices { difference |= lhs.bytes[index] ^ rhs.bytes[index] }
        return difference == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes.count) }
}

/// Which part of a device a LUKS operation works on.
public enum LUKSTarget: Sendable, Hashable, CustomStringConvertible {
    /// The whole device (the two-seed volume without a metadata partition).
    case wholeDevice
    /// The partition named `data` of the GPT layout.
    case dataPartition

    public var description: String {
        switch self {
        case .wholeDevice: "whole device"
        case .dataPartition: "data partition"
        }
    }
}

/// The key-derivation cost of new LUKS2 keyslots.
public enum LUKSKeyDerivation: Sendable, Hashable {
    /// cryptsetup's own defaults (argon2id, about 2 s and 1 GiB): production.
    case cryptsetupDefault
    /// PBKDF2 with a fixed iteration count: tests and benchmarks, where the KDF is not what is measured.
    case pbkdf2(iterations: Int)
    /// argon2id with explicit costs.
    case argon2id(iterations: Int, memoryKiB: Int, parallelism: Int)
}

/// One GPT partition as the device reports it.
public struct PartitionInfo: Sendable, Hashable {
    /// 1-based partition number.
    public var number: Int
    /// The GPT partition name (`metadata`, `data`), empty when unnamed.
    public var name: String
    /// First byte of the partition on the device.
    public var offset: UInt64
    /// Size in bytes.
    public var size: UInt64

    public init(number: Int, name: String, offset: UInt64, size: UInt64) {
        self.number = number
        self.name = name
        self.offset = offset
        self.size = size
    }
}

/// What activation (`cryptsetup open`) did.
public enum ActivationResult: Sendable, Hashable {
    /// The mapping exists at this path, e.g. `/dev/mapper/data`.
    case opened(mapperPath: String)
    /// Activation is impossible here (no device-mapper); the reason says why. The passphrase was still checked.
    case skipped(reason: String)
}

/// A disk (block device or image file) that carries a Hyper Protect data volume.
///
/// One real implementation drives `sfdisk`, `mkfs.ext4`, `debugfs` and `cryptsetup`; tests of the decision table
/// use it on image files. Secrets reach the tools only through pipes, never through argv, the environment or a
/// file that outlives the call, and never appear in an error.
public protocol VolumeDevice: Sendable {
    /// The device path, for logs.
    var path: String { get }

    /// The partitions of the device's GPT, in order; empty when the device has no partition table.
    func partitions() async throws -> [PartitionInfo]

    /// The device's size in bytes.
    func size() async throws -> UInt64

    /// What `region` holds (read-only): the key daemon writes only on what is ``DeviceContent/empty`` or its own.
    func content(of region: DeviceRegion) async throws -> DeviceContent

    /// Writes a new GPT with `metadata` (`metadataSize` bytes) followed by `data` (the rest), then makes an empty
    /// ext4 filesystem on `metadata`. Destroys what was there.
    func createLayout(metadataSize: UInt64) async throws

    /// Makes a fresh ext4 filesystem on the `metadata` partition (after a crash during ``createLayout(metadataSize:)``).
    func formatMetadata() async throws

    /// Whether the `metadata` partition holds a readable ext4 filesystem.
    func metadataIsFormatted() async throws -> Bool

    /// The contents of `keyfile` in the metadata filesystem, or `nil` when there is none. If an interrupted
    /// replacement left only `keyfile.new`, that is returned.
    func readKeyfile() async throws -> [UInt8]?

    /// Replaces `keyfile` atomically: at every instant either the old or the new contents are readable through
    /// ``readKeyfile()``, and the new contents are durable when this returns.
    func replaceKeyfile(_ contents: [UInt8]) async throws

    /// Whether `target` carries a LUKS header.
    func isLUKS(_ target: LUKSTarget) async throws -> Bool

    /// Formats `target` as LUKS2 with one keyslot for `passphrase`.
    func luksFormat(_ target: LUKSTarget, passphrase: SecretBytes, keyDerivation: LUKSKeyDerivation) async throws

    /// Whether `passphrase` opens a keyslot of `target` (`cryptsetup open --test-passphrase`).
    func testPassphrase(_ target: LUKSTarget, passphrase: SecretBytes) async throws -> Bool

    /// Adds a keyslot for `new` (authorised by `old`), then removes the keyslot that `old` opens. A crash between
    /// the two steps leaves both passphrases working.
    func replacePassphrase(
        _ target: LUKSTarget,
        old: SecretBytes,
        new: SecretBytes,
        keyDerivation: LUKSKeyDerivation
    ) async throws

    /// Activates `target` as `/dev/mapper/<name>` where device-mapper exists; otherwise checks the passphrase and
    /// returns ``ActivationResult/skipped(reason:)``.
    func open(_ target: LUKSTarget, passphrase: SecretBytes, mappingName: String) async throws -> ActivationResult

    /// The LUKS volume key that `passphrase` unlocks. For tests that prove a volume kept its key.
    func volumeKey(_ target: LUKSTarget, passphrase: SecretBytes) async throws -> SecretBytes
}
