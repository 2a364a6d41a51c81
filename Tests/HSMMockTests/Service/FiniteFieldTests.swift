import EP11
import HSMMock
import Testing

/// DSA and PKCS #3 Diffie-Hellman on given domain parameters, through the EP11 client against the mock.
@Suite("HSM mock: DSA and DH on fixed groups")
struct FiniteFieldTests {
    /// A 2048/256 DSA group made once with `openssl genpkey -genparam -algorithm DSA` (FIPS 186-4 sizes).
    static let dsaGroup = FiniteFieldGroup(
        prime: hex(
            "8D0C62761A703D7A2FB876A1CA83AE2878E250155D8744337A5F1A0C442F87ACB5755CEB1BAF7A59EF467CDC4B42802CF8CB14B7686F3BA550ABA84A019235EDE6BE22711EC4D71907ECD6F3D8FAB63702984CC5550F67D88F3A8F29C34323682212C5B9CC5992FD6ADCB6E1F32B36E7928836D1BA4A1D86F462858A828D4D741F103F7039B77C16D06F55F8A56F468FC4298C82A6C409829A855CDBF89D7B426863C561492EC6A47211D59123724A651C7085C96A7338D86FB8009C1BB9583325C50EE28F493E8282A56E4BBD3D445FC6532CAD603AC5864CA558623ACE3D2B6C7F29347C679B57834F63DF8B05C7BEFCD56C3FD1145442576F1F22D7DB8359"
        ),
        subprime: hex("ECDA8413221253DEC71FBD182201F054C9366C93879A8625D8F919F5F4E38B11"),
        base: hex(
            "6BA0298C6B45938D1E645C01E873B8D62F14CA6D66C4C9293F90FC1A8486170B89BDDDE46A2C0DD3D4EEF215A90F0ED90CDDE59619DD51CF46BCDEBFE18141BD6F7F760CF1865DD795D0C8C34C5B67ACE0B5299400AAC23362EFEC757A8170AAFCACE243FA7EB60087A0C5D0D859AACD6A3B15DE7D05F692DDC064174C74FCE63A8EFB384F163C8DB696EC550A84E38F808E00B4BB8D498E3523D32D491C431A1B625FB8B476C6B125DC1862C58B70803EB3289D261BD9F8170FA4CB5DA1BFF591E4A1B4B26CC35445C476CF466B5D5359F333C6C2E029972641FD14694C9538E5AB801EFFE37D12EC5B7BB6E692A20136CE46F6D842562B59A77857F601A4C9"
        )
    )

    static func dhPair(_ client: EP11Client, group: FiniteFieldGroup = .ffdhe2048) async throws -> KeyPair {
        try await client.generateKeyPair(
            .dhKeyPairGen, publicKeyTemplate: group.template, privateKeyTemplate: [.derive(true)])
    }

    @Test("both sides of an ffdhe2048 exchange derive the same AES key and the same generic secret")
    func dhAgreement() async throws {
        try await withMockHSM { client in
            let alice = try await Self.dhPair(client)
            let bob = try await Self.dhPair(client)
            let aliceY = try alice.publicKey.publicKeyInfo().finiteFieldPublicValue()
            let bobY = try bob.publicKey.publicKeyInfo().finiteFieldPublicValue()
            #expect(try alice.publicKey.publicKeyInfo().algorithm == .dh)
            #expect(aliceY != bobY && aliceY.count > 200)

            let aes: AttributeTemplate = [
                .class(.secretKey), .keyType(.aes), .valueLength(32), .encrypt(true), .decrypt(true),
            ]
            let (aliceKey, bobKey) = try await client.expectDHAgreement(alice, bob, template: aes)
            try await client.expectAESRoundTrip(
                Array("agreed over ffdhe2048".utf8), from: aliceKey.key, to: bobKey.key,
                iv: [UInt8](repeating: 7, count: 16))

            // The whole secret (256 bytes, the length of p) as a generic secret: equal on both sides, and
            // different from a third party's.
            let generic: AttributeTemplate = [.class(.secretKey), .keyType(.genericSecret), .valueLength(256)]
            let (a, _) = try await client.expectDHAgreement(alice, bob, template: generic)
            let carol = try await Self.dhPair(client)
            let c = try await client.deriveKey(
                .dhDerive(peerPublicValue: aliceY), baseKey: carol.privateKey, template: generic)
            #expect(a.checksum != c.checksum)
        }
    }

