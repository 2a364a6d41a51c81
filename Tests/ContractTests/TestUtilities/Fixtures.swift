import Contract
import Foundation

/// Keys and certificates made once per test run with the real `openssl`, in a temporary directory.
struct Fixtures: Sendable {
    /// The directory holding every fixture file.
    let directory: String

    func path(_ name: String) -> String { directory + "/" + name }

    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// Writes `bytes` to a new uniquely named file and returns its path.
    func write(_ bytes: [UInt8], name: String) throws -> String {
        let file = path("\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func write(_ text: String, name: String) throws -> String { try write(Array(text.utf8), name: name) }

    /// An encryptor for the encryption certificate `enc.crt`, with the default prefix.
    func encryptor() throws -> ContractEncryptor { try ContractEncryptor(encryptionKeyPEM: text("enc.crt")) }

    /// A decryptor with the encryption certificate's private key `enc.key`.
    func decryptor() throws -> ContractDecryptor { try ContractDecryptor(privateKeyPEM: text("enc.key")) }

    /// The shared fixtures, made on first use.
    static func shared() async throws -> Fixtures { try await FixtureStore.shared.fixtures() }

    static func make() async throws -> Fixtures {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "contract-tests-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fixtures = Fixtures(directory: directory)
        func selfSigned(_ name: String, bits: Int = 2048, days: Int = 365) async throws {
            try await openssl(
                [
                    "req", "-x509", "-newkey", "rsa:\(bits)", "-nodes", "-keyout", "\(name).key", "-out", "\(name).crt",
                    "-days", "\(days)", "-subj", "/CN=\(name)",
                ], in: directory)
            try await openssl(
                ["x509", "-in", "\(name).crt", "-pubkey", "-noout", "-out", "\(name).pub"], in: directory)
        }
        // Encryption certificate (the image's), near-expiry and short-lived variants, auditor, attestation signer.
        try await selfSigned("enc")
        try await selfSigned("enc-soon", days: 30)
        try await selfSigned("enc-short", days: 1)
        try await selfSigned("auditor")
        try await selfSigned("attestation")
        try await selfSigned("other")
        // The contract signer: a PKCS#8 key (OpenSSL 3's default), its public key, a CA and a 1-day certificate.
        try await openssl(["genrsa", "-out", "signer.key", "2048"], in: directory)
        try await openssl(["rsa", "-in", "signer.key", "-pubout", "-out", "signer.pub"], in: directory)
        try await selfSigned("ca")
        try await openssl(
            ["req", "-new", "-key", "signer.key", "-out", "signer.csr", "-subj", "/CN=contract-signer/O=Example"],
            in: directory)
        try await openssl(
            [
                "x509", "-req", "-in", "signer.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "signer.crt", "-days", "1",
            ], in: directory)
        return fixtures
    }
}

/// Makes the fixtures once, whichever test asks first.
actor FixtureStore {
    static let shared = FixtureStore()
    private var task: Task<Fixtures, any Error>?

    func fixtures() async throws -> Fixtures {
        if let task { return try await task.value }
        let task = Task { try await Fixtures.make() }
        self.task = task
        return try await task.value
    }
}

/// Helpers on raw bytes.
enum Bytes {
    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func fromBase64(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { Array($0) } }
}

/// sha256 hex as `openssl dgst -sha256 -r` computes it, independently of the module under test.
func opensslSHA256(_ bytes: [UInt8], fixtures: Fixtures) async throws -> String {
    let file = try fixtures.write(bytes, name: "digest-input")
    let output = String(decoding: try await openssl(["dgst", "-sha256", "-r", file]), as: UTF8.self)
    return String(output.prefix(64))
}
