import EP11
import Foundation
import HSMMock
import Testing

/// The flows of IBM's GREP11 examples that the mock used to refuse: DSA and DH domain-parameter generation with the
/// parameters passed back unopened as `CKA_IBM_STRUCT_PARAMS`, DSA signatures in every flow, DH agreement, and
/// attribute-bound wrapping under an RSA key pair. Each test makes the calls the example makes, in its order.
@Suite("HSM mock: IBM example flows (DSA, DH, attribute-bound RSA wrap)")
struct IBMExampleFlowTests {
    // MARK: DSA

    @Test("DSA: parameters, key pair, CKM_DSA_SHA1 in single, PKCS#11 single and multi-part flows", arguments: [2048])
    func dsaFlows(primeBits: Int) async throws {
        try await withMockHSM { client in
            let parameters = try await client.generateKey(.dsaParameterGen, template: [.primeBits(primeBits)])
            let pair = try await client.generateKeyPair(
                .dsaKeyPairGen,
                publicKeyTemplate: [.verify(true), .extractable(false), .structParameters(parameters.key.bytes)],
                privateKeyTemplate: [.sign(true), .private(true), .sensitive(true), .extractable(false)]
            )
            let info = try pair.publicKey.publicKeyInfo()
            #expect(info.algorithm == .dsa)
            let message = Array("This data needs to be signed".utf8)

            // EP11 single-part: SignSingle / VerifySingle.
            let single = try await client.sign(message, key: pair.privateKey, mechanism: .insecureDSASHA1)
            #expect(single.count == 64)  // r‖s with a 256-bit q
            try await client.verify(single, for: message, key: pair.publicKey, mechanism: .insecureDSASHA1)

            // PKCS#11 single-part: SignInit + Sign, VerifyInit + Verify.
            let signState = try await client.signInit(key: pair.privateKey, mechanism: .insecureDSASHA1)
            let pkcs11 = try await client.sign(state: signState, data: message)
            let verifyState = try await client.verifyInit(key: pair.publicKey, mechanism: .insecureDSASHA1)
            try await client.verify(state: verifyState, data: message, signature: pkcs11)

            // PKCS#11 multi-part: SignUpdate x2 + SignFinal, VerifyUpdate x2 + VerifyFinal.
            var multiSign = try await client.signInit(key: pair.privateKey, mechanism: .insecureDSASHA1)
            multiSign = try await client.signUpdate(state: multiSign, data: Array(message.prefix(10)))
            multiSign = try await client.signUpdate(state: multiSign, data: Array(message.dropFirst(10)))
            let multi = try await client.signFinal(state: multiSign)
            var multiVerify = try await client.verifyInit(key: pair.publicKey, mechanism: .insecureDSASHA1)
            multiVerify = try await client.verifyUpdate(state: multiVerify, data: Array(message.prefix(3)))
            multiVerify = try await client.verifyUpdate(state: multiVerify, data: Array(message.dropFirst(3)))
            try await client.verifyFinal(state: multiVerify, signature: multi)

            // DSA is randomized, yet every flow signs the same message: each verifies in the single-part flow.
            #expect(single != multi)
            try await client.verify(pkcs11, for: message, key: pair.publicKey, mechanism: .insecureDSASHA1)
            try await client.expectSignatureVerifiesAndTamperingFails(
                multi, for: message, key: pair.publicKey, mechanism: .insecureDSASHA1)
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(single, for: message + [0], key: pair.publicKey, mechanism: .insecureDSASHA1)
            }
        }
    }

    @Test("DSA 3072: the parameters are a 3072/256 group and a key pair can be made on them")
    func dsa3072() async throws {
        try await withMockHSM { client in
            let parameters = try await client.generateKey(.dsaParameterGen, template: [.primeBits(3072)])
            let pair = try await client.generateKeyPair(
                .dsaKeyPairGen, publicKeyTemplate: [.verify(true), .structParameters(parameters.key.bytes)],
                privateKeyTemplate: [.sign(true)])
            let message = Array("3072".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .dsaSHA256)
            #expect(signature.count == 64)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .dsaSHA256)
            let attributes = try await client.attributeValues(of: pair.publicKey, types: [.primeBits, .prime])
            #expect(attributes[.primeBits]?.integerValue == 3072)
            #expect(attributes[.prime]?.bytesValue?.count == 384)
        }
    }

    @Test("parameter generation refuses other sizes, a missing CKA_PRIME_BITS and a foreign blob")
    func parameterRefusals() async throws {
        try await withMockHSM { client in
            for bits in [1024, 4096, 2047] {
                await #expect(throws: EP11Error.keySizeRange) {
                    try await client.generateKey(.dhParameterGen, template: [.primeBits(bits)])
                }
            }
            await #expect(throws: EP11Error.templateIncomplete) {
                try await client.generateKey(.dsaParameterGen, template: [.sensitive(true)])
            }
            await #expect(throws: EP11Error.keySizeRange) {
                try await client.generateKey(.dsaParameterGen, template: [.primeBits(2048), .subprimeBits(224)])
            }
            // DH parameters handed to DSA key generation, and bytes that are not parameters at all.
            let dh = try await client.generateKey(.dhParameterGen, template: [.primeBits(2048)])
            await #expect(throws: EP11Error.templateInconsistent) {
                try await client.generateKeyPair(
                    .dsaKeyPairGen, publicKeyTemplate: [.structParameters(dh.key.bytes)], privateKeyTemplate: [])
            }
            await #expect(throws: EP11Error.attributeValueInvalid) {
                try await client.generateKeyPair(
                    .dhKeyPairGen, publicKeyTemplate: [.structParameters([0x30, 0x03, 0x02, 0x01, 0x05])],
                    privateKeyTemplate: [])
            }
            // The blob and separate integers together are ambiguous.
            await #expect(throws: EP11Error.templateInconsistent) {
                try await client.generateKeyPair(
                    .dhKeyPairGen,
                    publicKeyTemplate: [.structParameters(dh.key.bytes), .prime(FiniteFieldGroup.ffdhe2048.prime)],
                    privateKeyTemplate: [])
            }
        }
    }

    @Test("the parameters come in KeyBytes and in Key.KeyBlobs[0] alike, and GenerateKeyPair takes either")
    func bothResponseFields() async throws {
        let mock = try HSMMock()
        var request = Grep11_GenerateKeyRequest()
        request.mech = Mechanism.dsaParameterGen.wire
        request.template = AttributeTemplate([.primeBits(2048)]).wire
        guard
            case .response(let bytes) = await mock.dispatch(
                .init(Grep11_Crypto.Method.GenerateKey.self), request: try request.serializedBytes())
        else {
            Issue.record("CKM_DSA_PARAMETER_GEN failed")
            return
        }
        let response = try Grep11_GenerateKeyResponse(serializedBytes: bytes)
        #expect(!response.keyBytes.isEmpty)
        #expect(response.key.keyBlobs.first == response.keyBytes)
        // As the examples do: the blob from `KeyBytes` in one flow, from `Key.KeyBlobs[0]` in another.
        for blob in [response.keyBytes, try #require(response.key.keyBlobs.first)] {
            var pairRequest = Grep11_GenerateKeyPairRequest()
            pairRequest.mech = Mechanism.dsaKeyPairGen.wire
            pairRequest.pubKeyTemplate = AttributeTemplate([.verify(true), .structParameters(Array(blob))]).wire
            pairRequest.privKeyTemplate = AttributeTemplate([.sign(true)]).wire
            let outcome = await mock.dispatch(
                .init(Grep11_Crypto.Method.GenerateKeyPair.self), request: try pairRequest.serializedBytes())
            guard case .response(let pairBytes) = outcome else {
                Issue.record("GenerateKeyPair with CKA_IBM_STRUCT_PARAMS: \(outcome)")
                continue
            }
            let pair = try Grep11_GenerateKeyPairResponse(serializedBytes: pairBytes)
            #expect(pair.pubKeyBytes.first == 0x30)
            #expect(pair.privKey.keyBlobs.first == pair.privKeyBytes)
        }
    }

    // MARK: DH

    @Test("DH: parameters, two key pairs, CKM_DH_PKCS_DERIVE both ways, one AES key", arguments: [2048, 3072])
    func dhAgreement(primeBits: Int) async throws {
        try await withMockHSM { client in
            let parameters = try await client.generateKey(.dhParameterGen, template: [.primeBits(primeBits)])
            let publicTemplate: AttributeTemplate = [
                .derive(true), .extractable(false), .structParameters(parameters.key.bytes),
            ]
            let privateTemplate: AttributeTemplate = [
                .derive(true), .private(true), .sensitive(true), .extractable(false),
            ]
            let alice = try await client.generateKeyPair(
                .dhKeyPairGen, publicKeyTemplate: publicTemplate, privateKeyTemplate: privateTemplate)
            let bob = try await client.generateKeyPair(
                .dhKeyPairGen, publicKeyTemplate: publicTemplate, privateKeyTemplate: privateTemplate)
            let aliceY = try alice.publicKey.publicKeyInfo().finiteFieldPublicValue()
            let bobY = try bob.publicKey.publicKeyInfo().finiteFieldPublicValue()
            #expect(aliceY != bobY)
            let template: AttributeTemplate = [
                .class(.secretKey), .keyType(.aes), .valueLength(16), .encrypt(true), .decrypt(true),
            ]
            let (aliceKey, bobKey) = try await client.expectDHAgreement(alice, bob, template: template)
            try await client.expectAESRoundTrip(
                Array("hello world!".utf8), from: aliceKey.key, to: bobKey.key,
                iv: try await client.generateRandom(count: 16))
            let prime = try await client.attributeValues(of: alice.publicKey, types: [.prime])[.prime]?.bytesValue
            #expect(prime?.count == primeBits / 8)
        }
    }

    // MARK: Attribute-bound wrap under RSA

    static let rsaPublicTemplate: AttributeTemplate = [
        .encrypt(true), .wrap(true), .modulusBits(4096), .publicExponent(65537), .attributeBound(true),
    ]
    static let rsaPrivateTemplate: AttributeTemplate = [
        .private(true), .sensitive(true), .decrypt(true), .unwrap(true), .attributeBound(true),
    ]

    @Test("attribute-bound wrap of an AES key under an RSA-4096 public key, unwrapped with the private key")
    func attributeBoundRSA() async throws {
        try await withMockHSM { client in
            let macKey = try await client.generateKey(
                .genericSecretKeyGen,
                template: [.keyType(.genericSecret), .class(.secretKey), .valueLength(32), .attributeBound(true)])
            let aes = try await client.generateKey(
                .aesKeyGen,
                template: [
                    .valueLength(32), .encrypt(true), .decrypt(true), .extractable(true), .attributeBound(true),
                ])
            let rsa = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: Self.rsaPublicTemplate, privateKeyTemplate: Self.rsaPrivateTemplate)
            let wrapped = try await client.wrapKey(
                aes.key, wrappingKey: rsa.publicKey, mechanism: .attributeBoundWrap, macKey: macKey.key)
            let unwrapTemplate: AttributeTemplate = [
                .class(.secretKey), .keyType(.aes), .valueLength(32), .encrypt(true), .decrypt(true),
            ]
            let unwrapped = try await client.unwrapKey(
                wrapped, unwrappingKey: rsa.privateKey, mechanism: .attributeBoundWrap, template: unwrapTemplate,
                macKey: macKey.key)
            #expect(unwrapped.checkValue == aes.checkValue)
            // The attributes travelled with the key: it is still extractable and attribute-bound.
            let attributes = try await client.attributeValues(
                of: unwrapped.key, types: [.extractable, .ibmAttributeBound])
            #expect(attributes[.extractable]?.boolValue == true)
            #expect(attributes[.ibmAttributeBound]?.boolValue == true)
            try await client.expectAESRoundTrip(
                Array("bound".utf8), from: aes.key, to: unwrapped.key, iv: [UInt8](repeating: 1, count: 16))

            // A changed byte fails the MAC; a different MAC key too; the public key cannot unwrap.
            var tampered = wrapped
            tampered[40] ^= 0x80
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(
                    tampered, unwrappingKey: rsa.privateKey, mechanism: .attributeBoundWrap,
                    template: unwrapTemplate, macKey: macKey.key)
            }
            let otherMAC = try await client.generateKey(
                .genericSecretKeyGen, template: [.valueLength(32), .attributeBound(true)])
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(
                    wrapped, unwrappingKey: rsa.privateKey, mechanism: .attributeBoundWrap,
                    template: unwrapTemplate, macKey: otherMAC.key)
            }
            await #expect(throws: EP11Error(returnValue: .unwrappingKeyTypeInconsistent)) {
                try await client.unwrapKey(
                    wrapped, unwrappingKey: rsa.publicKey, mechanism: .attributeBoundWrap,
                    template: unwrapTemplate, macKey: macKey.key)
            }
        }
    }

    @Test("an RSA KEK that is not attribute-bound cannot wrap attribute-bound")
    func attributeBoundRSANeedsBoundKEK() async throws {
        try await withMockHSM { client in
            let macKey = try await client.generateKey(
                .genericSecretKeyGen, template: [.valueLength(32), .attributeBound(true)])
            let aes = try await client.generateKey(
                .aesKeyGen, template: [.valueLength(16), .extractable(true), .attributeBound(true)])
            let plain = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: [.wrap(true), .modulusBits(2048)],
                privateKeyTemplate: [.unwrap(true)])
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.wrapKey(
                    aes.key, wrappingKey: plain.publicKey, mechanism: .attributeBoundWrap, macKey: macKey.key)
            }
        }
    }

    // MARK: Mechanism list

    @Test("GetMechanismList and GetMechanismInfo list parameter generation and attribute-bound wrap")
    func mechanismList() async throws {
        try await withMockHSM { client in
            let list = try await client.mechanismList()
            for mechanism in [MechanismType.dsaParameterGen, .dhPKCSParameterGen, .ibmAttributeBoundWrap, .dsaSHA1] {
                #expect(list.contains(mechanism), "\(mechanism)")
            }
            for mechanism in [MechanismType.dsaParameterGen, .dhPKCSParameterGen] {
                let info = try await client.mechanismInfo(mechanism)
                #expect(info.minKeySize == 2048)
                #expect(info.maxKeySize == 3072)
                #expect(info.flags.contains(.generate))
            }
        }
    }
}
