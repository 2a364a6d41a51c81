import EP11
import Foundation

/// CKM_IBM_BTC_DERIVE: BIP-32 (secp256k1) and SLIP-10 (secp256k1, P-256, Ed25519) derivation, one step per
/// DeriveKey call. The curve comes from the template's CKA_EC_PARAMS (BIP-32 defaults to secp256k1); the chain
/// code goes in through `BTCDeriveParm.ChainCode` and comes back in the response's CheckSum.
extension HSMCore {
    enum HDScheme { case bip32, slip10 }
    enum HDStep { case master, privateToPrivate, privateToPublic, publicToPublic }
    enum HDCurve: Equatable {
        case weierstrass(SoftCrypto.ECCurve)
        case ed25519

        var namedCurve: NamedCurve {
            switch self {
            case .weierstrass(let curve): HSMCore.namedCurve(curve)
            case .ed25519: .ed25519
            }
        }
    }

    static let hardenedIndex: UInt64 = 0x8000_0000

    func btcDerive(_ request: Grep11_DeriveKeyRequest, template: AttributeTemplate) throws(HSMFailure)
        -> Grep11_DeriveKeyResponse
    {
        guard case .btcderiveParameter(let parameter)? = request.mech.parameter else {
            throw HSMFailure(.mechanismParamInvalid, "BTC derive needs its parameters")
        }
        guard parameter.version == 1 else { throw HSMFailure(.mechanismParamInvalid, "BTC derive version must be 1") }
        let (scheme, step): (HDScheme, HDStep)
        switch parameter.type.rawValue {
        case 1: (scheme, step) = (.bip32, .privateToPrivate)
        case 2: (scheme, step) = (.bip32, .privateToPublic)
        case 3: (scheme, step) = (.bip32, .publicToPublic)
        case 4: (scheme, step) = (.bip32, .master)
        case 5: (scheme, step) = (.slip10, .privateToPrivate)
        case 6: (scheme, step) = (.slip10, .privateToPublic)
        case 7: (scheme, step) = (.slip10, .publicToPublic)
        case 8: (scheme, step) = (.slip10, .master)
        default: throw HSMFailure(.mechanismParamInvalid, "unknown BTC derive type")
        }
        if let requested = template[.keyType], requested.integerValue != KeyType.ec.rawValue {
            throw HSMFailure(.templateInconsistent, "BTC derive makes EC keys")
        }
        let base = try openKey(request.baseKey, hasKey: request.hasBaseKey, role: "base")
        let curve = try Self.hdCurve(scheme: scheme, template: template, base: base)
        let index = parameter.childKeyIndex
        let chainCode = Array(parameter.chainCode)
        if step == .master {
            guard index == 0, chainCode.isEmpty else {
                throw HSMFailure(.mechanismParamInvalid, "a master key derivation takes no index and no chain code")
            }
        } else {
            guard chainCode.count == BTCDeriveParameters.chainCodeByteCount else {
                throw HSMFailure(.mechanismParamInvalid, "the chain code must be 32 bytes")
            }
            guard index <= UInt64(UInt32.max) else {
                throw HSMFailure(.mechanismParamInvalid, "the child index must fit in 32 bits")
            }
            if curve == .ed25519, index < Self.hardenedIndex {
                throw HSMFailure(.mechanismParamInvalid, "Ed25519 derives hardened children only")
            }
        }

        switch (step, base) {
        case (.master, .secret(let seed)):
            try seed.require(.derive, for: "derive")
            guard seed.material.count >= 16, seed.material.count <= 64 else {
                throw HSMFailure(.keySizeRange, "the seed must be 16 to 64 bytes")
            }
            let (key, code) = try Self.masterNode(scheme: scheme, curve: curve, seed: seed.material)
            return try privateNode(key, chainCode: code, curve: curve, template: template)
        case (.privateToPrivate, .private(let parent)), (.privateToPublic, .private(let parent)):
            try parent.require(.derive, for: "derive")
            let key = try Self.hdPrivateKey(parent, curve: curve)
            let (child, code) = try Self.childNode(curve: curve, key: key, chainCode: chainCode, index: UInt32(index))
            if step == .privateToPrivate {
                return try privateNode(child, chainCode: code, curve: curve, template: template)
            }
            let (_, spki) = try Self.hdKeyPair(child, curve: curve)
            return try publicNode(spki, chainCode: code, curve: curve, template: template)
        case (.publicToPublic, .public(let parent)):
            try parent.require(.derive, for: "derive")
            guard case .weierstrass(let engineCurve) = curve else {
                throw HSMFailure(.mechanismParamInvalid, "Ed25519 has no public derivation")
            }
            guard index < Self.hardenedIndex else {
                throw HSMFailure(.mechanismParamInvalid, "hardened children need the private key")
            }
            let point = try Self.engine { try SoftCrypto.ecPublicPoint(parent.spki) }
            guard point.curve == engineCurve else {
                throw HSMFailure(.keyTypeInconsistent, "the base key is on another curve")
            }
            let compressed = try Self.engine { try SoftCrypto.ecCompressedPoint(engineCurve, point: point.point) }
            let output = try Self.hmacSHA512(key: chainCode, data: compressed + Self.bigEndian32(UInt32(index)))
            let child = try Self.engine {
                try SoftCrypto.ecTweakPoint(engineCurve, point: point.point, tweak: Array(output[0..<32]))
            }
            let spki = try Self.engine { try SoftCrypto.ecPublicKeySPKI(curve: engineCurve, point: child) }
            return try publicNode(spki, chainCode: Array(output[32...]), curve: curve, template: template)
        case (.master, _):
            throw HSMFailure(.keyTypeInconsistent, "a master key is derived from a secret seed key")
        case (.publicToPublic, _):
            throw HSMFailure(.keyTypeInconsistent, "public derivation needs a public key")
        default:
            throw HSMFailure(.keyTypeInconsistent, "private derivation needs a private key")
        }
    }

