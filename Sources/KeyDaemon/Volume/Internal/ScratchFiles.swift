import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file that exists only as an open descriptor: an anonymous memory file (`memfd_create`), or where that is
/// missing, a 0600 file in a private 0700 folder of the scratch directory (a tmpfs) unlinked right after creation.
///
/// A child reaches it as `/dev/fd/3`; opening that path reopens the same file from its start, so tools that
/// insist on a file name (debugfs `write`, cryptsetup's new key file) read or write it without a name on disk.
/// The contents are overwritten with zeros before the descriptor closes.
final class MemoryFile: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func make(contents: [UInt8], scratchDirectory: String) throws(VolumeError) -> MemoryFile {
        let file: MemoryFile
        if let fd = SystemSupport.makeMemoryFileDescriptor(name: "hpcs-volume") {
            file = MemoryFile(descriptor: fd)
        } else {
            let folder = try ScratchDirectory.forKeyMaterial(in: scratchDirectory)
            defer { folder.remove() }
            let path = folder.path + "/memory"
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            let code = errno
            guard fd >= 0 else {
                throw VolumeError(
                    code: .ioFailed, message: "cannot create a scratch file: \(SystemSupport.errorText(code))")
            }
            unlink(path)
            file = MemoryFile(descriptor: try SystemSupport.moveAboveStandardDescriptors(fd))
        }
        try file.write(contents)
        return file
    }

    private func write(_ contents: [UInt8]) throws(VolumeError) {
        try SystemSupport.positionedWrite(descriptor, contents[...], at: 0, failure: { Self.failure("write", $0) })
    }

    /// `cannot <verb> a memory file` with the reason `errorCode` gives (`nil`: an offset beyond `off_t`).
    private static func failure(_ verb: String, _ errorCode: Int32?) -> VolumeError {
        VolumeError(
            code: .ioFailed,
            message: "cannot \(verb) a memory file: \(SystemSupport.errorText(errorCode ?? EOVERFLOW))")
    }

    /// The file's contents from its start, at most `limit` bytes; nil when it holds more.
    func contents(limit: Int) throws(VolumeError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        let total = try SystemSupport.positionedRead(
            descriptor, into: &buffer, at: 0, failure: { Self.failure("read", $0) })
        if total > limit { return nil }
        return Array(buffer[0..<total])
    }

    deinit {
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_size > 0 {
            let zeros = [UInt8](repeating: 0, count: Int(min(info.st_size, 1 << 20)))
            var offset: off_t = 0
            while offset < info.st_size {
                let count = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, zeros.count, offset) }
                if count <= 0 { break }
                offset += off_t(count)
            }
            _ = ftruncate(descriptor, 0)
        }
        close(descriptor)
    }
}

/// A private folder (mode 0700, from `mkdtemp`) in the scratch directory, removed with everything in it.
///
/// Its name is `hpcs-volume.<pid>.XXXXXX` and the process holds an exclusive `flock` on it while it exists, so that
/// ``removeStale(in:)`` can tell the folders a killed run left behind (their process is gone and nobody holds the
/// lock) from those another daemon is using right now.
struct ScratchDirectory: Sendable {
    /// The name prefix of every scratch folder this layer makes.
    static let namePrefix = "hpcs-volume."

    let path: String
    /// The open folder whose `flock` marks it as in use; closed by ``remove()``.
    private let lockDescriptor: Int32

    init(in base: String) throws(VolumeError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VolumeError(code: .ioFailed, message: "scratch directory \(base) does not exist")
        }
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
        template.append(contentsOf: Array("\(Self.namePrefix)\(getpid()).XXXXXX".utf8CString))
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let address = buffer.baseAddress else { return false }
            return mkdtemp(address) != nil
        }
        guard created else {
            throw VolumeError(
                code: .ioFailed, message: "cannot create a folder in \(base): \(SystemSupport.errorText(errno))")
        }
        let path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(path, 0o700)
        let fd = systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if fd >= 0 { close(fd) }
            try? FileManager.default.removeItem(atPath: path)
            throw VolumeError(
                code: .ioFailed, message: "cannot lock the folder \(path): \(SystemSupport.errorText(code))")
        }
        self.path = path
        self.lockDescriptor = fd
    }

    /// Removes the scratch folders in `base` that a killed run left: named `hpcs-volume.<pid>.XXXXXX`, a real
    /// folder (not a symlink) owned by this user, whose process no longer exists and whose lock nobody holds.
    /// Returns the paths removed. Anything else in `base` is left alone.
    @discardableResult
    static func removeStale(in base: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        let folder = base.hasSuffix("/") ? base : base + "/"
        var removed: [String] = []
        for name in names.sorted() {
            guard let pid = owningProcess(ofScratchName: name), pid != getpid() else { continue }
            let path = folder + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else { continue }
            // A process that still exists (or that we may not signal) may be using it.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let fd = systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }

    /// The pid in `hpcs-volume.<pid>.XXXXXX` (six letters or digits, as `mkdtemp` makes them), nil for any other name.
    static func owningProcess(ofScratchName name: String) -> pid_t? {
        guard name.hasPrefix(namePrefix) else { return nil }
        let parts = name.dropFirst(namePrefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 10,
            parts[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let pid = pid_t(parts[0]), pid > 0,
            parts[1].utf8.count == 6,
            parts[1].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) })
        else { return nil }
        return pid
    }

    /// Whether `path` lies on a memory filesystem (tmpfs or ramfs), by the longest matching mount point in
    /// `/proc/self/mounts`. False when that cannot be told.
    static func isMemoryBacked(_ path: String) -> Bool {
        guard let resolved = realpath(path, nil) else { return false }
        let target = String(cString: resolved)
        free(resolved)
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        var best: (length: Int, type: String)? = nil
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            let inside = mountPoint == "/" || target == mountPoint || target.hasPrefix(mountPoint + "/")
            if inside, mountPoint.count >= (best?.length ?? -1) {
                best = (mountPoint.count, String(fields[2]))
            }
        }
        return best.map { $0.type == "tmpfs" || $0.type == "ramfs" } ?? false
    }

    /// A private folder for key material: the scratch directory must be a memory filesystem.
    static func forKeyMaterial(in base: String) throws(VolumeError) -> ScratchDirectory {
        guard isMemoryBacked(base) else {
            throw VolumeError(
                code: .invalidArgument,
                message: "the scratch directory \(base) is not a tmpfs; key material may not be written to a disk")
        }
        return try ScratchDirectory(in: base)
    }

    /// Removes the folder and its contents, then lets go of its lock. Files that may hold key material are
    /// overwritten first by their owners (``MemoryFile``, the volume-key read); this only unlinks. Call it once.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        close(lockDescriptor)
    }
}
