import Crypto
import EP11
import Foundation
import HSMMock
import Testing

/// BIP-32 and SLIP-10 through CKM_IBM_BTC_DERIVE, checked against the published test vectors: the HSM derives,
/// the client exports each public key, and the test compares it and the chain code with the vector.
@Suite("EP11 client and HSM mock: BIP-32 and SLIP-10 derivation")
struct HDDerivationTests {
    static let seed = hexBytes("000102030405060708090a0b0c0d0e0f")
    static let hardened = BTCDeriveParameters.hardenedIndexOffset

    /// One node of a test vector: the index that leads to it, its chain code and compressed public key
    /// (Ed25519: 00 || raw key, as SLIP-10 writes it).
    struct Node: Sendable {
        let index: UInt64
        let chainCode: String
        let publicKey: String
    }

    // BIP-32 test vector 1: m, m/0H, m/0H/1, m/0H/1/2H, m/0H/1/2H/2, m/0H/1/2H/2/1000000000.
    static let bip32Vector1: [Node] = [
        Node(
            index: 0, chainCode: "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
            publicKey: "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2"),
        Node(
            index: hardened, chainCode: "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
            publicKey: "035a784662a4a20a65bf6aab9ae98a6c068a81c52e4b032c0fb5400c706cfccc56"),
        Node(
            index: 1, chainCode: "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19",
            publicKey: "03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c"),
        Node(
            index: hardened + 2, chainCode: "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f",
            publicKey: "0357bfe1e341d01c69fe5654309956cbea516822fba8a601743a012a7896ee8dc2"),
        Node(
            index: 2, chainCode: "cfb71883f01676f587d023cc53a35bc7f88f724b1f8c2892ac1275ac822a3edd",
            publicKey: "02e8445082a72f29b75ca48748a914df60622a609cacfce8ed0e35804560741d29"),
        Node(
            index: 1_000_000_000, chainCode: "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e",
            publicKey: "022a471424da5e657499d1ff51cb43c47481a03b1e77f951fe64cec9f5a48f7011"),
    ]

    // SLIP-10 test vector 1 for nist256p1: m, m/0H.
    static let slip10P256: [Node] = [
        Node(
            index: 0, chainCode: "beeb672fe4621673f722f38529c07392fecaa61015c80c34f29ce8b41b3cb6ea",
            publicKey: "0266874dc6ade47b3ecd096745ca09bcd29638dd52c2c12117b11ed3e458cfa9e8"),
        Node(
            index: hardened, chainCode: "3460cea53e6a6bb5fb391eeef3237ffd8724bf0a40e94943c98b83825342ee11",
            publicKey: "0384610f5ecffe8fda089363a41f56a5c7ffc1d81b59a612d0d649b2d22355590c"),
    ]

    // SLIP-10 test vector 1 for ed25519: m, m/0H.
    static let slip10Ed25519: [Node] = [
        Node(
            index: 0, chainCode: "90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb",
            publicKey: "00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed"),
        Node(
            index: hardened, chainCode: "8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69",
            publicKey: "008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c"),
    ]

    static func template(_ curve: NamedCurve) -> AttributeTemplate {
        [.keyType(.ec), .ecParameters(curve), .derive(true), .sign(true), .verify(true)]
    }

    /// The vector's form of a public key blob: SEC 1 compressed for EC, 00 || raw for Ed25519.
    static func vectorForm(_ key: KeyBlob, curve: NamedCurve) throws -> [UInt8] {
        let raw = try key.publicKeyInfo().keyBytes
        if curve == .ed25519 { return [0x00] + raw }
        #expect(raw.count == 65 && raw.first == 0x04)
        let x = Array(raw[1..<33])
        return [(raw.last ?? 0) & 1 == 0 ? 0x02 : 0x03] + x
    }

    static func seedKey(_ client: EP11Client) async throws -> KeyBlob {
        try await importKnownSecret(seed, keyType: .genericSecret, usage: [.derive(true)], client: client).key
    }

