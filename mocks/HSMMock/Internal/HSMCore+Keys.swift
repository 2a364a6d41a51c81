import EP11
import Foundation

extension HSMCore {
    // MARK: GenerateKey

    func generateKey(_ request: Grep11_GenerateKeyRequest) throws(HSMFailure) -> Grep11_GenerateKeyResponse {
        let template = try AttributeTemplate(limitedWire: request.template)
        let mechanism = MechanismType(rawValue: request.mech.mechanism)
        if mechanism == .dsaParameterGen || mechanism == .dhPKCSParameterGen {
            return try generateDomainParameters(request, template: template)
        }
        let keyType: KeyType
        let length: Int
        switch mechanism {
        case .aesKeyGen:
            keyType = .aes
            guard let value = template[.valueLength] else {
                throw HSMFailure(.templateIncomplete, "CKA_VALUE_LEN missing")
            }
            guard let bytes = value.integerValue else { throw HSMFailure(.attributeValueInvalid, "CKA_VALUE_LEN") }
            guard bytes == 16 || bytes == 24 || bytes == 32 else {
                throw HSMFailure(.keySizeRange, "AES keys are 16, 24 or 32 bytes")
            }
            length = Int(bytes)
        case .des3KeyGen:
            keyType = .des3
            // Three-key Triple DES. EP11 callers send CKA_VALUE_LEN 24, or 32 (IBM's Go examples), or none.
            if let value = template[.valueLength] {
                guard let bytes = value.integerValue else { throw HSMFailure(.attributeValueInvalid, "CKA_VALUE_LEN") }
                guard bytes == 24 || bytes == 32 else { throw HSMFailure(.keySizeRange, "DES3 keys are 24 bytes") }
            }
            length = 24
        case .genericSecretKeyGen:
            keyType = .genericSecret
            guard let value = template[.valueLength] else {
                throw HSMFailure(.templateIncomplete, "CKA_VALUE_LEN missing")
            }
            guard let bytes = value.integerValue else { throw HSMFailure(.attributeValueInvalid, "CKA_VALUE_LEN") }
            guard bytes >= 1, bytes <= 256 else {
                throw HSMFailure(.keySizeRange, "generic secrets are 1 to 256 bytes")
            }
            length = Int(bytes)
        default:
            throw HSMFailure(.mechanismInvalid, "not a secret-key generation mechanism")
        }
        try Self.checkClassAndType(template, objectClass: .secretKey, keyType: keyType)
        var value: [UInt8] = try Self.engine { try SoftCrypto.randomBytes(length) }
        if keyType == .des3 {
            // DES keys carry odd parity in the low bit of each byte.
            value = value.map { byte in
                let high = byte & 0xFE
                return high.nonzeroBitCount % 2 == 0 ? high | 1 : high
            }
        }
        var attributes = template
        attributes[.class] = .integer(ObjectClass.secretKey.rawValue)
        attributes[.keyType] = .integer(keyType.rawValue)
        attributes[.valueLength] = .integer(UInt64(length))
        attributes[.local] = .bool(true)
        attributes[.keyGenMechanism] = .integer(mechanism.rawValue)
        let object = KeyObject(objectClass: .secretKey, keyType: keyType, attributes: attributes, material: value)
        let blob = try sealKey(object)
        var response = Grep11_GenerateKeyResponse()
        response.keyBytes = Data(blob)
        response.key = wireBlob(blob, attributes: attributes)
        response.checkSum = Data(Self.checksum(secret: value, keyType: keyType))
        return response
    }

    static func checkClassAndType(_ template: AttributeTemplate, objectClass: ObjectClass, keyType: KeyType?)
        throws(HSMFailure)
    {
        if let value = template[.class] {
            guard value.integerValue == objectClass.rawValue else {
                throw HSMFailure(.templateInconsistent, "CKA_CLASS does not match the mechanism")
            }
        }
        if let keyType, let value = template[.keyType] {
            guard value.integerValue == keyType.rawValue else {
                throw HSMFailure(.templateInconsistent, "CKA_KEY_TYPE does not match the mechanism")
            }
        }
    }

    // MARK: GenerateKeyPair

