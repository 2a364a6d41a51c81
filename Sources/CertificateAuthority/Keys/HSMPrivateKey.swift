import Crypto
public import EP11
public import Foundation
public import SwiftASN1
public import X509
import _CryptoExtras

/// A private key that lives in the HSM, usable wherever swift-certificates takes a `Certificate.PrivateKey`:
/// `Certificate.PrivateKey(hsmKey)`.
///
/// The HSM is reached over the network, so only the asynchronous paths work: swift-certificates'
/// `Certificate(…, issuerAsyncPrivateKey:)` and `CertificateSigningRequest(…, asyncPrivateKey:…)` call
/// ``signAsynchronously(bytes:signatureAlgorithm:)``; ``signSynchronously(bytes:signatureAlgorithm:)`` always
/// throws.
///
/// - EC P-256 / P-384: the digest is computed here and signed with `CKM_ECDSA`; the HSM's raw `r‖s` is
///   re-encoded as a DER `ECDSA-Sig-Value`.
/// - RSA: PKCS #1 v1.5 with `CKM_SHA256/384/512_RSA_PKCS` (the HSM hashes). RSASSA-PSS signatures come from
///   ``pssSignature(for:hash:)``; swift-certificates 1.21 cannot represent PSS-signed certificates, so
///   ``CertificateAuthority`` builds those itself (``RSASignatureScheme/pss``).
///
/// Equality and hashing use the key blob; `description` never prints it.
public struct HSMPrivateKey: CustomPrivateKey, CustomStringConvertible {
    /// The HSM client that signs.
    public let client: EP11Client
    /// The wrapped private key blob.
    public let privateKeyBlob: KeyBlob
    /// The public key blob (SPKI and MAC), as the HSM returned it.
    public let publicKeyBlob: KeyBlob
    /// The public key.
    public let publicKey: Certificate.PublicKey
    let info: PublicKeyInfo

