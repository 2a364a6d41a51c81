import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the disk tools live: found on `PATH` and in the `sbin` folders, which a non-login root shell or a
/// service manager may leave out of `PATH`.
///
/// ```swift
/// let tools = VolumeTools()
/// let missing = tools.check()
/// if !missing.isEmpty { print("install: \(Set(missing.map(\.debianPackage)).sorted())") }
/// ```
public struct VolumeTools: Sendable, Hashable {
    /// A tool this layer runs (`blkid` and `wipefs` to classify a device before writing, `blkid` and `mount` for
    /// ``VolumeMounter``; `losetup` for deployments and tests).
    public enum Tool: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case sfdisk
        case mkfsExt4 = "mkfs.ext4"
        case debugfs
        case cryptsetup
        case blkid
        case wipefs
        case losetup
        case mount

        /// The executable's file name.
        public var executableName: String { rawValue }
        public var description: String { rawValue }

        /// The Debian package that installs it.
        public var debianPackage: String {
            switch self {
            case .sfdisk: "fdisk"
            case .mkfsExt4, .debugfs: "e2fsprogs"
            case .cryptsetup: "cryptsetup-bin"
            case .blkid, .wipefs, .losetup, .mount: "util-linux"
            }
        }

        /// The tools ``DiskVolume`` itself runs.
        public static let required: [Tool] = [.sfdisk, .mkfsExt4, .debugfs, .cryptsetup, .blkid, .wipefs]
    }

    /// The folders searched after `PATH`.
    public static let systemDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The absolute path of each tool that was found.
    public var paths: [Tool: String]

    /// Finds every tool on `searchPath` (default: the process's `PATH`), then in ``systemDirectories``.
    public init(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) {
        let directories =
            (searchPath ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
            + Self.systemDirectories
        var found: [Tool: String] = [:]
        for tool in Tool.allCases {
            for directory in directories {
                let candidate = directory.hasSuffix("/") ? directory + tool.rawValue : directory + "/" + tool.rawValue
                if Self.isExecutableFile(candidate) {
                    found[tool] = candidate
                    break
                }
            }
        }
        self.paths = found
    }

    /// Uses exactly these paths (tests, or a deployment that pins them).
    public init(paths: [Tool: String]) {
        self.paths = paths
    }

    /// The tools among `tools` that were not found; empty when all are there.
    public func check(_ tools: [Tool] = Tool.allCases) -> [Tool] {
        tools.filter { paths[$0] == nil }
    }

    /// The path of `tool`, or ``VolumeError/Code/toolMissing`` naming the Debian package.
    public func path(for tool: Tool) throws(VolumeError) -> String {
        guard let path = paths[tool] else {
            throw VolumeError(
                code: .toolMissing,
                message:
                    "\(tool) is not installed (searched PATH and \(Self.systemDirectories.joined(separator: ", ")))",
                tool: tool.rawValue,
                debianPackage: tool.debianPackage
            )
        }
        return path
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
