import Foundation
import KeyDaemon
import KeyProtectMock
import Synchronization
import TestSupport
import Testing

/// A way to make devices in the states the decision table starts from. ``InMemoryDevices`` is fast;
/// ``ImageFileDevices`` (in ImageDecisionTableTests) runs the same rows on real LUKS2 image files.
protocol DeviceFactory: Sendable {
    var name: String { get }
    /// A blank device (no partition table, not LUKS).
    func blank() async throws -> any VolumeDevice
    /// A device with one partition.
    func singlePartition() async throws -> any VolumeDevice
    /// Fast KDF settings for new keyslots.
    var keyDerivation: LUKSKeyDerivation { get }
}

struct InMemoryDevices: DeviceFactory {
    var name: String { "in-memory" }
    var keyDerivation: LUKSKeyDerivation { .pbkdf2(iterations: 1000) }
    func blank() async throws -> any VolumeDevice { InMemoryVolumeDevice() }
    func singlePartition() async throws -> any VolumeDevice {
        let device = InMemoryVolumeDevice()
        device.state.withLock { $0.partitions = [PartitionInfo(number: 1, name: "", offset: 1 << 20, size: 1 << 26)] }
        return device
    }
}

/// A simulated crash: thrown from `afterStep`.
struct SimulatedCrash: Error {}

/// The rows of the decision table, for any ``DeviceFactory``.
struct DecisionTableScenarios {
    let factory: any DeviceFactory
    let kms: KMSFixture

    func provisioner(
        _ volume: VolumeConfiguration,
        _ device: any VolumeDevice,
        crashAfter: ProvisioningStep? = nil,
        clock: some Clock<Duration> = ContinuousClock()
    ) throws -> VolumeProvisioner {
        VolumeProvisioner(
            volume: volume, device: device, services: try kms.services(for: volume, clock: clock),
            options: .init(keyDerivation: factory.keyDerivation, activate: true, retryInterval: .seconds(5)),
            clock: clock,
            afterStep: { step in if step == crashAfter { throw SimulatedCrash() } })
    }

    func expectedPassphrase(_ device: any VolumeDevice, _ volume: VolumeConfiguration) async throws -> SecretBytes {
        let keyfile = try #require(try await device.readKeyfile())
        return try await kms.expectedPassphrase(
            keyfile: keyfile, envSeed: String(decoding: volume.envSeed.bytes, as: UTF8.self),
            workloadSeed: String(decoding: volume.workloadSeed.bytes, as: UTF8.self))
    }

    func keyfileCRN(_ device: any VolumeDevice) async throws -> String? {
        try await kms.keyfileCRN(try await device.readKeyfile())
    }