    /// A signing key from its blobs. Throws if the public key is not an EC P-256/P-384 or RSA key.
    public init(client: EP11Client, privateKey: KeyBlob, publicKey: KeyBlob) throws {
        let info: PublicKeyInfo
        do {
            info = try publicKey.publicKeyInfo()
        } catch {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "the public key blob is unusable", cause: error)
        }
        switch info.algorithm {
        case .ec(.p256), .ec(.p384), .rsa: break
        default:
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "CA keys must be EC P-256, P-384 or RSA, not \(info.algorithm)")
        }
        self.client = client
        self.privateKeyBlob = privateKey
        self.publicKeyBlob = publicKey
        self.info = info
        do {
            self.publicKey = try info.certificatePublicKey()
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "the public key is unusable", cause: error)
        }
    }

    /// A signing key from a key pair made by the HSM.
    public init(client: EP11Client, keyPair: KeyPair) throws {
        try self.init(client: client, privateKey: keyPair.privateKey, publicKey: keyPair.publicKey)
    }

    /// Generates a new non-extractable signing key pair in the HSM.
    public static func generate(_ algorithm: KeyAlgorithm, client: EP11Client) async throws -> HSMPrivateKey {
        try HSMPrivateKey(client: client, keyPair: try await algorithm.generate(with: client))
    }

    public var description: String { "HSMPrivateKey(\(info.algorithm))" }

    var isRSA: Bool { info.algorithm == .rsa }

    // MARK: CustomPrivateKey

    public var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch info.algorithm {
        case .ec(.p384): .ecdsaWithSHA384
        case .ec: .ecdsaWithSHA256
        default: .sha256WithRSAEncryption
        }
    }

    public var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] {
        switch info.algorithm {
        case .ec(.p384): [.ecdsaWithSHA384]
        case .ec: [.ecdsaWithSHA256]
        default: [.sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption]
        }
    }

    /// Always throws: the HSM is reached asynchronously.
    public func signSynchronously(
        bytes: some DataProtocol,
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) throws -> Certificate.Signature {
        throw CertificateAuthorityError(
            code: .hsmFailure,
            message: "HSM keys sign asynchronously; use the issuerAsyncPrivateKey/asyncPrivateKey initialisers")
    }

    public func signAsynchronously(
        bytes: some DataProtocol & Sendable,
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) async throws -> Certificate.Signature {
        let der = try await signatureValue(for: Array(bytes), signatureAlgorithm: signatureAlgorithm)
        do {
            return try Certificate.Signature(
                signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: der[...]))
        } catch {
            throw CertificateAuthorityError(code: .hsmFailure, message: "the HSM signature is malformed", cause: error)
        }
    }

    /// The signature over `bytes` as it goes into a BIT STRING: a DER `ECDSA-Sig-Value` or the RSA signature.
    public func signatureValue(
        for bytes: [UInt8],
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) async throws -> [UInt8] {
        guard supportedSignatureAlgorithms.contains(signatureAlgorithm) else {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "\(self) cannot sign with \(signatureAlgorithm)")
        }
        switch signatureAlgorithm {
        case .ecdsaWithSHA256:
            let raw = try await hsm("ECDSA signature") {
                try await client.sign(Array(SHA256.hash(data: bytes)), key: privateKeyBlob, mechanism: .ecdsa)
            }
            return try Self.ecdsaDER(raw: raw, p384: false)
        case .ecdsaWithSHA384:
            let raw = try await hsm("ECDSA signature") {
                try await client.sign(Array(SHA384.hash(data: bytes)), key: privateKeyBlob, mechanism: .ecdsa)
            }
            return try Self.ecdsaDER(raw: raw, p384: true)
        case .sha256WithRSAEncryption:
            return try await hsm("RSA signature") {
                try await client.sign(bytes, key: privateKeyBlob, mechanism: .sha256RSAPKCS)
            }
        case .sha384WithRSAEncryption:
            return try await hsm("RSA signature") {
                try await client.sign(bytes, key: privateKeyBlob, mechanism: .sha384RSAPKCS)
            }
        case .sha512WithRSAEncryption:
            return try await hsm("RSA signature") {
                try await client.sign(bytes, key: privateKeyBlob, mechanism: .sha512RSAPKCS)
            }
        default:
            throw CertificateAuthorityError(code: .keyNotPermitted, message: "unsupported \(signatureAlgorithm)")
        }
    }

    /// The digest algorithms for ``pssSignature(for:hash:)``.
    public struct PSSHash: Sendable, Hashable {
        let mechanism: Mechanism
        /// SHA-256, MGF1-SHA-256, 32-byte salt.
        public static let sha256 = PSSHash(mechanism: .sha256RSAPSS(saltLength: 32))
        /// SHA-384, MGF1-SHA-384, 48-byte salt.
        public static let sha384 = PSSHash(mechanism: .sha384RSAPSS(saltLength: 48))
        /// SHA-512, MGF1-SHA-512, 64-byte salt.
        public static let sha512 = PSSHash(mechanism: .sha512RSAPSS(saltLength: 64))
    }

    /// An RSASSA-PSS signature over `bytes` (the HSM hashes; MGF1 with the same hash; salt = digest length).
    public func pssSignature(for bytes: [UInt8], hash: PSSHash = .sha256) async throws -> [UInt8] {
        guard info.algorithm == .rsa else {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "PSS needs an RSA key, not \(info.algorithm)")
        }
        return try await hsm("RSA-PSS signature") {
            try await client.sign(bytes, key: privateKeyBlob, mechanism: hash.mechanism)
        }
    }

    static func ecdsaDER(raw: [UInt8], p384: Bool) throws -> [UInt8] {
        do {
            if p384 {
                return Array(try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
            }
            return Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        } catch {
            throw CertificateAuthorityError(
                code: .hsmFailure, message: "the HSM returned a \(raw.count)-byte ECDSA signature", cause: error)
        }
    }

    // MARK: Hashable, PEM

    public static func == (lhs: HSMPrivateKey, rhs: HSMPrivateKey) -> Bool { lhs.privateKeyBlob == rhs.privateKeyBlob }
    public func hash(into hasher: inout Hasher) { hasher.combine(privateKeyBlob) }

    /// `EP11 PRIVATE KEY BLOB`: the blobs, which only the HSM that made them can use.
    public static var defaultPEMDiscriminator: String { "EP11 PRIVATE KEY BLOB" }

    /// `SEQUENCE { OCTET STRING privateKeyBlob, OCTET STRING publicKeyBlob }`.
    public func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(ASN1OctetString(contentBytes: privateKeyBlob.bytes[...]))
            try coder.serialize(ASN1OctetString(contentBytes: publicKeyBlob.bytes[...]))
        }
    }
}
