import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small file helpers: atomic writes with an explicit mode, created with that mode (no chmod window).
enum FileIO {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func read(_ path: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CertificateAuthorityError(code: .storageFailure, message: "cannot read \(path)", cause: error)
        }
    }

    /// Writes `value` as pretty-printed JSON with sorted keys (0644), ended by a newline when `finalNewline`;
    /// `what` names it in the error when it cannot be encoded.
    static func writeJSON(_ value: some Encodable, to path: String, what: String, finalNewline: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "cannot encode \(what)", cause: error)
        }
        try write(Array(data) + (finalNewline ? [0x0A] : []), to: path, mode: 0o644)
    }

    /// Writes `bytes` to a temporary file created with `mode`, then renames it over `path`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw CertificateAuthorityError(
                code: .storageFailure,
                message: "cannot write \(path): cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        var written = 0
        var failed = false
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Glibc_write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if result <= 0 {
                    if result < 0 && errno == EINTR { continue }
                    failed = true
                    return
                }
                written += result
            }
        }
        if fsync(fd) != 0 { failed = true }
        close(fd)
        guard !failed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CertificateAuthorityError(code: .storageFailure, message: "cannot write \(path)")
        }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CertificateAuthorityError(code: .storageFailure, message: "cannot create \(path)", cause: error)
        }
    }
}

private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
        return Darwin.write(fd, pointer, count)
    #elseif canImport(Musl)
        return Musl.write(fd, pointer, count)
    #else
        return Glibc.write(fd, pointer, count)
    #endif
}
