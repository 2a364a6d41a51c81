import EP11
import Testing

extension EP11Client {
    /// Checks that `signature` verifies over `message` under `key` with `mechanism`, and that the same signature
    /// with one bit of byte `byte` flipped is refused as `EP11Error.signatureInvalid`.
    func expectSignatureVerifiesAndTamperingFails(
        _ signature: [UInt8],
        for message: [UInt8],
        key: KeyBlob,
        mechanism: Mechanism,
        flippingByte byte: Int = 5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await verify(signature, for: message, key: key, mechanism: mechanism)
        try #require(signature.indices.contains(byte), sourceLocation: sourceLocation)
        var tampered = signature
        tampered[byte] ^= 0x01
        await #expect(throws: EP11Error.signatureInvalid, sourceLocation: sourceLocation) {
            try await self.verify(tampered, for: message, key: key, mechanism: mechanism)
        }
    }

    /// Derives a key with `template` on both sides of the Diffie-Hellman exchange between `alice` and `bob`
    /// (`CKM_DH_PKCS_DERIVE` with the other side's public value), checks that both sides got the same key (equal
    /// checksums) and gives both keys.
    func expectDHAgreement(
        _ alice: KeyPair,
        _ bob: KeyPair,
        template: AttributeTemplate,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (alice: GeneratedKey, bob: GeneratedKey) {
        let aliceY = try alice.publicKey.publicKeyInfo().finiteFieldPublicValue()
        let bobY = try bob.publicKey.publicKeyInfo().finiteFieldPublicValue()
        let aliceKey = try await deriveKey(
            .dhDerive(peerPublicValue: bobY), baseKey: alice.privateKey, template: template)
        let bobKey = try await deriveKey(
            .dhDerive(peerPublicValue: aliceY), baseKey: bob.privateKey, template: template)
        #expect(aliceKey.checksum == bobKey.checksum, sourceLocation: sourceLocation)
        return (aliceKey, bobKey)
    }

    /// Encrypts `message` under `encryptionKey` with AES-CBC-PAD and `iv`, and checks that `decryptionKey`
    /// decrypts it back.
    func expectAESRoundTrip(
        _ message: [UInt8],
        from encryptionKey: KeyBlob,
        to decryptionKey: KeyBlob,
        iv: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let ciphertext = try await encrypt(message, key: encryptionKey, mechanism: .aesCBCPad(iv: iv))
        let decrypted = try await decrypt(ciphertext, key: decryptionKey, mechanism: .aesCBCPad(iv: iv))
        #expect(decrypted == message, sourceLocation: sourceLocation)
    }
}
