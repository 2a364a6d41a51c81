import Foundation
import GRPCCore
import SwiftProtobuf

// Every GREP11 RPC as a typed async method. Requests are built here from the public vocabulary; responses are
// turned back into it. Nothing here keeps state: multi-part operations pass `OperationState` values along.

extension EP11Client {
    // MARK: Random

    /// `GenerateRandom`: `count` bytes from the HSM's random number generator.
    nonisolated(nonsending) public func generateRandom(count: Int) async throws -> [UInt8] {
        guard count > 0 else { throw EP11Error(code: .invalidArgument, message: "random byte count must be positive") }
        var request = Grep11_GenerateRandomRequest()
        request.len = UInt64(count)
        let response = try await perform(Grep11_Crypto.Method.GenerateRandom.self, request)
        guard response.rnd.count == count else {
            throw EP11Error(
                code: .malformedResponse, message: "asked for \(count) random bytes, got \(response.rnd.count)")
        }
        return Array(response.rnd)
    }

    // MARK: Digest

    /// `DigestSingle`: hashes `data` in one call.
    nonisolated(nonsending) public func digest(_ data: [UInt8], mechanism: Mechanism) async throws -> [UInt8] {
        var request = Grep11_DigestSingleRequest()
        request.mech = mechanism.wire
        request.data = Data(data)
        return Array(try await perform(Grep11_Crypto.Method.DigestSingle.self, request).digest)
    }

    /// `DigestInit`: starts a digest; continue with ``digest(state:data:)`` or ``digestUpdate(state:data:)``.
    nonisolated(nonsending) public func digestInit(mechanism: Mechanism) async throws -> OperationState {
        var request = Grep11_DigestInitRequest()
        request.mech = mechanism.wire
        return OperationState(Array(try await perform(Grep11_Crypto.Method.DigestInit.self, request).state))
    }

