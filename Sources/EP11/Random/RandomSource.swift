#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where random bytes come from: the HSM (`GenerateRandom`), the IBM Z hardware devices `/dev/trng` (true random)
/// and `/dev/prandom` (pseudo-random seeded by the TRNG), or the operating system's generator.
///
/// Asking for a device explicitly never falls back: if the device is missing or unreadable, the call throws
/// ``EP11Error/unsupported`` naming the device. ``automatic()`` picks the best source present.
public struct RandomSource: Sendable, CustomStringConvertible {
    package enum Kind: Sendable {
        case hsm(EP11Client)
        case device(String)
        case system
    }
    package let kind: Kind

    /// The HSM's generator, through `GenerateRandom`.
    public static func hsm(_ client: EP11Client) -> RandomSource { RandomSource(kind: .hsm(client)) }
    /// IBM Z's true random number generator device.
    public static let trng = RandomSource(kind: .device("/dev/trng"))
    /// IBM Z's pseudo-random device (CPACF DRBG seeded from the TRNG).
    public static let prandom = RandomSource(kind: .device("/dev/prandom"))
    /// The operating system's generator (`getrandom`), as `SystemRandomNumberGenerator` uses.
    public static let system = RandomSource(kind: .system)
    /// Any character device that yields random bytes.
    public static func device(path: String) -> RandomSource { RandomSource(kind: .device(path)) }

    /// `/dev/trng` when it can be read, else `/dev/prandom`, else the system generator.
    public static func automatic() -> RandomSource {
        for candidate in ["/dev/trng", "/dev/prandom"] where access(candidate, R_OK) == 0 {
            return RandomSource(kind: .device(candidate))
        }
        return .system
    }

    /// The source in words, for people: "the HSM (GenerateRandom)", "the random device /dev/trng", "the system
    /// generator (getrandom)".
    public var description: String {
        switch kind {
        case .hsm: "the HSM (GenerateRandom)"
        case .device(let path): "the random device \(path)"
        case .system: "the system generator (getrandom)"
        }
    }

    /// `count` random bytes from this source.
    public func bytes(count: Int) async throws -> [UInt8] {
        guard count >= 0 else { throw EP11Error(code: .invalidArgument, message: "negative random byte count") }
        if count == 0 { return [] }
        switch kind {
        case .hsm(let client):
            return try await client.generateRandom(count: count)
        case .device(let path):
            var device = try RandomDevice(path: path)
            defer { device.close() }
            return try device.read(count: count)
        case .system:
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
    }

    /// A synchronous `RandomNumberGenerator` over a device or the system source.
    ///
    /// Opening checks that the device exists and can be read (throwing ``EP11Error/unsupported`` otherwise). The
    /// HSM source is asynchronous and has no synchronous generator: use ``bytes(count:)``. Like
    /// `SystemRandomNumberGenerator`, a device that fails *after* it was opened and read is an unrecoverable
    /// system fault and stops the process rather than yield non-random values.
    public func makeGenerator() throws -> DeviceRandomNumberGenerator {
        switch kind {
        case .hsm:
            throw EP11Error(
                code: .unsupported,
                message: "the HSM random source is asynchronous; use bytes(count:)"
            )
        case .device(let path):
            return try DeviceRandomNumberGenerator(device: RandomDevice(path: path))
        case .system:
            return DeviceRandomNumberGenerator(device: nil)
        }
    }
}

/// A `RandomNumberGenerator` over a random device (or the system generator), reading in blocks.
public final class DeviceRandomNumberGenerator: RandomNumberGenerator {
    private var device: RandomDevice?
    private var buffer: [UInt8] = []
    private var position = 0
    private var system = SystemRandomNumberGenerator()

    init(device: RandomDevice?) {
        self.device = device
    }

    public func next() -> UInt64 {
        guard device != nil else { return system.next() }
        if position + 8 > buffer.count {
            do {
                buffer = try device?.read(count: 512) ?? []
            } catch {
                preconditionFailure("random device failed after opening: \(error)")
            }
            position = 0
        }
        var value: UInt64 = 0
        for index in position..<(position + 8) {
            value = (value << 8) | UInt64(buffer[index])
        }
        position += 8
        return value
    }

    deinit {
        device?.close()
    }
}

/// A file descriptor on a random device.
struct RandomDevice: Sendable {
    let path: String
    private var descriptor: Int32

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw EP11Error(code: .unsupported, message: "random device \(path) cannot be opened: \(reason)")
        }
        self.descriptor = fd
    }

    mutating func read(count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        var emptyReads = 0
        while filled < count {
            let got = result.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.read(descriptor, base + filled, count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw EP11Error(code: .unsupported, message: "random device \(path) cannot be read: \(reason)")
            }
            if got == 0 {
                emptyReads += 1
                if emptyReads > 3 {
                    throw EP11Error(code: .unsupported, message: "random device \(path) returned no data")
                }
                continue
            }
            filled += got
        }
        return result
    }

    mutating func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }
}
