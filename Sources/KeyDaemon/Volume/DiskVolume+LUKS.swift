import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// LUKS operations through `cryptsetup`: on the device itself (`.wholeDevice`), on the data partition's node, or on
/// a scratch window of the data partition (see ``DiskVolume``).
extension DiskVolume {
    public func isLUKS(_ target: LUKSTarget) async throws(VolumeError) -> Bool {
        if target == .dataPartition {
            // A partition without a node: look for a LUKS magic before copying its header area to a window.
            let (device, entry) = try await partition(named: Self.dataPartitionName)
            if case .range(let range) = access(to: entry, on: device) {
                let hasMagic = try await withDeviceLock(exclusive: false) { (file: DeviceFile) throws(VolumeError) in
                    try await runOffCooperativePool { () throws(VolumeError) -> Bool in
                        try Self.hasLUKSMagic(file, range: range)
                    }
                }
                if !hasMagic { return false }
            }
        }
        return try await withLUKSWorkspace(target, mode: .read) { (workspace) throws(VolumeError) -> Bool in
            let result = try await runTool(.cryptsetup, ["isLuks", workspace.cryptsetupPath])
            switch result.status {
            case 0: return true
            case 1: return false
            default: throw cryptsetupFailure(result, operation: "isLuks", checksPassphrase: false)
            }
        }
    }

    public func luksFormat(
        _ target: LUKSTarget, passphrase: SecretBytes, keyDerivation: LUKSKeyDerivation
    ) async throws(VolumeError) {
        guard !passphrase.bytes.isEmpty else {
            throw VolumeError(code: .invalidArgument, message: "the passphrase is empty", device: path)
        }
        let costs = try Self.keyDerivationArguments(keyDerivation)
        try await withLUKSWorkspace(target, mode: .format) { (workspace) throws(VolumeError) in
            let result = try await runTool(
                .cryptsetup,
                ["luksFormat", "--type", "luks2", "--batch-mode", "--key-file=-"] + costs + [workspace.cryptsetupPath],
                input: passphrase.bytes)
            guard result.status == 0 else {
                throw cryptsetupFailure(result, operation: "luksFormat", checksPassphrase: false)
            }
            try await workspace.commit()
        }
    }

    public func testPassphrase(_ target: LUKSTarget, passphrase: SecretBytes) async throws(VolumeError) -> Bool {
        try await withLUKSWorkspace(target, mode: .read) { (workspace) throws(VolumeError) -> Bool in
            try await passphraseOpensKeyslot(passphrase, in: workspace)
        }
    }

    /// Adds a keyslot for `new` unless `new` already opens one (so that a replacement interrupted between its two
    /// steps can simply be repeated), then removes every keyslot `old` opens, writing back after each step.
    /// When `new` already works and `old` opens nothing, there is nothing left to do and no error.
    public func replacePassphrase(
        _ target: LUKSTarget, old: SecretBytes, new: SecretBytes, keyDerivation: LUKSKeyDerivation
    ) async throws(VolumeError) {
        if old == new { return }
        guard !new.bytes.isEmpty else {
            throw VolumeError(code: .invalidArgument, message: "the new passphrase is empty", device: path)
        }
        let costs = try Self.keyDerivationArguments(keyDerivation)
        let scratchDirectory = configuration.scratchDirectory
        try await withLUKSWorkspace(target, mode: .modify) { (workspace) throws(VolumeError) in
            if try await !passphraseOpensKeyslot(new, in: workspace) {
                guard !old.bytes.isEmpty else { throw wrongPassphrase(operation: "luksAddKey") }
                let newKey = try await runOffCooperativePool { () throws(VolumeError) -> MemoryFile in
                    try MemoryFile.make(contents: new.bytes, scratchDirectory: scratchDirectory)
                }
                let added = try await runTool(
                    .cryptsetup,
                    ["luksAddKey", "--batch-mode", "--key-file=-"] + costs + [workspace.cryptsetupPath, "/dev/fd/3"],
                    input: old.bytes, descriptor3: newKey)
                guard added.status == 0 else {
                    throw cryptsetupFailure(added, operation: "luksAddKey", checksPassphrase: true)
                }
                try await workspace.commit()
            }
            guard !old.bytes.isEmpty else { return }
            // LUKS2 has at most 32 keyslots; `old` may open more than one.
            for _ in 0..<32 {
                let removed = try await runTool(
                    .cryptsetup, ["luksRemoveKey", "--batch-mode", "--key-file=-", workspace.cryptsetupPath],
                    input: old.bytes)
                if removed.status == 2 { break }  // no (further) keyslot opens with `old`
                guard removed.status == 0 else {
                    throw cryptsetupFailure(removed, operation: "luksRemoveKey", checksPassphrase: false)
                }
                try await workspace.commit()
            }
        }
    }

