import Crypto
import EP11
public import X509
import _CryptoExtras

/// The kind of key the CA generates in the HSM: EC P-256 or P-384, or RSA of 2048-4096 bits.
public struct KeyAlgorithm: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case ec(NamedCurve)
        case rsa(bits: Int)
    }
    let kind: Kind

    private init(kind: Kind) { self.kind = kind }

    /// ECDSA on P-256, signing with SHA-256.
    public static let p256 = KeyAlgorithm(kind: .ec(.p256))
    /// ECDSA on P-384, signing with SHA-384.
    public static let p384 = KeyAlgorithm(kind: .ec(.p384))
    /// RSA-2048, signing with PKCS #1 v1.5 and SHA-256.
    public static let rsa2048 = KeyAlgorithm(kind: .rsa(bits: 2048))
    /// RSA-3072, signing with PKCS #1 v1.5 and SHA-256.
    public static let rsa3072 = KeyAlgorithm(kind: .rsa(bits: 3072))
    /// RSA-4096, signing with PKCS #1 v1.5 and SHA-256.
    public static let rsa4096 = KeyAlgorithm(kind: .rsa(bits: 4096))

    /// RSA with a modulus of `bits` bits: a multiple of 8 from 2048 to 4096.
    public static func rsa(bits: Int) throws -> KeyAlgorithm {
        guard (2048...4096).contains(bits), bits % 8 == 0 else {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "RSA keys must have 2048-4096 bits in steps of 8, not \(bits)")
        }
        return KeyAlgorithm(kind: .rsa(bits: bits))
    }

    /// Parses `p256`, `p384`, `rsa2048`, `rsa3072`, `rsa4096` (also `ec-p256`, `rsa-2048`, ...), for a CLI.
    public init(parsing text: String) throws {
        let normalized = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(
            of: "_", with: "")
        switch normalized {
        case "p256", "ecp256", "secp256r1", "prime256v1": self = .p256
        case "p384", "ecp384", "secp384r1": self = .p384
        default:
            if normalized.hasPrefix("rsa"), let bits = Int(normalized.dropFirst(3)) {
                self = try .rsa(bits: bits)
            } else {
                throw CertificateAuthorityError(code: .malformedInput, message: "unknown key algorithm '\(text)'")
            }
        }
    }

    public var description: String {
        switch kind {
        case .ec(let curve): curve.name
        case .rsa(let bits): "RSA-\(bits)"
        }
    }

    /// The signature algorithm certificates signed by such a key use.
    public var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch kind {
        case .ec(let curve): curve == .p384 ? .ecdsaWithSHA384 : .ecdsaWithSHA256
        case .rsa: .sha256WithRSAEncryption
        }
    }

    /// Generates a signing key pair of this kind in the HSM: the private key may sign and is neither
    /// extractable nor readable; the public key may verify.
    func generate(with client: EP11Client, label: String? = nil) async throws -> KeyPair {
        var publicTemplate: AttributeTemplate
        var privateTemplate: AttributeTemplate = [.sign(true), .extractable(false), .sensitive(true)]
        if let label { privateTemplate[.label] = .bytes(Array(label.utf8)) }
        let mechanism: Mechanism
        switch kind {
        case .ec(let curve):
            publicTemplate = [.ecParameters(curve), .verify(true)]
            mechanism = .ecKeyPairGen
        case .rsa(let bits):
            publicTemplate = [.modulusBits(bits), .publicExponent(65537), .verify(true)]
            mechanism = .rsaKeyPairGen
        }
        let pair = try await hsm("key pair generation") {
            try await client.generateKeyPair(
                mechanism, publicKeyTemplate: publicTemplate, privateKeyTemplate: privateTemplate)
        }
        return pair
    }
}
