import EP11
import Foundation
import HSMMock
import Testing

// Helpers shared by the SoftCrypto engine tests: hex, a tiny DER writer/reader
// (independent of the engine) and a wrapper around the `openssl` command-line tool.
// Everything is namespaced under `EngineTest` so it cannot clash with helpers in
// other HSMMockTests files.

extension Array where Element == UInt8 {
    /// Lower-case hex (engine tests).
    var engineHexString: String { map { String(format: "%02x", $0) }.joined() }
}

enum EngineTest {
    enum TestError: Error, CustomStringConvertible {
        case badHex
        case opensslFailed(String)
        case derParse

        var description: String {
            switch self {
            case .badHex: "bad hex literal"
            case .opensslFailed(let message): "openssl failed: \(message)"
            case .derParse: "DER parse error"
            }
        }
    }

    /// Bytes from a hex string; whitespace is ignored.
    static func hex(_ string: String) throws -> [UInt8] {
        guard let decoded = bytes(fromHex: string) else { throw TestError.badHex }
        return decoded
    }

    /// Expects `body` to throw exactly `expected`.
    static func expectError(
        _ expected: SoftCryptoError,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        guard let error = softCryptoError(thrownBy: body, expected: "\(expected)", sourceLocation: sourceLocation)
        else { return }
        #expect(error == expected, sourceLocation: sourceLocation)
    }

    /// Expects `body` to throw some `SoftCryptoError` (not an internal failure) and not trap.
    static func expectSoftCryptoError(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        guard let error = softCryptoError(thrownBy: body, expected: "an error", sourceLocation: sourceLocation)
        else { return }
        if case .internalFailure = error {
            Issue.record("unexpected internal failure \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The `SoftCryptoError` that `body` throws; records an issue and gives `nil` when it throws nothing or
    /// another type of error.
    private static func softCryptoError(
        thrownBy body: () throws -> Void,
        expected: String,
        sourceLocation: SourceLocation
    ) -> SoftCryptoError? {
        do {
            try body()
            Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as SoftCryptoError {
            return error
        } catch {
            Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    // MARK: - Minimal DER

    enum DER {
        static func length(_ count: Int) -> [UInt8] {
            if count < 0x80 { return [UInt8(count)] }
            var bytes: [UInt8] = []
            var value = count
            while value > 0 {
                bytes.insert(UInt8(value & 0xFF), at: 0)
                value >>= 8
            }
            return [0x80 | UInt8(bytes.count)] + bytes
        }

        static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
            [tag] + length(content.count) + content
        }

        static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
        static func octetString(_ content: [UInt8]) -> [UInt8] { tlv(0x04, content) }
        static func bitString(_ content: [UInt8]) -> [UInt8] { tlv(0x03, [0] + content) }

        /// A non-negative INTEGER from big-endian magnitude bytes.
        static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
            var bytes = Array(magnitude.drop { $0 == 0 })
            if bytes.isEmpty { bytes = [0] }
            if let first = bytes.first, first & 0x80 != 0 { bytes.insert(0, at: 0) }
            return tlv(0x02, bytes)
        }

        /// ECDSA-Sig-Value DER from raw r‖s.
        static func ecdsaSignature(raw: [UInt8]) -> [UInt8] {
            let half = raw.count / 2
            return sequence(unsignedInteger(Array(raw.prefix(half))), unsignedInteger(Array(raw.suffix(half))))
        }

        /// Reads one TLV at `offset`; returns (tag, content, next offset).
        static func read(_ der: [UInt8], at offset: Int) throws -> (UInt8, [UInt8], Int) {
            guard offset + 2 <= der.count else { throw TestError.derParse }
            let tag = der[offset]
            var cursor = offset + 1
            var length = Int(der[cursor])
            cursor += 1
            if length & 0x80 != 0 {
                let n = length & 0x7F
                guard n > 0, n <= 4, cursor + n <= der.count else { throw TestError.derParse }
                length = 0
                for byte in der[cursor..<cursor + n] { length = length << 8 | Int(byte) }
                cursor += n
            }
            guard cursor + length <= der.count else { throw TestError.derParse }
            return (tag, Array(der[cursor..<cursor + length]), cursor + length)
        }

        /// Raw r‖s (each left-padded to `size`) from an ECDSA-Sig-Value.
        static func ecdsaRaw(_ der: [UInt8], size: Int) throws -> [UInt8] {
            let (tag, body, _) = try read(der, at: 0)
            guard tag == 0x30 else { throw TestError.derParse }
            let (rTag, r, next) = try read(body, at: 0)
            let (sTag, s, _) = try read(body, at: next)
            guard rTag == 0x02, sTag == 0x02 else { throw TestError.derParse }
            func pad(_ v: [UInt8]) throws -> [UInt8] {
                let trimmed = Array(v.drop { $0 == 0 })
                guard trimmed.count <= size else { throw TestError.derParse }
                return [UInt8](repeating: 0, count: size - trimmed.count) + trimmed
            }
            return try pad(r) + pad(s)
        }

        /// SubjectPublicKeyInfo for a raw Ed25519 key (RFC 8410).
        static func ed25519SPKI(_ raw: [UInt8]) -> [UInt8] {
            sequence(sequence(tlv(0x06, [0x2B, 0x65, 0x70])), bitString(raw))
        }
    }

    // MARK: - openssl CLI

    /// Runs the `openssl` tool in a private temporary directory.
    final class OpenSSLCLI {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("softcrypto-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit {
            try? FileManager.default.removeItem(at: directory)
        }

        /// Writes `bytes` to `name` and returns its path.
        @discardableResult
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }

        func read(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// Runs `openssl args…`; returns (exit status, stdout, stderr).
        @discardableResult
        func run(_ arguments: [String]) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = directory
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, [UInt8](stdout), String(decoding: stderr, as: UTF8.self))
        }

        /// Runs and throws unless the exit status is 0.
        @discardableResult
        func succeed(_ arguments: [String]) throws -> [UInt8] {
            let result = try run(arguments)
            guard result.status == 0 else {
                throw TestError.opensslFailed("\(arguments.joined(separator: " ")): \(result.stderr)")
            }
            return result.stdout
        }
    }
}