    public func open(
        _ target: LUKSTarget, passphrase: SecretBytes, mappingName: String
    ) async throws(VolumeError) -> ActivationResult {
        try Self.validateMappingName(mappingName)
        let node: String?
        let noNodeReason: String
        switch target {
        case .wholeDevice:
            let device = try DeviceState.inspect(path)
            node = device.kind == .blockDevice ? path : nil
            noNodeReason = "\(path) is an image file: activation needs a block device (attach it with losetup)"
        case .dataPartition:
            let (device, entry) = try await partition(named: Self.dataPartitionName)
            if case .node(let partitionNode) = access(to: entry, on: device) {
                node = partitionNode
            } else {
                node = nil
            }
            noNodeReason =
                device.kind == .regularFile
                ? "the data partition is inside the image file \(path): activation needs a block device"
                : "the data partition of \(path) has no device node (the kernel or udev did not make one)"
        }
        if let node, Self.deviceMapperIsAvailable() {
            let result = try await runTool(
                .cryptsetup, ["open", "--type", "luks", "--key-file=-", node, mappingName], input: passphrase.bytes)
            guard result.status == 0 else {
                throw cryptsetupFailure(result, operation: "open", checksPassphrase: true)
            }
            return .opened(mapperPath: "/dev/mapper/\(mappingName)")
        }
        guard try await testPassphrase(target, passphrase: passphrase) else {
            throw wrongPassphrase(operation: "open --test-passphrase")
        }
        return .skipped(
            reason: node == nil
                ? noNodeReason
                : "device-mapper is not available on this machine (no /dev/mapper/control or no kernel support)")
    }

    public func volumeKey(_ target: LUKSTarget, passphrase: SecretBytes) async throws(VolumeError) -> SecretBytes {
        guard !passphrase.bytes.isEmpty else { throw wrongPassphrase(operation: "luksDump") }
        let scratchDirectory = configuration.scratchDirectory
        return try await withLUKSWorkspace(target, mode: .read) { (workspace) throws(VolumeError) -> SecretBytes in
            let folder = try ScratchDirectory.forKeyMaterial(in: scratchDirectory)
            defer { folder.remove() }
            let keyPath = folder.path + "/volume-key"
            let result = try await runTool(
                .cryptsetup,
                [
                    "luksDump", "--dump-volume-key", "--volume-key-file", keyPath, "--batch-mode", "--key-file=-",
                    workspace.cryptsetupPath,
                ],
                input: passphrase.bytes)
            guard result.status == 0 else {
                Self.shred(keyPath)
                throw cryptsetupFailure(result, operation: "luksDump --dump-volume-key", checksPassphrase: true)
            }
            return SecretBytes(try Self.readAndShred(keyPath, limit: 1024))
        }
    }

    // MARK: - Workspace

    enum WorkspaceMode: Sendable, Hashable {
        /// Read the header only.
        case read
        /// Change keyslots: the window starts as a copy of the header area.
        case modify
        /// Write a new header: the window starts as zeros.
        case format
    }

    /// Where cryptsetup runs for one operation, and how its changes reach the device.
    final class LUKSWorkspace: Sendable {
        /// What cryptsetup is given: the device, the partition's node, or the window file.
        let cryptsetupPath: String
        private let window: LUKSWindow?
        private let file: DeviceFile?

        init(cryptsetupPath: String, window: LUKSWindow?, file: DeviceFile?) {
            self.cryptsetupPath = cryptsetupPath
            self.window = window
            self.file = file
        }

