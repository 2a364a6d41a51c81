import Foundation
import KeyDaemon
import KeyProtectMock
import TestSupport
import Testing

/// Steps a manual clock: waits (in real time) until someone sleeps on it, then wakes the earliest sleeper.
func step(_ clock: ManualClock, timeout: Duration = .seconds(30)) async throws {
    let start = ContinuousClock.now
    while clock.sleeperCount == 0 {
        guard ContinuousClock.now - start < timeout else { throw FixtureError("nobody slept on the clock") }
        try await Task.sleep(for: .milliseconds(1))
    }
    clock.advanceToNextDeadline()
}

/// Waits in real time until `condition` holds.
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < timeout {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(2))
    }
    return false
}

@Suite("The key monitor (manual clock, Key Protect mock)")
struct KeyMonitorTests {
    struct Setup {
        let kms: KMSFixture
        let volume: VolumeConfiguration
        let device: InMemoryVolumeDevice
        let keyID: String
        let clock = ManualClock()
        let power = RecordingPowerControl()

        func monitor(interval: Duration = .seconds(60)) throws -> KeyMonitor {
            KeyMonitor(
                volume: volume, device: device,
                service: try kms.service(for: volume.kms[0], clock: clock, attempts: 2),
                power: power, interval: interval, clock: clock)
        }

        func keyfileVersion() async throws -> String? {
            try await kms.keyfileVersion(try await device.readKeyfile())
        }
    }

    /// A provisioned in-memory volume with one kms entry and a 10-minute kmsTimeout.
    func withSetup(_ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
        try await withKMS { kms in
            let crn = kms.makeRootKey()
            let volume = testVolume(kms: [try kms.entry(crn: crn)], kmsTimeout: .seconds(600))
            let device = InMemoryVolumeDevice()
            try await VolumeProvisioner(
                volume: volume, device: device, services: try kms.services(for: volume),
                options: .init(keyDerivation: .pbkdf2(iterations: 1000))
            ).provision()
            try await body(
                Setup(kms: kms, volume: volume, device: device, keyID: KMSFixture.keyID(crn)))
        }
    }

    @Test("a rotation is rewrapped into the keyfile; a disabled key then restarts the server")
    func rotationThenDisable() async throws {
        try await withSetup { setup in
            let monitor = try setup.monitor()
            let task = Task { try await setup.clock.drive { try await monitor.monitor() } }
            let oldVersion = try await setup.keyfileVersion()
            let newVersion = try setup.kms.mock.rotate(keyID: setup.keyID)
            #expect(oldVersion != newVersion)
            #expect(try await eventually { try await setup.keyfileVersion() == newVersion })
            // The rewrapped keyfile still gives the same passphrase, and the volume opens with it.
            let keyfile = try #require(try await setup.device.readKeyfile())
            let passphrase = try await setup.kms.expectedPassphrase(
                keyfile: keyfile, envSeed: "env-seed-4411", workloadSeed: "workload-seed-8823")
            #expect(try await setup.device.testPassphrase(.dataPartition, passphrase: passphrase))

            try setup.kms.mock.setState(.suspended, keyID: setup.keyID)
            let ending = try await task.value
            #expect(ending == .restartRequested)
            #expect(setup.power.actions == [.restart])
            #expect(setup.power.reasons.first?.contains("Suspended") == true)
        }
    }

    @Test("a deleted key at boot is waited for until kmsTimeout, then the server shuts down")
    func deletedKeyAtBoot() async throws {
        try await withSetup { setup in
            let monitor = try setup.monitor()
            try setup.kms.mock.setState(.destroyed, keyID: setup.keyID)
            // At boot a non-Active key is waited for, up to kmsTimeout, then the server shuts down.
            let ending = try await setup.clock.drive { try await monitor.monitor() }
            #expect(ending == .shutdownRequested)
            #expect(setup.power.actions == [.shutdown])
        }
    }

    @Test("an outage longer than kmsTimeout at boot shuts the server down, with bounded requests")
    func bootOutage() async throws {
        try await withSetup { setup in
            let before = setup.kms.mock.recordedRequests.count
            setup.kms.mock.injectFault(.init(.status(503), target: .keyProtect, times: nil))
            let monitor = try setup.monitor(interval: .seconds(60))
            let ending = try await setup.clock.drive { try await monitor.monitor() }
            #expect(ending == .shutdownRequested)
            #expect(setup.power.actions == [.shutdown])
            #expect(setup.clock.now.offset >= .seconds(600))
            let requests = setup.kms.mock.recordedRequests.count - before
            // 600 s / 60 s → 11 polls at most, 2 attempts each.
            #expect(requests >= 10 && requests <= 22, "\(requests) requests")
        }
    }

