import Foundation
import IAM
import KeyProtect
public import Logging
public import ServiceLifecycle

/// Watches a volume's root key while the server runs, as a `Service` of a `ServiceGroup`.
///
/// - **At boot** it polls the first `kms` entry's key until the key is Active. While the key is not Active or
///   cannot be reached it keeps polling, and once `kmsTimeout` has passed it asks for a **shutdown**.
/// - **Running**, it polls every ``interval``. A key that is not Active (disabled, deactivated, deleted) →
///   **restart**. A key that cannot be reached for longer than `kmsTimeout` since the last good answer →
///   **restart**.
/// - **Rotation**: when the key's latest version (its metadata) differs from the version that wrapped the keyfile
///   (the unwrap response's `keyVersion`, asked once when the keyfile is read), the seed is rewrapped
///   (KMS `rewrap`, never exposing it), the new wrap is unwrapped back and compared, and only then does it
///   atomically replace the keyfile. A failed rewrap is retried at the next poll; the old keyfile still opens.
///
/// After asking for a restart or shutdown, ``run()`` returns. Time runs on the injected clock.
public final class KeyMonitor: Service, Sendable {
    public let volume: VolumeConfiguration
    public let device: any VolumeDevice
    /// The first `kms` entry's service (the one that wraps).
    public let service: any SeedKeyService
    public let power: any PowerControl
    public let interval: Duration
    private let clock: ErasedClock
    private let logger: Logger
    private let afterStep: @Sendable (ProvisioningStep) async throws -> Void

