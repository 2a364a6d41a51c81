import Foundation

/// The layout and the metadata filesystem: `sfdisk` for the GPT, `mkfs.ext4` and `debugfs` for the ext4 filesystem
/// in `metadata` and its `keyfile`, reached at its byte offset when the partition has no device node.
///
/// The keyfile is replaced in two debugfs sessions, with an fsync of the device after each:
/// 1. `write` the new contents as `keyfile.tmp` (never read as a keyfile), then read them back and compare;
/// 2. `ln keyfile.tmp keyfile.new; unlink keyfile.tmp; rm keyfile; ln keyfile.new keyfile; unlink keyfile.new`.
/// debugfs's `ln` and `unlink` leave link counts alone, so a name pair sharing an inode never frees it, and `rm`
/// frees the old inode. After each command of session 2, ``readKeyfile()`` (`keyfile`, else `keyfile.new`) gives
/// the old or the new contents, and the new contents were durable before session 2 began. A later replacement
/// first tidies what an interrupted one left (see ``tidyCommands(_:)``).
extension DiskVolume {
    // MARK: - Layout

    public func createLayout(metadataSize: UInt64) async throws(VolumeError) {
        let mebibyte: UInt64 = 1 << 20
        guard metadataSize >= mebibyte, metadataSize % mebibyte == 0, metadataSize <= UInt64(Int64.max) / 2 else {
            throw VolumeError(
                code: .invalidArgument,
                message: "the metadata size must be a positive multiple of 1 MiB (GPT alignment), got \(metadataSize)",
                device: path)
        }
        let device = try DeviceState.inspect(path)
        // 1 MiB before the first partition, the backup GPT at the end, and a data partition that can hold a LUKS2
        // header (16 MiB) and some data.
        let minimumSize = metadataSize + 20 * mebibyte
        guard device.size >= minimumSize else {
            throw VolumeError(
                code: .invalidArgument,
                message: "the device has \(device.size) bytes; a \(metadataSize)-byte metadata partition and a data "
                    + "partition need at least \(minimumSize)",
                device: path)
        }
        try await withDeviceLock(exclusive: true) { (file: DeviceFile) throws(VolumeError) in
            let script =
                "label: gpt\nsize=\(metadataSize / 1024)KiB, name=\(Self.metadataPartitionName)\n"
                + "name=\(Self.dataPartitionName)\n"
            let result = try await runTool(
                .sfdisk, ["-q", "--wipe", "always", "--wipe-partitions", "always", path], input: Array(script.utf8))
            guard result.status == 0 else {
                throw failure(result, tool: .sfdisk, message: "cannot write the partition table")
            }
            let entries = try await waitForPartitionNodes()
            guard let metadata = entries.first(where: { $0.info.name == Self.metadataPartitionName }),
                let data = entries.first(where: { $0.info.name == Self.dataPartitionName })
            else {
                throw VolumeError(
                    code: .unexpectedToolOutput, message: "sfdisk did not make the metadata and data partitions",
                    device: path, tool: "sfdisk")
            }
            guard metadata.info.size == metadataSize else {
                throw VolumeError(
                    code: .unexpectedToolOutput,
                    message: "sfdisk made a metadata partition of \(metadata.info.size) bytes, not \(metadataSize)",
                    device: path, tool: "sfdisk")
            }
            // A LUKS header left from an earlier layout at the same offset would make the new data partition look
            // provisioned: zero where LUKS headers live (the primary and every secondary position, up to 8 MiB).
            let dataRange = data.info
            try await runOffCooperativePool { () throws(VolumeError) in
                let zeros = [UInt8](repeating: 0, count: 1 << 20)
                let length = min(dataRange.size, 8 << 20)
                var offset: UInt64 = 0
                while offset < length {
                    let count = Int(min(UInt64(zeros.count), length - offset))
                    try file.write(zeros[0..<count], at: dataRange.offset + offset)
                    offset += UInt64(count)
                }
                try file.sync()
            }
            try await makeMetadataFilesystem(metadata, device: device)
        }
    }

