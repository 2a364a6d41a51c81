import Foundation

/// `ca-config.json` in the CA directory: the choices a CA keeps across runs.
///
/// ```json
/// { "rsaSignature" : "pss" }
/// ```
struct StoredConfiguration: Codable, Equatable {
    /// `pkcs1` or `pss`.
    var rsaSignature: String

    init(rsaSignatureScheme: RSASignatureScheme) {
        self.rsaSignature = rsaSignatureScheme.description
    }

    var rsaSignatureScheme: RSASignatureScheme {
        get throws { try RSASignatureScheme(parsing: rsaSignature) }
    }

    static func read(_ path: String) throws -> StoredConfiguration {
        do {
            return try JSONDecoder().decode(StoredConfiguration.self, from: Data(try FileIO.read(path)))
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "ca-config.json is malformed", cause: error)
        }
    }

    func write(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "cannot encode the CA configuration", cause: error)
        }
        try FileIO.write(Array(data) + [0x0A], to: path, mode: 0o644)
    }
}
