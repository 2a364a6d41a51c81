/// Object identifiers that EP11 keys and templates use, as dotted strings, and a DER encoder and decoder
/// for them.
///
/// `CKA_EC_PARAMS` and `CKA_IBM_PQC_PARAMS` carry a DER-encoded OID; ``derEncoding(of:)`` produces that form.
/// Named curves have their own type, ``NamedCurve``.
public enum ObjectIdentifiers {
    // MARK: Public key algorithms

    /// `id-ecPublicKey` (1.2.840.10045.2.1): the SPKI algorithm of EC public keys.
    public static let ecPublicKey = "1.2.840.10045.2.1"

    /// `rsaEncryption` (1.2.840.113549.1.1.1): the SPKI algorithm of RSA public keys.
    public static let rsaEncryption = "1.2.840.113549.1.1.1"

    /// `id-dsa` (1.2.840.10040.4.1): the SPKI algorithm of DSA public keys.
    public static let dsa = "1.2.840.10040.4.1"

    /// `dhKeyAgreement` (1.2.840.113549.1.3.1): the SPKI algorithm of PKCS #3 Diffie-Hellman public keys.
    public static let dhKeyAgreement = "1.2.840.113549.1.3.1"

    // MARK: IBM post-quantum parameter sets (values of CKA_IBM_PQC_PARAMS)

    /// Dilithium round 2, (6,5) "high" (1.3.6.1.4.1.2.267.1.6.5).
    public static let dilithiumR2_65 = "1.3.6.1.4.1.2.267.1.6.5"

    /// Dilithium round 2, (8,7) (1.3.6.1.4.1.2.267.1.8.7).
    public static let dilithiumR2_87 = "1.3.6.1.4.1.2.267.1.8.7"

    /// Dilithium round 3, (4,4) "weak" (1.3.6.1.4.1.2.267.7.4.4).
    public static let dilithiumR3_44 = "1.3.6.1.4.1.2.267.7.4.4"

    /// Dilithium round 3, (6,5) "recommended" (1.3.6.1.4.1.2.267.7.6.5).
    public static let dilithiumR3_65 = "1.3.6.1.4.1.2.267.7.6.5"

    /// Dilithium round 3, (8,7) "very high" (1.3.6.1.4.1.2.267.7.8.7).
    public static let dilithiumR3_87 = "1.3.6.1.4.1.2.267.7.8.7"

    /// Kyber round 2, k = 3 "recommended" (1.3.6.1.4.1.2.267.5.3.3).
    public static let kyberR2_768 = "1.3.6.1.4.1.2.267.5.3.3"

    /// Kyber round 2, k = 4 "high" (1.3.6.1.4.1.2.267.5.4.4).
    public static let kyberR2_1024 = "1.3.6.1.4.1.2.267.5.4.4"

    /// BLS12-381 as IBM names it for BLS signatures (1.3.6.1.4.1.2.267.999.3.2).
    public static let bls12_381ET = "1.3.6.1.4.1.2.267.999.3.2"

    // MARK: Encoding

    /// The DER encoding (tag, length and content) of a dotted OID, or `nil` if `dotted` is not a valid OID.
    ///
    /// ```swift
    /// ObjectIdentifiers.derEncoding(of: "1.3.101.112") // [0x06, 0x03, 0x2B, 0x65, 0x70]
    /// ```
    public static func derEncoding(of dotted: String) -> [UInt8]? {
        DERObjectIdentifier.arcs(dotted: dotted).flatMap(DERObjectIdentifier.encode)
    }

    /// The dotted form of a DER-encoded OID, or `nil` unless `der` is exactly one well-formed OID.
    public static func dottedString(derEncoded der: [UInt8]) -> String? {
        DERObjectIdentifier.decode(der).map(DERObjectIdentifier.dotted)
    }
}