    /// After sfdisk on a block device the kernel re-reads the table and udev makes the nodes a moment later:
    /// wait (up to 5 s) for the nodes of partitions the kernel knows (`/sys/class/block/NAME`). Image files, and
    /// devices whose partitions the kernel does not show (a loop device without partition scanning), need no wait.
    private func waitForPartitionNodes() async throws(VolumeError) -> [PartitionTableEntry] {
        var (device, entries) = try await partitionTable()
        guard device.kind == .blockDevice else { return entries }
        for _ in 0..<100 {
            let pending = entries.contains { entry in
                guard let node = entry.node, node.hasPrefix("/") else { return false }
                let name = (node as NSString).lastPathComponent
                return SystemSupport.exists("/sys/class/block/\(name)") && !SystemSupport.isBlockDevice(node)
            }
            guard pending else { break }
            try? await Task.sleep(for: .milliseconds(50))
            (device, entries) = try await partitionTable()
        }
        return entries
    }

    public func formatMetadata() async throws(VolumeError) {
        let (device, metadata) = try await partition(named: Self.metadataPartitionName)
        try await withDeviceLock(exclusive: true) { (_: DeviceFile) throws(VolumeError) in
            try await makeMetadataFilesystem(metadata, device: device)
        }
    }

    /// mkfs.ext4 on the metadata partition, then a check that debugfs reads it. The caller holds the lock.
    private func makeMetadataFilesystem(_ metadata: PartitionTableEntry, device: DeviceState) async throws(VolumeError)
    {
        let arguments: [String]
        switch access(to: metadata, on: device) {
        case .node(let node):
            arguments = ["-q", "-F", node]
        case .range(let range):
            // nodiscard: never let mke2fs punch holes computed from an offset.
            arguments = ["-q", "-F", "-E", "offset=\(range.offset),nodiscard", path, "\(range.size / 1024)k"]
        }
        let result = try await runTool(.mkfsExt4, arguments)
        guard result.status == 0 else {
            throw failure(result, tool: .mkfsExt4, message: "cannot make the metadata filesystem")
        }
        guard try await listMetadata(metadata, device: device) != nil else {
            throw VolumeError(
                code: .metadataUnreadable, message: "debugfs cannot read the filesystem mkfs.ext4 just made",
                device: path)
        }
    }

    public func metadataIsFormatted() async throws(VolumeError) -> Bool {
        let (device, metadata) = try await partition(named: Self.metadataPartitionName)
        return try await withDeviceLock(exclusive: false) { (_: DeviceFile) throws(VolumeError) -> Bool in
            try await listMetadata(metadata, device: device) != nil
        }
    }

    // MARK: - Keyfile

    public func readKeyfile() async throws(VolumeError) -> [UInt8]? {
        let (device, metadata) = try await partition(named: Self.metadataPartitionName)
        return try await withDeviceLock(exclusive: false) { (_: DeviceFile) throws(VolumeError) -> [UInt8]? in
            let entries = try await requireListing(metadata, device: device)
            guard
                let entry = entries.first(where: { $0.name == Self.keyfileName })
                    ?? entries.first(where: { $0.name == Self.pendingKeyfileName })
            else { return nil }
            return try await readFile(entry, metadata: metadata, device: device)
        }
    }

