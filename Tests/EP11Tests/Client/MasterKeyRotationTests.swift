import EP11
import Foundation
import HSMMock
import Synchronization
import Testing

/// The old/new pairs a rotation callback was handed, in order.
final class RewrapLog: Sendable {
    private let pairs = Mutex<[(old: KeyBlob, new: KeyBlob)]>([])
    var entries: [(old: KeyBlob, new: KeyBlob)] { pairs.withLock { $0 } }
    func record(_ old: KeyBlob, _ new: KeyBlob) { pairs.withLock { $0.append((old, new)) } }
}

/// Two HSMs of one domain in the middle of a master-key change: `old` still has the old key current and the new
/// one committed as next (it can rewrap), `new` has finalized the change (its current key is the new one).
struct RotatingDomain {
    static let oldKey = [UInt8](repeating: 0x11, count: 32)
    static let newKey = [UInt8](repeating: 0x22, count: 32)
    let old: HSMMock
    let new: HSMMock

    init() throws {
        old = try HSMMock(masterKey: Self.oldKey)
        new = try HSMMock(masterKey: Self.newKey)
    }

    /// Makes keys on `old` before the change, then loads the next key there.
    func keysMadeBeforeTheChange() async throws -> (aes: KeyBlob, pair: KeyPair) {
        let keys = try await old.withClient { client in
            let aes = try await client.generateKey(.aesKeyGen, template: Templates.aes256).key
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.p256), privateKeyTemplate: Templates.ecPrivate)
            return (aes, pair)
        }
        try old.loadNextMasterKey(Self.newKey)
        return keys
    }
}

/// The WKID an opaque EP11 blob names (bytes 32 to 47).
func wrappingKeyID(of blob: KeyBlob) -> [UInt8] { Array(blob.bytes[32..<48]) }

@Suite("EP11 client: master-key rotation without an outage")
struct MasterKeyRotationTests {
    @Test("a blob under the old master key is rewrapped on the HSM that can, handed back, and the call succeeds")
    func rewrapOnMismatch() async throws {
        let domain = try RotatingDomain()
        let (aes, pair) = try await domain.keysMadeBeforeTheChange()
        let log = RewrapLog()
        try await domain.old.withClient { rewrapper in
            var configuration = EP11Client.Configuration(host: "in-process")
            configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { log.record($0, $1) }
            try await domain.new.withClient(configuration: configuration) { client in
                let message = Array("signed across a master-key change".utf8)
                let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
                #expect(log.entries.count == 1)
                let first = try #require(log.entries.first)
                #expect(first.old == pair.privateKey)
                #expect(wrappingKeyID(of: first.new) == domain.new.wrappingKeyID)
                #expect(wrappingKeyID(of: first.old) != domain.new.wrappingKeyID)

                // The public key blob (a MACed SPKI) is bound to the master key too.
                try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
                #expect(log.entries.count == 2)
                let publicPair = try #require(log.entries.last)
                #expect(publicPair.old == pair.publicKey && publicPair.new.isPublicKey)

                // The handed-back blobs work on the finalized HSM without another rewrap.
                let again = try await client.sign(message, key: first.new, mechanism: .ecdsaSHA256)
                try await client.verify(again, for: message, key: publicPair.new, mechanism: .ecdsaSHA256)
                #expect(log.entries.count == 2)

                // The key value survives: what the old blob encrypted on the old HSM decrypts with the new one.
                let iv = [UInt8](repeating: 7, count: 16)
                let ciphertext = try await domain.old.withClient {
                    try await $0.encrypt(message, key: aes, mechanism: .aesCBCPad(iv: iv))
                }
                #expect(try await client.decrypt(ciphertext, key: aes, mechanism: .aesCBCPad(iv: iv)) == message)
                #expect(log.entries.count == 3)
            }
        }
    }

    @Test("without the setting, a mismatch fails the call as before and nothing is rewrapped")
    func disabledByDefault() async throws {
        let domain = try RotatingDomain()
        let (_, pair) = try await domain.keysMadeBeforeTheChange()
        let rewrapsBefore = domain.old.callCount(try #require(HSMMock.RPC(name: "RewrapKeyBlob")))
        await #expect(throws: EP11Error.wrappingKeyIDMismatch) {
            try await domain.new.withClient {
                try await $0.sign([1, 2, 3], key: pair.privateKey, mechanism: .ecdsaSHA256)
            }
        }
        #expect(domain.old.callCount(try #require(HSMMock.RPC(name: "RewrapKeyBlob"))) == rewrapsBefore)
    }

