import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small wrappers over libc that the volume layer needs and Swift's Glibc module does not show (Swift imports glibc
/// without `_GNU_SOURCE`, so `pipe2` and `memfd_create` are invisible; they are looked up at run time).
enum SystemSupport {
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Reads into `buffer` from file position `offset` until it is full or the file ends; returns the count read.
    /// An interrupted read is repeated; a failed one is `failure(errno)`, a position beyond `off_t` `failure(nil)`.
    static func positionedRead<Failure: Error>(
        _ fd: Int32, into buffer: inout [UInt8], at offset: UInt64, failure: (_ errorCode: Int32?) -> Failure
    ) throws(Failure) -> Int {
        try positionedTransfer(buffer.count, at: offset, failure: failure) { done, position in
            buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress.map { $0 + done }, raw.count - done, position)
            }
        }
    }

    /// Writes all of `bytes` at file position `offset`, as ``positionedRead(_:into:at:failure:)`` reads; a write
    /// that moves nothing is `failure(errno)`.
    static func positionedWrite<Failure: Error>(
        _ fd: Int32, _ bytes: ArraySlice<UInt8>, at offset: UInt64, failure: (_ errorCode: Int32?) -> Failure
    ) throws(Failure) {
        let written = try positionedTransfer(bytes.count, at: offset, failure: failure) { done, position in
            bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress.map { $0 + done }, raw.count - done, position)
            }
        }
        guard written == bytes.count else { throw failure(errno) }
    }

    /// The loop `positionedRead` and `positionedWrite` share: `step` moves bytes from `done` on at file position
    /// `offset + done` and returns what `pread`/`pwrite` return. An interrupted step is repeated, and a step that
    /// moves nothing ends the loop early: the result is the count moved.
    private static func positionedTransfer<Failure: Error>(
        _ count: Int,
        at offset: UInt64,
        failure: (_ errorCode: Int32?) -> Failure,
        _ step: (_ done: Int, _ position: off_t) -> Int
    ) throws(Failure) -> Int {
        var total = 0
        while total < count {
            let (position, overflow) = offset.addingReportingOverflow(UInt64(total))
            guard !overflow, position <= UInt64(Int64.max) else { throw failure(nil) }
            let moved = step(total, off_t(position))
            if moved < 0, errno == EINTR { continue }
            if moved < 0 { throw failure(errno) }
            if moved == 0 { break }
            total += moved
        }
        return total
    }

    #if os(Linux)
        private typealias Pipe2Function = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
        private typealias MemfdCreateFunction = @convention(c) (UnsafePointer<CChar>?, UInt32) -> Int32

        // RTLD_DEFAULT is a null handle in glibc.
        private static let pipe2Function: Pipe2Function? = dlsym(nil, "pipe2").map {
            unsafeBitCast($0, to: Pipe2Function.self)
        }
        private static let memfdCreateFunction: MemfdCreateFunction? = dlsym(nil, "memfd_create")
            .map { unsafeBitCast($0, to: MemfdCreateFunction.self) }
        private static let memfdCloseOnExec: UInt32 = 1  // MFD_CLOEXEC
    #endif

    /// Serialises the fallback `pipe()` + `FD_CLOEXEC` against our own spawns when `pipe2` is missing.
    private static let descriptorCreation = NSLock()

    /// A pipe whose two ends are close-on-exec and numbered above the standard descriptors, so that one child's
    /// pipe never leaks into another child started at the same moment, and `dup2` onto 0, 1, 2 or 3 never meets
    /// a descriptor that already has that number.
    static func makePipe() throws(VolumeError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        var result: Int32 = -1
        #if os(Linux)
            if let pipe2Function {
                result = fds.withUnsafeMutableBufferPointer { pipe2Function($0.baseAddress, O_CLOEXEC) }
            }
        #endif
        if result != 0 {
            descriptorCreation.lock()
            result = pipe(&fds)
            if result == 0 {
                _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            }
            descriptorCreation.unlock()
        }
        guard result == 0 else {
            let code = errno
            throw VolumeError(code: .ioFailed, message: "cannot create a pipe: \(errorText(code))")
        }
        return (try moveAboveStandardDescriptors(fds[0]), try moveAboveStandardDescriptors(fds[1]))
    }

    /// `fd` itself when it is above 3, else a close-on-exec duplicate above 3 (and `fd` closed).
    static func moveAboveStandardDescriptors(_ fd: Int32) throws(VolumeError) -> Int32 {
        guard fd <= 3 else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, Int32(4))
        let code = errno
        close(fd)
        guard moved >= 0 else {
            throw VolumeError(code: .ioFailed, message: "cannot duplicate a descriptor: \(errorText(code))")
        }
        return moved
    }

    /// An anonymous memory file (`memfd_create`), close-on-exec; nil where the kernel or libc lacks it.
    static func makeMemoryFileDescriptor(name: String) -> Int32? {
        #if os(Linux)
            guard let memfdCreateFunction else { return nil }
            let fd = memfdCreateFunction(name, memfdCloseOnExec)
            guard fd >= 0 else { return nil }
            return try? moveAboveStandardDescriptors(fd)
        #else
            return nil
        #endif
    }

    /// The current time on the monotonic clock, in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(max(0, now.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, now.tv_nsec))
    }

    static func nanoseconds(of duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return UInt64.max / 2 }
        return whole &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }

    /// Whether `path` exists and is a block device.
    static func isBlockDevice(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFBLK
    }

    /// Whether `path` exists at all (without following a final symlink's target being required).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// Runs blocking work (a child's whole life, a `pread` loop, a lock wait) on a thread of its own and resumes the
/// caller when it is done, so that the cooperative pool (about one thread per core) never stalls on it.
func runOffCooperativePool<T: Sendable>(
    _ body: @escaping @Sendable () throws(VolumeError) -> T
) async throws(VolumeError) -> T {
    let result: Result<T, VolumeError> = await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: Result(catching: body))
        }
        thread.name = "hpcs-volume-io"
        thread.start()
    }
    return try result.get()
}

/// `open(2)`, under a name that no method called `open` shadows (`DeviceFile.open`, `DiskVolume.open`).
func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}