    @Test("a key that becomes Active before kmsTimeout at boot is accepted")
    func keyBecomesActiveAtBoot() async throws {
        try await withSetup { setup in
            try setup.kms.mock.setState(.suspended, keyID: setup.keyID)
            let monitor = try setup.monitor(interval: .seconds(60))
            let task = Task { try await monitor.monitor() }
            for _ in 0..<3 { try await step(setup.clock) }
            try setup.kms.mock.setState(.active, keyID: setup.keyID)
            for _ in 0..<3 { try await step(setup.clock) }
            #expect(setup.power.actions.isEmpty)
            try setup.kms.mock.setState(.suspended, keyID: setup.keyID)
            for _ in 0..<5 where setup.power.actions.isEmpty {
                try? await step(setup.clock, timeout: .milliseconds(500))
            }
            #expect(try await task.value == .restartRequested)
            #expect(setup.power.actions == [.restart])
        }
    }

    @Test("429 and 5xx storms shorter than kmsTimeout are ridden out with bounded requests; longer ones restart")
    func stormsWhileRunning() async throws {
        try await withSetup { setup in
            let monitor = try setup.monitor(interval: .seconds(60))
            let task = Task { try await monitor.monitor() }
            try await step(setup.clock)  // first running poll
            let before = setup.kms.mock.recordedRequests.count
            setup.kms.mock.injectFault(.init(.status(429, retryAfterSeconds: 1), target: .keyProtect, times: nil))
            // About five minutes of throttling: every sleep (polls and client backoff) is stepped.
            while setup.clock.now.offset < .seconds(360) { try await step(setup.clock) }
            #expect(setup.power.actions.isEmpty)
            let during = setup.kms.mock.recordedRequests.count - before
            #expect(during <= 14, "\(during) requests in 5 minutes of 429s")
            setup.kms.mock.clearFaults()
            try await step(setup.clock)
            try await step(setup.clock)
            #expect(setup.power.actions.isEmpty)

            setup.kms.mock.injectFault(.init(.status(500), target: .keyProtect, times: nil))
            for _ in 0..<40 where setup.power.actions.isEmpty {
                try? await step(setup.clock, timeout: .milliseconds(500))
            }
            #expect(try await task.value == .restartRequested)
            #expect(setup.power.actions == [.restart])
            #expect(setup.power.reasons.first?.contains("unreachable") == true)
        }
    }

    @Test("a crash during the rewrap leaves a keyfile that opens the volume; the next poll finishes the rewrap")
    func crashDuringRewrap() async throws {
        for crashStep in [ProvisioningStep.seedRewrapped, .seedVerified] {
            try await withSetup { setup in
                let service = try setup.kms.service(for: setup.volume.kms[0], clock: setup.clock, attempts: 2)
                let crashing = KeyMonitor(
                    volume: setup.volume, device: setup.device, service: service, power: setup.power,
                    interval: .seconds(60), clock: setup.clock,
                    afterStep: { step in if step == crashStep { throw CancellationError() } })
                let newVersion = try setup.kms.mock.rotate(keyID: setup.keyID)
                let ending = try await setup.clock.drive { try await crashing.monitor() }
                #expect(ending == .stopped)
                #expect(try await setup.keyfileVersion() != newVersion)
                let keyfile = try #require(try await setup.device.readKeyfile())
                let passphrase = try await setup.kms.expectedPassphrase(
                    keyfile: keyfile, envSeed: "env-seed-4411", workloadSeed: "workload-seed-8823")
                #expect(try await setup.device.testPassphrase(.dataPartition, passphrase: passphrase))

                let monitor = try setup.monitor()
                let task = Task { try await monitor.monitor() }
                #expect(try await eventually { try await setup.keyfileVersion() == newVersion })
                try setup.kms.mock.setState(.suspended, keyID: setup.keyID)
                for _ in 0..<5 where setup.power.actions.isEmpty {
                    try? await step(setup.clock, timeout: .milliseconds(500))
                }
                #expect(try await task.value == .restartRequested)
            }
        }
    }
}
