/// An elliptic curve identified by its object identifier, as `CKA_EC_PARAMS` names it.
///
/// EP11 takes the curve of an EC key pair from `CKA_EC_PARAMS`, which holds the DER-encoded OID of a named
/// curve: ``ecParameters``. The Montgomery and Edwards curves (X25519, X448, Ed25519, Ed448) are chosen the
/// same way, with `CKK_EC` keys.
///
/// ```swift
/// NamedCurve.p256.ecParameters        // 06 08 2A 86 48 CE 3D 03 01 07
/// NamedCurve(ecParameters: bytes)     // .p256, or nil if the bytes are not a DER OID
/// ```
///
/// Two curves are equal when their OIDs are equal; the display name and sizes are descriptive.
public struct NamedCurve: Sendable {
    /// The curve's OID in dotted form, such as `"1.2.840.10045.3.1.7"`.
    public let objectIdentifier: String

    /// A display name, such as `"P-256"`. For a curve this library does not know, the dotted OID.
    public let name: String

    /// The DER encoding of ``objectIdentifier``: the value of `CKA_EC_PARAMS`.
    public let ecParameters: [UInt8]

    /// The byte length of one field element: the size of each of X and Y in an uncompressed point
    /// (`04 || X || Y`), and of an ECDSA signature's r and s. For X25519 and X448 the size of the
    /// u-coordinate; for Ed25519 and Ed448 the size of an encoded public key. `nil` for an unknown curve.
    public let coordinateByteCount: Int?

    /// The bit length of the order of the curve's base point (the prime subgroup order for the Montgomery
    /// and Edwards curves). `nil` for an unknown curve.
    public let orderBitCount: Int?

    /// The curve with the dotted OID `objectIdentifier`, or `nil` if it is not a valid OID.
    ///
    /// A known OID gives the known curve (with its name and sizes); any other valid OID gives a curve named
    /// `name`, or the OID itself, without sizes.
    public init?(objectIdentifier: String, name: String? = nil) {
        guard let arcs = DERObjectIdentifier.arcs(dotted: objectIdentifier),
            let der = DERObjectIdentifier.encode(arcs)
        else {
            return nil
        }
        let canonical = DERObjectIdentifier.dotted(arcs)
        if let known = Self.allKnown.first(where: { $0.objectIdentifier == canonical }) {
            self = known
            return
        }
        self.init(
            objectIdentifier: canonical,
            name: name ?? canonical,
            ecParameters: der,
            coordinateByteCount: nil,
            orderBitCount: nil
        )
    }

    /// The curve named by DER-encoded `CKA_EC_PARAMS`, or `nil` unless `ecParameters` is exactly one
    /// well-formed DER OID. (Explicit curve parameters are not supported.)
    public init?(ecParameters: [UInt8]) {
        guard let arcs = DERObjectIdentifier.decode(ecParameters) else {
            return nil
        }
        self.init(objectIdentifier: DERObjectIdentifier.dotted(arcs))
    }

    private init(
        objectIdentifier: String,
        name: String,
        ecParameters: [UInt8],
        coordinateByteCount: Int?,
        orderBitCount: Int?
    ) {
        self.objectIdentifier = objectIdentifier
        self.name = name
        self.ecParameters = ecParameters
        self.coordinateByteCount = coordinateByteCount
        self.orderBitCount = orderBitCount
    }

    /// A known curve. The OIDs are constants, so the encoding cannot fail; the tests check every one.
    private init(known objectIdentifier: String, name: String, coordinateByteCount: Int, orderBitCount: Int) {
        self.init(
            objectIdentifier: objectIdentifier,
            name: name,
            ecParameters: DERObjectIdentifier.arcs(dotted: objectIdentifier).flatMap(DERObjectIdentifier.encode)
                ?? [],
            coordinateByteCount: coordinateByteCount,
            orderBitCount: orderBitCount
        )
    }
}

extension NamedCurve: Hashable {
    public static func == (lhs: NamedCurve, rhs: NamedCurve) -> Bool {
        lhs.objectIdentifier == rhs.objectIdentifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.objectIdentifier)
    }
}

extension NamedCurve: CustomStringConvertible {
    /// The display name, such as `"P-256"`.
    public var description: String {
        self.name
    }
}

extension NamedCurve {
    // MARK: NIST and SEC curves

    /// NIST P-224 (secp224r1, 1.3.132.0.33).
    public static let p224 = NamedCurve(
        known: "1.3.132.0.33", name: "P-224", coordinateByteCount: 28, orderBitCount: 224)

    /// NIST P-256 (secp256r1, prime256v1, 1.2.840.10045.3.1.7).
    public static let p256 = NamedCurve(
        known: "1.2.840.10045.3.1.7", name: "P-256", coordinateByteCount: 32, orderBitCount: 256)

    /// NIST P-384 (secp384r1, 1.3.132.0.34).
    public static let p384 = NamedCurve(
        known: "1.3.132.0.34", name: "P-384", coordinateByteCount: 48, orderBitCount: 384)

    /// NIST P-521 (secp521r1, 1.3.132.0.35).
    public static let p521 = NamedCurve(
        known: "1.3.132.0.35", name: "P-521", coordinateByteCount: 66, orderBitCount: 521)

