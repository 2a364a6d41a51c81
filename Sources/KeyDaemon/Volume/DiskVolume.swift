import Foundation
public import Logging

/// A Hyper Protect data volume on a real disk: a block device (`/dev/vdc`) or an image file, driven through
/// `sfdisk`, `mkfs.ext4`, `debugfs` and `cryptsetup`.
///
/// Layout: a GPT with a `metadata` partition (ext4, holding `keyfile`) and a `data` partition (LUKS2); or, for a
/// two-seed volume without KMS, LUKS2 on the whole device.
///
/// How the partitions are reached:
/// - A partition that has a device node (`/dev/vdc2`, found through `sfdisk --json`) is used directly: cryptsetup
///   and mkfs run on the node, and ``open(_:passphrase:mappingName:)`` activates it where device-mapper exists.
/// - Otherwise (a partition of an image file, or of a block device whose nodes were never made) the metadata
///   filesystem is reached at its byte offset (`mkfs.ext4 -E offset=`, `debugfs 'image?offset='`) and cryptsetup
///   works on a scratch window: a sparse file of the partition's size holding a copy of its LUKS header area, whose
///   changes are copied back into the partition and synced. Activation is then reported as skipped.
///
/// Secrets: passphrases reach cryptsetup on stdin (`--key-file=-`, exact bytes); a second passphrase, and the
/// keyfile for debugfs, travel in an anonymous memory file seen by the child as `/dev/fd/3`; the volume key comes
/// back through a 0400 file in a private 0700 folder of the scratch directory (a tmpfs), overwritten and removed
/// at once. Nothing secret is in argv, the environment (children get a minimal one), logs or errors.
///
/// Concurrency: operations that go through the image or device (metadata, windows) take an advisory `flock` on it,
/// shared for reads and exclusive for changes, so tasks and processes using this type do not interleave there.
/// Cancellation does not interrupt a running tool: stopping cryptsetup half-way through a header write is worse
/// than letting it finish.
public struct DiskVolume: VolumeDevice {
    /// Tunables, with defaults fit for production.
    public struct Configuration: Sendable, Hashable {
        /// How long one tool may run before it is killed. cryptsetup's default argon2id costs about 2 s and 1 GiB
        /// per keyslot it tries. Default 5 minutes.
        public var toolTimeout: Duration
        /// How long to wait for another operation's lock on the device. Default 10 minutes.
        public var lockTimeout: Duration
        /// Where scratch windows and the transient volume-key file go. Must be a tmpfs so that nothing lands on a
        /// disk. Default `/dev/shm`.
        public var scratchDirectory: String

        public init(
            toolTimeout: Duration = .seconds(300),
            lockTimeout: Duration = .seconds(600),
            scratchDirectory: String = "/dev/shm"
        ) {
            self.toolTimeout = toolTimeout
            self.lockTimeout = lockTimeout
            self.scratchDirectory = scratchDirectory
        }

        public static var defaults: Configuration { Configuration() }
    }

    /// The largest keyfile read or written: 64 KiB (a wrapped seed is a few hundred bytes).
    public static let maximumKeyfileSize = 64 * 1024
    /// The GPT name of the metadata partition.
    public static let metadataPartitionName = "metadata"
    /// The GPT name of the data partition.
    public static let dataPartitionName = "data"
    /// The file in the metadata filesystem that holds the wrapped seed.
    public static let keyfileName = "keyfile"
    /// The name a replacement takes before it becomes ``keyfileName``; read when it is the only one left.
    public static let pendingKeyfileName = "keyfile.new"
    /// Where a replacement is first written and checked; never read as a keyfile.
    static let stagingKeyfileName = "keyfile.tmp"

    public let path: String
    public let tools: VolumeTools
    public let configuration: Configuration
    public let logger: Logger

