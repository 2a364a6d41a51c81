/// A minimal length-prefixed binary codec for the mock's sealed payloads (key objects, operation states).
/// Reading never traps: every length is checked against what is left.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ value: UInt8) { bytes.append(value) }

    mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func write(_ value: [UInt8]) {
        write(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
}

/// Reads 8-byte big-endian words, length-prefixed or counted byte runs, bytes and booleans, refusing anything
/// that runs past the end with `failure` (a malformed blob unless told otherwise, e.g. a truncated mechanism
/// parameter).
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0
    private let failure: HSMFailure

    init(_ bytes: [UInt8], failure: HSMFailure = .malformed) {
        self.bytes = bytes
        self.failure = failure
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func readByte() throws(HSMFailure) -> UInt8 {
        guard offset < bytes.count else { throw failure }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt64() throws(HSMFailure) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw failure }
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = (value << 8) | UInt64(bytes[index]) }
        offset += 8
        return value
    }

    /// A run of bytes after its 8-byte length.
    mutating func readBytes() throws(HSMFailure) -> [UInt8] {
        let length = try readUInt64()
        guard length <= UInt64(bytes.count - offset) else { throw failure }
        return try readBytes(count: Int(length))
    }

    /// The next `count` bytes.
    mutating func readBytes(count: Int) throws(HSMFailure) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw failure }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func readBool() throws(HSMFailure) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        default: throw failure
        }
    }
}