    public init(
        volume: VolumeConfiguration,
        device: any VolumeDevice,
        service: any SeedKeyService,
        power: any PowerControl,
        interval: Duration = .seconds(60),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "hpcs.keyd", factory: { _ in SwiftLogNoOpLogHandler() }),
        afterStep: @escaping @Sendable (ProvisioningStep) async throws -> Void = { _ in }
    ) {
        self.volume = volume
        self.device = device
        self.service = service
        self.power = power
        self.interval = interval
        self.clock = ErasedClock(clock)
        self.logger = logger
        self.afterStep = afterStep
    }

    /// How the monitor ended.
    public enum Ending: Sendable, Hashable {
        case restartRequested
        case shutdownRequested
        case stopped
    }

    public func run() async throws {
        _ = try await monitor()
    }

    /// Runs until a restart or shutdown was asked for, or the task is cancelled or the service group shuts down.
    public func monitor() async throws -> Ending {
        log(.monitorStarted, "monitoring the root key of volume \(volume.name) every \(interval)")
        do {
            return try await cancelWhenGracefulShutdown {
                // The keyfile as last read or written: read once, not on every poll (each read runs debugfs).
                var stored: StoredKeyfile?
                guard try await self.bootPhase(&stored) else { return .shutdownRequested }
                return try await self.runningPhase(&stored)
            }
        } catch is CancellationError {
            log(.monitorStopped, "stopped monitoring volume \(volume.name)")
            return .stopped
        }
    }

    /// Polls until the key is Active; false once `kmsTimeout` passed (shutdown asked for).
    private func bootPhase(_ stored: inout StoredKeyfile?) async throws -> Bool {
        let start = clock.now
        while true {
            do {
                let status = try await statusWithin(volume.kmsTimeout - (clock.now - start))
                if status.state == .active {
                    log(.keyActive, "the root key of volume \(volume.name) is Active")
                    try await rewrapIfRotated(status, stored: &stored)
                    return true
                }
                log(.keyNotActiveAtBoot, "the root key of volume \(volume.name) is \(status.state) at boot; waiting")
            } catch let error as CancellationError {
                throw error
            } catch {
                log(
                    .kmsUnreachableAtBoot,
                    "the KMS of volume \(volume.name) cannot be reached at boot: \(VolumeProvisioner.summary(error))")
            }
            let elapsed = clock.now - start
            if elapsed >= volume.kmsTimeout {
                let reason =
                    "the root key of volume \(volume.name) was not usable within kmsTimeout (\(volume.kmsTimeout))"
                log(.shutdownAtBoot, reason + "; shutting down")
                await power.shutdown(reason: reason)
                return false
            }
            try await clock.sleep(for: min(interval, volume.kmsTimeout - elapsed))
        }
    }

    private func runningPhase(_ stored: inout StoredKeyfile?) async throws -> Ending {
        var lastGoodAnswer = clock.now
        while true {
            try await clock.sleep(for: interval)
            do {
                let status = try await statusWithin(volume.kmsTimeout - (clock.now - lastGoodAnswer))
                lastGoodAnswer = clock.now
                guard status.state == .active else {
                    let reason = "the root key of volume \(volume.name) is \(status.state)"
                    log(.keyNotActive, reason + "; restarting")
                    await power.restart(reason: reason)
                    return .restartRequested
                }
                try await rewrapIfRotated(status, stored: &stored)
            } catch let error as CancellationError {
                throw error
            } catch {
                let silent = clock.now - lastGoodAnswer
                log(
                    .kmsUnreachable,
                    "the KMS of volume \(volume.name) cannot be reached (for \(silent)): \(VolumeProvisioner.summary(error))"
                )
                if silent > volume.kmsTimeout {
                    let reason =
                        "the KMS of volume \(volume.name) was unreachable for longer than kmsTimeout (\(volume.kmsTimeout))"
                    log(.restartUnreachable, reason + "; restarting")
                    await power.restart(reason: reason)
                    return .restartRequested
                }
            }
        }
    }

    /// The keyfile as the monitor last read or wrote it, with the root key version that wrapped it.
    struct StoredKeyfile {
        var seed: WrappedSeed
        /// The version of the first entry's key that wrapped it; nil when that entry does not unwrap it (the seed
        /// is still wrapped by a later entry), so its rotations do not concern this keyfile.
        var keyVersionID: String?
    }

    /// Rewraps the stored seed when the key's latest version is not the keyfile's. Failures are logged and retried
    /// at the next poll, which reads the keyfile again. `stored` caches the keyfile between polls.
    ///
    /// The keyfile does not name its version (it is the wrap response's ciphertext alone): when it is read, the
    /// first entry unwraps it once and the unwrap response's `keyVersion` says which version wrapped it.
    private func rewrapIfRotated(_ status: RootKeyStatus, stored cached: inout StoredKeyfile?) async throws {
        do {
            if cached == nil {
                guard let bytes = try await device.readKeyfile() else { return }
                cached = try await identify(WrappedSeed(decoding: bytes))
            }
            guard let stored = cached, let version = stored.keyVersionID, let latest = status.latestVersionID,
                version != latest
            else { return }
            log(.rotationDetected, "the root key of volume \(volume.name) has a new version; rewrapping the seed")
            let service = service
            let old = stored.seed
            let rewrapped = try await withinTimeout { try await service.rewrap(old) }
            try await afterStep(.seedRewrapped)
            let before = try await withinTimeout { try await service.unwrap(old) }
            let after = try await withinTimeout { try await service.unwrap(rewrapped) }
            guard before.seed == after.seed else {
                throw KeyDaemonError(code: .seedMismatch, message: "the rewrapped seed unwraps to a different seed")
            }
            try await afterStep(.seedVerified)
            cached = nil
            try await device.replaceKeyfile(rewrapped.encoded())
            cached = StoredKeyfile(seed: rewrapped, keyVersionID: after.keyVersionID ?? rewrapped.keyVersionID)
            log(.seedRewrapped, "stored the rewrapped seed of volume \(volume.name) (\(rewrapped))")
            try await afterStep(.keyfileWritten)
        } catch let error as CancellationError {
            throw error
        } catch {
            cached = nil
            log(
                .rewrapFailed,
                "could not rewrap the seed of volume \(volume.name): \(VolumeProvisioner.summary(error)); will retry")
        }
    }

    /// Asks the first entry which of its key's versions wrapped `seed` (an unwrap; the seed is dropped at once).
    /// A refusal means another entry wrapped it; an outage is thrown and retried at the next poll.
    private func identify(_ seed: WrappedSeed) async throws -> StoredKeyfile {
        let service = service
        do {
            let answer = try await withinTimeout { try await service.unwrap(seed) }
            return StoredKeyfile(seed: seed, keyVersionID: answer.keyVersionID)
        } catch let error as CancellationError {
            throw error
        } catch  where !VolumeProvisioner.isTransient(error) {
            log(
                .rewrapFailed,
                "the first kms entry does not unwrap the keyfile of volume \(volume.name) "
                    + "(\(VolumeProvisioner.summary(error))); its rotations are not followed until the next boot")
            return StoredKeyfile(seed: seed, keyVersionID: nil)
        }
    }

    /// The key's status, given up on once `remaining` (what is left of `kmsTimeout`) has passed in real time, so that a
    /// KMS that never answers is treated as unreachable at `kmsTimeout` rather than after the client's own retries.
    /// At least one second is allowed; a zero `kmsTimeout` leaves the call to the client's timeouts.
    private func statusWithin(_ remaining: Duration) async throws -> RootKeyStatus {
        guard volume.kmsTimeout > .zero else { return try await service.status() }
        let service = service
        return try await withRealTimeLimit(max(remaining, .seconds(1))) { try await service.status() }
    }

    /// A KMS call of the rewrap, given up on after `kmsTimeout` (at least a second) so that a KMS that stops
    /// answering half-way does not hold up the polls; a zero `kmsTimeout` leaves it to the client's timeouts.
    private func withinTimeout<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard volume.kmsTimeout > .zero else { return try await body() }
        return try await withRealTimeLimit(max(volume.kmsTimeout, .seconds(1)), body)
    }

    private func log(_ id: MessageID, _ message: String) {
        logger.log(id, volume: volume.name, message)
    }
}
