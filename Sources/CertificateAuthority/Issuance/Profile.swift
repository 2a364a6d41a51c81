import X509
import _CryptoExtras

/// What an issued certificate is for: its key usage, extended key usage and basic constraints.
public struct Profile: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case tlsServer
        case tlsClient
        case codeSigning
        case intermediate(pathLength: Int)
    }
    let kind: Kind

    private init(kind: Kind) { self.kind = kind }

    /// A TLS server: `digitalSignature` (plus `keyEncipherment` for RSA keys), EKU `serverAuth`; at least one
    /// DNS name or IP address.
    public static let tlsServer = Profile(kind: .tlsServer)
    /// A TLS client: `digitalSignature`, EKU `clientAuth`.
    public static let tlsClient = Profile(kind: .tlsClient)
    /// Code signing: `digitalSignature` (critical), EKU `codeSigning`.
    public static let codeSigning = Profile(kind: .codeSigning)
    /// A subordinate CA: `keyCertSign` and `cRLSign` (critical), `CA:TRUE` with `pathLenConstraint`.
    public static func intermediate(pathLength: Int = 0) -> Profile {
        Profile(kind: .intermediate(pathLength: pathLength))
    }
    /// ``intermediate(pathLength:)`` with path length 0.
    public static let intermediate = Profile.intermediate(pathLength: 0)

    /// Parses `tls-server`, `tls-client`, `code-signing` and `intermediate` (for a CLI).
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "tls-server", "server": self = .tlsServer
        case "tls-client", "client": self = .tlsClient
        case "code-signing", "codesigning": self = .codeSigning
        case "intermediate", "ca": self = .intermediate
        default:
            throw CertificateAuthorityError(code: .malformedInput, message: "unknown profile '\(text)'")
        }
    }

    public var description: String {
        switch kind {
        case .tlsServer: "tls-server"
        case .tlsClient: "tls-client"
        case .codeSigning: "code-signing"
        case .intermediate(let length): "intermediate(pathLength: \(length))"
        }
    }

    var isCertificateAuthority: Bool {
        if case .intermediate = kind { return true }
        return false
    }

    /// The profile's own extensions (everything but SAN, SKI and AKI).
    func extensions(subjectKey: Certificate.PublicKey) throws -> [Certificate.Extension] {
        var result: [Certificate.Extension] = []
        switch kind {
        case .tlsServer:
            let isRSA = _RSAKey(subjectKey)
            result.append(try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
            result.append(
                try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: isRSA), critical: true))
            result.append(try Certificate.Extension(ExtendedKeyUsage([.serverAuth]), critical: false))
        case .tlsClient:
            result.append(try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
            result.append(try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true))
            result.append(try Certificate.Extension(ExtendedKeyUsage([.clientAuth]), critical: false))
        case .codeSigning:
            result.append(try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
            result.append(try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true))
            result.append(try Certificate.Extension(ExtendedKeyUsage([.codeSigning]), critical: false))
        case .intermediate(let pathLength):
            result.append(
                try Certificate.Extension(
                    BasicConstraints.isCertificateAuthority(maxPathLength: pathLength), critical: true))
            result.append(try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true))
        }
        return result
    }
}

private func _RSAKey(_ key: Certificate.PublicKey) -> Bool { _RSA.Signing.PublicKey(key) != nil }