    /// `Digest`: PKCS#11 single-part digest after ``digestInit(mechanism:)``.
    nonisolated(nonsending) public func digest(state: OperationState, data: [UInt8]) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.Digest.self, state) { $0.data = Data(data) }.digest)
    }

    /// `DigestUpdate`: feeds more data; returns the state for the next call.
    nonisolated(nonsending) public func digestUpdate(state: OperationState, data: [UInt8]) async throws
        -> OperationState
    {
        try await update(Grep11_Crypto.Method.DigestUpdate.self, state) { $0.data = Data(data) }
    }

    /// `DigestKey`: feeds a secret key's value into the digest without revealing it.
    nonisolated(nonsending) public func digestKey(state: OperationState, key: KeyBlob) async throws -> OperationState {
        var request = Grep11_DigestKeyRequest()
        request.state = Data(state.bytes)
        request.key = key.wire
        return OperationState(
            Array(try await perform(Grep11_Crypto.Method.DigestKey.self, request, keys: [.blob(\.key)]).state))
    }

    /// `DigestFinal`: the digest of everything fed so far.
    nonisolated(nonsending) public func digestFinal(state: OperationState) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.DigestFinal.self, state).digest)
    }

    // MARK: Encrypt

    /// `EncryptSingle`: encrypts `plaintext` in one call.
    nonisolated(nonsending) public func encrypt(_ plaintext: [UInt8], key: KeyBlob, mechanism: Mechanism) async throws
        -> [UInt8]
    {
        Array(
            try await keyed(Grep11_Crypto.Method.EncryptSingle.self, mechanism, key, \.key) {
                $0.plain = Data(plaintext)
            }.ciphered)
    }

    /// `EncryptInit`: starts an encryption with `key`.
    nonisolated(nonsending) public func encryptInit(key: KeyBlob, mechanism: Mechanism) async throws -> OperationState {
        try await start(Grep11_Crypto.Method.EncryptInit.self, mechanism, key, \.key)
    }

    /// `Encrypt`: PKCS#11 single-part encryption after ``encryptInit(key:mechanism:)``.
    nonisolated(nonsending) public func encrypt(state: OperationState, plaintext: [UInt8]) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.Encrypt.self, state) { $0.plain = Data(plaintext) }.ciphered)
    }

    /// `EncryptUpdate`: encrypts another part; returns the new state and the ciphertext produced so far.
    nonisolated(nonsending) public func encryptUpdate(
        state: OperationState,
        plaintext: [UInt8]
    ) async throws -> (state: OperationState, ciphertext: [UInt8]) {
        let response = try await step(Grep11_Crypto.Method.EncryptUpdate.self, state) { $0.plain = Data(plaintext) }
        return (OperationState(Array(response.state)), Array(response.ciphered))
    }

    /// `EncryptFinal`: the last ciphertext part (e.g. the padded final block).
    nonisolated(nonsending) public func encryptFinal(state: OperationState) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.EncryptFinal.self, state).ciphered)
    }

    // MARK: Decrypt

    /// `DecryptSingle`: decrypts `ciphertext` in one call.
    nonisolated(nonsending) public func decrypt(_ ciphertext: [UInt8], key: KeyBlob, mechanism: Mechanism) async throws
        -> [UInt8]
    {
        Array(
            try await keyed(Grep11_Crypto.Method.DecryptSingle.self, mechanism, key, \.key) {
                $0.ciphered = Data(ciphertext)
            }.plain)
    }

    /// `DecryptInit`: starts a decryption with `key`.
    nonisolated(nonsending) public func decryptInit(key: KeyBlob, mechanism: Mechanism) async throws -> OperationState {
        try await start(Grep11_Crypto.Method.DecryptInit.self, mechanism, key, \.key)
    }

    /// `Decrypt`: PKCS#11 single-part decryption after ``decryptInit(key:mechanism:)``.
    nonisolated(nonsending) public func decrypt(state: OperationState, ciphertext: [UInt8]) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.Decrypt.self, state) { $0.ciphered = Data(ciphertext) }.plain)
    }

    /// `DecryptUpdate`: decrypts another part; returns the new state and the plaintext released so far.
    nonisolated(nonsending) public func decryptUpdate(
        state: OperationState,
        ciphertext: [UInt8]
    ) async throws -> (state: OperationState, plaintext: [UInt8]) {
        let response = try await step(Grep11_Crypto.Method.DecryptUpdate.self, state) { $0.ciphered = Data(ciphertext) }
        return (OperationState(Array(response.state)), Array(response.plain))
    }

    /// `DecryptFinal`: the last plaintext part (padding removed).
    nonisolated(nonsending) public func decryptFinal(state: OperationState) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.DecryptFinal.self, state).plain)
    }

    /// `ReencryptSingle`: decrypts with one key and encrypts with another inside the HSM.
    nonisolated(nonsending) public func reencrypt(
        _ ciphertext: [UInt8],
        decryptionKey: KeyBlob,
        decryptionMechanism: Mechanism,
        encryptionKey: KeyBlob,
        encryptionMechanism: Mechanism
    ) async throws -> [UInt8] {
        var request = Grep11_ReencryptSingleRequest()
        request.decMech = decryptionMechanism.wire
        request.encMech = encryptionMechanism.wire
        request.decKey = decryptionKey.wire
        request.encKey = encryptionKey.wire
        request.ciphered = Data(ciphertext)
        return Array(
            try await perform(
                Grep11_Crypto.Method.ReencryptSingle.self, request, keys: [.blob(\.decKey), .blob(\.encKey)]
            ).reciphered)
    }

    // MARK: Sign

    /// `SignSingle`: signs `data` in one call. ECDSA signatures are raw `r‖s`.
    nonisolated(nonsending) public func sign(_ data: [UInt8], key: KeyBlob, mechanism: Mechanism) async throws
        -> [UInt8]
    {
        Array(
            try await keyed(Grep11_Crypto.Method.SignSingle.self, mechanism, key, \.privKey) { $0.data = Data(data) }
                .signature)
    }

    /// `SignInit`: starts a signature with a private key.
    nonisolated(nonsending) public func signInit(key: KeyBlob, mechanism: Mechanism) async throws -> OperationState {
        try await start(Grep11_Crypto.Method.SignInit.self, mechanism, key, \.privKey)
    }

    /// `Sign`: PKCS#11 single-part signature after ``signInit(key:mechanism:)``.
    nonisolated(nonsending) public func sign(state: OperationState, data: [UInt8]) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.Sign.self, state) { $0.data = Data(data) }.signature)
    }

    /// `SignUpdate`: feeds more data to a signature.
    nonisolated(nonsending) public func signUpdate(state: OperationState, data: [UInt8]) async throws -> OperationState
    {
        try await update(Grep11_Crypto.Method.SignUpdate.self, state) { $0.data = Data(data) }
    }

    /// `SignFinal`: the signature over everything fed so far.
    nonisolated(nonsending) public func signFinal(state: OperationState) async throws -> [UInt8] {
        Array(try await step(Grep11_Crypto.Method.SignFinal.self, state).signature)
    }

    // MARK: Verify

    /// `VerifySingle`: returns normally when the signature is valid; throws ``EP11Error/signatureInvalid``
    /// when it is not.
    nonisolated(nonsending) public func verify(
        _ signature: [UInt8], for data: [UInt8], key: KeyBlob, mechanism: Mechanism
    ) async throws {
        _ = try await keyed(Grep11_Crypto.Method.VerifySingle.self, mechanism, key, \.pubKey) {
            $0.data = Data(data); $0.signature = Data(signature)
        }
    }

    /// `VerifyInit`: starts a verification with a public key.
    nonisolated(nonsending) public func verifyInit(key: KeyBlob, mechanism: Mechanism) async throws -> OperationState {
        try await start(Grep11_Crypto.Method.VerifyInit.self, mechanism, key, \.pubKey)
    }

    /// `Verify`: PKCS#11 single-part verification after ``verifyInit(key:mechanism:)``.
    nonisolated(nonsending) public func verify(state: OperationState, data: [UInt8], signature: [UInt8]) async throws {
        _ = try await step(Grep11_Crypto.Method.Verify.self, state) {
            $0.data = Data(data); $0.signature = Data(signature)
        }
    }

    /// `VerifyUpdate`: feeds more data to a verification.
    nonisolated(nonsending) public func verifyUpdate(state: OperationState, data: [UInt8]) async throws
        -> OperationState
    {
        try await update(Grep11_Crypto.Method.VerifyUpdate.self, state) { $0.data = Data(data) }
    }

    /// `VerifyFinal`: checks `signature` over everything fed so far.
    nonisolated(nonsending) public func verifyFinal(state: OperationState, signature: [UInt8]) async throws {
        _ = try await step(Grep11_Crypto.Method.VerifyFinal.self, state) { $0.signature = Data(signature) }
    }

    // MARK: Call shapes

    /// The calls that continue a multi-part operation (`Encrypt`, `SignUpdate`, `DigestFinal`, ...): `state`,
    /// and `inputs` sets the request's byte fields (a closure, not a list of key paths: nothing is allocated for
    /// it per call).
    nonisolated(nonsending) private func step<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ state: OperationState,
        inputs: (inout Method.Input) -> Void = { _ in }
    ) async throws -> Method.Output where Method.Input: GREP11StateRequest {
        var request = Method.Input()
        request.state = Data(state.bytes)
        inputs(&request)
        return try await perform(method, request)
    }

    /// The `*Update` calls that return only the operation's next state.
    nonisolated(nonsending) private func update<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ state: OperationState,
        input: (inout Method.Input) -> Void
    ) async throws -> OperationState where Method.Input: GREP11StateRequest, Method.Output: GREP11StateResponse {
        OperationState(Array(try await step(method, state, inputs: input).state))
    }

    /// The calls that run `mechanism` with `key` in the request field `keyField` (`EncryptSingle`, `SignInit`,
    /// ...), `inputs` setting the request's byte fields. A key under a retired master key is re-enciphered as
    /// ``EP11Client/MasterKeyRotation`` says.
    nonisolated(nonsending) private func keyed<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ mechanism: Mechanism,
        _ key: KeyBlob,
        _ keyField: WritableKeyPath<Method.Input, Grep11_KeyBlob>,
        inputs: (inout Method.Input) -> Void = { _ in }
    ) async throws -> Method.Output where Method.Input: GREP11MechanismRequest {
        var request = Method.Input()
        request.mech = mechanism.wire
        request[keyPath: keyField] = key.wire
        inputs(&request)
        return try await perform(method, request, keys: [.blob(keyField)])
    }

    /// The `*Init` calls that start an operation with a key: their state.
    nonisolated(nonsending) private func start<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ mechanism: Mechanism,
        _ key: KeyBlob,
        _ keyField: WritableKeyPath<Method.Input, Grep11_KeyBlob>
    ) async throws -> OperationState where Method.Input: GREP11MechanismRequest, Method.Output: GREP11StateResponse {
        OperationState(Array(try await keyed(method, mechanism, key, keyField).state))
    }

    // MARK: Keys

    /// `GenerateKey`: a new secret key (AES, DES3, generic secret) made inside the HSM.
    nonisolated(nonsending) public func generateKey(_ mechanism: Mechanism, template: AttributeTemplate) async throws
        -> GeneratedKey
    {
        var request = Grep11_GenerateKeyRequest()
        request.mech = mechanism.wire
        request.template = template.wire
        let response = try await perform(Grep11_Crypto.Method.GenerateKey.self, request)
        let key = try KeyBlob(returnedBy: "GenerateKey", wire: response.key, fallbackBytes: response.keyBytes)
        return GeneratedKey(key: key, checksum: Array(response.checkSum))
    }

    /// `GenerateKeyPair`: a new key pair (RSA, EC, Ed25519, ...) made inside the HSM.
    nonisolated(nonsending) public func generateKeyPair(
        _ mechanism: Mechanism,
        publicKeyTemplate: AttributeTemplate,
        privateKeyTemplate: AttributeTemplate
    ) async throws -> KeyPair {
        var request = Grep11_GenerateKeyPairRequest()
        request.mech = mechanism.wire
        request.pubKeyTemplate = publicKeyTemplate.wire
        request.privKeyTemplate = privateKeyTemplate.wire
        let response = try await perform(Grep11_Crypto.Method.GenerateKeyPair.self, request)
        return KeyPair(
            publicKey: try KeyBlob(
                returnedBy: "GenerateKeyPair", wire: response.pubKey, fallbackBytes: response.pubKeyBytes),
            privateKey: try KeyBlob(
                returnedBy: "GenerateKeyPair", wire: response.privKey, fallbackBytes: response.privKeyBytes))
    }

    /// `WrapKey`: exports `key` encrypted under `wrappingKey` (AES_CBC_PAD and key-wrap gives the raw key or
    /// PKCS#8; RSA-OAEP/PKCS gives the encrypted raw key). `macKey` is for attribute-bound wrapping.
    nonisolated(nonsending) public func wrapKey(
        _ key: KeyBlob,
        wrappingKey: KeyBlob,
        mechanism: Mechanism,
        macKey: KeyBlob? = nil
    ) async throws -> [UInt8] {
        var request = Grep11_WrapKeyRequest()
        request.mech = mechanism.wire
        request.key = key.wire
        request.keK = wrappingKey.wire
        if let macKey { request.macKey = macKey.wire }
        return Array(
            try await perform(
                Grep11_Crypto.Method.WrapKey.self, request, keys: [.blob(\.key), .blob(\.keK), .blob(\.macKey)]
            ).wrapped)
    }

    /// `UnwrapKey`: imports a wrapped key; `template` describes the new key.
    nonisolated(nonsending) public func unwrapKey(
        _ wrapped: [UInt8],
        unwrappingKey: KeyBlob,
        mechanism: Mechanism,
        template: AttributeTemplate,
        macKey: KeyBlob? = nil
    ) async throws -> GeneratedKey {
        var request = Grep11_UnwrapKeyRequest()
        request.mech = mechanism.wire
        request.wrapped = Data(wrapped)
        request.keK = unwrappingKey.wire
        request.template = template.wire
        if let macKey { request.macKey = macKey.wire }
        let response = try await perform(
            Grep11_Crypto.Method.UnwrapKey.self, request, keys: [.blob(\.keK), .blob(\.macKey)])
        let key = try KeyBlob(
            returnedBy: "UnwrapKey", wire: response.unwrapped, fallbackBytes: response.unwrappedBytes)
        return GeneratedKey(key: key, checksum: Array(response.checkSum))
    }

    /// `DeriveKey`: a new key derived from `baseKey` (ECDH, BIP32/SLIP-10, ...).
    nonisolated(nonsending) public func deriveKey(
        _ mechanism: Mechanism,
        baseKey: KeyBlob,
        template: AttributeTemplate,
        data: [UInt8] = []
    ) async throws -> GeneratedKey {
        var request = Grep11_DeriveKeyRequest()
        request.mech = mechanism.wire
        request.baseKey = baseKey.wire
        request.template = template.wire
        request.data = Data(data)
        let response = try await perform(Grep11_Crypto.Method.DeriveKey.self, request, keys: [.blob(\.baseKey)])
        let key = try KeyBlob(returnedBy: "DeriveKey", wire: response.newKey, fallbackBytes: response.newKeyBytes)
        return GeneratedKey(key: key, checksum: Array(response.checkSum))
    }

    /// `RewrapKeyBlob`: re-encrypts a blob under the HSM's next (committed) master key.
    nonisolated(nonsending) public func rewrapKeyBlob(_ key: KeyBlob) async throws -> KeyBlob {
        var request = Grep11_RewrapKeyBlobRequest()
        request.wrappedKeyBytes = Data(key.bytes)
        request.wrappedKey = key.wire
        let response = try await perform(Grep11_Crypto.Method.RewrapKeyBlob.self, request)
        return try KeyBlob(
            returnedBy: "RewrapKeyBlob", wire: response.rewrappedKey, fallbackBytes: response.rewrappedKeyBytes)
    }

    // MARK: Mechanisms and attributes

    /// `GetMechanismList`: the mechanisms the HSM offers.
    nonisolated(nonsending) public func mechanismList() async throws -> [MechanismType] {
        let response = try await perform(Grep11_Crypto.Method.GetMechanismList.self, Grep11_GetMechanismListRequest())
        return response.mechs.map { MechanismType(rawValue: $0) }
    }

    /// `GetMechanismInfo`: key-size range and capability flags of one mechanism.
    nonisolated(nonsending) public func mechanismInfo(_ mechanism: MechanismType) async throws -> MechanismInfo {
        var request = Grep11_GetMechanismInfoRequest()
        request.mech = mechanism.rawValue
        let response = try await perform(Grep11_Crypto.Method.GetMechanismInfo.self, request)
        return MechanismInfo(
            minKeySize: response.mechInfo.minKeySize,
            maxKeySize: response.mechInfo.maxKeySize,
            flags: MechanismInfo.Flags(rawValue: response.mechInfo.flags)
        )
    }

    /// `GetAttributeValue`: the values of `types` on a key.
    nonisolated(nonsending) public func attributeValues(of key: KeyBlob, types: [AttributeType]) async throws
        -> AttributeTemplate
    {
        var request = Grep11_GetAttributeValueRequest()
        request.object = Data(key.bytes)
        for type in types {
            request.attributes[type.rawValue] = Grep11_AttributeValue()
        }
        let response = try await perform(
            Grep11_Crypto.Method.GetAttributeValue.self, request, keys: [.bytes(\.object)])
        var result = AttributeTemplate(wire: response.attributes)
        for (type, bytes) in response.attributesBytes where result[AttributeType(rawValue: type)] == nil {
            result[AttributeType(rawValue: type)] = .bytes(Array(bytes))
        }
        return result
    }

    /// `SetAttributeValue`: changes attributes of a key; returns the new blob (the old one stays valid with the
    /// old attributes, as on a real HSM).
    nonisolated(nonsending) public func setAttributeValues(_ attributes: AttributeTemplate, on key: KeyBlob)
        async throws -> KeyBlob
    {
        var request = Grep11_SetAttributeValueRequest()
        request.object = Data(key.bytes)
        request.attributes = attributes.wire
        let response = try await perform(
            Grep11_Crypto.Method.SetAttributeValue.self, request, keys: [.bytes(\.object)])
        guard !response.object.isEmpty else {
            throw EP11Error(code: .malformedResponse, message: "SetAttributeValue returned no key")
        }
        return KeyBlob(Array(response.object))
    }
}