    /// secp256k1, the Bitcoin curve (1.3.132.0.10).
    public static let secp256k1 = NamedCurve(
        known: "1.3.132.0.10", name: "secp256k1", coordinateByteCount: 32, orderBitCount: 256)

    // MARK: RFC 8410 curves

    /// X25519 key agreement (1.3.101.110); used with `CKM_IBM_EC_X25519`.
    public static let x25519 = NamedCurve(
        known: "1.3.101.110", name: "X25519", coordinateByteCount: 32, orderBitCount: 253)

    /// X448 key agreement (1.3.101.111); used with `CKM_IBM_EC_X448`.
    public static let x448 = NamedCurve(
        known: "1.3.101.111", name: "X448", coordinateByteCount: 56, orderBitCount: 446)

    /// Ed25519 signatures (1.3.101.112); used with `CKM_IBM_ED25519_SHA512`.
    public static let ed25519 = NamedCurve(
        known: "1.3.101.112", name: "Ed25519", coordinateByteCount: 32, orderBitCount: 253)

    /// Ed448 signatures (1.3.101.113); used with `CKM_IBM_ED448_SHA3`.
    public static let ed448 = NamedCurve(
        known: "1.3.101.113", name: "Ed448", coordinateByteCount: 57, orderBitCount: 446)

    // MARK: Brainpool curves (RFC 5639)

    /// brainpoolP160r1 (1.3.36.3.3.2.8.1.1.1).
    public static let brainpoolP160r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.1", name: "brainpoolP160r1", coordinateByteCount: 20, orderBitCount: 160)

    /// brainpoolP160t1 (1.3.36.3.3.2.8.1.1.2).
    public static let brainpoolP160t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.2", name: "brainpoolP160t1", coordinateByteCount: 20, orderBitCount: 160)

    /// brainpoolP192r1 (1.3.36.3.3.2.8.1.1.3).
    public static let brainpoolP192r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.3", name: "brainpoolP192r1", coordinateByteCount: 24, orderBitCount: 192)

    /// brainpoolP192t1 (1.3.36.3.3.2.8.1.1.4).
    public static let brainpoolP192t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.4", name: "brainpoolP192t1", coordinateByteCount: 24, orderBitCount: 192)

    /// brainpoolP224r1 (1.3.36.3.3.2.8.1.1.5).
    public static let brainpoolP224r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.5", name: "brainpoolP224r1", coordinateByteCount: 28, orderBitCount: 224)

    /// brainpoolP224t1 (1.3.36.3.3.2.8.1.1.6).
    public static let brainpoolP224t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.6", name: "brainpoolP224t1", coordinateByteCount: 28, orderBitCount: 224)

    /// brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7).
    public static let brainpoolP256r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.7", name: "brainpoolP256r1", coordinateByteCount: 32, orderBitCount: 256)

    /// brainpoolP256t1 (1.3.36.3.3.2.8.1.1.8).
    public static let brainpoolP256t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.8", name: "brainpoolP256t1", coordinateByteCount: 32, orderBitCount: 256)

    /// brainpoolP320r1 (1.3.36.3.3.2.8.1.1.9).
    public static let brainpoolP320r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.9", name: "brainpoolP320r1", coordinateByteCount: 40, orderBitCount: 320)

    /// brainpoolP320t1 (1.3.36.3.3.2.8.1.1.10).
    public static let brainpoolP320t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.10", name: "brainpoolP320t1", coordinateByteCount: 40, orderBitCount: 320)

    /// brainpoolP384r1 (1.3.36.3.3.2.8.1.1.11).
    public static let brainpoolP384r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.11", name: "brainpoolP384r1", coordinateByteCount: 48, orderBitCount: 384)

    /// brainpoolP384t1 (1.3.36.3.3.2.8.1.1.12).
    public static let brainpoolP384t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.12", name: "brainpoolP384t1", coordinateByteCount: 48, orderBitCount: 384)

    /// brainpoolP512r1 (1.3.36.3.3.2.8.1.1.13).
    public static let brainpoolP512r1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.13", name: "brainpoolP512r1", coordinateByteCount: 64, orderBitCount: 512)

    /// brainpoolP512t1 (1.3.36.3.3.2.8.1.1.14).
    public static let brainpoolP512t1 = NamedCurve(
        known: "1.3.36.3.3.2.8.1.1.14", name: "brainpoolP512t1", coordinateByteCount: 64, orderBitCount: 512)

    /// Every curve this library knows by name.
    public static let allKnown: [NamedCurve] = [
        .p224, .p256, .p384, .p521, .secp256k1, .x25519, .x448, .ed25519, .ed448,
        .brainpoolP160r1, .brainpoolP160t1, .brainpoolP192r1, .brainpoolP192t1, .brainpoolP224r1,
        .brainpoolP224t1, .brainpoolP256r1, .brainpoolP256t1, .brainpoolP320r1, .brainpoolP320t1,
        .brainpoolP384r1, .brainpoolP384t1, .brainpoolP512r1, .brainpoolP512t1,
    ]
}
