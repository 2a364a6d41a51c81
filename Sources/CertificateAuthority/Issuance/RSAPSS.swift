import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// What the CA's key signs certificates and CRLs with: one of swift-certificates' algorithms, or RSASSA-PSS with
/// SHA-256, which swift-certificates 1.21 cannot represent and which is therefore encoded here.
enum SigningAlgorithm: Sendable, Hashable {
    case standard(Certificate.SignatureAlgorithm)
    case rsaPSSSHA256

    /// The DER AlgorithmIdentifier for the `signature` fields.
    func algorithmIdentifier() throws -> [UInt8] {
        switch self {
        case .standard(let algorithm): try CRLBuilder.algorithmIdentifier(algorithm)
        case .rsaPSSSHA256: try RSAPSS.algorithmIdentifier(.sha256)
        }
    }

    /// The signature value over `bytes` (the BIT STRING contents).
    func sign(_ bytes: [UInt8], with key: HSMPrivateKey) async throws -> [UInt8] {
        switch self {
        case .standard(let algorithm): try await key.signatureValue(for: bytes, signatureAlgorithm: algorithm)
        case .rsaPSSSHA256: try await key.pssSignature(for: bytes, hash: .sha256)
        }
    }
}

/// RSASSA-PSS AlgorithmIdentifiers (RFC 4055 §3.1) and certificates signed with them, in DER:
///
/// ```
/// AlgorithmIdentifier ::= SEQUENCE { algorithm id-RSASSA-PSS, parameters RSASSA-PSS-params }
/// RSASSA-PSS-params ::= SEQUENCE {
///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1,
///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
///     saltLength         [2] INTEGER DEFAULT 20,
///     trailerField       [3] TrailerField DEFAULT trailerFieldBC }
/// ```
///
/// The hash AlgorithmIdentifiers carry NULL parameters (RFC 4055 §2.1), and the default trailer field is left out.
enum RSAPSS {
    static let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 10]
    static let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 8]
    static let sha256WithRSAEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 11]

    /// The digests PSS is used with here; the salt is as long as the digest, and MGF1 uses the same digest.
    enum Digest: Sendable, Hashable, CaseIterable {
        case sha256, sha384, sha512

        var oid: ASN1ObjectIdentifier {
            switch self {
            case .sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1]
            case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
            case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
            }
        }

        var length: Int {
            switch self {
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }
    }

    static func malformed(_ what: String, _ error: (any Error)? = nil) -> CertificateAuthorityError {
        CertificateAuthorityError(code: .malformedInput, message: what, cause: error)
    }

    // MARK: AlgorithmIdentifier

    static func serializeHashAlgorithm(_ digest: Digest, into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(digest.oid)
            try coder.serialize(ASN1Null())
        }
    }

    /// `id-RSASSA-PSS` with explicit parameters for `digest`.
    static func algorithmIdentifier(_ digest: Digest) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(rsassaPSS)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try serializeHashAlgorithm(digest, into: &coder)
                }
                try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(mgf1)
                        try serializeHashAlgorithm(digest, into: &coder)
                    }
                }
                try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { coder in
                    try coder.serialize(digest.length)
                }
            }
        }
        return coder.serializedBytes
    }

    /// The OID of an AlgorithmIdentifier node.
    static func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            while nodes.next() != nil {}
            return oid
        }
    }

    /// A hash AlgorithmIdentifier: one of ``Digest``, with NULL or absent parameters.
    static func parseHashAlgorithm(_ node: ASN1Node) throws -> Digest {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            if let parameters = nodes.next() {
                _ = try ASN1Null(derEncoded: parameters)
            }
            guard nodes.next() == nil else { throw malformed("extra fields in a hash AlgorithmIdentifier") }
            guard let digest = Digest.allCases.first(where: { $0.oid == oid }) else {
                throw CertificateAuthorityError(code: .keyNotPermitted, message: "unsupported PSS hash \(oid)")
            }
            return digest
        }
    }

    /// The digest of an `id-RSASSA-PSS` AlgorithmIdentifier whose MGF1 digest and salt length match it (the
    /// only PSS parameters accepted here); throws otherwise.
    static func parseAlgorithmIdentifier(_ node: ASN1Node) throws -> Digest {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            guard oid == rsassaPSS else { throw malformed("not an RSASSA-PSS AlgorithmIdentifier") }
            guard let parameters = nodes.next() else {
                throw CertificateAuthorityError(
                    code: .keyNotPermitted, message: "RSASSA-PSS without parameters (SHA-1) is not supported")
            }
            guard nodes.next() == nil else { throw malformed("extra fields in the RSASSA-PSS AlgorithmIdentifier") }
            return try DER.sequence(parameters, identifier: .sequence) { fields in
                let hash = try DER.optionalExplicitlyTagged(&fields, tagNumber: 0, tagClass: .contextSpecific) {
                    try parseHashAlgorithm($0)
                }
                let mask = try DER.optionalExplicitlyTagged(&fields, tagNumber: 1, tagClass: .contextSpecific) {
                    try DER.sequence($0, identifier: .sequence) { mgf in
                        let mgfOID = try ASN1ObjectIdentifier(derEncoded: &mgf)
                        guard mgfOID == mgf1, let inner = mgf.next(), mgf.next() == nil else {
                            throw CertificateAuthorityError(
                                code: .keyNotPermitted, message: "unsupported PSS mask generation \(mgfOID)")
                        }
                        return try parseHashAlgorithm(inner)
                    }
                }
                let salt = try DER.optionalExplicitlyTagged(&fields, tagNumber: 2, tagClass: .contextSpecific) {
                    try Int(derEncoded: $0)
                }
                let trailer = try DER.optionalExplicitlyTagged(&fields, tagNumber: 3, tagClass: .contextSpecific) {
                    try Int(derEncoded: $0)
                }
                guard fields.next() == nil else { throw malformed("extra fields in RSASSA-PSS-params") }
                guard let hash, mask == hash, salt == hash.length, trailer == nil || trailer == 1 else {
                    throw CertificateAuthorityError(
                        code: .keyNotPermitted,
                        message: "unsupported RSASSA-PSS parameters (the hash, MGF1 hash and salt length must agree)")
                }
                return hash
            }
        }
    }

    // MARK: Certificates

    /// The three parts of a `SEQUENCE { tbs, signatureAlgorithm, signatureValue }` (a Certificate or a
    /// CertificateList).
    struct SignedParts {
        var tbs: ASN1Node
        var algorithm: ASN1Node
        var signature: ASN1BitString
    }

    static func signedParts(_ der: [UInt8]) throws -> SignedParts {
        do {
            let root = try DER.parse(der)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbs = nodes.next(), let algorithm = nodes.next() else {
                    throw malformed("a signed object needs three fields")
                }
                let signature = try ASN1BitString(derEncoded: &nodes)
                guard nodes.next() == nil else { throw malformed("extra fields after the signature") }
                return SignedParts(tbs: tbs, algorithm: algorithm, signature: signature)
            }
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw malformed("the certificate DER is malformed", error)
        }
    }

    /// Whether `der` is a certificate (or CRL) signed with `id-RSASSA-PSS`.
    static func isPSSSigned(_ der: [UInt8]) -> Bool {
        guard let parts = try? signedParts(der), let oid = try? algorithmOID(parts.algorithm) else { return false }
        return oid == rsassaPSS
    }

    /// `tbs` (a TBSCertificate) with its `signature` field replaced by `algorithm` (DER).
    static func replacingSignatureField(of tbs: ArraySlice<UInt8>, with algorithm: [UInt8]) throws -> [UInt8] {
        let root = try DER.parse(tbs)
        let fields = try DER.sequence(root, identifier: .sequence) { nodes in
            var fields: [ASN1Node] = []
            while let node = nodes.next() { fields.append(node) }
            return fields
        }
        // TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber, signature, ... }
        let version = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        let index = fields.first?.identifier == version ? 2 : 1
        guard fields.count > index + 1, fields[index].identifier == .sequence else {
            throw malformed("the TBSCertificate has no signature field")
        }
        var coder = DER.Serializer()
        coder.appendConstructedNode(identifier: .sequence) { coder in
            for (position, field) in fields.enumerated() {
                coder.serializeRawBytes(position == index ? algorithm[...] : field.encodedBytes)
            }
        }
        return coder.serializedBytes
    }

    /// `SEQUENCE { tbs, algorithm, BIT STRING signature }`.
    static func assemble(tbs: [UInt8], algorithm: [UInt8], signature: [UInt8]) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs)
            coder.serializeRawBytes(algorithm)
            try coder.serialize(ASN1BitString(bytes: signature[...]))
        }
        return coder.serializedBytes
    }

    /// Whether `signature` is a PSS signature (salt length = digest length) over `message` by `publicKey`.
    static func isValidSignature(
        _ signature: some DataProtocol, for message: some DataProtocol, digest: Digest,
        publicKey: Certificate.PublicKey
    ) -> Bool {
        guard let rsa = _RSA.Signing.PublicKey(publicKey) else { return false }
        let value = _RSA.Signing.RSASignature(rawRepresentation: Array(signature))
        switch digest {
        case .sha256: return rsa.isValidSignature(value, for: SHA256.hash(data: message), padding: .PSS)
        case .sha384: return rsa.isValidSignature(value, for: SHA384.hash(data: message), padding: .PSS)
        case .sha512: return rsa.isValidSignature(value, for: SHA512.hash(data: message), padding: .PSS)
        }
    }

    /// The fields of a PSS-signed certificate as a swift-certificates `Certificate`, which cannot hold the PSS
    /// algorithm: the TBSCertificate is re-encoded with `sha256WithRSAEncryption` in both algorithm fields, so
    /// every other field reads true, while the PSS signature bytes fail any PKCS #1 v1.5 check and serializing
    /// the value does not reproduce (and cannot stand in for) the certificate. Keep the DER for that.
    static func fieldsCertificate(der: [UInt8]) throws -> Certificate {
        let parts = try signedParts(der)
        _ = try parseAlgorithmIdentifier(parts.algorithm)
        do {
            var placeholder = DER.Serializer()
            try placeholder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(sha256WithRSAEncryption)
                try coder.serialize(ASN1Null())
            }
            let tbs = try replacingSignatureField(of: parts.tbs.encodedBytes, with: placeholder.serializedBytes)
            let shadow = try assemble(
                tbs: tbs, algorithm: placeholder.serializedBytes, signature: Array(parts.signature.bytes))
            return try Certificate(derEncoded: shadow)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw malformed("the RSASSA-PSS certificate is malformed", error)
        }
    }

    /// Whether the certificate `der` is signed by `issuerKey`, whatever the (supported) algorithm.
    static func isSigned(_ der: [UInt8], by issuerKey: Certificate.PublicKey) -> Bool {
        guard let parts = try? signedParts(der), let oid = try? algorithmOID(parts.algorithm) else { return false }
        if oid == rsassaPSS {
            guard let digest = try? parseAlgorithmIdentifier(parts.algorithm), parts.signature.paddingBits == 0
            else { return false }
            return isValidSignature(
                parts.signature.bytes, for: parts.tbs.encodedBytes, digest: digest, publicKey: issuerKey)
        }
        guard let certificate = try? Certificate(derEncoded: der) else { return false }
        return issuerKey.isValidSignature(certificate.signature, for: certificate)
    }
}

/// A certificate's DER and its fields: both the same for most certificates, while for RSASSA-PSS ones the
/// `Certificate` only carries the fields (``RSAPSS/fieldsCertificate(der:)``).
struct CertificateDocument: Sendable, Hashable {
    var der: [UInt8]
    var fields: Certificate

    init(der: [UInt8]) throws {
        self.der = der
        if RSAPSS.isPSSSigned(der) {
            self.fields = try RSAPSS.fieldsCertificate(der: der)
        } else {
            do {
                self.fields = try Certificate(derEncoded: der)
            } catch {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "the certificate DER is malformed", cause: error)
            }
        }
    }

    init(certificate: Certificate) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        self.der = serializer.serializedBytes
        self.fields = certificate
    }

    init(der: [UInt8], fields: Certificate) {
        self.der = der
        self.fields = fields
    }

    var pem: String { PEMDocument(type: "CERTIFICATE", derBytes: der).pemString + "\n" }
}