        /// Makes cryptsetup's changes durable: copies a window's changed blocks into the partition and syncs, or
        /// syncs the device cryptsetup wrote directly.
        func commit() async throws(VolumeError) {
            let window = window
            let file = file
            let path = cryptsetupPath
            try await runOffCooperativePool { () throws(VolumeError) in
                if let window, let file {
                    try window.commit(to: file)
                } else {
                    try DeviceFile.open(path, writable: false).sync()
                }
            }
        }
    }

    func withLUKSWorkspace<T: Sendable>(
        _ target: LUKSTarget,
        mode: WorkspaceMode,
        _ body: (LUKSWorkspace) async throws(VolumeError) -> T
    ) async throws(VolumeError) -> T {
        switch target {
        case .wholeDevice:
            _ = try DeviceState.inspect(path)
            return try await body(LUKSWorkspace(cryptsetupPath: path, window: nil, file: nil))
        case .dataPartition:
            let (device, entry) = try await partition(named: Self.dataPartitionName)
            switch access(to: entry, on: device) {
            case .node(let node):
                return try await body(LUKSWorkspace(cryptsetupPath: node, window: nil, file: nil))
            case .range(let range):
                let scratchDirectory = configuration.scratchDirectory
                return try await withDeviceLock(exclusive: mode != .read) { (file) throws(VolumeError) -> T in
                    let window = try await runOffCooperativePool { () throws(VolumeError) -> LUKSWindow in
                        try LUKSWindow.make(
                            device: file, partition: range, scratchDirectory: scratchDirectory, copy: mode != .format)
                    }
                    defer { window.remove() }
                    return try await body(LUKSWorkspace(cryptsetupPath: window.path, window: window, file: file))
                }
            }
        }
    }

    // MARK: - Helpers

    private func passphraseOpensKeyslot(
        _ passphrase: SecretBytes, in workspace: LUKSWorkspace
    ) async throws(VolumeError) -> Bool {
        // An empty key file makes cryptsetup complain about its input rather than say "no key": no keyslot we
        // make has an empty passphrase, so answer directly.
        guard !passphrase.bytes.isEmpty else { return false }
        let result = try await runTool(
            .cryptsetup, ["open", "--test-passphrase", "--type", "luks", "--key-file=-", workspace.cryptsetupPath],
            input: passphrase.bytes)
        switch result.status {
        case 0: return true
        case 2: return false
        default: throw cryptsetupFailure(result, operation: "open --test-passphrase", checksPassphrase: false)
        }
    }

    private func wrongPassphrase(operation: String) -> VolumeError {
        VolumeError(
            code: .wrongPassphrase, message: "no keyslot opens with this passphrase (\(operation))", device: path,
            tool: "cryptsetup")
    }

    /// cryptsetup's exit statuses: 1 wrong parameters, 2 no permission (bad passphrase), 3 out of memory,
    /// 4 wrong device, 5 device busy.
    private func cryptsetupFailure(_ result: ToolResult, operation: String, checksPassphrase: Bool) -> VolumeError {
        let diagnostics = VolumeError.diagnostics(fromStandardError: result.standardError)
        if checksPassphrase, result.status == 2 {
            return VolumeError(
                code: .wrongPassphrase, message: "no keyslot opens with this passphrase (\(operation))", device: path,
                tool: "cryptsetup", exitStatus: result.status, diagnostics: diagnostics)
        }
        if result.standardErrorContains("is not a valid LUKS device") {
            return VolumeError(
                code: .notLUKS, message: "no LUKS header (\(operation))", device: path, tool: "cryptsetup",
                exitStatus: result.status, diagnostics: diagnostics)
        }
        if result.status == 4, result.standardErrorContains("does not exist") {
            return VolumeError(
                code: .deviceNotFound, message: "cryptsetup cannot find the device (\(operation))", device: path,
                tool: "cryptsetup", exitStatus: result.status, diagnostics: diagnostics)
        }
        return VolumeError(
            code: .toolFailed, message: "cryptsetup \(operation) failed", device: path, tool: "cryptsetup",
            exitStatus: result.status, diagnostics: diagnostics)
    }