    /// - Parameters:
    ///   - path: A block device or an image file.
    ///   - tools: Where the tools are; found on `PATH` and in the `sbin` folders by default.
    ///   - configuration: Time limits for the tools and the device lock, and where scratch files go.
    ///   - logger: Debug-level records of each tool run (tool, arguments, exit status; never data). Silent by
    ///     default.
    public init(
        path: String,
        tools: VolumeTools = VolumeTools(),
        configuration: Configuration = .defaults,
        logger: Logger = Logger(label: "hpcs.keydaemon.volume", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.path = path
        self.tools = tools
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: - Partitions

    public func partitions() async throws(VolumeError) -> [PartitionInfo] {
        try await partitionTable().entries.map(\.info)
    }

    /// The device's state and its partition table, read with `sfdisk --json`. A device without a partition table
    /// has no partitions; a missing device, or an sfdisk failure of another kind, is an error.
    func partitionTable() async throws(VolumeError) -> (device: DeviceState, entries: [PartitionTableEntry]) {
        let device = try DeviceState.inspect(path)
        let result = try await runTool(.sfdisk, ["--json", path])
        guard result.status == 0 else {
            if result.standardErrorContains("does not contain a recognized partition table") {
                return (device, [])
            }
            throw failure(result, tool: .sfdisk, message: "cannot read the partition table")
        }
        guard !result.standardOutputTruncated else {
            throw VolumeError(
                code: .unexpectedToolOutput, message: "sfdisk printed an oversized partition table", device: path,
                tool: "sfdisk")
        }
        let entries = try PartitionTableParser.parse(
            sfdiskJSON: result.standardOutput, deviceSize: device.size, device: path)
        return (device, entries)
    }

    /// The partition with GPT name `name` (the first, should there be several).
    func partition(named name: String) async throws(VolumeError) -> (device: DeviceState, entry: PartitionTableEntry) {
        let (device, entries) = try await partitionTable()
        guard let entry = entries.first(where: { $0.info.name == name }) else {
            let names = entries.map { $0.info.name.isEmpty ? "#\($0.info.number) (unnamed)" : $0.info.name }
            throw VolumeError(
                code: .partitionMissing,
                message: "no partition named \(name)"
                    + (entries.isEmpty ? " (no partition table)" : "; found \(names.joined(separator: ", "))"),
                device: path)
        }
        return (device, entry)
    }

    /// How a partition is reached: its own device node, or a byte range of ``path``.
    enum PartitionAccess: Sendable, Hashable {
        case node(String)
        case range(PartitionInfo)
    }

    /// The partition's node when ``path`` is a block device and the node is a block device of the partition's
    /// size; its byte range otherwise (always for image files, whose sfdisk "nodes" are made-up names).
    func access(to entry: PartitionTableEntry, on device: DeviceState) -> PartitionAccess {
        guard device.kind == .blockDevice, let node = entry.node, node.hasPrefix("/"),
            SystemSupport.isBlockDevice(node),
            let state = try? DeviceState.inspect(node), state.size == entry.info.size
        else { return .range(entry.info) }
        return .node(node)
    }

    // MARK: - Tools

    /// Runs `tool`; a timeout is an error, any exit status is returned.
    func runTool(
        _ tool: VolumeTools.Tool,
        _ arguments: [String],
        input: [UInt8] = [],
        descriptor3: MemoryFile? = nil,
        outputLimit: Int = 8 << 20
    ) async throws(VolumeError) -> ToolResult {
        let executable = try tools.path(for: tool)
        logger.debug(
            "running a volume tool",
            metadata: [
                "hpcs.volume.device": "\(path)",
                "hpcs.volume.tool": "\(tool)",
                "hpcs.volume.arguments": "\(arguments.joined(separator: " "))",
            ])
        let result = try await ToolRunner.run(
            ToolRequest(
                executable: executable,
                arguments: arguments,
                standardInput: input,
                descriptor3: descriptor3,
                timeout: configuration.toolTimeout,
                standardOutputLimit: outputLimit
            ))
        logger.debug(
            "volume tool finished",
            metadata: [
                "hpcs.volume.device": "\(path)",
                "hpcs.volume.tool": "\(tool)",
                "hpcs.volume.exit_status": "\(result.status)",
                "hpcs.volume.timed_out": "\(result.timedOut)",
            ])
        guard !result.timedOut else {
            throw VolumeError(
                code: .toolTimedOut,
                message: "\(tool) did not finish within \(configuration.toolTimeout) and was killed",
                device: path, tool: tool.rawValue, exitStatus: result.status,
                diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError))
        }
        return result
    }

    /// A ``VolumeError/Code/toolFailed`` error for `result`, with the tail of its stderr (never its stdout).
    func failure(_ result: ToolResult, tool: VolumeTools.Tool, message: String) -> VolumeError {
        VolumeError(
            code: .toolFailed,
            message: message,
            device: path,
            tool: tool.rawValue,
            exitStatus: result.status,
            diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError)
        )
    }

    // MARK: - Locking

    /// Opens ``path`` and holds its advisory lock while `body` runs.
    func withDeviceLock<T: Sendable>(
        exclusive: Bool,
        _ body: (DeviceFile) async throws(VolumeError) -> T
    ) async throws(VolumeError) -> T {
        let timeout = configuration.lockTimeout
        let path = path
        let device = try await runOffCooperativePool { () throws(VolumeError) -> DeviceFile in
            let device = try DeviceFile.open(path, writable: exclusive)
            try device.lock(exclusive: exclusive, timeout: timeout)
            return device
        }
        return try await body(device)
    }
}

extension DiskVolume {
    /// Removes the scratch folders (LUKS header windows, volume-key folders) that a run killed before it could
    /// clean up left in ``Configuration/scratchDirectory``: only folders named like this layer names them, owned by
    /// this user, whose process is gone and whose lock nobody holds. Returns their paths. Call it at start.
    @discardableResult
    public func removeStaleScratchFiles() -> [String] {
        ScratchDirectory.removeStale(in: configuration.scratchDirectory)
    }
}