    @Test("a peer value outside [2, p-2] is CKR_MECHANISM_PARAM_INVALID; a DSA key cannot derive")
    func dhBadPeer() async throws {
        try await withMockHSM { client in
            let alice = try await Self.dhPair(client)
            let template: AttributeTemplate = [.class(.secretKey), .keyType(.genericSecret), .valueLength(32)]
            for bad in [[0x01], FiniteFieldGroup.ffdhe2048.prime, [UInt8](repeating: 0xFF, count: 257)] {
                await #expect(throws: EP11Error.mechanismParameterInvalid) {
                    try await client.deriveKey(
                        .dhDerive(peerPublicValue: bad), baseKey: alice.privateKey, template: template)
                }
            }
            let dsa = try await client.generateKeyPair(
                .dsaKeyPairGen, publicKeyTemplate: Self.dsaGroup.template, privateKeyTemplate: [.sign(true)])
            let y = try alice.publicKey.publicKeyInfo().finiteFieldPublicValue()
            await #expect(throws: EP11Error.keyTypeInconsistent) {
                try await client.deriveKey(.dhDerive(peerPublicValue: y), baseKey: dsa.privateKey, template: template)
            }
        }
    }

    @Test("wrong DH parameters get the right CKR")
    func dhBadParameters() async throws {
        let p = FiniteFieldGroup.ffdhe2048.prime
        var composite = p
        composite[composite.count - 1] = 0x95  // still odd, no longer prime
        var even = p
        even[even.count - 1] = 0xFE
        let cases: [(FiniteFieldGroup, EP11Error)] = [
            (FiniteFieldGroup(prime: composite, base: [2]), .domainParametersInvalid),
            (FiniteFieldGroup(prime: even, base: [2]), .domainParametersInvalid),
            (FiniteFieldGroup(prime: p, base: [1]), .domainParametersInvalid),
            (FiniteFieldGroup(prime: Array(p.prefix(64)), base: [2]), .keySizeRange),
        ]
        try await withMockHSM { client in
            for (group, error) in cases {
                await #expect(throws: error) { try await Self.dhPair(client, group: group) }
            }
            await #expect(throws: EP11Error.templateIncomplete) {
                try await client.generateKeyPair(
                    .dhKeyPairGen, publicKeyTemplate: [.prime(p)], privateKeyTemplate: [.derive(true)])
            }
        }
    }

    @Test("DSA-SHA256 signatures verify in the mock and with openssl; CKM_DSA over the digest agrees")
    func dsaSignVerify() async throws {
        try await withMockHSM { client in
            var publicTemplate = Self.dsaGroup.template
            publicTemplate.merge([.verify(true)])
            let pair = try await client.generateKeyPair(
                .dsaKeyPairGen, publicKeyTemplate: publicTemplate, privateKeyTemplate: [.sign(true)])
            let info = try pair.publicKey.publicKeyInfo()
            #expect(info.algorithm == .dsa)
            let message = Array("signed with a 2048/256 DSA key".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: .dsaSHA256)
            #expect(signature.count == 64)
            try await client.expectSignatureVerifiesAndTamperingFails(
                signature, for: message, key: pair.publicKey, mechanism: .dsaSHA256)

            // CKM_DSA signs a digest the caller made: it verifies as DSA-SHA256 over the message.
            let digest = try await client.digest(message, mechanism: .sha256)
            let overDigest = try await client.sign(digest, key: pair.privateKey, mechanism: .dsa)
            try await client.verify(overDigest, for: message, key: pair.publicKey, mechanism: .dsaSHA256)
            try await client.verify(signature, for: digest, key: pair.publicKey, mechanism: .dsa)
            await #expect(throws: EP11Error.signatureLengthRange) {
                try await client.verify(
                    Array(signature.prefix(63)), for: message, key: pair.publicKey, mechanism: .dsaSHA256)
            }
            try await Self.opensslVerify(spki: info.subjectPublicKeyInfo, signature: signature, message: message)
        }
    }

    @Test("wrong DSA parameters get the right CKR")
    func dsaBadParameters() async throws {
        let group = Self.dsaGroup
        var wrongBase = group
        wrongBase.base = [0x03]  // 3 is (almost surely) not of order q
        var shortQ = group
        shortQ.subprime = Array(group.subprime?.prefix(20) ?? [])
        try await withMockHSM { client in
            for (bad, error) in [(wrongBase, EP11Error.domainParametersInvalid), (shortQ, .domainParametersInvalid)] {
                await #expect(throws: error) {
                    try await client.generateKeyPair(
                        .dsaKeyPairGen, publicKeyTemplate: bad.template, privateKeyTemplate: [])
                }
            }
            await #expect(throws: EP11Error.templateIncomplete) {
                try await client.generateKeyPair(
                    .dsaKeyPairGen, publicKeyTemplate: FiniteFieldGroup(prime: group.prime, base: group.base).template,
                    privateKeyTemplate: [])
            }
        }
    }

    /// openssl dgst -sha256 -verify, with the signature as DER DSA-Sig-Value.
    static func opensslVerify(spki: [UInt8], signature: [UInt8], message: [UInt8]) async throws {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.first.map({ $0 >= 0x80 }) ?? true { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(signature.prefix(32)) + integer(signature.suffix(32))
        let der = [0x30, UInt8(body.count)] + body
        #expect(try await opensslVerifies(spki: spki, signature: der, message: message))
    }

    static func hex(_ text: String) -> [UInt8] {
        bytes(fromHex: text) ?? []
    }
}