    /// The curve of the derivation: the template's CKA_EC_PARAMS, else the base key's, else secp256k1 for BIP-32.
    static func hdCurve(scheme: HDScheme, template: AttributeTemplate, base: AnyKey) throws(HSMFailure) -> HDCurve {
        var named: NamedCurve?
        if let value = template[.ecParameters] {
            guard let bytes = value.bytesValue, let curve = NamedCurve(ecParameters: bytes) else {
                throw HSMFailure(.curveNotSupported, "CKA_EC_PARAMS names no supported curve")
            }
            named = curve
        }
        let baseAttributes: AttributeTemplate?
        switch base {
        case .private(let object): baseAttributes = object.attributes
        case .public(let object): baseAttributes = object.attributes
        case .secret: baseAttributes = nil
        }
        if let bytes = baseAttributes?[.ecParameters]?.bytesValue, let baseCurve = NamedCurve(ecParameters: bytes) {
            if let named, named != baseCurve {
                throw HSMFailure(.templateInconsistent, "CKA_EC_PARAMS differs from the base key's curve")
            }
            named = baseCurve
        }
        if named == nil, scheme == .bip32 { named = .secp256k1 }
        guard let named else { throw HSMFailure(.templateIncomplete, "SLIP-10 needs CKA_EC_PARAMS") }
        switch (scheme, named) {
        case (.bip32, .secp256k1), (.slip10, .secp256k1): return .weierstrass(.secp256k1)
        case (.slip10, .p256): return .weierstrass(.p256)
        case (.slip10, .ed25519): return .ed25519
        default:
            throw HSMFailure(.curveNotSupported, "\(named) is not a \(scheme == .bip32 ? "BIP-32" : "SLIP-10") curve")
        }
    }

    /// I = HMAC-SHA512(curve key, seed); SLIP-10 retries with I as the data while IL is not a valid scalar.
    static func masterNode(scheme: HDScheme, curve: HDCurve, seed: [UInt8]) throws(HSMFailure) -> ([UInt8], [UInt8]) {
        let hmacKey: String
        switch curve {
        case .weierstrass(.p256): hmacKey = "Nist256p1 seed"
        case .ed25519: hmacKey = "ed25519 seed"
        default: hmacKey = "Bitcoin seed"
        }
        var data = seed
        for _ in 0..<64 {
            let output = try hmacSHA512(key: Array(hmacKey.utf8), data: data)
            let key = Array(output[0..<32])
            guard case .weierstrass(let engineCurve) = curve else { return (key, Array(output[32...])) }
            if try engine({ try SoftCrypto.ecScalarIsValid(engineCurve, key) }) { return (key, Array(output[32...])) }
            guard scheme == .slip10 else { throw HSMFailure(.functionFailed, "the seed gives an invalid master key") }
            data = output
        }
        throw HSMFailure(.functionFailed, "no valid master key")
    }

