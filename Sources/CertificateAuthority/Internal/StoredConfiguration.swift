import Foundation

/// `ca-config.json` in the CA directory: the choices a CA keeps across runs.
///
/// ```json
/// { "madeOnMock" : true, "rsaSignature" : "pss" }
/// ```
///
/// `madeOnMock` is written only for a CA whose key was made by an HSM mock. Unknown members are refused, naming
/// the member, as a misspelled `madeOnMock` would otherwise hide that mark.
struct StoredConfiguration: Codable, Equatable {
    /// `pkcs1` or `pss`.
    var rsaSignature: String
    /// Whether the CA key was made by an HSM mock: a CA for tests only.
    var madeOnMock: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case rsaSignature, madeOnMock }

    init(rsaSignatureScheme: RSASignatureScheme, madeOnMock: Bool = false) {
        self.rsaSignature = rsaSignatureScheme.description
        self.madeOnMock = madeOnMock
    }

    init(from decoder: any Decoder) throws {
        let document = "ca-config.json"
        let container = try StrictDecoding.container(decoder, CodingKeys.self, document: document)
        guard
            let rsaSignature = try container.strictMember(
                String.self, .rsaSignature, expected: "\"pss\" or \"pkcs1\"", document: document)
        else {
            throw StrictDecoding.error("ca-config.json has no \"rsaSignature\"")
        }
        self.rsaSignature = rsaSignature
        self.madeOnMock =
            try container.strictMember(Bool.self, .madeOnMock, expected: "true or false", document: document) ?? false
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rsaSignature, forKey: .rsaSignature)
        if madeOnMock { try container.encode(true, forKey: .madeOnMock) }
    }

    var rsaSignatureScheme: RSASignatureScheme {
        get throws { try RSASignatureScheme(parsing: rsaSignature) }
    }

    static func read(_ path: String) throws -> StoredConfiguration {
        let bytes = try FileIO.read(path)
        try StrictDecoding.refuseDuplicateMembers(bytes, document: "ca-config.json")
        do {
            return try JSONDecoder().decode(StoredConfiguration.self, from: Data(bytes))
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "ca-config.json is not valid JSON")
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
