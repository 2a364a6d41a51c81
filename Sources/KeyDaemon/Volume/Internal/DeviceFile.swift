import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a device path turned out to be.
struct DeviceState: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case regularFile
        case blockDevice
    }

    var kind: Kind
    /// Size in bytes.
    var size: UInt64

    /// Stats `path`: a missing path or one that is neither a regular file nor a block device is `deviceNotFound`.
    static func inspect(_ path: String) throws(VolumeError) -> DeviceState {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw VolumeError(code: .deviceNotFound, message: "no such device or image", device: path)
            }
            throw VolumeError(code: .ioFailed, message: "cannot stat: \(SystemSupport.errorText(code))", device: path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return DeviceState(kind: .regularFile, size: UInt64(max(0, info.st_size)))
        case S_IFBLK:
            let device = try DeviceFile.open(path, writable: false)
            let end = lseek(device.descriptor, 0, SEEK_END)
            guard end >= 0 else {
                throw VolumeError(
                    code: .ioFailed, message: "cannot size the device: \(SystemSupport.errorText(errno))", device: path)
            }
            return DeviceState(kind: .blockDevice, size: UInt64(end))
        default:
            throw VolumeError(
                code: .deviceNotFound, message: "neither a block device nor a regular file", device: path)
        }
    }
}

/// An open device or image, for `pread`/`pwrite`/`fsync` and an advisory `flock` that serialises this layer's
/// operations on one device across tasks and processes. Closing the descriptor (on deinit) releases the lock.
final class DeviceFile: Sendable {
    let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    static func open(_ path: String, writable: Bool) throws(VolumeError) -> DeviceFile {
        let fd = systemOpen(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw VolumeError(code: .deviceNotFound, message: "no such device or image", device: path)
            }
            throw VolumeError(code: .ioFailed, message: "cannot open: \(SystemSupport.errorText(code))", device: path)
        }
        return DeviceFile(descriptor: try SystemSupport.moveAboveStandardDescriptors(fd), path: path)
    }

    /// Takes the advisory lock, polling so that a stuck holder turns into ``VolumeError/Code/deviceBusy``.
    /// Blocking: call it off the cooperative pool.
    func lock(exclusive: Bool, timeout: Duration) throws(VolumeError) {
        let deadline = SystemSupport.monotonicNanoseconds() &+ SystemSupport.nanoseconds(of: timeout)
        var pause = 1
        while true {
            if flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 { return }
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                throw VolumeError(
                    code: .ioFailed, message: "cannot lock: \(SystemSupport.errorText(code))", device: path)
            }
            guard SystemSupport.monotonicNanoseconds() < deadline else {
                throw VolumeError(
                    code: .deviceBusy, message: "another operation holds the device lock", device: path)
            }
            SystemSupport.sleep(milliseconds: pause)
            pause = min(pause * 2, 50)
        }
    }

    /// Exactly `count` bytes at `offset`; a short read (the end of a truncated image) is an error.
    func read(count: Int, at offset: UInt64) throws(VolumeError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try read(into: &buffer, at: offset)
        guard got == count else {
            throw VolumeError(
                code: .ioFailed, message: "short read: \(got) of \(count) bytes at offset \(offset)", device: path)
        }
        return buffer
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    func read(into buffer: inout [UInt8], at offset: UInt64) throws(VolumeError) -> Int {
        try SystemSupport.positionedRead(descriptor, into: &buffer, at: offset, failure: { failure("read", $0) })
    }

    func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(VolumeError) {
        try SystemSupport.positionedWrite(descriptor, bytes, at: offset, failure: { failure("write", $0) })
    }

    /// `<verb> failed` with the reason `errorCode` gives (`nil`: an offset out of range).
    private func failure(_ verb: String, _ errorCode: Int32?) -> VolumeError {
        VolumeError(
            code: .ioFailed,
            message: errorCode.map { "\(verb) failed: \(SystemSupport.errorText($0))" } ?? "offset out of range",
            device: path)
    }

    func sync() throws(VolumeError) {
        guard fsync(descriptor) == 0 else {
            throw VolumeError(code: .ioFailed, message: "fsync failed: \(SystemSupport.errorText(errno))", device: path)
        }
    }
}
