import Foundation
import KeyDaemon
import KeyProtect
import KeyProtectMock
import Testing

/// The provisioner and the keyfile HPVS documents (in memory, against the Key Protect mock): what it writes, what it
/// reads, which entry it asks, and how a keyfile of earlier versions is rewritten.
@Suite("The provisioner and HPVS's keyfile (in memory, Key Protect mock)")
struct KeyfileFormatTests {
    static let envSeed = "env-seed-4411"
    static let workloadSeed = "workload-seed-8823"

    func provisioner(_ volume: VolumeConfiguration, _ device: InMemoryVolumeDevice, kms: KMSFixture) throws
        -> VolumeProvisioner
    {
        VolumeProvisioner(
            volume: volume, device: device, services: try kms.services(for: volume),
            options: .init(keyDerivation: .pbkdf2(iterations: 1000), activate: false))
    }

    /// A device prepared as HPVS's manual steps say, with a plain client: layout, a raw wrap by `keyID`, its
    /// ciphertext (plus `suffix`) as the keyfile, LUKS with sha256-hex(env ‖ workload ‖ base64 data key).
    func preparedByHand(kms: KMSFixture, keyID: String, suffix: String = "\n") async throws
        -> (device: InMemoryVolumeDevice, ciphertext: String, passphrase: SecretBytes)
    {
        let generated = try await kms.checkingClient().generateDataKey(keyID: keyID)
        let third = Data(generated.plaintext).base64EncodedString()
        let passphrase = SecretBytes(utf8: hexSHA256(Array((Self.envSeed + Self.workloadSeed + third).utf8)))
        let device = InMemoryVolumeDevice()
        try await device.createLayout(metadataSize: 100 << 20)
        try await device.replaceKeyfile(Array((generated.wrapped.ciphertext + suffix).utf8))
        try await device.luksFormat(.dataPartition, passphrase: passphrase, keyDerivation: .pbkdf2(iterations: 1000))
        return (device, generated.wrapped.ciphertext, passphrase)
    }

    /// A volume whose one kms entry names a new root key `keyID`, on a device ``preparedByHand(kms:keyID:suffix:)``
    /// under that key.
    func withPreparedVolume(
        suffix: String = "\n",
        _ body:
            @Sendable (
                _ kms: KMSFixture, _ keyID: String, _ volume: VolumeConfiguration,
                _ prepared: (device: InMemoryVolumeDevice, ciphertext: String, passphrase: SecretBytes)
            ) async throws -> Void
    ) async throws {
        try await withKMS { kms in
            let crn = kms.makeRootKey()
            let keyID = KMSFixture.keyID(crn)
            let volume = testVolume(kms: [try kms.entry(crn: crn)])
            try await body(kms, keyID, volume, try await preparedByHand(kms: kms, keyID: keyID, suffix: suffix))
        }
    }

