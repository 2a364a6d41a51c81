import EP11
import Testing

extension VocabularyTests {
    @Suite("Mechanism")
    struct MechanismTests {
        @Test(
            "Factories without parameters",
            arguments: [
                (Mechanism.insecureSHA1, MechanismType.sha1), (.sha224, .sha224), (.sha256, .sha256),
                (.sha384, .sha384),
                (.sha512, .sha512), (.aesKeyGen, .aesKeyGen), (.aesECB, .aesECB), (.aesKeyWrap, .aesKeyWrap),
                (.aesKeyWrapPad, .aesKeyWrapPad), (.insecureDES3KeyGen, .des3KeyGen),
                (.rsaKeyPairGen, .rsaPKCSKeyPairGen), (.rsaPKCS, .rsaPKCS), (.insecureRSAX509Raw, .rsaX509),
                (.insecureSHA1RSAPKCS, .sha1RSAPKCS), (.sha224RSAPKCS, .sha224RSAPKCS),
                (.sha256RSAPKCS, .sha256RSAPKCS), (.sha384RSAPKCS, .sha384RSAPKCS), (.sha512RSAPKCS, .sha512RSAPKCS),
                (.dsaParameterGen, .dsaParameterGen), (.dsaKeyPairGen, .dsaKeyPairGen),
                (.dhParameterGen, .dhPKCSParameterGen), (.dhKeyPairGen, .dhPKCSKeyPairGen),
                (.ecKeyPairGen, .ecKeyPairGen), (.ecdsa, .ecdsa), (.insecureECDSASHA1, .ecdsaSHA1),
                (.ecdsaSHA224, .ecdsaSHA224), (.ecdsaSHA256, .ecdsaSHA256), (.ecdsaSHA384, .ecdsaSHA384),
                (.ecdsaSHA512, .ecdsaSHA512), (.ed25519, .ibmED25519SHA512), (.ed448, .ibmED448SHA3),
                (.genericSecretKeyGen, .genericSecretKeyGen), (.insecureSHA1HMAC, .sha1HMAC),
                (.sha224HMAC, .sha224HMAC), (.sha256HMAC, .sha256HMAC), (.sha384HMAC, .sha384HMAC),
                (.sha512HMAC, .sha512HMAC), (.dilithium, .ibmDilithium), (.attributeBoundWrap, .ibmAttributeBoundWrap),
                (.transportKey, .ibmTransportKey),
            ])
        func plainFactories(mechanism: Mechanism, type: MechanismType) {
            #expect(mechanism.type == type)
            #expect(mechanism.parameter == .none)
            #expect(mechanism == Mechanism(type))
        }

        @Test("Raw-bytes parameters")
        func bytesParameters() {
            let iv = Array(UInt8(0)..<16)
            #expect(Mechanism.aesCBC(iv: iv) == Mechanism(.aesCBC, parameter: .bytes(iv)))
            #expect(Mechanism.aesCBCPad(iv: iv).type.rawValue == 0x1085)
            #expect(Mechanism.aesCBCPad(iv: iv).parameter == .bytes(iv))
            #expect(Mechanism.insecureDES3CBCPad(iv: Array(iv.prefix(8))).type.rawValue == 0x136)
            let point = [0x04] + Array(repeating: UInt8(0xAA), count: 64)
            #expect(Mechanism.ecdh1Derive(peerPublicKey: point) == Mechanism(.ecdh1Derive, parameter: .bytes(point)))
            #expect(Mechanism.dhDerive(peerPublicValue: [0x05]) == Mechanism(.dhPKCSDerive, parameter: .bytes([0x05])))
        }

        @Test("OAEP defaults to SHA-256, MGF1-SHA-256 and no label")
        func oaepDefaults() throws {
            let mechanism = Mechanism.rsaOAEP()
            #expect(mechanism.type.rawValue == 0x9)
            guard case .rsaOAEP(let parameters) = mechanism.parameter else {
                Issue.record("expected OAEP parameters, got \(mechanism.parameter)")
                return
            }
            #expect(parameters.hash == .sha256)
            #expect(parameters.mgf == .mgf1SHA256)
            #expect(parameters.mgf.rawValue == 2)
            #expect(parameters.label.isEmpty)
            #expect(parameters.labelSource == .notSpecified)
        }

        @Test("OAEP follows the hash and marks a label as specified")
        func oaepCustom() {
            let sha1 = Mechanism.rsaOAEP(hash: .sha1)
            #expect(sha1.parameter == .rsaOAEP(RSAOAEPParameters(hash: .sha1, mgf: .mgf1SHA1, label: [])))
            let labelled = Mechanism.rsaOAEP(hash: .sha384, mgf: .mgf1SHA256, label: [1, 2])
            guard case .rsaOAEP(let parameters) = labelled.parameter else {
                Issue.record("expected OAEP parameters")
                return
            }
            #expect(parameters.hash == .sha384)
            #expect(parameters.mgf == .mgf1SHA256)
            #expect(parameters.label == [1, 2])
            #expect(parameters.labelSource == .dataSpecified)
            #expect(parameters.labelSource.rawValue == 1)
        }