    /// Walks a vector: the master key from the seed, then one private step per node. At each node the private
    /// child's public key (PRV2PUB from the parent) is compared with the vector, and so is the chain code of
    /// both steps.
    static func walk(
        _ nodes: [Node], curve: NamedCurve, master: BTCDeriveType, privateStep: BTCDeriveType,
        publicStep: BTCDeriveType, client: EP11Client
    ) async throws {
        let seedKey = try await Self.seedKey(client)
        let template = Self.template(curve)
        var parent = try await client.deriveKey(
            .btcDerive(BTCDeriveParameters(type: master)), baseKey: seedKey, template: template)
        #expect(parent.chainCode == hexBytes(nodes[0].chainCode), "\(curve) master chain code")
        for node in nodes.dropFirst() {
            let chainCode = try #require(parent.chainCode)
            let child = try await client.deriveKey(
                .btcDerive(BTCDeriveParameters(type: privateStep, childKeyIndex: node.index, chainCode: chainCode)),
                baseKey: parent.key, template: template)
            let publicChild = try await client.deriveKey(
                .btcDerive(BTCDeriveParameters(type: publicStep, childKeyIndex: node.index, chainCode: chainCode)),
                baseKey: parent.key, template: template)
            #expect(child.chainCode == hexBytes(node.chainCode), "\(curve) chain code at \(node.index)")
            #expect(publicChild.chainCode == hexBytes(node.chainCode))
            #expect(
                try vectorForm(publicChild.key, curve: curve) == hexBytes(node.publicKey), "\(curve) at \(node.index)")
            // The private child signs; its PRV2PUB twin verifies.
            let message = Array("derived in the HSM".utf8)
            let mechanism: Mechanism = curve == .ed25519 ? .ed25519 : .ecdsaSHA256
            let signature = try await client.sign(message, key: child.key, mechanism: mechanism)
            try await client.verify(signature, for: message, key: publicChild.key, mechanism: mechanism)
            parent = child
        }
    }

    @Test("BIP-32 test vector 1: master key and the path m/0H/1/2H/2/1000000000 on secp256k1")
    func bip32Vector() async throws {
        try await withClient(.inProcess) { client in
            try await Self.walk(
                Self.bip32Vector1, curve: .secp256k1, master: .bip32MasterKey, privateStep: .bip32PrivateToPrivate,
                publicStep: .bip32PrivateToPublic, client: client)
        }
    }

    @Test("SLIP-10 test vector 1 on P-256 and Ed25519; SLIP-10 secp256k1 equals BIP-32 for the same seed")
    func slip10Vectors() async throws {
        try await withClient(.inProcess) { client in
            try await Self.walk(
                Self.slip10P256, curve: .p256, master: .slip10MasterKey, privateStep: .slip10PrivateToPrivate,
                publicStep: .slip10PrivateToPublic, client: client)
            try await Self.walk(
                Self.slip10Ed25519, curve: .ed25519, master: .slip10MasterKey, privateStep: .slip10PrivateToPrivate,
                publicStep: .slip10PrivateToPublic, client: client)
            try await Self.walk(
                Array(Self.bip32Vector1.prefix(3)), curve: .secp256k1, master: .slip10MasterKey,
                privateStep: .slip10PrivateToPrivate, publicStep: .slip10PrivateToPublic, client: client)
        }
    }

    @Test("BIP-32 public derivation (PUB2PUB) from m/0H's public key gives m/0H/1; hardened PUB2PUB is refused")
    func publicToPublic() async throws {
        try await withClient(.inProcess) { client in
            let seedKey = try await Self.seedKey(client)
            let template = Self.template(.secp256k1)
            let master = try await client.deriveKey(
                .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), baseKey: seedKey, template: template)
            let node = Self.bip32Vector1[1]
            let publicParent = try await client.deriveKey(
                .btcDerive(
                    BTCDeriveParameters(
                        type: .bip32PrivateToPublic, childKeyIndex: node.index,
                        chainCode: try #require(master.chainCode))),
                baseKey: master.key, template: template)
            let child = try await client.deriveKey(
                .btcDerive(
                    BTCDeriveParameters(
                        type: .bip32PublicToPublic, childKeyIndex: 1, chainCode: try #require(publicParent.chainCode))),
                baseKey: publicParent.key, template: template)
            #expect(child.chainCode == hexBytes(Self.bip32Vector1[2].chainCode))
            #expect(try Self.vectorForm(child.key, curve: .secp256k1) == hexBytes(Self.bip32Vector1[2].publicKey))
            await #expect(throws: EP11Error.mechanismParameterInvalid) {
                try await client.deriveKey(
                    .btcDerive(
                        BTCDeriveParameters(
                            type: .bip32PublicToPublic, childKeyIndex: Self.hardened,
                            chainCode: try #require(publicParent.chainCode))),
                    baseKey: publicParent.key, template: template)
            }
        }
    }

    @Test("BTC derive refusals: bad chain codes, versions, indices, curves and key types get the right CKR")
    func refusals() async throws {
        try await withClient(.inProcess) { client in
            let seedKey = try await Self.seedKey(client)
            let k1 = Self.template(.secp256k1)
            let master = try await client.deriveKey(
                .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), baseKey: seedKey, template: k1)
            let chainCode = try #require(master.chainCode)
            let cases: [(String, Mechanism, KeyBlob, AttributeTemplate, EP11Error)] = [
                (
                    "short chain code",
                    .btcDerive(
                        BTCDeriveParameters(type: .bip32PrivateToPrivate, chainCode: Array(chainCode.prefix(31)))),
                    master.key, k1, .mechanismParameterInvalid
                ),
                (
                    "version 2",
                    .btcDerive(BTCDeriveParameters(type: .bip32PrivateToPrivate, chainCode: chainCode, version: 2)),
                    master.key, k1, .mechanismParameterInvalid
                ),
                (
                    "index over 32 bits",
                    .btcDerive(
                        BTCDeriveParameters(type: .bip32PrivateToPrivate, childKeyIndex: 1 << 32, chainCode: chainCode)),
                    master.key, k1, .mechanismParameterInvalid
                ),
                (
                    "unknown type",
                    .btcDerive(BTCDeriveParameters(type: BTCDeriveType(rawValue: 9), chainCode: chainCode)), master.key,
                    k1, .mechanismParameterInvalid
                ),
                ("no parameter", Mechanism(.ibmBTCDerive), master.key, k1, .mechanismParameterInvalid),
                (
                    "master with a chain code",
                    .btcDerive(BTCDeriveParameters(type: .bip32MasterKey, chainCode: chainCode)), seedKey, k1,
                    .mechanismParameterInvalid
                ),
                (
                    "master from a private key", .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), master.key, k1,
                    .keyTypeInconsistent
                ),
                (
                    "child from the seed",
                    .btcDerive(BTCDeriveParameters(type: .bip32PrivateToPrivate, chainCode: chainCode)), seedKey, k1,
                    .keyTypeInconsistent
                ),
                (
                    "BIP-32 on P-256", .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), seedKey,
                    Self.template(.p256), EP11Error(returnValue: .curveNotSupported)
                ),
                (
                    "SLIP-10 on P-384", .btcDerive(BTCDeriveParameters(type: .slip10MasterKey)), seedKey,
                    Self.template(.p384), EP11Error(returnValue: .curveNotSupported)
                ),
                (
                    "SLIP-10 without a curve", .btcDerive(BTCDeriveParameters(type: .slip10MasterKey)), seedKey,
                    [.derive(true)], .templateIncomplete
                ),
                (
                    "child on another curve",
                    .btcDerive(
                        BTCDeriveParameters(
                            type: .slip10PrivateToPrivate, childKeyIndex: Self.hardened, chainCode: chainCode)),
                    master.key, Self.template(.p256), .templateInconsistent
                ),
                (
                    "key type not EC", .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), seedKey,
                    [.keyType(.aes)], .templateInconsistent
                ),
            ]
            for (name, mechanism, base, template, error) in cases {
                await #expect(throws: error, "\(name)") {
                    try await client.deriveKey(mechanism, baseKey: base, template: template)
                }
            }
            // Ed25519 children are hardened only.
            let edMaster = try await client.deriveKey(
                .btcDerive(BTCDeriveParameters(type: .slip10MasterKey)), baseKey: seedKey,
                template: Self.template(.ed25519))
            await #expect(throws: EP11Error.mechanismParameterInvalid) {
                try await client.deriveKey(
                    .btcDerive(
                        BTCDeriveParameters(
                            type: .slip10PrivateToPrivate, childKeyIndex: 1, chainCode: try #require(edMaster.chainCode)
                        )),
                    baseKey: edMaster.key, template: Self.template(.ed25519))
            }
            let shortSeed = try await importKnownSecret(
                [UInt8](repeating: 7, count: 15), keyType: .genericSecret, usage: [.derive(true)], client: client)
            await #expect(throws: EP11Error.keySizeRange) {
                try await client.deriveKey(
                    .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), baseKey: shortSeed.key, template: k1)
            }
            let noDerive = try await importKnownSecret(
                Self.seed, keyType: .genericSecret, usage: [.derive(false)], client: client)
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.deriveKey(
                    .btcDerive(BTCDeriveParameters(type: .bip32MasterKey)), baseKey: noDerive.key, template: k1)
            }
            #expect(try await client.mechanismList().contains(.ibmBTCDerive))
        }
    }
}
