import EP11
import Synchronization
import X509

/// Serial numbers: 16 bytes from the HSM's random number generator with the top bit cleared and the next one
/// set, so every serial is positive, exactly 16 octets in DER (≤ 20) and carries 126 random bits (≥ 64).
enum SerialNumbers {
    static func draw(client: EP11Client) async throws -> Certificate.SerialNumber {
        serialNumber(try await hsm("random generation") { try await client.generateRandom(count: 16) })
    }

    static func serialNumber(_ random: [UInt8]) -> Certificate.SerialNumber {
        var bytes = random
        if !bytes.isEmpty { bytes[0] = (bytes[0] & 0x7F) | 0x40 }
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// Serial numbers for issuance: the same HSM random bytes, fetched `batch` serials at a time (one GREP11 call
    /// instead of one per certificate). Each 16-byte block is handed out once; the store still refuses a used serial.
    final class Source: Sendable {
        static let batch = 64
        private let client: EP11Client
        private let instrumentation: InstrumentationBox
        private let buffer = Mutex<[UInt8]>([])

        init(client: EP11Client, instrumentation: InstrumentationBox) {
            self.client = client
            self.instrumentation = instrumentation
        }

        func next() async throws -> Certificate.SerialNumber {
            if let bytes = buffer.withLock({ buffer -> [UInt8]? in
                guard buffer.count >= 16 else { return nil }
                defer { buffer.removeLast(16) }
                return Array(buffer.suffix(16))
            }) {
                return serialNumber(bytes)
            }
            let fresh = try await instrumentation.hsm("random") {
                try await hsm("random generation") { try await client.generateRandom(count: 16 * Self.batch) }
            }
            guard fresh.count == 16 * Self.batch else {
                throw CertificateAuthorityError(
                    code: .hsmFailure, message: "the HSM returned \(fresh.count) random bytes, not \(16 * Self.batch)")
            }
            buffer.withLock { $0.append(contentsOf: fresh.dropFirst(16)) }
            return serialNumber(Array(fresh.prefix(16)))
        }
    }
}