    /// A device provisioned from blank with `volume`; returns it and its volume key.
    func provisioned(_ volume: VolumeConfiguration) async throws -> (any VolumeDevice, SecretBytes) {
        let device = try await factory.blank()
        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.decision == .createLayoutWithNewSeed)
        let passphrase = try await expectedPassphrase(device, volume)
        return (device, try await device.volumeKey(.dataPartition, passphrase: passphrase))
    }

    // MARK: Rows

    func blankDeviceWithKMS() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let device = try await factory.blank()
        let planned = try await provisioner(volume, device).plan().decision
        #expect(planned == .createLayoutWithNewSeed)
        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.decision == .createLayoutWithNewSeed)
        #expect(outcome.keyfileWritten)
        let partitions = try await device.partitions()
        #expect(partitions.map(\.name) == ["metadata", "data"])
        #expect(partitions.first?.size == 100 * 1024 * 1024)
        let passphrase = try await expectedPassphrase(device, volume)
        #expect(outcome.passphrase == passphrase)
        #expect(try await device.testPassphrase(.dataPartition, passphrase: passphrase))
        let twoSeed = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
        #expect(try await !device.testPassphrase(.dataPartition, passphrase: twoSeed))
        // The second boot takes the unwrap-and-open row and keeps the volume key.
        let key = try await device.volumeKey(.dataPartition, passphrase: passphrase)
        let again = try await provisioner(volume, device).provision()
        #expect(again.decision == .unwrapAndOpen)
        #expect(again.passphrase == passphrase)
        #expect(try await device.volumeKey(.dataPartition, passphrase: passphrase) == key)
    }

    func wholeDeviceLUKSWithKMSIsRefused() async throws {
        let twoSeedVolume = testVolume(kms: [])
        let device = try await factory.blank()
        let first = try await provisioner(twoSeedVolume, device).provision()
        #expect(first.decision == .formatTwoSeedVolume(.wholeDevice))
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let error = try await #require(throws: KeyDaemonError.self) {
            try await provisioner(volume, device).provision()
        }
        #expect(error.code == .refused)
        #expect(try await device.partitions().isEmpty)
        #expect(
            try await device.testPassphrase(
                .wholeDevice, passphrase: LUKSPassphrase.derive(for: twoSeedVolume, thirdSeed: nil)))
    }

    func singlePartitionIsRefused() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let device = try await factory.singlePartition()
        let planned = try await provisioner(volume, device).plan().decision
        #expect(planned == .refuse(.singlePartition))
        await #expect(throws: KeyDaemonError.self) { try await provisioner(volume, device).provision() }
        #expect(try await device.partitions().count == 1)
    }

    func twoPartitionsWithoutSeedAndBlankData() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let device = try await factory.blank()
        try await device.createLayout(metadataSize: 100 * 1024 * 1024)
        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.decision == .formatWithNewSeed)
        #expect(
            try await device.testPassphrase(.dataPartition, passphrase: try await expectedPassphrase(device, volume)))
    }

    func migrationFromTwoSeeds() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let device = try await factory.blank()
        try await device.createLayout(metadataSize: 100 * 1024 * 1024)
        let twoSeed = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
        try await device.luksFormat(.dataPartition, passphrase: twoSeed, keyDerivation: factory.keyDerivation)
        let key = try await device.volumeKey(.dataPartition, passphrase: twoSeed)

        // Wrong seeds: refused, and nothing stored.
        let wrong = testVolume(kms: volume.kms, envSeed: "another env seed")
        let error = try await #require(throws: KeyDaemonError.self) { try await provisioner(wrong, device).provision() }
        #expect(error.code == .refused)
        #expect(try await device.readKeyfile() == nil)

        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.decision == .migrateToThreeSeeds)
        #expect(outcome.migrated)
        let threeSeed = try await expectedPassphrase(device, volume)
        #expect(try await device.testPassphrase(.dataPartition, passphrase: threeSeed))
        #expect(try await !device.testPassphrase(.dataPartition, passphrase: twoSeed))
        #expect(try await device.volumeKey(.dataPartition, passphrase: threeSeed) == key)
    }

    func wrappedSeedAndBlankData() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let device = try await factory.blank()
        // Stop right after the keyfile was written: the data partition is still blank.
        await #expect(throws: SimulatedCrash.self) {
            try await provisioner(volume, device, crashAfter: .keyfileWritten).provision()
        }
        #expect(try await !device.isLUKS(.dataPartition))
        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.decision == .unwrapAndFormat)
        #expect(
            try await device.testPassphrase(.dataPartition, passphrase: try await expectedPassphrase(device, volume)))
    }

    func laterEntryUnwrapsAndTheFirstRewraps() async throws {
        let oldKey = kms.makeRootKey(name: "old")
        let newKey = kms.makeRootKey(name: "new")
        let before = testVolume(kms: [try kms.entry(crn: oldKey)])
        let (device, volumeKey) = try await provisioned(before)
        #expect(try await keyfileCRN(device) == oldKey)

        let after = testVolume(kms: [try kms.entry(crn: newKey), try kms.entry(crn: oldKey)])
        let outcome = try await provisioner(after, device).provision()
        #expect(outcome.decision == .unwrapAndOpen)
        #expect(outcome.unwrappedByEntry == 1)
        #expect(outcome.keyfileWritten)
        #expect(try await keyfileCRN(device) == newKey)
        let passphrase = try await expectedPassphrase(device, after)
        #expect(try await device.volumeKey(.dataPartition, passphrase: passphrase) == volumeKey)

        // Only the new key is needed from now on.
        let onlyNew = testVolume(kms: [try kms.entry(crn: newKey)])
        #expect(try await provisioner(onlyNew, device).provision().unwrappedByEntry == 0)
    }

    func allEntriesFailing() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let (device, _) = try await provisioned(volume)
        let keyfile = try await device.readKeyfile()
        let strangers = testVolume(kms: [try kms.entry(crn: kms.makeRootKey()), try kms.entry(crn: kms.makeRootKey())])
        let error = try await #require(throws: KeyDaemonError.self) {
            try await provisioner(strangers, device).provision()
        }
        #expect(error.code == .refused)
        #expect(try await device.readKeyfile() == keyfile)
    }

    func wrappedSeedWithoutKMSIsADowngrade() async throws {
        let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
        let (device, _) = try await provisioned(volume)
        let downgrade = testVolume(kms: [])
        let planned = try await provisioner(downgrade, device).plan().decision
        #expect(planned == .refuse(.downgrade))
        await #expect(throws: KeyDaemonError.self) { try await provisioner(downgrade, device).provision() }
    }

    func twoSeedVolume() async throws {
        let volume = testVolume(kms: [])
        let device = try await factory.blank()
        let first = try await provisioner(volume, device).provision()
        #expect(first.decision == .formatTwoSeedVolume(.wholeDevice))
        let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
        #expect(try await device.testPassphrase(.wholeDevice, passphrase: passphrase))
        #expect(try await device.partitions().isEmpty)
        let second = try await provisioner(volume, device).provision()
        #expect(second.decision == .openTwoSeedVolume(.wholeDevice))
        let wrong = testVolume(kms: [], workloadSeed: "changed")
        await #expect(throws: KeyDaemonError.self) { try await provisioner(wrong, device).provision() }
    }

    func rotationSeenAtUnwrapRewritesTheKeyfile() async throws {
        let crn = kms.makeRootKey()
        let volume = testVolume(kms: [try kms.entry(crn: crn)])
        let (device, volumeKey) = try await provisioned(volume)
        let keyID = KMSFixture.keyID(crn)
        let newVersion = try kms.mock.rotate(keyID: keyID)
        let outcome = try await provisioner(volume, device).provision()
        #expect(outcome.keyfileWritten)
        let keyfile = try #require(try await device.readKeyfile())
        #expect(try await kms.keyfileVersion(keyfile) == newVersion)
        let passphrase = try await expectedPassphrase(device, volume)
        #expect(try await device.volumeKey(.dataPartition, passphrase: passphrase) == volumeKey)
    }

    /// Stops after each durable step of provisioning from blank, then boots again: the volume opens, and once
    /// formatted it keeps its volume key.
    func crashDuringProvisioning() async throws {
        for step in [ProvisioningStep.layoutCreated, .seedGenerated, .seedVerified, .keyfileWritten, .luksFormatted] {
            let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
            let device = try await factory.blank()
            await #expect(throws: SimulatedCrash.self, "crash after \(step)") {
                try await provisioner(volume, device, crashAfter: step).provision()
            }
            var keyBefore: SecretBytes?
            if try await device.isLUKS(.dataPartition) {
                keyBefore = try await device.volumeKey(
                    .dataPartition, passphrase: try await expectedPassphrase(device, volume))
            }
            let outcome = try await provisioner(volume, device).provision()
            let passphrase = try await expectedPassphrase(device, volume)
            #expect(outcome.passphrase == passphrase, "after a crash at \(step)")
            let keyAfter = try await device.volumeKey(.dataPartition, passphrase: passphrase)
            if let keyBefore { #expect(keyAfter == keyBefore, "after a crash at \(step)") }
        }
    }

    /// Stops after each durable step of a migration from two seeds, then boots again.
    func crashDuringMigration() async throws {
        for step in [ProvisioningStep.seedGenerated, .seedVerified, .keyfileWritten, .passphraseReplaced] {
            let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())])
            let device = try await factory.blank()
            try await device.createLayout(metadataSize: 100 * 1024 * 1024)
            let twoSeed = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
            try await device.luksFormat(.dataPartition, passphrase: twoSeed, keyDerivation: factory.keyDerivation)
            let key = try await device.volumeKey(.dataPartition, passphrase: twoSeed)
            await #expect(throws: SimulatedCrash.self, "crash after \(step)") {
                try await provisioner(volume, device, crashAfter: step).provision()
            }
            let outcome = try await provisioner(volume, device).provision()
            #expect(outcome.migrated || step == .passphraseReplaced, "after a crash at \(step)")
            let passphrase = try await expectedPassphrase(device, volume)
            #expect(
                try await device.volumeKey(.dataPartition, passphrase: passphrase) == key, "after a crash at \(step)")
            #expect(try await !device.testPassphrase(.dataPartition, passphrase: twoSeed), "after a crash at \(step)")
        }
    }
}

