import EP11
import X509

/// Serial numbers: 16 bytes from the HSM's random number generator with the top bit cleared and the next one
/// set, so every serial is positive, exactly 16 octets in DER (≤ 20) and carries 126 random bits (≥ 64).
enum SerialNumbers {
    static func draw(client: EP11Client) async throws -> Certificate.SerialNumber {
        var bytes = try await hsm("random generation") { try await client.generateRandom(count: 16) }
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