    @Test("a new volume's keyfile is the wrap ciphertext alone, which a plain client unwraps")
    func newKeyfileIsTheCiphertext() async throws {
        try await withKMS { kms in
            let crn = kms.makeRootKey()
            let volume = testVolume(kms: [try kms.entry(crn: crn)])
            let device = InMemoryVolumeDevice()
            let outcome = try await provisioner(volume, device, kms: kms).provision()
            let keyfile = try #require(try await device.readKeyfile())
            let text = String(decoding: keyfile, as: UTF8.self)
            #expect(!text.hasPrefix("{") && !text.hasSuffix("\n") && !text.contains("hpcs-keyd"))
            #expect(Data(base64Encoded: text) != nil)
            let unwrapped = try await kms.checkingClient().unwrap(text, keyID: KMSFixture.keyID(crn))
            let third = Data(unwrapped.plaintext).base64EncodedString()
            #expect(
                outcome.passphrase
                    == SecretBytes(utf8: hexSHA256(Array((Self.envSeed + Self.workloadSeed + third).utf8))))
        }
    }

    @Test("a volume prepared by hand (raw wrap, ciphertext and a newline as the keyfile) opens and is left as it is")
    func preparedByHandOpens() async throws {
        try await withPreparedVolume { kms, keyID, volume, prepared in
            let outcome = try await provisioner(volume, prepared.device, kms: kms).provision()
            #expect(outcome.decision == .unwrapAndOpen)
            #expect(outcome.unwrappedByEntry == 0)
            #expect(outcome.passphrase == prepared.passphrase)
            #expect(!outcome.keyfileWritten)
            #expect(try await prepared.device.readKeyfile() == Array((prepared.ciphertext + "\n").utf8))
        }
    }

    @Test("a keyfile in the earlier JSON envelope opens and is rewritten as the ciphertext alone, once")
    func legacyEnvelopeIsRewritten() async throws {
        try await withPreparedVolume(suffix: "") { kms, keyID, volume, prepared in
            // What earlier versions wrote; the CRN and version in it are not trusted (they name another key here).
            let legacy =
                #"{"ciphertext":"\#(prepared.ciphertext)","crn":"crn:v1:bluemix:public:kms:us-south:a/x:y:key:other","#
                + #""format":"hpcs-keyd/1","keyVersion":"stale"}"#
            try await prepared.device.replaceKeyfile(Array(legacy.utf8))
            let outcome = try await provisioner(volume, prepared.device, kms: kms).provision()
            #expect(outcome.decision == .unwrapAndOpen)
            #expect(outcome.passphrase == prepared.passphrase)
            #expect(outcome.keyfileWritten)
            #expect(try await prepared.device.readKeyfile() == Array(prepared.ciphertext.utf8))
            let again = try await provisioner(volume, prepared.device, kms: kms).provision()
            #expect(!again.keyfileWritten)
            #expect(again.passphrase == prepared.passphrase)
        }
    }

    @Test("a keyfile that is not a ciphertext is refused without being quoted, and nothing is written")
    func malformedKeyfileIsRefused() async throws {
        try await withPreparedVolume { kms, keyID, volume, prepared in
            let junk = Array("passphrase: hunter2-not-base64!\n".utf8)
            try await prepared.device.replaceKeyfile(junk)
            let operations = prepared.device.operations
            let error = try await #require(throws: KeyDaemonError.self) {
                try await provisioner(volume, prepared.device, kms: kms).provision()
            }
            #expect(error.refusal == .malformedKeyfile)
            #expect(error.message.contains("not the ciphertext of a KMS wrap response"))
            #expect(!error.description.contains("hunter2"))
            #expect(try await prepared.device.readKeyfile() == junk)
            #expect(prepared.device.operations == operations)
        }
    }

    @Test("the entries are tried in order: the one that wrapped the seed is found, and the seed moves to entry 0")
    func entriesAreTriedInOrder() async throws {
        try await withKMS { kms in
            let first = kms.makeRootKey(name: "new-first")
            let second = kms.makeRootKey(name: "old")
            let volume = testVolume(kms: [try kms.entry(crn: first), try kms.entry(crn: second)])
            let prepared = try await preparedByHand(kms: kms, keyID: KMSFixture.keyID(second))
            let before = kms.mock.recordedRequests.count
            let outcome = try await provisioner(volume, prepared.device, kms: kms).provision()
            #expect(outcome.unwrappedByEntry == 1)
            #expect(outcome.passphrase == prepared.passphrase)
            #expect(outcome.keyfileWritten)
            let unwraps = kms.mock.recordedRequests.dropFirst(before).filter { $0.path.hasSuffix("/actions/unwrap") }
            #expect(unwraps.first?.path.contains(KMSFixture.keyID(first)) == true)
            #expect(unwraps.dropFirst().first?.path.contains(KMSFixture.keyID(second)) == true)
            #expect(try await kms.keyfileCRN(try await prepared.device.readKeyfile()) == first)
        }
    }

    @Test("the key version comes from the service: after a rotation the unwrap's new ciphertext is stored")
    func rotationSeenAtBoot() async throws {
        try await withPreparedVolume { kms, keyID, volume, prepared in
            let newVersion = try kms.mock.rotate(keyID: keyID)
            let outcome = try await provisioner(volume, prepared.device, kms: kms).provision()
            #expect(outcome.keyfileWritten)
            let keyfile = try #require(try await prepared.device.readKeyfile())
            #expect(String(decoding: keyfile, as: UTF8.self) != prepared.ciphertext)
            #expect(try await kms.keyfileVersion(keyfile) == newVersion)
            #expect(outcome.passphrase == prepared.passphrase)
        }
    }
}