    @Test("a rewrap to a next key that is not the finalized one: the retry's second mismatch is an error")
    func secondMismatchIsAnError() async throws {
        let domain = try RotatingDomain()
        let (aes, _) = try await domain.keysMadeBeforeTheChange()
        try domain.old.loadNextMasterKey([UInt8](repeating: 0x33, count: 32))
        let log = RewrapLog()
        try await domain.old.withClient { rewrapper in
            var configuration = EP11Client.Configuration(host: "in-process")
            configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { log.record($0, $1) }
            try await domain.new.withClient(configuration: configuration) { client in
                let error = try await #require(throws: EP11Error.self) {
                    try await client.encrypt([UInt8](repeating: 0, count: 16), key: aes, mechanism: .aesECB)
                }
                #expect(error == .wrappingKeyIDMismatch)
                #expect(error.message.contains("still under another master key"), "\(error.message)")
                #expect(log.entries.count == 1, "the rewrapped blob is handed back all the same")
            }
        }
    }

    @Test("a rewrap that fails (no next key committed) ends the call with that failure, named")
    func rewrapFailure() async throws {
        let domain = try RotatingDomain()
        let old = try HSMMock(masterKey: RotatingDomain.oldKey)
        let aes = try await old.withClient { try await $0.generateKey(.aesKeyGen, template: Templates.aes256).key }
        let log = RewrapLog()
        try await old.withClient { rewrapper in
            var configuration = EP11Client.Configuration(host: "in-process")
            configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { log.record($0, $1) }
            try await domain.new.withClient(configuration: configuration) { client in
                let error = try await #require(throws: EP11Error.self) {
                    try await client.encrypt([UInt8](repeating: 0, count: 16), key: aes, mechanism: .aesECB)
                }
                #expect(error.returnValue == .ibmWKNotInitialized, "\(error)")
                #expect(error.message.contains("re-enciphering it failed"), "\(error.message)")
                #expect(log.entries.isEmpty)
            }
        }
    }

    @Test("only calls that carry key blobs rewrap: a forced mismatch on GenerateRandom fails as it came")
    func onlyKeyBearingCalls() async throws {
        let mock = try HSMMock()
        let log = RewrapLog()
        var configuration = EP11Client.Configuration(host: "in-process")
        configuration.masterKeyRotation = .rewrapOnMismatch { log.record($0, $1) }
        let generateRandom = try #require(HSMMock.RPC(name: "GenerateRandom"))
        try mock.injectFault(.init(.returnValue(.ibmWKIDMismatch), target: .rpc(generateRandom), times: 1))
        _ = try await mock.withClient(configuration: configuration) { client in
            await #expect(throws: EP11Error.wrappingKeyIDMismatch) { try await client.generateRandom(count: 8) }
        }
        #expect(mock.callCount(try #require(HSMMock.RPC(name: "RewrapKeyBlob"))) == 0)
        #expect(log.entries.isEmpty)
    }

    @Test("the call's one deadline covers the rewrap: a rewrapping HSM that stalls ends the call with timeout")
    func deadlineCoversTheRewrap() async throws {
        let domain = try RotatingDomain()
        let (aes, _) = try await domain.keysMadeBeforeTheChange()
        try domain.old.injectFault(
            .init(.delay(.seconds(60)), target: .rpc(try #require(HSMMock.RPC(name: "RewrapKeyBlob")))))
        let log = RewrapLog()
        try await domain.old.withClient { rewrapper in
            var configuration = EP11Client.Configuration(host: "in-process")
            configuration.timeouts = .init(call: .milliseconds(300))
            configuration.retryPolicy = .none
            configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { log.record($0, $1) }
            try await domain.new.withClient(configuration: configuration) { client in
                let clock = ContinuousClock()
                let start = clock.now
                let error = try await #require(throws: EP11Error.self) {
                    try await client.encrypt([UInt8](repeating: 0, count: 16), key: aes, mechanism: .aesECB)
                }
                #expect(error.code == .timeout, "\(error)")
                #expect(start.duration(to: clock.now) < .seconds(30))
                #expect(log.entries.isEmpty)
            }
        }
        domain.old.clearFaults()
    }

    @Test("an error thrown by the callback ends the call with it, before the retry")
    func callbackErrorEndsTheCall() async throws {
        struct CannotStore: Error {}
        let domain = try RotatingDomain()
        let (aes, _) = try await domain.keysMadeBeforeTheChange()
        try await domain.old.withClient { rewrapper in
            var configuration = EP11Client.Configuration(host: "in-process")
            configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { _, _ in throw CannotStore() }
            _ = try await domain.new.withClient(configuration: configuration) { client in
                await #expect(throws: CannotStore.self) {
                    try await client.encrypt([UInt8](repeating: 0, count: 16), key: aes, mechanism: .aesECB)
                }
            }
        }
        #expect(domain.new.callCount(try #require(HSMMock.RPC(name: "EncryptSingle"))) == 1)
    }
}
