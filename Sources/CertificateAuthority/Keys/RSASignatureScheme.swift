/// How a CA with an RSA key signs certificates and CRLs: PKCS #1 v1.5 or RSASSA-PSS.
///
/// The choice is stored in the CA directory (`ca-config.json`), so a CA keeps it across runs. It does not apply to
/// EC keys, and the intermediate CA's own request (`ca.csr.pem`) is always signed with PKCS #1 v1.5.
public struct RSASignatureScheme: Sendable, Hashable, CustomStringConvertible {
    let name: String

    private init(name: String) { self.name = name }

    /// `sha256WithRSAEncryption` (RSASSA-PKCS1-v1_5 with SHA-256), the default.
    public static let pkcs1v1_5 = RSASignatureScheme(name: "pkcs1")

    /// `id-RSASSA-PSS` with SHA-256, MGF1 with SHA-256, a 32-byte salt and the trailer field 1, written with
    /// explicit RSASSA-PSS-params (RFC 4055 §3.1) as openssl writes them.
    public static let pss = RSASignatureScheme(name: "pss")

    /// Parses `pss` or `pkcs1` (also `pkcs1v1_5`, `pkcs1-v1_5`, `rsassa-pss`), for a CLI.
    public init(parsing text: String) throws {
        let normalized = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(
            of: "_", with: "")
        switch normalized {
        case "pss", "rsassapss", "rsapss": self = .pss
        case "pkcs1", "pkcs1v15", "rsassapkcs1v15": self = .pkcs1v1_5
        default:
            throw CertificateAuthorityError(
                code: .malformedInput,
                message: "unknown RSA signature scheme '\(ControlCharacters.escaped(text))' (pss or pkcs1)")
        }
    }

    public var description: String { name }
}