/// The scenarios of ``DecisionTableScenarios``, so that each suite runs all of them on its own devices.
enum DecisionTableRow: String, CaseIterable, Sendable {
    case blankDeviceWithKMS, wholeDeviceLUKSWithKMSIsRefused, singlePartitionIsRefused
    case twoPartitionsWithoutSeedAndBlankData, migrationFromTwoSeeds, wrappedSeedAndBlankData
    case laterEntryUnwrapsAndTheFirstRewraps, allEntriesFailing, wrappedSeedWithoutKMSIsADowngrade, twoSeedVolume
    case rotationSeenAtUnwrapRewritesTheKeyfile, crashDuringProvisioning, crashDuringMigration

    func run(on scenarios: DecisionTableScenarios) async throws {
        switch self {
        case .blankDeviceWithKMS: try await scenarios.blankDeviceWithKMS()
        case .wholeDeviceLUKSWithKMSIsRefused: try await scenarios.wholeDeviceLUKSWithKMSIsRefused()
        case .singlePartitionIsRefused: try await scenarios.singlePartitionIsRefused()
        case .twoPartitionsWithoutSeedAndBlankData: try await scenarios.twoPartitionsWithoutSeedAndBlankData()
        case .migrationFromTwoSeeds: try await scenarios.migrationFromTwoSeeds()
        case .wrappedSeedAndBlankData: try await scenarios.wrappedSeedAndBlankData()
        case .laterEntryUnwrapsAndTheFirstRewraps: try await scenarios.laterEntryUnwrapsAndTheFirstRewraps()
        case .allEntriesFailing: try await scenarios.allEntriesFailing()
        case .wrappedSeedWithoutKMSIsADowngrade: try await scenarios.wrappedSeedWithoutKMSIsADowngrade()
        case .twoSeedVolume: try await scenarios.twoSeedVolume()
        case .rotationSeenAtUnwrapRewritesTheKeyfile: try await scenarios.rotationSeenAtUnwrapRewritesTheKeyfile()
        case .crashDuringProvisioning: try await scenarios.crashDuringProvisioning()
        case .crashDuringMigration: try await scenarios.crashDuringMigration()
        }
    }
}