/// A key blob inside a request, which master-key rotation (``EP11Client/MasterKeyRotation``) reads and replaces.
package struct KeyBlobField<Input> {
    let read: (Input) -> KeyBlob?
    let write: (inout Input, KeyBlob) -> Void

    /// A `KeyBlob` message field; an unset one (`KeyBlobs` empty) is skipped. The field is read back through its
    /// encoding, since ``KeyBlob/wire`` may hold its fields pre-encoded.
    static func blob(_ path: WritableKeyPath<Input, Grep11_KeyBlob>) -> KeyBlobField {
        KeyBlobField(
            read: { request in
                let encoded: [UInt8]? = try? request[keyPath: path].serializedBytes()
                guard let encoded, let field = try? Grep11_KeyBlob(serializedBytes: encoded),
                    !field.keyBlobs.isEmpty
                else { return nil }
                return KeyBlob(wire: field)
            },
            write: { $0[keyPath: path] = $1.wire })
    }

    /// A raw bytes field holding a blob (`GetAttributeValue`, `SetAttributeValue`).
    static func bytes(_ path: WritableKeyPath<Input, Data>) -> KeyBlobField {
        KeyBlobField(
            read: { KeyBlob(Array($0[keyPath: path])) },
            write: { $0[keyPath: path] = Data($1.bytes) })
    }
}