    public func replaceKeyfile(_ contents: [UInt8]) async throws(VolumeError) {
        guard contents.count <= Self.maximumKeyfileSize else {
            throw VolumeError(
                code: .keyfileTooLarge,
                message: "a keyfile of \(contents.count) bytes exceeds the \(Self.maximumKeyfileSize)-byte limit",
                device: path)
        }
        let (device, metadata) = try await partition(named: Self.metadataPartitionName)
        let scratchDirectory = configuration.scratchDirectory
        try await withDeviceLock(exclusive: true) { (file: DeviceFile) throws(VolumeError) in
            /// One debugfs session, made durable, and the metadata filesystem's listing after it.
            func session(_ commands: [String], descriptor3: MemoryFile?) async throws(VolumeError) -> [DirectoryEntry] {
                try await debugfsSession(commands, metadata: metadata, device: device, descriptor3: descriptor3)
                try await sync(file)
                return try await requireListing(metadata, device: device)
            }
            /// Whether `listing` holds a file `name` with the new contents.
            func holdsContents(_ name: String, in listing: [DirectoryEntry]) async throws(VolumeError) -> Bool {
                guard let entry = listing.first(where: { $0.name == name }) else { return false }
                return try await readFile(entry, metadata: metadata, device: device) == contents
            }

            // Session 1: tidy, then stage the new contents under a name readKeyfile never returns.
            let before = try await requireListing(metadata, device: device)
            let source = try await runOffCooperativePool { () throws(VolumeError) -> MemoryFile in
                try MemoryFile.make(contents: contents, scratchDirectory: scratchDirectory)
            }
            let staged = try await session(
                tidyCommands(before) + [
                    "write /dev/fd/3 \(Self.stagingKeyfileName)",
                    "sif \(Self.stagingKeyfileName) mode 0100600",
                ],
                descriptor3: source)
            guard try await holdsContents(Self.stagingKeyfileName, in: staged) else {
                try? await debugfsSession(
                    ["rm \(Self.stagingKeyfileName)"], metadata: metadata, device: device, descriptor3: nil)
                throw VolumeError(
                    code: .ioFailed,
                    message: "debugfs did not store the new keyfile (is the metadata filesystem full?)", device: path,
                    tool: "debugfs")
            }

            // Session 2: the swap.
            let hasKeyfile = staged.contains { $0.name == Self.keyfileName }
            let after = try await session(
                [
                    "ln \(Self.stagingKeyfileName) \(Self.pendingKeyfileName)",
                    "unlink \(Self.stagingKeyfileName)",
                ] + (hasKeyfile ? ["rm \(Self.keyfileName)"] : []) + [
                    "ln \(Self.pendingKeyfileName) \(Self.keyfileName)",
                    "unlink \(Self.pendingKeyfileName)",
                ],
                descriptor3: nil)
            guard !after.contains(where: { $0.name == Self.pendingKeyfileName || $0.name == Self.stagingKeyfileName }),
                try await holdsContents(Self.keyfileName, in: after)
            else {
                throw VolumeError(
                    code: .ioFailed, message: "debugfs did not complete the keyfile replacement", device: path,
                    tool: "debugfs")
            }
        }
    }

    /// Commands that undo what an interrupted replacement left, so that session 1 starts from `keyfile` alone
    /// (or nothing), without changing what ``readKeyfile()`` returns:
    /// - `keyfile.tmp` goes: unlinked when it shares its inode with `keyfile.new` (session 2 stopped after its
    ///   first `ln`), removed otherwise (session 1 stopped: its contents were never current);
    /// - `keyfile.new` without `keyfile` is the current contents: it becomes `keyfile`;
    /// - `keyfile.new` beside `keyfile` is unlinked when they share an inode (session 2 stopped after its last
    ///   `ln`), removed otherwise (session 2 stopped before `rm keyfile`: `keyfile` is still current).
    func tidyCommands(_ entries: [DirectoryEntry]) -> [String] {
        let current = entries.first { $0.name == Self.keyfileName }
        let pending = entries.first { $0.name == Self.pendingKeyfileName }
        let staging = entries.first { $0.name == Self.stagingKeyfileName }
        var commands: [String] = []
        if let staging {
            let shared = staging.inode == pending?.inode || staging.inode == current?.inode
            commands.append((shared ? "unlink " : "rm ") + Self.stagingKeyfileName)
        }
        if let pending {
            if let current {
                commands.append((pending.inode == current.inode ? "unlink " : "rm ") + Self.pendingKeyfileName)
            } else {
                commands += ["ln \(Self.pendingKeyfileName) \(Self.keyfileName)", "unlink \(Self.pendingKeyfileName)"]
            }
        }
        return commands
    }

    // MARK: - debugfs

