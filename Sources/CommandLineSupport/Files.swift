import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Files named on the command line: read with a limit (a FIFO, /dev/stdin or <(...) too), written without ever
// replacing what is not a regular file. Failures are ``CommandFailure``s with the `file.*` and `output.*` codes.

// MARK: - Input files

/// The most a secret file (API key, passphrase) may hold.
package let maximumSecretFileSize = 64 * 1024

/// The most any other input file named on the command line (PEM, CSR, policy, key bytes) may hold.
package let maximumInputFileSize = 1 << 20

/// Reads a file named on the command line, at most `limit` bytes: a regular file, a FIFO, `/dev/stdin` or a process
/// substitution such as `<(pass show hpcs)`, so that secrets need not be put in a file on disk. `what` names the file
/// in errors ("API key file"); the messages never contain the file's contents.
package func readInputFile(_ path: String, what: String = "file", limit: Int = maximumInputFileSize) throws -> [UInt8] {
    var descriptor: Int32
    repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else {
        throw CommandFailure("cannot read the \(what) \(path): \(systemErrorText(errno))", code: "file.unreadable")
    }
    defer { close(descriptor) }
    var status = stat()
    if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
        throw CommandFailure("cannot read the \(what) \(path): it is a directory", code: "file.unreadable")
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count >= 0 else {
            throw CommandFailure("cannot read the \(what) \(path): \(systemErrorText(errno))", code: "file.unreadable")
        }
        if count == 0 { break }
        guard bytes.count + count <= limit else {
            // Wipe what was read: it may be (part of) a secret.
            for index in bytes.indices { bytes[index] = 0 }
            for index in buffer.indices { buffer[index] = 0 }
            throw CommandFailure("the \(what) \(path) is larger than \(limit) bytes", code: "file.too-large")
        }
        bytes += buffer[0..<count]
    }
    for index in buffer.indices { buffer[index] = 0 }
    return bytes
}

/// A secret (API key, passphrase) from a file, FIFO or `/dev/stdin`, surrounding whitespace removed; nil without a
/// path. An empty secret is an error.
package func readSecretText(_ path: String?, what: String = "API key file") throws -> String? {
    guard let path else { return nil }
    var bytes = try readInputFile(path, what: what, limit: maximumSecretFileSize)
    defer { for index in bytes.indices { bytes[index] = 0 } }
    let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { throw CommandFailure("the \(what) \(path) is empty", code: "file.empty") }
    return text
}

private func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

// MARK: - Output files

/// Writes `bytes` to an output path the user named, without ever replacing what is not a regular file:
/// - absent: a new file with `mode`, written to a temporary file in the same directory, synced, then linked into
///   place, so a reader never sees half a file;
/// - a regular file: replaced the same way (atomically, by rename), or refused when `replacingExisting` is false
///   (key material is only ever written to a new file);
/// - a character device (`/dev/null`, `/dev/stdout` on a terminal) or a FIFO: written through, never replaced;
/// - a symbolic link: left in place; what it points to is written as above (a dangling link's target is created);
/// - a block device, directory or socket: refused, nothing is written.
package func writeOutput(
    _ bytes: [UInt8],
    to path: String,
    mode: mode_t = 0o644,
    replacingExisting: Bool = true
) throws {
    switch try outputKind(path, replacingExisting: replacingExisting) {
    case .absent:
        try writeAtomically(bytes, to: path, mode: mode, replacing: false)
    case .regular(let target):
        try writeAtomically(bytes, to: target, mode: mode, replacing: true)
    case .writeThrough(let create):
        try writeThrough(bytes, to: path, mode: mode, create: create, replacingExisting: replacingExisting)
    }
}

/// Checks, before any work is done, that ``writeOutput(_:to:mode:replacingExisting:)`` would accept `path`, so that
/// a command fails before it changes anything (for example before the KMS generates a key nobody would keep).
package func checkOutputPath(_ path: String, replacingExisting: Bool = true) throws {
    _ = try outputKind(path, replacingExisting: replacingExisting)
}

private enum OutputKind {
    /// Nothing there: create a new file.
    case absent
    /// A regular file (perhaps behind symbolic links) at the given real path: replace it atomically.
    case regular(String)
    /// A character device or FIFO (perhaps behind symbolic links), or a dangling link (`create`): open and write.
    case writeThrough(create: Bool)
}