    /// One private child step (hardened or normal); SLIP-10's retry rule for invalid results on Weierstrass
    /// curves, which BIP-32 shares in effect (its invalid case has probability below 2^-127).
    static func childNode(curve: HDCurve, key: [UInt8], chainCode: [UInt8], index: UInt32) throws(HSMFailure)
        -> ([UInt8], [UInt8])
    {
        let serializedIndex = bigEndian32(index)
        var data: [UInt8]
        if UInt64(index) >= hardenedIndex {
            data = [0x00] + key + serializedIndex
        } else {
            guard case .weierstrass(let engineCurve) = curve else {
                throw HSMFailure(.mechanismParamInvalid, "Ed25519 derives hardened children only")
            }
            let point = try engine { try SoftCrypto.ecPoint(engineCurve, scalar: key) }
            data = try engine { try SoftCrypto.ecCompressedPoint(engineCurve, point: point) } + serializedIndex
        }
        for _ in 0..<64 {
            let output = try hmacSHA512(key: chainCode, data: data)
            let left = Array(output[0..<32])
            let right = Array(output[32...])
            guard case .weierstrass(let engineCurve) = curve else { return (left, right) }
            if try engine({ try SoftCrypto.ecScalarIsValid(engineCurve, left) }) {
                let child = try engine { try SoftCrypto.ecAddScalars(engineCurve, left, key) }
                if try engine({ try SoftCrypto.ecScalarIsValid(engineCurve, child) }) { return (child, right) }
            }
            data = [0x01] + right + serializedIndex
        }
        throw HSMFailure(.functionFailed, "no valid child key")
    }

    /// The raw private key (scalar or Ed25519 seed) of a parent private key on `curve`.
    static func hdPrivateKey(_ object: KeyObject, curve: HDCurve) throws(HSMFailure) -> [UInt8] {
        guard object.keyType == .ec,
            let bytes = object.attributes[.ecParameters]?.bytesValue,
            NamedCurve(ecParameters: bytes) == curve.namedCurve
        else {
            throw HSMFailure(.keyTypeInconsistent, "the base key is not a private key on the derivation's curve")
        }
        let material = object.material
        switch curve {
        case .ed25519: return try engine { try SoftCrypto.ed25519PrivateSeed(material) }
        case .weierstrass: return try engine { try SoftCrypto.ecPrivateScalar(material).scalar }
        }
    }

    /// PKCS#8 and the EP11-form SPKI of a raw private key.
    static func hdKeyPair(_ key: [UInt8], curve: HDCurve) throws(HSMFailure) -> ([UInt8], [UInt8]) {
        switch curve {
        case .ed25519:
            let (pkcs8, raw) = try engine { try SoftCrypto.ed25519PrivateKey(seed: key) }
            return (pkcs8, DER.ed25519SPKI(rawKey: raw))
        case .weierstrass(let engineCurve):
            let pair = try engine { try SoftCrypto.ecPrivateKey(engineCurve, scalar: key) }
            return (pair.privateKeyPKCS8, pair.publicKeySPKI)
        }
    }

    func privateNode(_ key: [UInt8], chainCode: [UInt8], curve: HDCurve, template: AttributeTemplate)
        throws(HSMFailure) -> Grep11_DeriveKeyResponse
    {
        let (pkcs8, _) = try Self.hdKeyPair(key, curve: curve)
        var attributes = template
        attributes[.class] = .integer(ObjectClass.privateKey.rawValue)
        attributes[.keyType] = .integer(KeyType.ec.rawValue)
        attributes[.ecParameters] = .bytes(curve.namedCurve.ecParameters)
        attributes[.valueLength] = nil
        attributes[.local] = .bool(false)
        let blob = try sealKey(
            KeyObject(objectClass: .privateKey, keyType: .ec, attributes: attributes, material: pkcs8))
        var response = Grep11_DeriveKeyResponse()
        response.newKeyBytes = Data(blob)
        response.newKey = wireBlob(blob, attributes: attributes)
        response.checkSum = Data(chainCode)
        return response
    }

    func publicNode(_ spki: [UInt8], chainCode: [UInt8], curve: HDCurve, template: AttributeTemplate)
        throws(HSMFailure) -> Grep11_DeriveKeyResponse
    {
        var attributes = template
        attributes[.class] = .integer(ObjectClass.publicKey.rawValue)
        attributes[.keyType] = .integer(KeyType.ec.rawValue)
        attributes[.ecParameters] = .bytes(curve.namedCurve.ecParameters)
        attributes[.valueLength] = nil
        let blob = try sealPublicKey(PublicKeyObject(keyType: .ec, spki: spki, attributes: attributes))
        var response = Grep11_DeriveKeyResponse()
        response.newKeyBytes = Data(blob)
        response.newKey = wireBlob(blob, attributes: attributes)
        response.checkSum = Data(chainCode)
        return response
    }

    static func hmacSHA512(key: [UInt8], data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        let output = try engine { try SoftCrypto.hmac(.sha512, key: key, data: data) }
        guard output.count == 64 else { throw HSMFailure(.generalError, "HMAC failure") }
        return output
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }
}
