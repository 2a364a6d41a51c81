import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What ``VolumeMounter/mount(device:at:filesystem:)`` did.
public enum MountResult: Sendable, Hashable {
    /// The filesystem is mounted at `mountPoint`; `formatted` says whether it was made first (an empty volume).
    case mounted(mountPoint: String, formatted: Bool)
    /// Nothing was mounted, and why (the volume was not activated, no mount point was configured).
    case skipped(reason: String)
}

/// Makes the contract's `filesystem` on an opened volume when it has none, and mounts it at `mount`.
///
/// A device that already carries a filesystem, or anything else `blkid` recognises (a LUKS header, another
/// filesystem type), is never formatted: a filesystem other than the requested one is an error. Only `ext4` is made
/// here (`mkfs.ext4`); a volume that already carries another filesystem type named in the contract is mounted as it
/// is. An already mounted mount point with the same device is left as it is.
public struct VolumeMounter: Sendable {
    public let tools: VolumeTools
    public let timeout: Duration

    public init(tools: VolumeTools = VolumeTools(), timeout: Duration = .seconds(300)) {
        self.tools = tools
        self.timeout = timeout
    }

    /// Formats (when empty) and mounts `device` at `mountPoint`.
    public func mount(device: String, at mountPoint: String, filesystem: String = "ext4") async throws(VolumeError)
        -> MountResult
    {
        guard mountPoint.hasPrefix("/"), !mountPoint.contains("\0"), mountPoint.utf8.count < 4096 else {
            throw VolumeError(
                code: .invalidArgument, message: "the mount point must be an absolute path", device: device)
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        guard !filesystem.isEmpty, filesystem.count <= 16, filesystem.allSatisfy({ allowed.contains($0) }) else {
            throw VolumeError(
                code: .invalidArgument, message: "the filesystem name is not a plain name", device: device)
        }
        if let source = Self.mountedSource(at: mountPoint) {
            let resolved = URL(fileURLWithPath: device).resolvingSymlinksInPath().path
            guard source == device || source == resolved else {
                throw VolumeError(
                    code: .deviceBusy, message: "\(mountPoint) already has \(source) mounted on it", device: device)
            }
            return .mounted(mountPoint: mountPoint, formatted: false)
        }

        let found = try await existingType(of: device)
        var formatted = false
        switch found {
        case nil:
            guard filesystem == "ext4" else {
                throw VolumeError(
                    code: .invalidArgument,
                    message: "the volume is empty and only ext4 can be made here, not \(filesystem)", device: device)
            }
            let made = try await run(.mkfsExt4, ["-q", "-F", device])
            guard made.succeeded else { throw failure(made, .mkfsExt4, device, "mkfs.ext4 failed") }
            formatted = true
        case let type? where type == filesystem:
            break
        case let type?:
            throw VolumeError(
                code: .invalidArgument,
                message: "the volume carries \(type), not the configured \(filesystem); it is left untouched",
                device: device)
        }
        do {
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        } catch {
            throw VolumeError(code: .ioFailed, message: "cannot create the mount point \(mountPoint)", device: device)
        }
        let mounted = try await run(.mount, ["-t", filesystem, device, mountPoint])
        guard mounted.succeeded else { throw failure(mounted, .mount, device, "mount failed") }
        return .mounted(mountPoint: mountPoint, formatted: formatted)
    }

    /// The type `blkid` reports for `device` (`ext4`, `crypto_LUKS`, …), or nil for a device with no signature.
    /// A partition table counts as a signature ("a gpt partition table"), so that mkfs never replaces one.
    func existingType(of device: String) async throws(VolumeError) -> String? {
        let probe = try await run(.blkid, ["-p", "-o", "export", device])
        // blkid exits 2 when it finds nothing, 8 when signatures contradict each other.
        if probe.status == 2, !probe.timedOut { return nil }
        if probe.status == 8, !probe.timedOut { return "several conflicting signatures" }
        guard probe.succeeded else { throw failure(probe, .blkid, device, "blkid failed") }
        switch DiskVolume.content(fromBlkidExport: probe.standardOutput) {
        case .luks: return "crypto_LUKS"
        case .partitionTable(let table): return "a \(table) partition table"
        default: break
        }
        var type: String?
        for line in String(decoding: probe.standardOutput, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("TYPE=") {
            type = String(line.dropFirst("TYPE=".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return type.flatMap { $0.isEmpty ? nil : $0 } ?? "a signature without a type"
    }

    private func run(_ tool: VolumeTools.Tool, _ arguments: [String]) async throws(VolumeError) -> ToolResult {
        try await ToolRunner.run(
            ToolRequest(executable: try tools.path(for: tool), arguments: arguments, timeout: timeout))
    }

    private func failure(_ result: ToolResult, _ tool: VolumeTools.Tool, _ device: String, _ message: String)
        -> VolumeError
    {
        VolumeError(
            code: result.timedOut ? .toolTimedOut : .toolFailed, message: message, device: device, tool: tool.rawValue,
            exitStatus: result.status, diagnostics: VolumeError.diagnostics(fromStandardError: result.standardError))
    }

    /// The source device mounted at `mountPoint` per /proc/self/mountinfo, or nil.
    static func mountedSource(at mountPoint: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        let escaped = mountPoint.replacingOccurrences(of: " ", with: "\\040")
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4] == escaped, let separator = fields.firstIndex(of: "-") else { continue }
            let sourceIndex = fields.index(separator, offsetBy: 2)
            guard sourceIndex < fields.endIndex else { continue }
            return String(fields[sourceIndex])
        }
        return nil
    }
}
