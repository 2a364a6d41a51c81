import Foundation

/// `ca-config.json` in the CA directory: the choices a CA keeps across runs.
///
/// ```json
/// { "database" : "postgres://ca@db.example:5432/ca?sslmode=verify-full", "madeOnMock" : true, "rsaSignature" : "pss" }
/// ```
///
/// `madeOnMock` is written only for a CA whose key was made by an HSM mock, `database` only for a CA whose
/// issuance store is a PostgreSQL database (never with a password: that comes from the environment or a file). Unknown members are refused, naming
/// the member, as a misspelled `madeOnMock` would otherwise hide that mark.
struct StoredConfiguration: Codable, Equatable {
    /// `pkcs1` or `pss`.
    var rsaSignature: String
    /// Whether the CA key was made by an HSM mock: a CA for tests only.
    var madeOnMock: Bool
    /// The PostgreSQL URL of the issuance store, without password; `nil` for `issued.sqlite`.
    var database: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case rsaSignature, madeOnMock, database }

    init(rsaSignatureScheme: RSASignatureScheme, madeOnMock: Bool = false, database: String? = nil) {
        self.rsaSignature = rsaSignatureScheme.description
        self.madeOnMock = madeOnMock
        self.database = database
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
        self.database = try container.strictMember(
            String.self, .database, expected: "a postgres:// URL", document: document)
        if let database {
            guard !PostgresIssuanceStore.Configuration.containsPassword(database) else {
                throw StrictDecoding.error(
                    "ca-config.json: \"database\" holds a password: remove it, and set "
                        + "\(PostgresIssuanceStore.Configuration.passwordVariable) or "
                        + "\(PostgresIssuanceStore.Configuration.passwordFileVariable) instead")
            }
            do {
                _ = try PostgresIssuanceStore.Configuration(url: database, password: nil)
            } catch let error as CertificateAuthorityError {
                throw StrictDecoding.error("ca-config.json: \"database\": \(error.message)")
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rsaSignature, forKey: .rsaSignature)
        if madeOnMock { try container.encode(true, forKey: .madeOnMock) }
        if let database { try container.encode(database, forKey: .database) }
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
        try FileIO.writeJSON(self, to: path, what: "the CA configuration", finalNewline: true)
    }
}
