import EP11

/// CKM_IBM_ECDSA_OTHER Schnorr variants on secp256k1 and P-256, SHA-256, no prehashing:
/// - ECSDSA_S256 (BSI TR-03111 EC-SDSA): Q = k·G, r = SHA-256(x_Q ‖ y_Q ‖ M), s = k + r·d mod n.
///   Verify: Q = s·G − r·P, r == SHA-256(x_Q ‖ y_Q ‖ M).
/// - ECSDSA_COMPR_MULTI (the Zilliqa-compatible form IBM's examples verify): r = SHA-256(χ(k·G) ‖ χ(P) ‖ M) mod n,
///   s = k − r·d mod n. Verify: Q = s·G + r·P, r == SHA-256(χ(Q) ‖ χ(P) ‖ M) mod n.
/// Signatures are r ‖ s, 64 bytes; r and s must lie in 1…n−1.
extension HSMCore {
    enum SchnorrVariant: Equatable {
        case ecsdsaS256, compressedMulti
    }

    static func schnorrVariant(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> SchnorrVariant {
        guard case .ecsgparameter(let parameter)? = mechanism.parameter else {
            throw HSMFailure(.mechanismParamInvalid, "CKM_IBM_ECDSA_OTHER needs its ECSG parameter")
        }
        switch parameter.type.rawValue {
        case 3: return .ecsdsaS256
        case 5: return .compressedMulti
        default: throw HSMFailure(.mechanismParamInvalid, "unsupported ECSG variant")
        }
    }

    /// The curve of a Schnorr key: secp256k1 or P-256.
    static func schnorrCurve(_ attributes: AttributeTemplate) throws(HSMFailure) -> SoftCrypto.ECCurve {
        switch attributes[.ecParameters]?.bytesValue.flatMap({ NamedCurve(ecParameters: $0) }) {
        case .secp256k1?: return .secp256k1
        case .p256?: return .p256
        default: throw HSMFailure(.keyTypeInconsistent, "Schnorr signatures need a secp256k1 or P-256 key")
        }
    }

    static func schnorrSign(_ variant: SchnorrVariant, key: KeyObject, message: [UInt8]) throws(HSMFailure)
        -> [UInt8]
    {
        let curve = try schnorrCurve(key.attributes)
        let material = key.material
        let scalar = try engine { try SoftCrypto.ecPrivateScalar(material).scalar }
        let publicPoint = try engine { try SoftCrypto.ecPoint(curve, scalar: scalar) }
        for _ in 0..<16 {
            let nonce = try engine { try SoftCrypto.randomBytes(32) }
            guard try engine({ try SoftCrypto.ecScalarIsValid(curve, nonce) }) else { continue }
            let commitment = try engine { try SoftCrypto.ecPoint(curve, scalar: nonce) }
            let r = try challenge(
                variant, curve: curve, commitment: commitment, publicPoint: publicPoint, message: message)
            guard try engine({ try SoftCrypto.ecScalarIsValid(curve, r) }) else { continue }
            let s = try engine {
                try SoftCrypto.ecScalarMulAdd(curve, r, scalar, nonce, subtract: variant == .compressedMulti)
            }
            guard try engine({ try SoftCrypto.ecScalarIsValid(curve, s) }) else { continue }
            return r + s
        }
        throw HSMFailure(.functionFailed, "no valid Schnorr nonce")
    }

    static func schnorrVerify(_ variant: SchnorrVariant, key: PublicKeyObject, message: [UInt8], signature: [UInt8])
        throws(HSMFailure)
    {
        let curve = try schnorrCurve(key.attributes)
        guard signature.count == 64 else { throw HSMFailure(.signatureLenRange) }
        let r = Array(signature[0..<32])
        let s = Array(signature[32...])
        guard try engine({ try SoftCrypto.ecScalarIsValid(curve, r) }),
            try engine({ try SoftCrypto.ecScalarIsValid(curve, s) })
        else { throw HSMFailure(.signatureInvalid) }
        let spki = key.spki
        let publicPoint = try engine { try SoftCrypto.ecPublicPoint(spki) }
        guard publicPoint.curve == curve else { throw HSMFailure(.keyTypeInconsistent, "the key's curve differs") }
        // S256: Q = s·G − r·P = s·G + (n − r)·P; COMPR_MULTI: Q = s·G + r·P.
        let factor =
            variant == .ecsdsaS256
            ? try engine { try SoftCrypto.ecScalarMulAdd(curve, r, [1], [0], subtract: true) } : r
        guard
            let commitment = try engine({
                try SoftCrypto.ecLinearCombination(curve, g: s, point: publicPoint.point, p: factor)
            })
        else { throw HSMFailure(.signatureInvalid) }
        let expected = try challenge(
            variant, curve: curve, commitment: commitment, publicPoint: publicPoint.point, message: message)
        guard constantTimeEquals(expected, r) else { throw HSMFailure(.signatureInvalid) }
    }

    /// The challenge r for a commitment point Q (uncompressed).
    static func challenge(
        _ variant: SchnorrVariant, curve: SoftCrypto.ECCurve, commitment: [UInt8], publicPoint: [UInt8],
        message: [UInt8]
    ) throws(HSMFailure) -> [UInt8] {
        switch variant {
        case .ecsdsaS256:
            return try engine { try SoftCrypto.digest(.sha256, Array(commitment.dropFirst()) + message) }
        case .compressedMulti:
            let q = try engine { try SoftCrypto.ecCompressedPoint(curve, point: commitment) }
            let p = try engine { try SoftCrypto.ecCompressedPoint(curve, point: publicPoint) }
            let digest = try engine { try SoftCrypto.digest(.sha256, q + p + message) }
            return try engine { try SoftCrypto.ecReduce(curve, digest) }
        }
    }
}
