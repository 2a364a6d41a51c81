import EP11
import Foundation

extension HSMCore {
    // MARK: Random

    func generateRandom(_ request: Grep11_GenerateRandomRequest) throws(HSMFailure) -> Grep11_GenerateRandomResponse {
        guard request.len >= 1, request.len <= Self.maximumRandomLength else {
            throw HSMFailure(.argumentsBad, "random length must be 1 to \(Self.maximumRandomLength)")
        }
        let count = Int(request.len)
        var response = Grep11_GenerateRandomResponse()
        response.rnd = Data(try Self.engine { try SoftCrypto.randomBytes(count) })
        return response
    }

    // MARK: Digest

    static func digestAlgorithm(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> DigestAlgorithm {
        guard let algorithm = digestAlgorithm(forHashMechanism: mechanism.mechanism) else {
            throw HSMFailure(.mechanismInvalid, "not a digest mechanism")
        }
        return algorithm
    }

    func digestSingle(mechanism: Grep11_Mechanism, data: Data) throws(HSMFailure) -> Data {
        let algorithm = try Self.digestAlgorithm(mechanism)
        let bytes = Array(data)
        return Data(try Self.engine { try SoftCrypto.digest(algorithm, bytes) })
    }

    func digestInit(mechanism: Grep11_Mechanism) throws(HSMFailure) -> Data {
        _ = try Self.digestAlgorithm(mechanism)
        return try sealState(OperationStateObject(operation: .digest, mechanism: mechanism, key: []))
    }

    func digestUpdate(state data: Data, data input: Data) throws(HSMFailure) -> Data {
        var state = try openState(data, expecting: .digest)
        try Self.append(input, to: &state)
        return try sealState(state)
    }

    func digestKey(state data: Data, key: Grep11_KeyBlob, hasKey: Bool) throws(HSMFailure) -> Data {
        var state = try openState(data, expecting: .digest)
        guard case .secret(let object) = try openKey(key, hasKey: hasKey, role: "digested") else {
            throw HSMFailure(.keyIndigestible, "only secret keys can be digested")
        }
        try Self.append(Data(object.material), to: &state)
        return try sealState(state)
    }

    func digestFinal(state data: Data, extra: Data?) throws(HSMFailure) -> Data {
        var state = try openState(data, expecting: .digest)
        if let extra {
            guard !state.updated else { throw HSMFailure(.operationActive, "Digest after DigestUpdate") }
            try Self.append(extra, to: &state)
        }
        let algorithm = try Self.digestAlgorithm(state.mechanism)
        let buffer = state.buffer
        return Data(try Self.engine { try SoftCrypto.digest(algorithm, buffer) })
    }

    static func append(_ data: Data, to state: inout OperationStateObject) throws(HSMFailure) {
        guard data.count <= maximumStateData - state.buffer.count else {
            throw HSMFailure(.dataLenRange, "multi-part data exceeds \(maximumStateData) bytes")
        }
        state.buffer += Array(data)
        state.updated = true
    }

    // MARK: Encrypt / decrypt

    enum CipherKey {
        case block(BlockCipher)
        case rsaPublic([UInt8])
        case rsaPrivate([UInt8])
    }

    func cipherKey(_ key: AnyKey, mechanism: MechanismType, encrypt: Bool) throws(HSMFailure) -> CipherKey {
        let usage: AttributeType = encrypt ? .encrypt : .decrypt
        if let (algorithm, mode) = BlockCipher.parts(of: mechanism) {
            guard case .secret(let object) = key else {
                throw HSMFailure(.keyTypeInconsistent, "the key does not fit \(mechanism)")
            }
            try object.require(usage, for: encrypt ? "encrypt" : "decrypt")
            guard object.keyType == algorithm.keyType else {
                throw HSMFailure(.keyTypeInconsistent, "\(mechanism) with a \(object.keyType) key")
            }
            return .block(BlockCipher(algorithm: algorithm, mode: mode, key: object.material))
        }
        switch (mechanism, key) {
        case (.rsaPKCS, .public(let object)), (.rsaPKCSOAEP, .public(let object)), (.rsaX509, .public(let object)):
            guard encrypt else { throw HSMFailure(.keyTypeInconsistent, "decryption needs the private key") }
            try object.require(.encrypt, for: "encrypt")
            guard object.keyType == .rsa else {
                throw HSMFailure(.keyTypeInconsistent, "RSA mechanism with a non-RSA key")
            }
            return .rsaPublic(object.spki)
        case (.rsaPKCS, .private(let object)), (.rsaPKCSOAEP, .private(let object)), (.rsaX509, .private(let object)):
            guard !encrypt else { throw HSMFailure(.keyTypeInconsistent, "encryption needs the public key") }
            try object.require(.decrypt, for: "decrypt")
            guard object.keyType == .rsa else {
                throw HSMFailure(.keyTypeInconsistent, "RSA mechanism with a non-RSA key")
            }
            return .rsaPrivate(object.material)
        case (.rsaPKCS, _), (.rsaPKCSOAEP, _), (.rsaX509, _):
            throw HSMFailure(.keyTypeInconsistent, "the key does not fit \(mechanism)")
        default:
            throw HSMFailure(.mechanismInvalid, "\(mechanism) is not an encryption mechanism")
        }
    }

    func cipherSingle(mechanism: Grep11_Mechanism, key: AnyKey, data: [UInt8], encrypt: Bool) throws(HSMFailure)
        -> [UInt8]
    {
        let type = MechanismType(rawValue: mechanism.mechanism)
        switch try cipherKey(key, mechanism: type, encrypt: encrypt) {
        case .block(let cipher):
            return try cipher.single(encrypt: encrypt, mechanism: mechanism, data: data)
        case .rsaPublic(let spki):
            let padding = try Self.rsaPadding(mechanism)
            return try Self.engine { try SoftCrypto.rsaEncrypt(publicKeySPKI: spki, data: data, padding: padding) }
        case .rsaPrivate(let pkcs8):
            let padding = try Self.rsaPadding(mechanism)
            return try Self.engine(decrypting: true) {
                try SoftCrypto.rsaDecrypt(privateKeyPKCS8: pkcs8, data: data, padding: padding)
            }
        }
    }

    func cipherInit(mechanism: Grep11_Mechanism, key: Grep11_KeyBlob, hasKey: Bool, encrypt: Bool) throws(HSMFailure)
        -> Data
    {
        let raw = try rawBlob(key, hasKey: hasKey, role: encrypt ? "encryption" : "decryption")
        let type = MechanismType(rawValue: mechanism.mechanism)
        let cipherKey = try cipherKey(try openKey(raw), mechanism: type, encrypt: encrypt)
        var state = OperationStateObject(operation: encrypt ? .encrypt : .decrypt, mechanism: mechanism, key: raw)
        if case .block(let cipher) = cipherKey {
            state.chainingValue = try cipher.initialChainingValue(mechanism)
        }
        return try sealState(state)
    }

    /// PKCS#11 single-part `Encrypt`/`Decrypt` on an initialised state.
    func cipherWithState(_ data: Data, input: Data, encrypt: Bool) throws(HSMFailure) -> Data {
        let state = try openState(data, expecting: encrypt ? .encrypt : .decrypt)
        guard !state.updated else { throw HSMFailure(.operationActive, "single-part call after an update") }
        return Data(
            try cipherSingle(
                mechanism: state.mechanism, key: try openKey(state.key), data: Array(input), encrypt: encrypt))
    }

    /// The block cipher of a multi-part state; RSA mechanisms have no multi-part form.
    private func blockCipher(of state: OperationStateObject, encrypt: Bool) throws(HSMFailure) -> BlockCipher {
        let type = MechanismType(rawValue: state.mechanism.mechanism)
        guard case .block(let cipher) = try cipherKey(try openKey(state.key), mechanism: type, encrypt: encrypt) else {
            throw HSMFailure(.mechanismInvalid, "\(type) is single-part only")
        }
        return cipher
    }

    func cipherUpdate(_ data: Data, input: Data, encrypt: Bool) throws(HSMFailure) -> (Data, Data) {
        var state = try openState(data, expecting: encrypt ? .encrypt : .decrypt)
        guard !input.isEmpty else { throw HSMFailure(.argumentsBad, "empty update") }
        let cipher = try blockCipher(of: state, encrypt: encrypt)
        try Self.append(input, to: &state)
        switch cipher.mode {
        case .gcm:
            // GCM releases nothing before the final call: decryption must not hand out unauthenticated plaintext,
            // and the mock keeps encryption symmetric with it.
            return (try sealState(state), Data())
        case .ctr:
            // The buffer holds the bytes of the current partial block already processed; the chaining value is
            // the counter block of that block.
            // A 17th byte marks a counter that has used up all its values.
            guard state.chainingValue.count == 16 else { throw HSMFailure(.dataLenRange, "the CTR counter is used up") }
            let parameters = try CTRParameterBlock(state.mechanism)
            let consumed = state.buffer.count - input.count
            let output = try cipher.counter(
                state.chainingValue, counterBits: parameters.counterBits, data: state.buffer)
            let whole = state.buffer.count / 16
            let usedUp = CTRParameterBlock.wouldWrap(
                state.chainingValue, counterBits: parameters.counterBits, blocks: UInt64(whole) + 1)
            state.chainingValue =
                CTRParameterBlock.advance(state.chainingValue, by: UInt64(whole)) + (usedUp ? [0xFF] : [])
            state.buffer.removeFirst(whole * 16)
            return (try sealState(state), Data(output[consumed...]))
        case .ecb, .cbc, .cbcPad:
            break
        }
        let block = cipher.blockSize
        var take = state.buffer.count / block * block
        if !encrypt, cipher.mode == .cbcPad, take == state.buffer.count, take > 0 {
            take -= block  // hold back the last block: it carries the padding
        }
        let chunk = Array(state.buffer[0..<take])
        state.buffer.removeFirst(take)
        guard !chunk.isEmpty else { return (try sealState(state), Data()) }
        let output = try cipher.blocks(encrypt: encrypt, chainingValue: state.chainingValue, data: chunk)
        if cipher.mode != .ecb {
            state.chainingValue = Array((encrypt ? output : chunk).suffix(block))
        }
        return (try sealState(state), Data(output))
    }

    func cipherFinal(_ data: Data, encrypt: Bool) throws(HSMFailure) -> Data {
        let state = try openState(data, expecting: encrypt ? .encrypt : .decrypt)
        let cipher = try blockCipher(of: state, encrypt: encrypt)
        let rest = state.buffer
        switch cipher.mode {
        case .gcm:
            return Data(
                try cipher.gcm(encrypt: encrypt, parameters: try GCMParameterBlock(state.mechanism), data: rest))
        case .ctr:
            return Data()  // every byte went out in its update
        case .ecb, .cbc, .cbcPad:
            break
        }
        if cipher.mode == .cbcPad {
            if !encrypt, rest.count != cipher.blockSize {
                throw HSMFailure(.encryptedDataLenRange, "ciphertext is not a whole number of blocks")
            }
            return Data(try cipher.single(encrypt: encrypt, chainingValue: state.chainingValue, data: rest))
        }
        guard rest.isEmpty else {
            throw HSMFailure(encrypt ? .dataLenRange : .encryptedDataLenRange, "data is not a whole number of blocks")
        }
        return Data()
    }

    func reencrypt(_ request: Grep11_ReencryptSingleRequest) throws(HSMFailure) -> Data {
        let decryptionKey = try openKey(request.decKey, hasKey: request.hasDecKey, role: "decryption")
        let encryptionKey = try openKey(request.encKey, hasKey: request.hasEncKey, role: "encryption")
        let plain = try cipherSingle(
            mechanism: request.decMech, key: decryptionKey, data: Array(request.ciphered), encrypt: false)
        return Data(try cipherSingle(mechanism: request.encMech, key: encryptionKey, data: plain, encrypt: true))
    }

    // MARK: Sign / verify

    enum SignatureScheme {
        case rsa(RSASignatureScheme)
        case ecdsa(hash: DigestAlgorithm?)
        case dsa(hash: DigestAlgorithm?)
        case ed25519
        case schnorr(SchnorrVariant)
        case hmac(DigestAlgorithm)
        case cmac

        /// Raw mechanisms sign one block of input and have no multi-part form.
        var isSinglePartOnly: Bool {
            switch self {
            case .rsa(.pkcs1v15(hash: nil)), .ecdsa(hash: nil), .dsa(hash: nil), .ed25519: true
            case .rsa(.pss(_, _, _, prehashed: true)): true
            default: false
            }
        }
    }

    static func signatureScheme(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> SignatureScheme {
        let type = MechanismType(rawValue: mechanism.mechanism)
        func pss(_ hash: DigestAlgorithm?, prehashed: Bool) throws(HSMFailure) -> SignatureScheme {
            var hashAlgorithm = hash
            var mgf = hash
            var salt = 0
            if case .rsapssparameter(let parameter)? = mechanism.parameter {
                if let named = digestAlgorithm(forHashMechanism: parameter.hashMech) {
                    if let hash, hash != named {
                        throw HSMFailure(.mechanismParamInvalid, "PSS hash differs from the mechanism")
                    }
                    hashAlgorithm = named
                }
                if let named = mgfAlgorithm(parameter.mgf.rawValue) { mgf = named }
                guard parameter.saltByteCount <= 1024 else { throw HSMFailure(.mechanismParamInvalid, "salt too long") }
                salt = Int(parameter.saltByteCount)
            }
            guard let hashAlgorithm, let mgf else { throw HSMFailure(.mechanismParamInvalid, "PSS needs a hash") }
            return .rsa(.pss(hash: hashAlgorithm, mgf1Hash: mgf, saltLength: salt, prehashed: prehashed))
        }
        switch type {
        case .rsaPKCS: return .rsa(.pkcs1v15(hash: nil))
        case .sha1RSAPKCS: return .rsa(.pkcs1v15Hashing(.sha1))
        case .sha224RSAPKCS: return .rsa(.pkcs1v15Hashing(.sha224))
        case .sha256RSAPKCS: return .rsa(.pkcs1v15Hashing(.sha256))
        case .sha384RSAPKCS: return .rsa(.pkcs1v15Hashing(.sha384))
        case .sha512RSAPKCS: return .rsa(.pkcs1v15Hashing(.sha512))
        case .rsaPKCSPSS: return try pss(nil, prehashed: true)
        case .sha1RSAPKCSPSS: return try pss(.sha1, prehashed: false)
        case .sha224RSAPKCSPSS: return try pss(.sha224, prehashed: false)
        case .sha256RSAPKCSPSS: return try pss(.sha256, prehashed: false)
        case .sha384RSAPKCSPSS: return try pss(.sha384, prehashed: false)
        case .sha512RSAPKCSPSS: return try pss(.sha512, prehashed: false)
        case .ecdsa: return .ecdsa(hash: nil)
        case .ecdsaSHA1: return .ecdsa(hash: .sha1)
        case .ecdsaSHA224: return .ecdsa(hash: .sha224)
        case .ecdsaSHA256: return .ecdsa(hash: .sha256)
        case .ecdsaSHA384: return .ecdsa(hash: .sha384)
        case .ecdsaSHA512: return .ecdsa(hash: .sha512)
        case .dsa: return .dsa(hash: nil)
        case .dsaSHA1: return .dsa(hash: .sha1)
        case .dsaSHA224: return .dsa(hash: .sha224)
        case .dsaSHA256: return .dsa(hash: .sha256)
        case .dsaSHA384: return .dsa(hash: .sha384)
        case .dsaSHA512: return .dsa(hash: .sha512)
        case .ibmED25519SHA512: return .ed25519
        case .ibmECDSAOther: return .schnorr(try schnorrVariant(mechanism))
        case .sha1HMAC: return .hmac(.sha1)
        case .sha224HMAC: return .hmac(.sha224)
        case .sha256HMAC: return .hmac(.sha256)
        case .sha384HMAC: return .hmac(.sha384)
        case .sha512HMAC: return .hmac(.sha512)
        case .aesCMAC: return .cmac
        default: throw HSMFailure(.mechanismInvalid, "\(type) is not a signature mechanism")
        }
    }

    static func isEd25519(_ attributes: AttributeTemplate) -> Bool {
        attributes[.ecParameters]?.bytesValue.flatMap { NamedCurve(ecParameters: $0) } == .ed25519
    }

    /// Checks that the key fits the scheme and the role; returns nothing, throws the HSM's answer.
    func checkSigningKey(_ key: AnyKey, scheme: SignatureScheme, signing: Bool) throws(HSMFailure) {
        let usage: AttributeType = signing ? .sign : .verify
        let operation = signing ? "sign" : "verify"
        switch (scheme, key) {
        case (.hmac, .secret(let object)):
            try object.require(usage, for: operation)
            guard object.keyType == .genericSecret || object.keyType == .aes else {
                throw HSMFailure(.keyTypeInconsistent, "HMAC needs a secret key")
            }
        case (.cmac, .secret(let object)):
            try object.require(usage, for: operation)
            guard object.keyType == .aes else { throw HSMFailure(.keyTypeInconsistent, "AES-CMAC needs an AES key") }
        case (.rsa, .private(let object)) where signing, (.ecdsa, .private(let object)) where signing,
            (.ed25519, .private(let object)) where signing, (.schnorr, .private(let object)) where signing,
            (.dsa, .private(let object)) where signing:
            try object.require(.sign, for: "sign")
            try Self.checkAsymmetric(scheme: scheme, keyType: object.keyType, attributes: object.attributes)
        case (.rsa, .public(let object)) where !signing, (.ecdsa, .public(let object)) where !signing,
            (.ed25519, .public(let object)) where !signing, (.schnorr, .public(let object)) where !signing,
            (.dsa, .public(let object)) where !signing:
            try object.require(.verify, for: "verify")
            try Self.checkAsymmetric(scheme: scheme, keyType: object.keyType, attributes: object.attributes)
        default:
            throw HSMFailure(.keyTypeInconsistent, "the key does not fit the mechanism for \(operation)")
        }
    }

    static func checkAsymmetric(scheme: SignatureScheme, keyType: KeyType, attributes: AttributeTemplate)
        throws(HSMFailure)
    {
        switch scheme {
        case .rsa:
            guard keyType == .rsa else { throw HSMFailure(.keyTypeInconsistent, "RSA mechanism with a non-RSA key") }
        case .ecdsa:
            guard keyType == .ec, !isEd25519(attributes) else {
                throw HSMFailure(.keyTypeInconsistent, "ECDSA needs an EC key")
            }
        case .dsa:
            guard keyType == .dsa else { throw HSMFailure(.keyTypeInconsistent, "DSA needs a DSA key") }
        case .ed25519:
            guard keyType == .ec, isEd25519(attributes) else {
                throw HSMFailure(.keyTypeInconsistent, "Ed25519 needs an Ed25519 key")
            }
        case .schnorr:
            guard keyType == .ec else { throw HSMFailure(.keyTypeInconsistent, "Schnorr needs an EC key") }
            _ = try schnorrCurve(attributes)
        case .hmac, .cmac: throw HSMFailure(.keyTypeInconsistent, "a MAC needs a secret key")
        }
    }

    /// HMAC or CMAC of `data` under a secret key's value; the caller has checked the key's usage.
    static func mac(_ scheme: SignatureScheme, key: [UInt8], data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        switch scheme {
        case .hmac(let algorithm): return try engine { try SoftCrypto.hmac(algorithm, key: key, data: data) }
        case .cmac: return try engine { try SoftCrypto.cmacAES(key: key, data: data) }
        default: throw HSMFailure(.mechanismInvalid, "not a MAC mechanism")
        }
    }

    func signData(_ data: [UInt8], key: AnyKey, scheme: SignatureScheme) throws(HSMFailure) -> [UInt8] {
        try checkSigningKey(key, scheme: scheme, signing: true)
        switch (scheme, key) {
        case (.hmac, .secret(let object)), (.cmac, .secret(let object)):
            return try Self.mac(scheme, key: object.material, data: data)
        case (.rsa(let rsa), .private(let object)):
            return try Self.engine {
                try SoftCrypto.rsaSign(privateKeyPKCS8: object.material, message: data, scheme: rsa)
            }
        case (.ecdsa(let hash), .private(let object)):
            let digest =
                try hash.map { algorithm throws(HSMFailure) in
                    try Self.engine { try SoftCrypto.digest(algorithm, data) }
                } ?? data
            return try Self.engine { try SoftCrypto.ecdsaSign(privateKeyPKCS8: object.material, digest: digest) }
        case (.dsa(let hash), .private(let object)):
            let digest =
                try hash.map { algorithm throws(HSMFailure) in
                    try Self.engine { try SoftCrypto.digest(algorithm, data) }
                } ?? data
            return try Self.engine { try SoftCrypto.dsaSign(privateKeyPKCS8: object.material, digest: digest) }
        case (.ed25519, .private(let object)):
            return try Self.engine { try SoftCrypto.ed25519Sign(privateKeyPKCS8: object.material, message: data) }
        case (.schnorr(let variant), .private(let object)):
            return try Self.schnorrSign(variant, key: object, message: data)
        default:
            throw HSMFailure(.keyTypeInconsistent, "the key does not fit the mechanism")
        }
    }

    func verifyData(_ data: [UInt8], signature: [UInt8], key: AnyKey, scheme: SignatureScheme) throws(HSMFailure) {
        try checkSigningKey(key, scheme: scheme, signing: false)
        switch (scheme, key) {
        case (.hmac, .secret(let object)), (.cmac, .secret(let object)):
            let expected = try Self.mac(scheme, key: object.material, data: data)
            guard signature.count == expected.count else { throw HSMFailure(.signatureLenRange) }
            guard constantTimeEquals(expected, signature) else { throw HSMFailure(.signatureInvalid) }
        case (.rsa(let rsa), .public(let object)):
            try Self.engine(signature: true) {
                try SoftCrypto.rsaVerify(publicKeySPKI: object.spki, message: data, signature: signature, scheme: rsa)
            }
        case (.ecdsa(let hash), .public(let object)):
            let curve = try Self.engine { try SoftCrypto.ecPublicPoint(object.spki).curve }
            guard signature.count == 2 * curve.coordinateByteCount else { throw HSMFailure(.signatureLenRange) }
            let digest =
                try hash.map { algorithm throws(HSMFailure) in
                    try Self.engine { try SoftCrypto.digest(algorithm, data) }
                } ?? data
            try Self.engine(signature: true) {
                try SoftCrypto.ecdsaVerify(publicKeySPKI: object.spki, digest: digest, signature: signature)
            }
        case (.dsa(let hash), .public(let object)):
            let subprimeBits = try Self.engine { try SoftCrypto.ffcPublicKey(object.spki).parameters.subprimeBits }
            guard signature.count == 2 * ((subprimeBits + 7) / 8) else { throw HSMFailure(.signatureLenRange) }
            let digest =
                try hash.map { algorithm throws(HSMFailure) in
                    try Self.engine { try SoftCrypto.digest(algorithm, data) }
                } ?? data
            guard (1...64).contains(digest.count) else { throw HSMFailure(.dataLenRange) }
            try Self.engine(signature: true) {
                try SoftCrypto.dsaVerify(publicKeySPKI: object.spki, digest: digest, signature: signature)
            }
        case (.schnorr(let variant), .public(let object)):
            try Self.schnorrVerify(variant, key: object, message: data, signature: signature)
        case (.ed25519, .public(let object)):
            guard let info = try? PublicKeyInfo(parsing: object.spki) else { throw HSMFailure(.publicKeyInvalid) }
            let raw = info.keyBytes
            try Self.engine(signature: true) {
                try SoftCrypto.ed25519Verify(publicKeyRaw: raw, message: data, signature: signature)
            }
        default:
            throw HSMFailure(.keyTypeInconsistent, "the key does not fit the mechanism")
        }
    }

    func signInit(mechanism: Grep11_Mechanism, key: Grep11_KeyBlob, hasKey: Bool, signing: Bool) throws(HSMFailure)
        -> Data
    {
        let raw = try rawBlob(key, hasKey: hasKey, role: signing ? "signing" : "verification")
        let scheme = try Self.signatureScheme(mechanism)
        try checkSigningKey(try openKey(raw), scheme: scheme, signing: signing)
        return try sealState(OperationStateObject(operation: signing ? .sign : .verify, mechanism: mechanism, key: raw))
    }

    func signUpdate(_ data: Data, input: Data, signing: Bool) throws(HSMFailure) -> Data {
        var state = try openState(data, expecting: signing ? .sign : .verify)
        let scheme = try Self.signatureScheme(state.mechanism)
        guard !scheme.isSinglePartOnly else { throw HSMFailure(.mechanismInvalid, "the mechanism is single-part only") }
        try Self.append(input, to: &state)
        return try sealState(state)
    }

    /// `Sign` (input given) or `SignFinal` (input nil).
    func signWithState(_ data: Data, input: Data?) throws(HSMFailure) -> Data {
        let state = try openState(data, expecting: .sign)
        if input != nil, state.updated { throw HSMFailure(.operationActive, "single-part call after an update") }
        let scheme = try Self.signatureScheme(state.mechanism)
        let message = input.map { Array($0) } ?? state.buffer
        return Data(try signData(message, key: try openKey(state.key), scheme: scheme))
    }

    /// `Verify` (input given) or `VerifyFinal` (input nil).
    func verifyWithState(_ data: Data, input: Data?, signature: Data) throws(HSMFailure) {
        let state = try openState(data, expecting: .verify)
        if input != nil, state.updated { throw HSMFailure(.operationActive, "single-part call after an update") }
        let scheme = try Self.signatureScheme(state.mechanism)
        let message = input.map { Array($0) } ?? state.buffer
        try verifyData(message, signature: Array(signature), key: try openKey(state.key), scheme: scheme)
    }

    // MARK: Mechanisms

    func mechanismList() -> Grep11_GetMechanismListResponse {
        var response = Grep11_GetMechanismListResponse()
        response.mechs = MockMechanisms.all.map(\.type).filter(isAllowed).map(\.rawValue)
        return response
    }

    func mechanismInfo(_ request: Grep11_GetMechanismInfoRequest) throws(HSMFailure) -> Grep11_GetMechanismInfoResponse
    {
        guard let entry = MockMechanisms.entry(MechanismType(rawValue: request.mech)) else {
            throw HSMFailure(.mechanismInvalid, "mechanism not supported")
        }
        var info = Grep11_MechanismInfo()
        info.minKeySize = entry.minKeySize
        info.maxKeySize = entry.maxKeySize
        info.flags = entry.flags.rawValue
        var response = Grep11_GetMechanismInfoResponse()
        response.mechInfo = info
        return response
    }
}