/// A request that continues a multi-part operation: it carries the operation's state.
package protocol GREP11StateRequest: SwiftProtobuf.Message {
    var state: Data { get set }
}

/// A response that returns a multi-part operation's next state.
protocol GREP11StateResponse: SwiftProtobuf.Message {
    var state: Data { get }
}

/// A request that names the mechanism to run.
protocol GREP11MechanismRequest: SwiftProtobuf.Message {
    var mech: Grep11_Mechanism { get set }
}

extension Grep11_DigestRequest: GREP11StateRequest {}
extension Grep11_DigestUpdateRequest: GREP11StateRequest {}
extension Grep11_DigestFinalRequest: GREP11StateRequest {}
extension Grep11_EncryptRequest: GREP11StateRequest {}
extension Grep11_EncryptUpdateRequest: GREP11StateRequest {}
extension Grep11_EncryptFinalRequest: GREP11StateRequest {}
extension Grep11_DecryptRequest: GREP11StateRequest {}
extension Grep11_DecryptUpdateRequest: GREP11StateRequest {}
extension Grep11_DecryptFinalRequest: GREP11StateRequest {}
extension Grep11_SignRequest: GREP11StateRequest {}
extension Grep11_SignUpdateRequest: GREP11StateRequest {}
extension Grep11_SignFinalRequest: GREP11StateRequest {}
extension Grep11_VerifyRequest: GREP11StateRequest {}
extension Grep11_VerifyUpdateRequest: GREP11StateRequest {}
extension Grep11_VerifyFinalRequest: GREP11StateRequest {}

extension Grep11_DigestUpdateResponse: GREP11StateResponse {}
extension Grep11_SignUpdateResponse: GREP11StateResponse {}
extension Grep11_VerifyUpdateResponse: GREP11StateResponse {}
extension Grep11_EncryptInitResponse: GREP11StateResponse {}
extension Grep11_DecryptInitResponse: GREP11StateResponse {}
extension Grep11_SignInitResponse: GREP11StateResponse {}
extension Grep11_VerifyInitResponse: GREP11StateResponse {}

extension Grep11_EncryptSingleRequest: GREP11MechanismRequest {}
extension Grep11_EncryptInitRequest: GREP11MechanismRequest {}
extension Grep11_DecryptSingleRequest: GREP11MechanismRequest {}
extension Grep11_DecryptInitRequest: GREP11MechanismRequest {}
extension Grep11_SignSingleRequest: GREP11MechanismRequest {}
extension Grep11_SignInitRequest: GREP11MechanismRequest {}
extension Grep11_VerifySingleRequest: GREP11MechanismRequest {}
extension Grep11_VerifyInitRequest: GREP11MechanismRequest {}