    func generateKeyPair(_ request: Grep11_GenerateKeyPairRequest) throws(HSMFailure) -> Grep11_GenerateKeyPairResponse
    {
        let publicTemplate = try AttributeTemplate(limitedWire: request.pubKeyTemplate, role: "public key template")
        let privateTemplate = try AttributeTemplate(limitedWire: request.privKeyTemplate, role: "private key template")
        let mechanism = MechanismType(rawValue: request.mech.mechanism)
        var publicAttributes = publicTemplate
        var privateAttributes = privateTemplate
        let keyType: KeyType
        let pkcs8: [UInt8]
        let spki: [UInt8]
        switch mechanism {
        case .rsaPKCSKeyPairGen:
            keyType = .rsa
            try Self.checkClassAndType(publicTemplate, objectClass: .publicKey, keyType: .rsa)
            try Self.checkClassAndType(privateTemplate, objectClass: .privateKey, keyType: .rsa)
            guard let bitsValue = publicTemplate[.modulusBits] ?? privateTemplate[.modulusBits] else {
                throw HSMFailure(.templateIncomplete, "CKA_MODULUS_BITS missing")
            }
            guard let bits = bitsValue.integerValue else {
                throw HSMFailure(.attributeValueInvalid, "CKA_MODULUS_BITS")
            }
            guard bits >= 1024, bits <= 4096, bits % 8 == 0 else {
                throw HSMFailure(.keySizeRange, "RSA modulus must be 1024 to 4096 bits")
            }
            var exponent: [UInt8] = [0x01, 0x00, 0x01]
            if let value = publicTemplate[.publicExponent] {
                switch value {
                case .integer(let integer):
                    exponent = Self.bigEndian(integer)
                case .bytes(let bytes) where !bytes.isEmpty && bytes.count <= 8:
                    exponent = bytes
                default:
                    throw HSMFailure(.attributeValueInvalid, "CKA_PUBLIC_EXPONENT")
                }
            }
            let bitCount = Int(bits)
            (pkcs8, spki) = try Self.engine { try SoftCrypto.generateRSA(bits: bitCount, publicExponent: exponent) }
            publicAttributes[.modulusBits] = .integer(bits)
            privateAttributes[.modulusBits] = .integer(bits)
            publicAttributes[.publicExponent] = .bytes(exponent)
        case .ecKeyPairGen:
            keyType = .ec
            try Self.checkClassAndType(publicTemplate, objectClass: .publicKey, keyType: .ec)
            try Self.checkClassAndType(privateTemplate, objectClass: .privateKey, keyType: .ec)
            guard let parameters = (publicTemplate[.ecParameters] ?? privateTemplate[.ecParameters])?.bytesValue else {
                throw HSMFailure(.templateIncomplete, "CKA_EC_PARAMS missing")
            }
            let curve = try Self.curve(fromECParameters: parameters)
            if curve == .ed25519 {
                let (privateKey, rawPublic) = try Self.engine { try SoftCrypto.generateEd25519() }
                pkcs8 = privateKey
                spki = DER.ed25519SPKI(rawKey: rawPublic)
            } else if let engineCurve = Self.engineCurve(curve) {
                (pkcs8, spki) = try Self.engine { try SoftCrypto.generateEC(engineCurve) }
            } else {
                throw HSMFailure(.curveNotSupported, "curve \(curve) is not supported")
            }
            publicAttributes[.ecParameters] = .bytes(curve.ecParameters)
            privateAttributes[.ecParameters] = .bytes(curve.ecParameters)
        case .dsaKeyPairGen, .dhPKCSKeyPairGen:
            let algorithm: SoftCrypto.FFCAlgorithm = mechanism == .dsaKeyPairGen ? .dsa : .dh
            keyType = algorithm == .dsa ? .dsa : .dh
            try Self.checkClassAndType(publicTemplate, objectClass: .publicKey, keyType: keyType)
            try Self.checkClassAndType(privateTemplate, objectClass: .privateKey, keyType: keyType)
            let parameters = try Self.domainParameters(publicTemplate, privateTemplate, for: algorithm)
            (pkcs8, spki) = try Self.engine { try SoftCrypto.generateFFC(algorithm, parameters: parameters) }
            publicAttributes[.prime] = .bytes(parameters.prime)
            publicAttributes[.base] = .bytes(parameters.base)
            publicAttributes[.primeBits] = .integer(UInt64(parameters.primeBits))
            privateAttributes[.prime] = .bytes(parameters.prime)
            privateAttributes[.base] = .bytes(parameters.base)
            privateAttributes[.primeBits] = .integer(UInt64(parameters.primeBits))
            if let subprime = parameters.subprime {
                publicAttributes[.subprime] = .bytes(subprime)
                privateAttributes[.subprime] = .bytes(subprime)
            }
        default:
            throw HSMFailure(.mechanismInvalid, "not a key-pair generation mechanism")
        }
        publicAttributes[.class] = .integer(ObjectClass.publicKey.rawValue)
        publicAttributes[.keyType] = .integer(keyType.rawValue)
        privateAttributes[.class] = .integer(ObjectClass.privateKey.rawValue)
        privateAttributes[.keyType] = .integer(keyType.rawValue)
        privateAttributes[.local] = .bool(true)
        privateAttributes[.keyGenMechanism] = .integer(mechanism.rawValue)
        let privateBlob = try sealKey(
            KeyObject(objectClass: .privateKey, keyType: keyType, attributes: privateAttributes, material: pkcs8))
        let publicBlob = try sealPublicKey(PublicKeyObject(keyType: keyType, spki: spki, attributes: publicAttributes))
        var response = Grep11_GenerateKeyPairResponse()
        response.privKeyBytes = Data(privateBlob)
        response.pubKeyBytes = Data(publicBlob)
        response.privKey = wireBlob(privateBlob, attributes: privateAttributes)
        response.pubKey = wireBlob(publicBlob, attributes: publicAttributes)
        return response
    }

