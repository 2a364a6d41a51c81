import Crypto
import EP11
import Foundation
import HSMMock
import Testing
import X509
import _CryptoExtras

@Suite("EP11 client and HSM mock: wrap, unwrap, attributes, mechanisms, rewrap")
struct KeyManagementTests {
    @Test("AES keys wrapped under AES (CBC-PAD, key wrap, key wrap with padding) unwrap to the same key")
    func wrapUnderAES() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let target = try await client.generateKey(.aesKeyGen, template: Templates.aes256)
            let iv = [UInt8](repeating: 9, count: 16)
            for mechanism in [Mechanism.aesCBCPad(iv: iv), .aesKeyWrap, .aesKeyWrapPad] {
                let wrapped = try await client.wrapKey(target.key, wrappingKey: kek, mechanism: mechanism)
                let unwrapped = try await client.unwrapKey(
                    wrapped, unwrappingKey: kek, mechanism: mechanism,
                    template: [.class(.secretKey), .keyType(.aes), .valueLength(32), .encrypt(true), .decrypt(true)])
                #expect(unwrapped.checksum == target.checksum, "\(mechanism)")
            }
            // AES-CBC-PAD wrapping of a secret yields exactly the padded raw key: 32 bytes → 48.
            let wrapped = try await client.wrapKey(target.key, wrappingKey: kek, mechanism: .aesCBCPad(iv: iv))
            #expect(wrapped.count == 48)
            var corrupted = wrapped
            corrupted[47] ^= 0x55
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(
                    corrupted, unwrappingKey: kek, mechanism: .aesCBCPad(iv: iv),
                    template: [.class(.secretKey), .keyType(.aes)])
            }
            await #expect(throws: EP11Error.templateInconsistent) {
                try await client.unwrapKey(
                    wrapped, unwrappingKey: kek, mechanism: .aesCBCPad(iv: iv),
                    template: [.class(.secretKey), .keyType(.aes), .valueLength(16)])
            }
        }
    }

    @Test("an EC private key exported as PKCS#8 under AES-CBC-PAD, re-imported, still signs")
    func privateKeyExport() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            let iv = [UInt8](repeating: 4, count: 16)
            let wrapped = try await client.wrapKey(pair.privateKey, wrappingKey: kek, mechanism: .aesCBCPad(iv: iv))
            let unwrapped = try await client.unwrapKey(
                wrapped, unwrappingKey: kek, mechanism: .aesCBCPad(iv: iv),
                template: [.class(.privateKey), .keyType(.ec), .sign(true)])
            // For a private key the checksum is the MACed SPKI of its public key followed by the bit count.
            #expect(Array(unwrapped.checksum.suffix(4)) == [0, 0, 1, 0])
            let publicFromChecksum = try PublicKeyInfo(parsing: unwrapped.checksum)
            #expect(publicFromChecksum.keyBytes == (try pair.publicKey.publicKeyInfo().keyBytes))
            let message = Array("exported and back".utf8)
            let signature = try await client.sign(message, key: unwrapped.key, mechanism: .ecdsaSHA256)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
        }
    }

    @Test("wrapping policy: non-extractable targets, KEKs without CKA_WRAP, private keys as KEKs")
    func wrapPolicy() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let noWrap = try await client.generateKey(
                .aesKeyGen, template: [.valueLength(32), .wrap(false), .unwrap(false)]
            ).key
            let locked = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .extractable(false)]).key
            let target = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let iv = [UInt8](repeating: 0, count: 16)
            await #expect(throws: EP11Error.keyUnextractable) {
                try await client.wrapKey(locked, wrappingKey: kek, mechanism: .aesCBCPad(iv: iv))
            }
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.wrapKey(target, wrappingKey: noWrap, mechanism: .aesCBCPad(iv: iv))
            }
            let wrapped = try await client.wrapKey(target, wrappingKey: kek, mechanism: .aesCBCPad(iv: iv))
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.unwrapKey(
                    wrapped, unwrappingKey: noWrap, mechanism: .aesCBCPad(iv: iv),
                    template: [.class(.secretKey), .keyType(.aes)])
            }
            let rsa = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(2048), .wrap(false)],
                privateKeyTemplate: [.unwrap(true)])
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.wrapKey(target, wrappingKey: rsa.publicKey, mechanism: .rsaOAEP(hash: .sha256))
            }
        }
    }

    @Test("attributes: read what is readable, never the key value; change only in the safe direction")
    func attributes() async throws {
        try await withClient(.inProcess) { client in
            let key = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let values = try await client.attributeValues(
                of: key, types: [.valueLength, .keyType, .class, .extractable])
            #expect(values[.valueLength]?.integerValue == 32)
            #expect(values[.keyType]?.integerValue == KeyType.aes.rawValue)
            #expect(values[.class]?.integerValue == ObjectClass.secretKey.rawValue)
            #expect(values[.extractable]?.boolValue == true)
            await #expect(throws: EP11Error.attributeSensitive) {
                try await client.attributeValues(of: key, types: [.value])
            }
            await #expect(throws: EP11Error(returnValue: .attributeTypeInvalid)) {
                try await client.attributeValues(of: key, types: [.modulus])
            }
            let locked = try await client.setAttributeValues([.extractable(false)], on: key)
            #expect(locked != key)
            let lockedValues = try await client.attributeValues(of: locked, types: [.extractable])
            #expect(lockedValues[.extractable]?.boolValue == false)
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            await #expect(throws: EP11Error.keyUnextractable) {
                try await client.wrapKey(locked, wrappingKey: kek, mechanism: .aesKeyWrap)
            }
            await #expect(throws: EP11Error.attributeReadOnly) {
                try await client.setAttributeValues([.extractable(true)], on: locked)
            }
            await #expect(throws: EP11Error.attributeReadOnly) {
                try await client.setAttributeValues([.valueLength(16)], on: key)
            }
            // The old blob keeps its old attributes.
            _ = try await client.wrapKey(key, wrappingKey: kek, mechanism: .aesKeyWrap)
        }
    }

    @Test("GetMechanismList starts with CKM_RSA_PKCS; GetMechanismInfo reports ranges and flags")
    func mechanisms() async throws {
        try await withClient(.http2) { client in
            let list = try await client.mechanismList()
            #expect(list.first == .rsaPKCS)
            #expect(list.contains(.ecdsaSHA256))
            #expect(!list.contains(.ibmDilithium))
            #expect(!list.contains(.ibmKyber))
            let rsa = try await client.mechanismInfo(.rsaPKCS)
            #expect(rsa.minKeySize == 512)
            #expect(rsa.maxKeySize == 4096)
            #expect(rsa.flags.contains(.encrypt))
            #expect(rsa.flags.contains(.sign))
            let aes = try await client.mechanismInfo(.aesKeyGen)
            #expect(aes.minKeySize == 16 && aes.maxKeySize == 32)
            #expect(aes.flags.contains(.generate))
            await #expect(throws: EP11Error.mechanismInvalid) { try await client.mechanismInfo(.ibmDilithium) }
        }
    }

    @Test("master-key rotation: RewrapKeyBlob moves blobs; after the switch old blobs are a WKID mismatch")
    func rewrap() async throws {
        let mock = try HSMMock()
        try await withClient(.inProcess, mock: mock) { client in
            let key = try await client.generateKey(.aesKeyGen, template: Templates.aes256)
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            await #expect(throws: EP11Error(returnValue: .ibmWKNotInitialized)) {
                try await client.rewrapKeyBlob(key.key)
            }
            let oldWKID = mock.wrappingKeyID
            try mock.loadNextMasterKey([UInt8](repeating: 0x42, count: 32))
            let rewrapped = try await client.rewrapKeyBlob(key.key)
            let rewrappedPrivate = try await client.rewrapKeyBlob(pair.privateKey)
            let rewrappedPublic = try await client.rewrapKeyBlob(pair.publicKey)
            try mock.commitNextMasterKey()
            #expect(mock.wrappingKeyID != oldWKID)
            await #expect(throws: EP11Error.wrappingKeyIDMismatch) {
                try await client.encrypt([UInt8](repeating: 0, count: 16), key: key.key, mechanism: .aesECB)
            }
            let message = Array("after rotation".utf8)
            let ciphertext = try await client.encrypt(
                message, key: rewrapped, mechanism: .aesCBCPad(iv: [UInt8](repeating: 0, count: 16)))
            #expect(
                try await client.decrypt(
                    ciphertext, key: rewrapped, mechanism: .aesCBCPad(iv: [UInt8](repeating: 0, count: 16))) == message)
            let signature = try await client.sign(message, key: rewrappedPrivate, mechanism: .ecdsaSHA256)
            try await client.verify(signature, for: message, key: rewrappedPublic, mechanism: .ecdsaSHA256)
            // Same key value: the check value survives the rewrap.
            let values = try await client.attributeValues(of: rewrapped, types: [.valueLength])
            #expect(values[.valueLength]?.integerValue == 32)
        }
    }

    @Test("blobs survive a restart of a mock that keeps its master key in a file")
    func persistentMasterKey() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hpcs-mk-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try HSMMock(masterKeyFile: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let key = try await first.withClient { try await $0.generateKey(.aesKeyGen, template: Templates.aes256).key }
        let second = try HSMMock(masterKeyFile: path)
        #expect(second.wrappingKeyID == first.wrappingKeyID)
        let ciphertext = try await second.withClient {
            try await $0.encrypt([UInt8](repeating: 1, count: 16), key: key, mechanism: .aesECB)
        }
        #expect(ciphertext.count == 16)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: EP11Error.invalidArgument) { try HSMMock(masterKeyFile: path) }
    }
}