private func outputKind(_ path: String, replacingExisting: Bool) throws -> OutputKind {
    guard !path.isEmpty else { throw CommandFailure("the output path is empty", code: "output.refused") }
    var linkStatus = stat()
    guard lstat(path, &linkStatus) == 0 else {
        guard errno == ENOENT else {
            throw CommandFailure("cannot use \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        // A new file is made in the same directory: check that it can be, before any work is done.
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard access(directory, W_OK | X_OK) == 0 else {
            throw CommandFailure("cannot create \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        return .absent
    }
    var status = linkStatus
    let isLink = linkStatus.st_mode & S_IFMT == S_IFLNK
    if isLink {
        guard stat(path, &status) == 0 else {
            guard errno == ENOENT else {
                throw CommandFailure("cannot use \(path): \(systemErrorText(errno))", code: "output.failed")
            }
            return .writeThrough(create: true)
        }
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG:
        guard replacingExisting else {
            throw CommandFailure("\(path) exists; key material is only written to a new file", code: "output.refused")
        }
        guard isLink else { return .regular(path) }
        guard let resolved = realpath(path, nil) else { return .writeThrough(create: false) }
        defer { free(resolved) }
        return .regular(String(cString: resolved))
    case S_IFCHR, S_IFIFO:
        return .writeThrough(create: false)
    case S_IFDIR:
        throw CommandFailure("cannot write to \(path): it is a directory", code: "output.refused")
    case S_IFBLK:
        throw CommandFailure("refusing to write to \(path): it is a block device", code: "output.refused")
    default:
        throw CommandFailure(
            "cannot write to \(path): it is not a file, character device or FIFO", code: "output.refused")
    }
}

private func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else {
            throw CommandFailure("cannot write \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        offset += written
    }
}

private func writeThrough(
    _ bytes: [UInt8],
    to path: String,
    mode: mode_t,
    create: Bool,
    replacingExisting: Bool
) throws {
    // O_EXCL would refuse any symbolic link, so a dangling link's target is created without it and checked after.
    let flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0)
    var descriptor: Int32
    repeat { descriptor = open(path, flags, mode) } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else {
        throw CommandFailure("cannot open \(path): \(systemErrorText(errno))", code: "output.failed")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
        throw CommandFailure("cannot open \(path): \(systemErrorText(errno))", code: "output.failed")
    }
    if status.st_mode & S_IFMT == S_IFREG {
        // Only a dangling link's new target gets here (or a file that appeared meanwhile).
        guard replacingExisting || status.st_size == 0 else {
            throw CommandFailure("\(path) exists; key material is only written to a new file", code: "output.refused")
        }
        guard ftruncate(descriptor, 0) == 0 else {
            throw CommandFailure("cannot write \(path): \(systemErrorText(errno))", code: "output.failed")
        }
    }
    try writeAll(bytes, to: descriptor, path: path)
    if status.st_mode & S_IFMT == S_IFREG, fsync(descriptor) != 0 {
        throw CommandFailure("cannot write \(path): \(systemErrorText(errno))", code: "output.failed")
    }
}

private func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, replacing: Bool) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    var template = Array((directory + "/." + url.lastPathComponent + ".hpcs-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
        guard let base = buffer.baseAddress else { return -1 }
        return mkstemp(base)
    }
    if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    guard descriptor >= 0 else {
        throw CommandFailure("cannot create a file in \(directory): \(systemErrorText(errno))", code: "output.failed")
    }
    let temporary = String(decoding: template.dropLast().map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    var placed = false
    defer {
        if !placed { unlink(temporary) }
    }
    do {
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else {
            throw CommandFailure("cannot set the mode of \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        try writeAll(bytes, to: descriptor, path: path)
        guard fsync(descriptor) == 0 else {
            throw CommandFailure("cannot write \(path): \(systemErrorText(errno))", code: "output.failed")
        }
    }
    if replacing {
        guard rename(temporary, path) == 0 else {
            throw CommandFailure("cannot replace \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        placed = true
    } else {
        // link(2) fails if something appeared at `path` meanwhile: a new file never replaces one.
        guard link(temporary, path) == 0 else {
            throw errno == EEXIST
                ? CommandFailure("\(path) exists; not replaced", code: "output.refused")
                : CommandFailure("cannot create \(path): \(systemErrorText(errno))", code: "output.failed")
        }
        unlink(temporary)
        placed = true
    }
    let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)
        close(directoryDescriptor)
    }
}
