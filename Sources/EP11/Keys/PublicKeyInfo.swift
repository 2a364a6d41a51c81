public import Crypto
import SwiftASN1
public import X509
public import _CryptoExtras

/// A public key read from an EP11 public-key blob.
///
/// EP11 public-key blobs are a DER SubjectPublicKeyInfo followed by a MAC trailer; only the first DER element is
/// the key. EP11 writes Ed25519 keys as `id-ecPublicKey` with curve OID 1.3.101.112 rather than RFC 8410's form;
/// both are accepted here.
public struct PublicKeyInfo: Sendable, Hashable {
    public enum Algorithm: Sendable, Hashable {
        case rsa
        case ec(NamedCurve)
        case ed25519
        /// `id-dsa` (1.2.840.10040.4.1) with Dss-Parms.
        case dsa
        /// PKCS #3 `dhKeyAgreement` (1.2.840.113549.1.3.1) with DHParameter.
        case dh
    }

    public var algorithm: Algorithm
    /// The SubjectPublicKeyInfo DER, without the MAC trailer.
    public var subjectPublicKeyInfo: [UInt8]
    /// The BIT STRING contents: the uncompressed EC point, the PKCS#1 RSA key, or the raw Ed25519 key.
    public var keyBytes: [UInt8]

    /// Parses the first DER element of `bytes`; trailing bytes (the EP11 MAC trailer) are ignored.
    public init(parsing bytes: [UInt8]) throws {
        let spki = try Self.firstElement(of: bytes)
        let (algorithmOID, parameterOID, key): (ASN1ObjectIdentifier, ASN1ObjectIdentifier?, [UInt8])
        do {
            let root = try DER.parse(spki)
            (algorithmOID, parameterOID, key) = try DER.sequence(root, identifier: .sequence) { nodes in
                guard let algorithmNode = nodes.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "no algorithm")
                }
                let (algorithm, parameter) = try DER.sequence(algorithmNode, identifier: .sequence) { inner in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                    var parameter: ASN1ObjectIdentifier?
                    if let next = inner.next() {
                        parameter = try? ASN1ObjectIdentifier(derEncoded: next)
                    }
                    return (oid, parameter)
                }
                let bits = try ASN1BitString(derEncoded: &nodes)
                return (algorithm, parameter, Array(bits.bytes))
            }
        } catch {
            throw EP11Error(
                code: .invalidArgument, message: "public key is not a valid SubjectPublicKeyInfo", cause: error)
        }
        self.subjectPublicKeyInfo = spki
        self.keyBytes = key
        switch algorithmOID.description {
        case "1.2.840.113549.1.1.1":
            self.algorithm = .rsa
        case "1.3.101.112":
            self.algorithm = .ed25519
        case "1.2.840.10040.4.1":
            self.algorithm = .dsa
        case "1.2.840.113549.1.3.1":
            self.algorithm = .dh
        case "1.2.840.10045.2.1":
            guard let parameterOID else {
                throw EP11Error(code: .invalidArgument, message: "EC public key without a named curve")
            }
            if parameterOID.description == "1.3.101.112" {
                self.algorithm = .ed25519
            } else if let curve = NamedCurve(objectIdentifier: parameterOID.description) {
                self.algorithm = .ec(curve)
            } else {
                throw EP11Error(code: .unsupported, message: "unsupported curve \(parameterOID)")
            }
        default:
            throw EP11Error(code: .unsupported, message: "unsupported public key algorithm \(algorithmOID)")
        }
    }

    /// The length of the first DER element, checked against the buffer; never reads past it.
    static func firstElement(of bytes: [UInt8]) throws -> [UInt8] {
        let bad = EP11Error(code: .invalidArgument, message: "public key blob is not DER")
        guard bytes.count >= 2, bytes[0] == 0x30 else { throw bad }
        var length = 0
        var offset = 2
        let first = Int(bytes[1])
        if first < 0x80 {
            length = first
        } else {
            let count = first & 0x7F
            guard count >= 1, count <= 4, bytes.count >= 2 + count else { throw bad }
            for index in 0..<count {
                length = (length << 8) | Int(bytes[2 + index])
            }
            offset = 2 + count
        }
        guard length <= bytes.count - offset else { throw bad }
        return Array(bytes[0..<(offset + length)])
    }

    /// The key as a swift-certificates public key (for chains, CSRs and verification).
    public func certificatePublicKey() throws -> Certificate.PublicKey {
        switch algorithm {
        case .rsa: return Certificate.PublicKey(try rsaPublicKey())
        case .ed25519: return Certificate.PublicKey(try ed25519PublicKey())
        case .ec(let curve):
            switch curve {
            case .p256: return Certificate.PublicKey(try p256PublicKey())
            case .p384: return Certificate.PublicKey(try p384PublicKey())
            case .p521: return Certificate.PublicKey(try p521PublicKey())
            default: throw EP11Error(code: .unsupported, message: "\(curve) keys have no swift-certificates type")
            }
        case .dsa, .dh:
            throw EP11Error(code: .unsupported, message: "\(algorithm) keys have no swift-certificates type")
        }
    }

    public func p256PublicKey() throws -> P256.Signing.PublicKey {
        guard algorithm == .ec(.p256) else { throw wrongType("P-256") }
        return try converting { try P256.Signing.PublicKey(x963Representation: keyBytes) }
    }

    public func p384PublicKey() throws -> P384.Signing.PublicKey {
        guard algorithm == .ec(.p384) else { throw wrongType("P-384") }
        return try converting { try P384.Signing.PublicKey(x963Representation: keyBytes) }
    }

    public func p521PublicKey() throws -> P521.Signing.PublicKey {
        guard algorithm == .ec(.p521) else { throw wrongType("P-521") }
        return try converting { try P521.Signing.PublicKey(x963Representation: keyBytes) }
    }

    public func ed25519PublicKey() throws -> Curve25519.Signing.PublicKey {
        guard algorithm == .ed25519 else { throw wrongType("Ed25519") }
        return try converting { try Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) }
    }

    public func rsaPublicKey() throws -> _RSA.Signing.PublicKey {
        guard algorithm == .rsa else { throw wrongType("RSA") }
        return try converting { try _RSA.Signing.PublicKey(unsafeDERRepresentation: subjectPublicKeyInfo) }
    }

    /// The public value y of a DSA or DH key, big-endian without a sign byte: what
    /// ``Mechanism/dhDerive(peerPublicValue:)`` takes from the peer.
    public func finiteFieldPublicValue() throws -> [UInt8] {
        guard algorithm == .dsa || algorithm == .dh else { throw wrongType("DSA or DH") }
        return try converting {
            let node = try DER.parse(keyBytes)
            guard node.identifier == .integer, case .primitive(let content) = node.content else {
                throw EP11Error(code: .invalidArgument, message: "the public value is not an INTEGER")
            }
            let value = Array(content.drop { $0 == 0 })
            guard !value.isEmpty, content.first.map({ $0 < 0x80 }) ?? false else {
                throw EP11Error(code: .invalidArgument, message: "the public value is not a positive INTEGER")
            }
            return value
        }
    }

    private func wrongType(_ expected: String) -> EP11Error {
        EP11Error(code: .invalidArgument, message: "public key is \(algorithm), not \(expected)")
    }

    private func converting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw EP11Error(code: .invalidArgument, message: "public key bytes are invalid", cause: error)
        }
    }
}

extension KeyBlob {
    /// The public key inside a public-key blob.
    public func publicKeyInfo() throws -> PublicKeyInfo {
        try PublicKeyInfo(parsing: bytes)
    }
}