@Suite("The decision table (in memory, against the Key Protect mock)")
struct DecisionTableTests {
    func run(_ body: @escaping @Sendable (DecisionTableScenarios) async throws -> Void) async throws {
        try await withKMS { kms in try await body(DecisionTableScenarios(factory: InMemoryDevices(), kms: kms)) }
    }

    @Test("every row of the decision table", arguments: DecisionTableRow.allCases)
    func row(_ row: DecisionTableRow) async throws { try await run { try await row.run(on: $0) } }

    @Test("a KMS that stays unreachable is retried in bounded passes until kmsTimeout")
    func unreachableUntilTimeout() async throws {
        try await withKMS { kms in
            let scenarios = DecisionTableScenarios(factory: InMemoryDevices(), kms: kms)
            let volume = testVolume(kms: [try kms.entry(crn: kms.makeRootKey())], kmsTimeout: .seconds(60))
            let (device, _) = try await scenarios.provisioned(volume)
            let before = kms.mock.recordedRequests.count
            kms.mock.injectFault(.init(.status(503), target: .keyProtect, times: nil))
            let clock = ManualClock()
            let provisioner = try scenarios.provisioner(volume, device, clock: clock)
            let error = try await #require(throws: KeyDaemonError.self) {
                try await clock.drive { try await provisioner.provision() }
            }
            #expect(error.code == .kmsUnavailable)
            let requests = kms.mock.recordedRequests.count - before
            // 60 s / 5 s between passes → 13 passes at most, each up to 3 attempts.
            #expect(requests > 3 && requests <= 13 * 3, "\(requests) requests")
            #expect(clock.now.offset >= .seconds(60))
        }
    }
}