        @Test(
            "Hashed PSS factories set the matching hash, MGF1 and salt",
            arguments: [
                (
                    Mechanism.sha224RSAPSS(), UInt64(0x47), MechanismType.sha224, MaskGenerationFunction.mgf1SHA224,
                    UInt64(28)
                ),
                (.sha256RSAPSS(), 0x43, .sha256, .mgf1SHA256, 32),
                (.sha384RSAPSS(), 0x44, .sha384, .mgf1SHA384, 48),
                (.sha512RSAPSS(), 0x45, .sha512, .mgf1SHA512, 64),
                (.sha512RSAPSS(saltLength: 0), 0x45, .sha512, .mgf1SHA512, 0),
                (.rsaPSS(), 0xD, .sha256, .mgf1SHA256, 32),
                (.rsaPSS(hash: .sha384, saltLength: 20), 0xD, .sha384, .mgf1SHA384, 20),
                (.rsaPSS(hash: .sha512, mgf: .mgf1SHA1, saltLength: 0), 0xD, .sha512, .mgf1SHA1, 0),
            ])
        func pss(
            mechanism: Mechanism,
            type: UInt64,
            hash: MechanismType,
            mgf: MaskGenerationFunction,
            saltLength: UInt64
        ) {
            #expect(mechanism.type.rawValue == type)
            #expect(mechanism.parameter == .rsaPSS(RSAPSSParameters(hash: hash, mgf: mgf, saltLength: saltLength)))
        }

        @Test("Structured ECDH, BTC derive and ECSG parameters")
        func structured() {
            let hybrid = ECDH1DeriveParameters(kdf: .ibmHybridNull, publicData: [0x04, 0x01])
            #expect(hybrid.kdf.rawValue == 0x80_0001)
            #expect(hybrid.sharedData.isEmpty)
            #expect(Mechanism.ecdh1Derive(hybrid) == Mechanism(.ecdh1Derive, parameter: .ecdh1Derive(hybrid)))

            let master = BTCDeriveParameters(type: .bip32MasterKey)
            #expect(master.version == 1)
            #expect(master.childKeyIndex == 0)
            #expect(master.chainCode.isEmpty)
            let chainCode = Array(repeating: UInt8(7), count: BTCDeriveParameters.chainCodeByteCount)
            let child = BTCDeriveParameters(
                type: .slip10PrivateToPrivate,
                childKeyIndex: BTCDeriveParameters.hardenedIndexOffset + 44,
                chainCode: chainCode
            )
            let mechanism = Mechanism.btcDerive(child)
            #expect(mechanism.type.rawValue == 0x8007_0001)
            #expect(mechanism.parameter == .btcDerive(child))
            #expect(child.childKeyIndex == 0x8000_002C)

            #expect(
                Mechanism.ecdsaOther(.bls) == Mechanism(.ibmECDSAOther, parameter: .ecsg(ECSGParameters(type: .bls))))
            #expect(ECSGType.ecsdsaS256.rawValue == 3)
            #expect(ECSGType.ecsdsaCompressedMulti.rawValue == 5)
            #expect(ECSGType.bls.rawValue == 6)
        }

        @Test("Parameter vocabularies have the proto values")
        func parameterVocabularies() {
            #expect(
                [MaskGenerationFunction.mgf1SHA1, .mgf1SHA256, .mgf1SHA384, .mgf1SHA512, .mgf1SHA224].map(\.rawValue)
                    == [1, 2, 3, 4, 5])
            #expect(
                [MaskGenerationFunction.ibmMGF1SHA3_224, .ibmMGF1SHA3_256, .ibmMGF1SHA3_384, .ibmMGF1SHA3_512]
                    .map(\.rawValue) == [0x80_0001, 0x80_0002, 0x80_0003, 0x80_0004])
            #expect(MaskGenerationFunction(mgf1For: .ibmSHA3_256) == .ibmMGF1SHA3_256)
            #expect(MaskGenerationFunction(mgf1For: .aesCBC) == nil)
            #expect(MaskGenerationFunction.mgf1SHA384.digest == .sha384)
            #expect(MaskGenerationFunction(rawValue: 99).description == "0x00000063")
            #expect(
                [KeyDerivationFunction.null, .sha1KDF, .sha224KDF, .sha256KDF, .sha384KDF, .sha512KDF].map(\.rawValue)
                    == [1, 2, 5, 6, 7, 8])
            #expect(
                [
                    BTCDeriveType.bip32PrivateToPrivate, .bip32PrivateToPublic, .bip32PublicToPublic, .bip32MasterKey,
                    .slip10PrivateToPrivate, .slip10PrivateToPublic, .slip10PublicToPublic, .slip10MasterKey,
                ].map(\.rawValue) == Array(1...8))
        }

        @Test("Descriptions name the mechanism but never show parameter bytes")
        func descriptions() {
            #expect(Mechanism.sha256.description == "CKM_SHA256")
            #expect(
                Mechanism.aesCBCPad(iv: Array(repeating: 0xAB, count: 16)).description == "CKM_AES_CBC_PAD(16 bytes)")
            #expect(
                Mechanism.rsaOAEP().description
                    == "CKM_RSA_PKCS_OAEP(OAEP(hash: CKM_SHA256, mgf: CKG_MGF1_SHA256, label: 0 bytes))")
            let secretChainCode = Array(repeating: UInt8(0xCD), count: 32)
            let btc = Mechanism.btcDerive(
                BTCDeriveParameters(type: .bip32PrivateToPrivate, childKeyIndex: 1, chainCode: secretChainCode))
            #expect(!btc.description.contains("CD"))
            #expect(!btc.description.contains("205"))
            #expect(btc.description.contains("chain code: 32 bytes"))
            #expect(Mechanism(MechanismType(rawValue: 0x8009_0000)).description == "0x80090000")
        }
    }
}