    /// The DSA or DH domain parameters of a key-pair template: `CKA_PRIME`, `CKA_BASE` and (DSA; optional for DH)
    /// `CKA_SUBPRIME`, from the public template or the private one (the same value when in both), or the
    /// `CKA_IBM_STRUCT_PARAMS` blob of a parameter-generation call.
    /// - Throws: `CKR_TEMPLATE_INCOMPLETE` when one is missing, `CKR_KEY_SIZE_RANGE` for a prime outside
    ///   1024-3072 (DSA) or 1024-4096 (DH) bits, `CKR_DOMAIN_PARAMS_INVALID` when they fail validation.
    static func domainParameters(
        _ publicTemplate: AttributeTemplate,
        _ privateTemplate: AttributeTemplate,
        for algorithm: SoftCrypto.FFCAlgorithm
    ) throws(HSMFailure) -> SoftCrypto.FFCParameters {
        func integer(_ type: AttributeType, _ name: String) throws(HSMFailure) -> [UInt8]? {
            let inPublic = publicTemplate[type]
            let inPrivate = privateTemplate[type]
            if let inPublic, let inPrivate, inPublic != inPrivate {
                throw HSMFailure(.templateInconsistent, "\(name) differs between the public and private templates")
            }
            guard let value = inPublic ?? inPrivate else { return nil }
            guard let bytes = value.bytesValue, bytes.contains(where: { $0 != 0 }) else {
                throw HSMFailure(.attributeValueInvalid, "\(name) must be a positive big-endian integer")
            }
            return bytes
        }
        let parameters: SoftCrypto.FFCParameters
        if let structured = try structParameters(publicTemplate, privateTemplate, for: algorithm) {
            // IBM's flows pass the blob of CKM_DSA/DH_PKCS_PARAMETER_GEN; the separate integers must not be there too.
            let separate: [AttributeType] = [.prime, .subprime, .base]
            for type in separate where publicTemplate[type] != nil || privateTemplate[type] != nil {
                throw HSMFailure(.templateInconsistent, "CKA_IBM_STRUCT_PARAMS and \(type) together")
            }
            parameters = structured
        } else {
            guard let prime = try integer(.prime, "CKA_PRIME"), let base = try integer(.base, "CKA_BASE") else {
                throw HSMFailure(.templateIncomplete, "CKA_PRIME and CKA_BASE (or CKA_IBM_STRUCT_PARAMS) are required")
            }
            let subprime = try integer(.subprime, "CKA_SUBPRIME")
            if algorithm == .dsa, subprime == nil {
                throw HSMFailure(.templateIncomplete, "CKA_SUBPRIME is required for DSA")
            }
            parameters = SoftCrypto.FFCParameters(prime: prime, subprime: subprime, base: base)
        }
        let sizes = algorithm == .dsa ? 1024...3072 : 1024...4096
        guard sizes.contains(parameters.primeBits) else {
            throw HSMFailure(.keySizeRange, "the prime must have \(sizes.lowerBound) to \(sizes.upperBound) bits")
        }
        if let bits = (publicTemplate[.primeBits] ?? privateTemplate[.primeBits])?.integerValue,
            bits != UInt64(parameters.primeBits)
        {
            throw HSMFailure(.templateInconsistent, "CKA_PRIME_BITS does not match CKA_PRIME")
        }
        do {
            try SoftCrypto.checkFFCParameters(parameters, for: algorithm)
        } catch {
            throw HSMFailure(.domainParamsInvalid, "the domain parameters fail validation")
        }
        return parameters
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var remaining = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: remaining), at: 0)
            remaining >>= 8
        } while remaining > 0
        return bytes
    }

    // MARK: WrapKey / UnwrapKey

    func wrapKey(_ request: Grep11_WrapKeyRequest) throws(HSMFailure) -> Grep11_WrapKeyResponse {
        let target: KeyObject
        switch try openKey(request.key, hasKey: request.hasKey, role: "target") {
        case .secret(let object), .private(let object): target = object
        case .public: throw HSMFailure(.keyNotWrappable, "public keys are exported as SPKI, not wrapped")
        }
        let wrappingKey = try openKey(request.keK, hasKey: request.hasKeK, role: "wrapping")
        guard target.permits(.extractable) else { throw HSMFailure(.keyUnextractable, "target key is not extractable") }
        let mechanism = MechanismType(rawValue: request.mech.mechanism)
        if mechanism == .ibmAttributeBoundWrap {
            let macKey = try openKey(request.macKey, hasKey: request.hasMacKey, role: "MAC")
            var response = Grep11_WrapKeyResponse()
            response.wrapped = Data(try attributeBoundWrap(target, kek: wrappingKey, macKey: macKey))
            return response
        }
        let wrapped: [UInt8]
        switch wrappingKey {
        case .secret(let kek):
            try kek.require(.wrap, for: "wrap")
            guard kek.keyType == .aes else { throw HSMFailure(.wrappingKeyTypeInconsistent, "wrapping key is not AES") }
            let material = target.material
            switch mechanism {
            case .aesCBCPad:
                let iv = try Self.iv(request.mech, count: 16)
                wrapped = try Self.engine {
                    try SoftCrypto.aesCBC(encrypt: true, key: kek.material, iv: iv, data: material, padding: true)
                }
            case .aesCBC, .aesECB:
                guard material.count % 16 == 0 else {
                    throw HSMFailure(.keySizeRange, "key length is not a multiple of the block size")
                }
                if mechanism == .aesECB {
                    wrapped = try Self.engine {
                        try SoftCrypto.aesECB(encrypt: true, key: kek.material, data: material)
                    }
                } else {
                    let iv = try Self.iv(request.mech, count: 16)
                    wrapped = try Self.engine {
                        try SoftCrypto.aesCBC(encrypt: true, key: kek.material, iv: iv, data: material, padding: false)
                    }
                }
            case .aesKeyWrap:
                guard material.count % 8 == 0, material.count >= 16 else {
                    throw HSMFailure(.keySizeRange, "AES key wrap needs a multiple of 8 bytes, at least 16")
                }
                wrapped = try Self.engine { try SoftCrypto.aesKeyWrap(kek: kek.material, key: material) }
            case .aesKeyWrapPad:
                wrapped = try Self.engine { try SoftCrypto.aesKeyWrapPad(kek: kek.material, key: material) }
            default:
                throw HSMFailure(.mechanismInvalid, "mechanism cannot wrap with an AES key")
            }
        case .public(let kek):
            try kek.require(.wrap, for: "wrap")
            guard kek.keyType == .rsa else { throw HSMFailure(.wrappingKeyTypeInconsistent, "wrapping key is not RSA") }
            guard target.objectClass == .secretKey else {
                throw HSMFailure(.keyNotWrappable, "RSA wraps only secret keys")
            }
            let padding = try Self.rsaPadding(request.mech)
            let material = target.material
            wrapped = try Self.engine {
                try SoftCrypto.rsaEncrypt(publicKeySPKI: kek.spki, data: material, padding: padding)
            }
        case .private:
            throw HSMFailure(.wrappingKeyTypeInconsistent, "a private key cannot wrap")
        }
        var response = Grep11_WrapKeyResponse()
        response.wrapped = Data(wrapped)
        return response
    }

    func unwrapKey(_ request: Grep11_UnwrapKeyRequest) throws(HSMFailure) -> Grep11_UnwrapKeyResponse {
        guard !request.wrapped.isEmpty else { throw HSMFailure(.wrappedKeyInvalid, "wrapped key missing") }
        guard request.wrapped.count <= 64 * 1024 else { throw HSMFailure(.wrappedKeyLenRange, "wrapped key too large") }
        let wrapped = Array(request.wrapped)
        let template = try AttributeTemplate(limitedWire: request.template)
        let mechanism = MechanismType(rawValue: request.mech.mechanism)
        if mechanism == .ibmAttributeBoundWrap {
            let kek = try openKey(request.keK, hasKey: request.hasKeK, role: "unwrapping")
            let macKey = try openKey(request.macKey, hasKey: request.hasMacKey, role: "MAC")
            return try attributeBoundUnwrap(wrapped, kek: kek, macKey: macKey)
        }
        if mechanism == .ibmTransportKey {
            // Public-key import: `Wrapped` is a plain SPKI. The KeK must be sent but is not used.
            _ = try rawBlob(request.keK, hasKey: request.hasKeK, role: "unwrapping")
            return try importPublicKey(wrapped, template: template)
        }
        let unwrappingKey = try openKey(request.keK, hasKey: request.hasKeK, role: "unwrapping")
        let plain: [UInt8]
        switch unwrappingKey {
        case .secret(let kek):
            try kek.require(.unwrap, for: "unwrap")
            guard kek.keyType == .aes else {
                throw HSMFailure(.unwrappingKeyTypeInconsistent, "unwrapping key is not AES")
            }
            do {
                switch mechanism {
                case .aesCBCPad:
                    let iv = try Self.iv(request.mech, count: 16)
                    plain = try SoftCrypto.aesCBC(
                        encrypt: false, key: kek.material, iv: iv, data: wrapped, padding: true)
                case .aesCBC:
                    let iv = try Self.iv(request.mech, count: 16)
                    plain = try SoftCrypto.aesCBC(
                        encrypt: false, key: kek.material, iv: iv, data: wrapped, padding: false)
                case .aesECB:
                    plain = try SoftCrypto.aesECB(encrypt: false, key: kek.material, data: wrapped)
                case .aesKeyWrap:
                    plain = try SoftCrypto.aesKeyUnwrap(kek: kek.material, wrapped: wrapped)
                case .aesKeyWrapPad:
                    plain = try SoftCrypto.aesKeyUnwrapPad(kek: kek.material, wrapped: wrapped)
                default:
                    throw HSMFailure(.mechanismInvalid, "mechanism cannot unwrap with an AES key")
                }
            } catch let failure as HSMFailure {
                throw failure
            } catch {
                throw HSMFailure(.wrappedKeyInvalid, "wrapped key does not decrypt")
            }
        case .private(let kek):
            try kek.require(.unwrap, for: "unwrap")
            guard kek.keyType == .rsa else {
                throw HSMFailure(.unwrappingKeyTypeInconsistent, "unwrapping key is not RSA")
            }
            let padding = try Self.rsaPadding(request.mech)
            do {
                plain = try SoftCrypto.rsaDecrypt(privateKeyPKCS8: kek.material, data: wrapped, padding: padding)
            } catch {
                throw HSMFailure(.wrappedKeyInvalid, "wrapped key does not decrypt")
            }
        case .public:
            throw HSMFailure(.unwrappingKeyTypeInconsistent, "a public key cannot unwrap")
        }
        let objectClass = template[.class]?.integerValue.map { ObjectClass(rawValue: $0) } ?? .secretKey
        var attributes = template
        var response = Grep11_UnwrapKeyResponse()
        if objectClass == .secretKey {
            guard let keyTypeRaw = template[.keyType]?.integerValue else {
                throw HSMFailure(.templateIncomplete, "CKA_KEY_TYPE missing")
            }
            let keyType = KeyType(rawValue: keyTypeRaw)
            if keyType == .aes, ![16, 24, 32].contains(plain.count) {
                throw HSMFailure(.wrappedKeyInvalid, "unwrapped value is not an AES key")
            }
            if keyType == .des3, plain.count != 24 {
                throw HSMFailure(.wrappedKeyInvalid, "unwrapped value is not a DES3 key")
            }
            guard keyType == .aes || keyType == .genericSecret || keyType == .des3 else {
                throw HSMFailure(.templateInconsistent, "unsupported secret key type")
            }
            if let length = template[.valueLength]?.integerValue, length != UInt64(plain.count) {
                throw HSMFailure(.templateInconsistent, "CKA_VALUE_LEN does not match the unwrapped key")
            }
            attributes[.class] = .integer(ObjectClass.secretKey.rawValue)
            attributes[.valueLength] = .integer(UInt64(plain.count))
            attributes[.local] = .bool(false)
            let blob = try sealKey(
                KeyObject(objectClass: .secretKey, keyType: keyType, attributes: attributes, material: plain))
            response.unwrappedBytes = Data(blob)
            response.unwrapped = wireBlob(blob, attributes: attributes)
            response.checkSum = Data(Self.checksum(secret: plain, keyType: keyType))
        } else if objectClass == .privateKey {
            let kind: PrivateKeyKind
            do {
                kind = try SoftCrypto.privateKeyKind(plain)
                try SoftCrypto.checkImportedPrivateKey(plain)
            } catch {
                throw HSMFailure(.wrappedKeyInvalid, "not a consistent PKCS#8 private key")
            }
            let keyType: KeyType
            let publicSPKI: [UInt8]
            let bits: Int
            switch kind {
            case .rsa:
                keyType = .rsa
                publicSPKI = try Self.engine { try SoftCrypto.publicKeyFromPrivate(plain) }
                let modulusBits = try Self.engine { try SoftCrypto.rsaModulusBits(publicSPKI) }
                bits = modulusBits
                attributes[.modulusBits] = .integer(UInt64(modulusBits))
            case .ec(let curve):
                keyType = .ec
                publicSPKI = try Self.engine { try SoftCrypto.publicKeyFromPrivate(plain) }
                let named = Self.namedCurve(curve)
                attributes[.ecParameters] = .bytes(named.ecParameters)
                bits = curve.coordinateByteCount &* 8
            case .ed25519:
                keyType = .ec
                let raw = try Self.engine { try SoftCrypto.publicKeyFromPrivate(plain) }
                publicSPKI = DER.ed25519SPKI(rawKey: raw)
                attributes[.ecParameters] = .bytes(NamedCurve.ed25519.ecParameters)
                bits = 255
            }
            if let requested = template[.keyType]?.integerValue, requested != keyType.rawValue {
                throw HSMFailure(.templateInconsistent, "CKA_KEY_TYPE does not match the unwrapped key")
            }
            attributes[.class] = .integer(ObjectClass.privateKey.rawValue)
            attributes[.keyType] = .integer(keyType.rawValue)
            attributes[.local] = .bool(false)
            let blob = try sealKey(
                KeyObject(objectClass: .privateKey, keyType: keyType, attributes: attributes, material: plain))
            var publicAttributes = AttributeTemplate()
            publicAttributes[.class] = .integer(ObjectClass.publicKey.rawValue)
            publicAttributes[.keyType] = .integer(keyType.rawValue)
            let maced = try sealPublicKey(
                PublicKeyObject(keyType: keyType, spki: publicSPKI, attributes: publicAttributes))
            response.unwrappedBytes = Data(blob)
            response.unwrapped = wireBlob(blob, attributes: attributes)
            response.checkSum = Data(maced + Self.bitCountField(bits))
        } else {
            throw HSMFailure(.templateInconsistent, "CKA_CLASS must be a secret or private key")
        }
        return response
    }

    /// `CKM_IBM_TRANSPORTKEY` unwrap: turns a plain DER SPKI (RSA, EC named curve, or Ed25519 in RFC 8410 or EP11
    /// form) into a MACed-SPKI public key object. The template may lack CKA_CLASS and CKA_KEY_TYPE.
    func importPublicKey(_ spki: [UInt8], template: AttributeTemplate) throws(HSMFailure) -> Grep11_UnwrapKeyResponse {
        guard let elements = DER.elements(spki), elements.count == 1, elements[0].tag == 0x30 else {
            throw HSMFailure(.wrappedKeyInvalid, "not a single DER SubjectPublicKeyInfo")
        }
        var attributes = template
        let keyType: KeyType
        let stored: [UInt8]
        let bits: Int
        let ed25519RFC8410Prefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
        let ed25519EP11Prefix = Array(DER.ed25519SPKI(rawKey: [UInt8](repeating: 0, count: 32)).prefix(21))
        if spki.count == 44, Array(spki.prefix(12)) == ed25519RFC8410Prefix {
            keyType = .ec
            stored = DER.ed25519SPKI(rawKey: Array(spki.suffix(32)))
            attributes[.ecParameters] = .bytes(NamedCurve.ed25519.ecParameters)
            bits = 255
        } else if spki.count == 53, Array(spki.prefix(21)) == ed25519EP11Prefix {
            keyType = .ec
            stored = spki
            attributes[.ecParameters] = .bytes(NamedCurve.ed25519.ecParameters)
            bits = 255
        } else if let modulusBits = try? SoftCrypto.rsaModulusBits(spki) {
            keyType = .rsa
            stored = spki
            attributes[.modulusBits] = .integer(UInt64(modulusBits))
            bits = modulusBits
        } else if let (curve, _) = try? SoftCrypto.ecPublicPoint(spki) {
            keyType = .ec
            stored = spki
            attributes[.ecParameters] = .bytes(Self.namedCurve(curve).ecParameters)
            bits = curve.coordinateByteCount &* 8
        } else {
            throw HSMFailure(.wrappedKeyInvalid, "the SPKI holds no supported public key")
        }
        if let requested = template[.keyType]?.integerValue, requested != keyType.rawValue {
            throw HSMFailure(.templateInconsistent, "CKA_KEY_TYPE does not match the public key")
        }
        if let requested = template[.class]?.integerValue, requested != ObjectClass.publicKey.rawValue {
            throw HSMFailure(.templateInconsistent, "CKA_CLASS must be a public key")
        }
        attributes[.class] = .integer(ObjectClass.publicKey.rawValue)
        attributes[.keyType] = .integer(keyType.rawValue)
        let maced = try sealPublicKey(PublicKeyObject(keyType: keyType, spki: stored, attributes: attributes))
        let digest = (try? SoftCrypto.digest(.sha1, stored)) ?? [0, 0, 0]
        var response = Grep11_UnwrapKeyResponse()
        response.unwrappedBytes = Data(maced)
        response.unwrapped = wireBlob(maced, attributes: attributes)
        response.checkSum = Data(Array(digest.prefix(3)) + Self.bitCountField(bits))
        return response
    }

    static func namedCurve(_ curve: ECCurve) -> NamedCurve {
        switch curve {
        case .p256: .p256
        case .p384: .p384
        case .p521: .p521
        case .secp256k1: .secp256k1
        }
    }

    static func iv(_ mechanism: Grep11_Mechanism, count: Int) throws(HSMFailure) -> [UInt8] {
        guard case .parameterB(let data)? = mechanism.parameter, data.count == count else {
            throw HSMFailure(.mechanismParamInvalid, "the IV must be \(count) bytes")
        }
        return Array(data)
    }

    static func rsaPadding(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> RSAEncryptionPadding {
        switch MechanismType(rawValue: mechanism.mechanism) {
        case .rsaPKCS:
            return .pkcs1v15
        case .rsaX509:
            return .none
        case .rsaPKCSOAEP:
            guard case .rsaoaepparameter(let parameter)? = mechanism.parameter,
                let hash = digestAlgorithm(forHashMechanism: parameter.hashMech),
                let mgf = mgfAlgorithm(parameter.mgf.rawValue)
            else {
                throw HSMFailure(.mechanismParamInvalid, "OAEP needs a hash and an MGF1 hash")
            }
            return .oaep(hash: hash, mgf1Hash: mgf, label: Array(parameter.encodingParm))
        default:
            throw HSMFailure(.mechanismInvalid, "not an RSA encryption mechanism")
        }
    }

    // MARK: DeriveKey

    func deriveKey(_ request: Grep11_DeriveKeyRequest) throws(HSMFailure) -> Grep11_DeriveKeyResponse {
        let template = try AttributeTemplate(limitedWire: request.template)
        if MechanismType(rawValue: request.mech.mechanism) == .ibmBTCDerive {
            return try btcDerive(request, template: template)
        }
        if MechanismType(rawValue: request.mech.mechanism) == .dhPKCSDerive {
            return try dhDerive(request, template: template)
        }
        guard case .private(let base) = try openKey(request.baseKey, hasKey: request.hasBaseKey, role: "base") else {
            throw HSMFailure(.keyTypeInconsistent, "ECDH needs a private EC key")
        }
        guard MechanismType(rawValue: request.mech.mechanism) == .ecdh1Derive else {
            throw HSMFailure(.mechanismInvalid, "not a derivation mechanism")
        }
        try base.require(.derive, for: "derive")
        let peer: [UInt8]
        switch request.mech.parameter {
        case .parameterB(let data)?:
            peer = Array(data)
        case .ecdh1DeriveParameter(let parameter)?:
            guard parameter.kdf == .ckdNull || parameter.kdf == .ckdNotUsed0 else {
                throw HSMFailure(.mechanismParamInvalid, "only the NULL KDF is supported")
            }
            peer = Array(parameter.publicData)
        default:
            throw HSMFailure(.mechanismParamInvalid, "ECDH needs the peer's public point")
        }
        guard base.keyType == .ec, let parameters = base.attributes[.ecParameters]?.bytesValue,
            let curve = NamedCurve(ecParameters: parameters), curve != .ed25519
        else {
            throw HSMFailure(.keyTypeInconsistent, "ECDH needs a private EC key on a Weierstrass curve")
        }
        let material = base.material
        let shared: [UInt8]
        do {
            shared = try SoftCrypto.ecdh(privateKeyPKCS8: material, peerPoint: peer)
        } catch {
            throw HSMFailure(.mechanismParamInvalid, "the peer's public point is invalid")
        }
        // CKD_NULL: the key value is the leading CKA_VALUE_LEN bytes of the shared secret (x coordinate).
        return try derivedSecretKey(shared, template: template)
    }

    /// CKM_DH_PKCS_DERIVE: the parameter is the peer's public value y (big-endian); the shared secret is
    /// left-padded to the length of p, and the new key's value is its leading CKA_VALUE_LEN bytes.
    func dhDerive(_ request: Grep11_DeriveKeyRequest, template: AttributeTemplate) throws(HSMFailure)
        -> Grep11_DeriveKeyResponse
    {
        guard case .private(let base) = try openKey(request.baseKey, hasKey: request.hasBaseKey, role: "base"),
            base.keyType == .dh
        else {
            throw HSMFailure(.keyTypeInconsistent, "CKM_DH_PKCS_DERIVE needs a private DH key")
        }
        try base.require(.derive, for: "derive")
        guard case .parameterB(let data)? = request.mech.parameter, !data.isEmpty else {
            throw HSMFailure(.mechanismParamInvalid, "CKM_DH_PKCS_DERIVE needs the peer's public value")
        }
        let material = base.material
        let shared: [UInt8]
        do {
            shared = try SoftCrypto.dhDerive(privateKeyPKCS8: material, peerPublicValue: Array(data))
        } catch SoftCryptoError.invalidParameter {
            throw HSMFailure(.mechanismParamInvalid, "the peer's public value does not fit the key's group")
        } catch {
            throw HSMFailure(.generalError, "engine failure")
        }
        return try derivedSecretKey(shared, template: template)
    }

    /// A secret key whose value is the leading bytes of `shared` (all of it without CKA_VALUE_LEN).
    func derivedSecretKey(_ shared: [UInt8], template: AttributeTemplate) throws(HSMFailure)
        -> Grep11_DeriveKeyResponse
    {
        let keyType = template[.keyType]?.integerValue.map { KeyType(rawValue: $0) } ?? .genericSecret
        let length: Int
        if let requested = template[.valueLength]?.integerValue {
            guard requested >= 1, requested <= UInt64(shared.count) else {
                throw HSMFailure(.templateInconsistent, "CKA_VALUE_LEN exceeds the shared secret")
            }
            length = Int(requested)
        } else {
            length = shared.count
        }
        if keyType == .aes, ![16, 24, 32].contains(length) {
            throw HSMFailure(.keySizeRange, "AES keys are 16, 24 or 32 bytes")
        }
        let value = Array(shared.prefix(length))
        var attributes = template
        attributes[.class] = .integer(ObjectClass.secretKey.rawValue)
        attributes[.keyType] = .integer(keyType.rawValue)
        attributes[.valueLength] = .integer(UInt64(length))
        attributes[.local] = .bool(false)
        let blob = try sealKey(
            KeyObject(objectClass: .secretKey, keyType: keyType, attributes: attributes, material: value))
        var response = Grep11_DeriveKeyResponse()
        response.newKeyBytes = Data(blob)
        response.newKey = wireBlob(blob, attributes: attributes)
        response.checkSum = Data(Self.checksum(secret: value, keyType: keyType))
        return response
    }

    // MARK: Attributes

    func getAttributeValue(_ request: Grep11_GetAttributeValueRequest) throws(HSMFailure)
        -> Grep11_GetAttributeValueResponse
    {
        guard !request.object.isEmpty else { throw HSMFailure(.argumentsBad, "object missing") }
        let key = try openKey(Array(request.object))
        let attributes: AttributeTemplate
        var sensitive = true
        switch key {
        case .secret(let object), .private(let object): attributes = object.attributes
        case .public(let object):
            attributes = object.attributes
            sensitive = false
        }
        var response = Grep11_GetAttributeValueResponse()
        try HSMRequestLimits.checkAttributeCount(
            request.attributes.count + request.attributesBytes.count, role: "attribute request")
        let requested = Set(request.attributes.keys).union(request.attributesBytes.keys)
        for raw in requested.sorted() {
            let type = AttributeType(rawValue: raw)
            if type == .value || type == .privateExponent {
                if sensitive { throw HSMFailure(.attributeSensitive, "key values never leave the HSM") }
            }
            guard let value = attributes[type] else {
                throw HSMFailure(.attributeTypeInvalid, "the key has no \(type)")
            }
            response.attributes[raw] = value.wire
        }
        return response
    }

    func setAttributeValue(_ request: Grep11_SetAttributeValueRequest) throws(HSMFailure)
        -> Grep11_SetAttributeValueResponse
    {
        guard !request.object.isEmpty else { throw HSMFailure(.argumentsBad, "object missing") }
        let changes = try AttributeTemplate(limitedWire: request.attributes, role: "attribute list")
        var response = Grep11_SetAttributeValueResponse()
        switch try openKey(Array(request.object)) {
        case .secret(var object), .private(var object):
            try Self.apply(changes, to: &object.attributes)
            response.object = Data(try sealKey(object))
        case .public(var object):
            try Self.apply(changes, to: &object.attributes)
            response.object = Data(try sealPublicKey(object))
        }
        return response
    }

    static let readOnlyAttributes: Set<AttributeType> = [
        .class, .keyType, .valueLength, .value, .modulusBits, .modulus, .publicExponent, .ecParameters, .ecPoint,
        .local,
        .keyGenMechanism, .neverExtractable, .alwaysSensitive,
    ]

    static func apply(_ changes: AttributeTemplate, to attributes: inout AttributeTemplate) throws(HSMFailure) {
        if attributes[.modifiable]?.boolValue == false {
            throw HSMFailure(.attributeReadOnly, "the key is not modifiable")
        }
        for change in changes {
            if readOnlyAttributes.contains(change.type) {
                throw HSMFailure(.attributeReadOnly, "\(change.type) cannot be changed")
            }
            if change.type == .extractable, change.value.boolValue == true, attributes[.extractable]?.boolValue == false
            {
                throw HSMFailure(.attributeReadOnly, "CKA_EXTRACTABLE cannot be turned back on")
            }
            if change.type == .sensitive, change.value.boolValue == false, attributes[.sensitive]?.boolValue == true {
                throw HSMFailure(.attributeReadOnly, "CKA_SENSITIVE cannot be turned off")
            }
            attributes[change.type] = change.value
        }
        try HSMRequestLimits.checkAttributeCount(attributes.count, role: "key")
    }

    // MARK: RewrapKeyBlob and master keys

    func rewrapKeyBlob(_ request: Grep11_RewrapKeyBlobRequest) throws(HSMFailure) -> Grep11_RewrapKeyBlobResponse {
        let bytes: [UInt8]
        if request.hasWrappedKey, let first = request.wrappedKey.keyBlobs.first, !first.isEmpty {
            bytes = Array(first)
        } else if !request.wrappedKeyBytes.isEmpty {
            bytes = Array(request.wrappedKeyBytes)
        } else {
            throw HSMFailure(.argumentsBad, "key missing")
        }
        guard let next = masterKeys.withLock({ $0.next }) else {
            throw HSMFailure(.ibmWKNotInitialized, "no next wrapping key is committed")
        }
        let rewrapped: [UInt8]
        switch try openKey(bytes) {
        case .secret(let object), .private(let object):
            rewrapped = try sealer.seal(object.serialized(), kind: .key, under: next)
        case .public(let object):
            rewrapped = try sealer.sealPublicKey(object, under: next)
        }
        var response = Grep11_RewrapKeyBlobResponse()
        response.rewrappedKeyBytes = Data(rewrapped)
        response.rewrappedKey = wireBlob(rewrapped, attributes: AttributeTemplate())
        return response
    }

    /// Loads a next wrapping key (the "pending" register of a real HSM's master-key ceremony).
    func loadNextMasterKey(_ key: MasterKey) {
        masterKeys.withLock { $0.next = key }
    }

    /// Makes the next wrapping key current; blobs under the old one then fail with CKR_IBM_WKID_MISMATCH.
    func commitNextMasterKey() throws(HSMFailure) {
        try masterKeys.withLock { keys throws(HSMFailure) in
            guard let next = keys.next else { throw HSMFailure(.ibmWKNotInitialized, "no next wrapping key") }
            keys.current = next
            keys.next = nil
        }
        openedKeys.withLock { $0.removeAll() }
    }
}