    /// The cryptsetup options for `keyDerivation`'s costs.
    static func keyDerivationArguments(_ keyDerivation: LUKSKeyDerivation) throws(VolumeError) -> [String] {
        switch keyDerivation {
        case .cryptsetupDefault:
            return []
        case .pbkdf2(let iterations):
            guard iterations >= 1000, iterations <= Int(UInt32.max) else {
                throw VolumeError(
                    code: .invalidArgument,
                    message: "PBKDF2 needs 1000 to \(UInt32.max) iterations (cryptsetup's range), got \(iterations)")
            }
            return ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "\(iterations)"]
        case .argon2id(let iterations, let memoryKiB, let parallelism):
            guard iterations > 0, iterations <= Int(UInt32.max), memoryKiB > 0, memoryKiB <= Int(UInt32.max),
                parallelism > 0, parallelism <= 1024
            else {
                throw VolumeError(
                    code: .invalidArgument,
                    message: "argon2id costs must be positive (iterations \(iterations), memory \(memoryKiB) KiB, "
                        + "parallelism \(parallelism))")
            }
            return [
                "--pbkdf", "argon2id", "--pbkdf-force-iterations", "\(iterations)", "--pbkdf-memory", "\(memoryKiB)",
                "--pbkdf-parallel", "\(parallelism)",
            ]
        }
    }

    /// A device-mapper name: 1 to 127 characters from `[A-Za-z0-9._-]`, not starting with `-` or `.`.
    static func validateMappingName(_ name: String) throws(VolumeError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= 127, allowed, !name.hasPrefix("-"), !name.hasPrefix(".") else {
            throw VolumeError(
                code: .invalidArgument,
                message: "a mapping name has 1 to 127 characters from A-Z a-z 0-9 . _ - and does not start with - or .")
        }
    }

    /// Whether `cryptsetup open` can make a mapping here: the control node exists and the kernel has
    /// device-mapper (it registers the misc device `device-mapper`).
    static func deviceMapperIsAvailable() -> Bool {
        guard SystemSupport.exists("/dev/mapper/control") else { return false }
        if SystemSupport.exists("/sys/class/misc/device-mapper") { return true }
        guard let misc = try? String(contentsOfFile: "/proc/misc", encoding: .utf8) else { return false }
        return misc.split(separator: "\n").contains { $0.hasSuffix(" device-mapper") }
    }

    /// Whether a LUKS primary or LUKS2 secondary header magic sits where cryptsetup would look for one.
    static func hasLUKSMagic(_ file: DeviceFile, range: PartitionInfo) throws(VolumeError) -> Bool {
        for offset in [0] + LUKSHeaderLayout.secondaryHeaderOffsets where offset + 4096 <= range.size {
            let bytes = try file.read(count: 6, at: range.offset + offset)
            if LUKSHeaderLayout.hasPrimaryMagic(bytes) || LUKSHeaderLayout.hasSecondaryMagic(bytes) { return true }
        }
        return false
    }

    /// Reads a small file that holds key material, then overwrites it with zeros and unlinks it.
    static func readAndShred(_ path: String, limit: Int) throws(VolumeError) -> [UInt8] {
        defer { shred(path) }
        let fd = systemOpen(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw VolumeError(
                code: .ioFailed, message: "cannot read the volume key file: \(SystemSupport.errorText(errno))")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + total }, raw.count - total)
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            total += count
        }
        guard total > 0, total <= limit else {
            throw VolumeError(
                code: .unexpectedToolOutput, message: "cryptsetup wrote a volume key file of unexpected size",
                tool: "cryptsetup")
        }
        let key = Array(buffer[0..<total])
        for index in buffer.indices { buffer[index] = 0 }
        return key
    }

    /// Overwrites a file with zeros (as far as permissions allow) and unlinks it.
    static func shred(_ path: String) {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 {
            let fd = systemOpen(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            if fd >= 0 {
                let zeros = [UInt8](repeating: 0, count: Int(min(info.st_size, 1 << 16)))
                _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                fsync(fd)
                close(fd)
            }
        }
        unlink(path)
    }
}