@Suite("EP11 client and HSM mock: public-key import through the transport-key mechanism")
struct TransportKeyImportTests {
    @Test("P-256, Ed25519 (RFC 8410) and RSA public keys from swift-crypto import and verify local signatures")
    func importAndVerify() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let message = Array("signed outside the HSM".utf8)

            let p256 = P256.Signing.PrivateKey()
            let imported = try await client.unwrapKey(
                Array(p256.publicKey.derRepresentation), unwrappingKey: kek, mechanism: .transportKey,
                template: [.verify(true)])
            #expect(imported.key.isPublicKey)
            #expect(try imported.key.publicKeyInfo().algorithm == .ec(.p256))
            let signature = try p256.signature(for: message)
            try await client.verify(Array(signature.rawRepresentation), for: message, key: imported.key, mechanism: .ecdsaSHA256)

            let ed = Curve25519.Signing.PrivateKey()
            let rfc8410: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + Array(ed.publicKey.rawRepresentation)
            let edKey = try await client.unwrapKey(rfc8410, unwrappingKey: kek, mechanism: .transportKey, template: [])
            #expect(try edKey.key.publicKeyInfo().algorithm == .ed25519)
            let edSignature = try ed.signature(for: message)
            try await client.verify(Array(edSignature), for: message, key: edKey.key, mechanism: .ed25519)