    /// What debugfs opens: the partition's node, or `image?offset=N`.
    private func debugfsTarget(_ metadata: PartitionTableEntry, device: DeviceState) throws(VolumeError) -> String {
        switch access(to: metadata, on: device) {
        case .node(let node):
            return node
        case .range(let range):
            guard !path.contains("?") else {
                throw VolumeError(
                    code: .invalidArgument,
                    message: "debugfs cannot reach a partition of an image whose path contains '?'", device: path)
            }
            return "\(path)?offset=\(range.offset)"
        }
    }

    /// The root directory of the metadata filesystem, or nil when debugfs cannot open it.
    private func listMetadata(
        _ metadata: PartitionTableEntry, device: DeviceState
    ) async throws(VolumeError) -> [DirectoryEntry]? {
        let target = try debugfsTarget(metadata, device: device)
        let result = try await runTool(.debugfs, ["-R", "ls -p", target], outputLimit: 1 << 20)
        guard result.status == 0 else { return nil }
        return DirectoryEntry.parseListing(result.standardOutput)
    }

    private func requireListing(
        _ metadata: PartitionTableEntry, device: DeviceState
    ) async throws(VolumeError) -> [DirectoryEntry] {
        let target = try debugfsTarget(metadata, device: device)
        let result = try await runTool(.debugfs, ["-R", "ls -p", target], outputLimit: 1 << 20)
        guard result.status == 0 else {
            throw VolumeError(
                code: .metadataUnreadable,
                message: "the metadata partition holds no readable ext4 filesystem",
                device: path, tool: "debugfs", exitStatus: result.status,
                diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError))
        }
        return DirectoryEntry.parseListing(result.standardOutput)
    }

    /// The contents of a regular file of at most ``maximumKeyfileSize`` bytes.
    private func readFile(
        _ entry: DirectoryEntry, metadata: PartitionTableEntry, device: DeviceState
    ) async throws(VolumeError) -> [UInt8] {
        guard entry.isRegularFile, let size = entry.size else {
            throw VolumeError(
                code: .metadataUnreadable, message: "\(entry.name) is not a regular file", device: path)
        }
        guard size <= UInt64(Self.maximumKeyfileSize) else {
            throw VolumeError(
                code: .keyfileTooLarge,
                message: "\(entry.name) has \(size) bytes, more than the \(Self.maximumKeyfileSize)-byte limit",
                device: path)
        }
        let target = try debugfsTarget(metadata, device: device)
        let result = try await runTool(
            .debugfs, ["-R", "cat \(entry.name)", target], outputLimit: Self.maximumKeyfileSize)
        guard result.status == 0, !result.standardOutputTruncated, UInt64(result.standardOutput.count) == size else {
            throw VolumeError(
                code: .metadataUnreadable,
                message: "debugfs could not read \(entry.name) (\(result.standardOutput.count) of \(size) bytes)",
                device: path, tool: "debugfs", exitStatus: result.status,
                diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError))
        }
        return result.standardOutput
    }

    /// Runs `commands` in one writable debugfs session. debugfs exits 0 even when a command fails, so callers
    /// check the outcome by listing and reading back.
    private func debugfsSession(
        _ commands: [String], metadata: PartitionTableEntry, device: DeviceState, descriptor3: MemoryFile?
    ) async throws(VolumeError) {
        let target = try debugfsTarget(metadata, device: device)
        let script = commands.joined(separator: "\n") + "\n"
        let result = try await runTool(
            .debugfs, ["-w", "-f", "-", target], input: Array(script.utf8), descriptor3: descriptor3,
            outputLimit: 1 << 20)
        guard result.status == 0 else {
            throw VolumeError(
                code: .metadataUnreadable, message: "debugfs cannot open the metadata filesystem for writing",
                device: path, tool: "debugfs", exitStatus: result.status,
                diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError))
        }
    }

    private func sync(_ file: DeviceFile) async throws(VolumeError) {
        try await runOffCooperativePool { () throws(VolumeError) in try file.sync() }
    }
}