            let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let rsaKey = try await client.unwrapKey(
                Array(rsa.publicKey.derRepresentation), unwrappingKey: kek, mechanism: .transportKey, template: [.verify(true)])
            let rsaSignature = try rsa.signature(for: message, padding: .insecurePKCS1v1_5)
            try await client.verify(Array(rsaSignature.rawRepresentation), for: message, key: rsaKey.key, mechanism: .sha256RSAPKCS)
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(Array(rsaSignature.rawRepresentation), for: message + [1], key: rsaKey.key, mechanism: .sha256RSAPKCS)
            }
        }
    }

    @Test("garbage, trailing bytes and a wrong key type are refused")
    func badInput() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let spki = Array(P256.Signing.PrivateKey().publicKey.derRepresentation)
            for bytes in [[0x30, 0x03, 0x01, 0x02, 0x03], spki + [0x00], Array(spki.prefix(20)), [0x04, 0x00]] {
                await #expect(throws: EP11Error.wrappedKeyInvalid) {
                    try await client.unwrapKey(bytes, unwrappingKey: kek, mechanism: .transportKey, template: [])
                }
            }
            await #expect(throws: EP11Error.templateInconsistent) {
                try await client.unwrapKey(spki, unwrappingKey: kek, mechanism: .transportKey, template: [.keyType(.rsa)])
            }
        }
    }
}

@Suite("EP11 client and HSM mock: attribute-bound wrapping")
struct AttributeBoundWrapTests {
    @Test("a key wrapped with its attributes comes back with exactly them; tampering and wrong keys are refused")
    func roundTrip() async throws {
        try await withClient(.inProcess) { client in
            let kek = try await client.generateKey(
                .aesKeyGen, template: [.valueLength(32), .wrap(true), .unwrap(true), .attributeBound(true)]).key
            let macKey = try await client.generateKey(
                .genericSecretKeyGen, template: [.valueLength(32), .attributeBound(true)]).key
            let target = try await client.generateKey(
                .aesKeyGen,
                template: [.valueLength(32), .encrypt(true), .decrypt(true), .extractable(true), .attributeBound(true),
                           .label("bound-key")])
            let wrapped = try await client.wrapKey(target.key, wrappingKey: kek, mechanism: .attributeBoundWrap, macKey: macKey)
            // The unwrap template is ignored: the attributes come from the wrapped data.
            let unwrapped = try await client.unwrapKey(
                wrapped, unwrappingKey: kek, mechanism: .attributeBoundWrap, template: [.label("ignored")], macKey: macKey)
            #expect(unwrapped.checksum == target.checksum)
            let attributes = try await client.attributeValues(of: unwrapped.key, types: [.label, .ibmAttributeBound])
            #expect(attributes[.label] == .bytes(Array("bound-key".utf8)))
            #expect(attributes[.ibmAttributeBound] == .bool(true))
            let iv = [UInt8](repeating: 5, count: 16)
            let ciphertext = try await client.encrypt(Array("bound".utf8), key: target.key, mechanism: .aesCBCPad(iv: iv))
            #expect(try await client.decrypt(ciphertext, key: unwrapped.key, mechanism: .aesCBCPad(iv: iv)) == Array("bound".utf8))

            var tampered = wrapped
            tampered[20] ^= 0x10
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(tampered, unwrappingKey: kek, mechanism: .attributeBoundWrap, template: [], macKey: macKey)
            }
            let otherMAC = try await client.generateKey(.genericSecretKeyGen, template: [.valueLength(32), .attributeBound(true)]).key
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(wrapped, unwrappingKey: kek, mechanism: .attributeBoundWrap, template: [], macKey: otherMAC)
            }
            let unbound = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .extractable(true)]).key
            await #expect(throws: EP11Error(returnValue: .keyNotWrappable)) {
                try await client.wrapKey(unbound, wrappingKey: kek, mechanism: .attributeBoundWrap, macKey: macKey)
            }
            let plainKEK = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .wrap(true)]).key
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.wrapKey(target.key, wrappingKey: plainKEK, mechanism: .attributeBoundWrap, macKey: macKey)
            }
            await #expect(throws: EP11Error.argumentsBad) {
                try await client.wrapKey(target.key, wrappingKey: kek, mechanism: .attributeBoundWrap)
            }
        }
    }
}
