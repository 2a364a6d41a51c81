import Foundation
import IAM
import KeyProtect
public import Logging

/// What provisioning did.
public struct ProvisioningOutcome: Sendable, CustomStringConvertible {
    public var decision: ProvisioningDecision
    /// The LUKS passphrase that opens the volume now. Never printed.
    public var passphrase: SecretBytes
    /// Which LUKS target carries the volume.
    public var target: LUKSTarget
    /// What activation did (nil when activation was not asked for).
    public var activation: ActivationResult?
    /// What mounting did (nil when the volume has no `mount`).
    public var mount: MountResult?
    /// The index of the `kms` entry that unwrapped the seed (nil for new seeds and two-seed volumes).
    public var unwrappedByEntry: Int?
    /// Whether the keyfile was written (new seed, migration, move to the first entry, rewrap by unwrap).
    public var keyfileWritten: Bool
    /// Whether the volume moved from two seeds to three.
    public var migrated: Bool

    public var description: String {
        "ProvisioningOutcome(\(decision); target: \(target); keyfile written: \(keyfileWritten); migrated: \(migrated))"
    }
}

/// Runs the decision table on one volume: inspects the device, decides, and acts, so that the volume opens when,
/// and only when, the customer root key allows it, and no step can lose the seed.
///
/// Order of the steps, chosen for crash safety (a kill at any point leaves a device that the next run completes):
/// the keyfile is written before the data partition is formatted or rekeyed, a wrapped seed is stored only after
/// it unwrapped back to the same seed, and the keyfile replacement is atomic (``VolumeDevice/replaceKeyfile(_:)``).
/// A run that finds the three-seed passphrase failing but the two-seed one working completes an interrupted
/// migration.
public struct VolumeProvisioner: Sendable {
    /// The size of the `metadata` partition of a new layout unless ``Options/metadataSize`` says otherwise: 100 MiB.
    public static let defaultMetadataSize: UInt64 = 100 * 1024 * 1024

    public struct Options: Sendable {
        /// Size of the `metadata` partition of a new layout: 100 MiB.
        public var metadataSize: UInt64
        /// The KDF of new keyslots.
        public var keyDerivation: LUKSKeyDerivation
        /// Activate the volume (`cryptsetup open`) at the end.
        public var activate: Bool
        /// The device-mapper name; the volume's name when nil.
        public var mappingName: String?
        /// Wait between passes over the `kms` entries while they are unreachable (bounded by `kmsTimeout`).
        public var retryInterval: Duration
        /// After activation, make the volume's `filesystem` when it is empty and mount it at its `mount`.
        public var mount: Bool

        public init(
            metadataSize: UInt64 = VolumeProvisioner.defaultMetadataSize,
            keyDerivation: LUKSKeyDerivation = .cryptsetupDefault,
            activate: Bool = true,
            mappingName: String? = nil,
            retryInterval: Duration = .seconds(5),
            mount: Bool = true
        ) {
            self.metadataSize = metadataSize
            self.keyDerivation = keyDerivation
            self.activate = activate
            self.mappingName = mappingName
            self.retryInterval = retryInterval
            self.mount = mount
        }
    }

    public let volume: VolumeConfiguration
    public let device: any VolumeDevice
    /// One service per `kms` entry, in the contract's order.
    public let services: [any SeedKeyService]
    public let options: Options
    /// Called after each durable step; tests throw or kill the process here to simulate a crash.
    public var afterStep: @Sendable (ProvisioningStep) async throws -> Void
    private let clock: ErasedClock
    private let logger: Logger

    public init(
        volume: VolumeConfiguration,
        device: any VolumeDevice,
        services: [any SeedKeyService],
        options: Options = Options(),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "hpcs.keyd", factory: { _ in SwiftLogNoOpLogHandler() }),
        afterStep: @escaping @Sendable (ProvisioningStep) async throws -> Void = { _ in }
    ) {
        self.volume = volume
        self.device = device
        self.services = services
        self.options = options
        self.clock = ErasedClock(clock)
        self.logger = logger
        self.afterStep = afterStep
    }

    /// Inspects the device and returns the decision without acting (`--dry-run`).
    public func plan() async throws -> (inspection: DeviceInspection, decision: ProvisioningDecision) {
        let inspection = try await volumeStep { try await DeviceInspection.inspect(device) }
        return (inspection, inspection.decision(usesKMS: volume.usesKMS, metadataSize: options.metadataSize))
    }

    /// What a refusal is about (the content found, or the sizes), for logs and the CLI.
    public func detail(of decision: ProvisioningDecision, inspection: DeviceInspection) -> String? {
        inspection.detail(of: decision, usesKMS: volume.usesKMS, metadataSize: options.metadataSize)
    }

    /// Inspects, decides and acts.
    ///
    /// - Throws: ``KeyDaemonError`` `refused` for a refusing row (the caller shuts the server down),
    ///   `kmsUnavailable` when no entry unwraps the seed, `seedMismatch`, `malformedKeyfile`, `volumeFailure`.
    ///
    /// `kmsTimeout` is one deadline for the whole run, counted from this call on the provisioner's clock: every
    /// KMS call (new seed, unwrap passes over the entries with their retries, checks) ends by then, a call still
    /// waiting is abandoned at that moment, and an answer that cannot change on retry (a wrong API key, a key
    /// the KMS refuses, a 4xx other than 429) is not asked again. A `kmsTimeout` of zero makes one pass.
    @discardableResult
    public func provision() async throws -> ProvisioningOutcome {
        let deadline = volume.kmsTimeout > .zero ? clock.now + volume.kmsTimeout : nil
        return try await Self.$kmsDeadline.withValue(deadline) { try await runDecisionTable() }
    }

    /// The end of `kmsTimeout` on ``clock`` for the run in progress; nil outside one and for a zero `kmsTimeout`.
    @TaskLocal static var kmsDeadline: Duration?

    private func runDecisionTable() async throws -> ProvisioningOutcome {
        guard volume.usesKMS == !services.isEmpty, services.count == volume.kms.count else {
            throw KeyDaemonError(
                code: .invalidConfiguration,
                message: "volume '\(volume.name)' has \(volume.kms.count) kms entries but \(services.count) services")
        }
        let (inspection, decision) = try await plan()
        switch decision {
        case .refuse(let refusal):
            throw refused(refusal, detail: detail(of: decision, inspection: inspection))
        default:
            log(decision.messageID, "volume \(volume.name) on \(device.path): \(decision)")
        }
        switch decision {
        case .refuse(let refusal):
            throw refused(refusal)
        case .formatTwoSeedVolume(let target):
            let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
            try await volumeStep {
                try await device.luksFormat(target, passphrase: passphrase, keyDerivation: options.keyDerivation)
            }
            log(.luksFormatted, "formatted the \(target) of volume \(volume.name) (two seeds)")
            try await afterStep(.luksFormatted)
            return try await finish(decision, passphrase: passphrase, target: target)
        case .openTwoSeedVolume(let target):
            let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
            guard try await volumeStep({ try await device.testPassphrase(target, passphrase: passphrase) }) else {
                throw refused(.wrongSeeds)
            }
            return try await finish(decision, passphrase: passphrase, target: target)
        case .createLayoutWithNewSeed, .formatWithNewSeed:
            if decision == .createLayoutWithNewSeed {
                try await volumeStep { try await device.createLayout(metadataSize: options.metadataSize) }
                log(.layoutCreated, "wrote the GPT (metadata, data) and the metadata filesystem on \(device.path)")
                try await afterStep(.layoutCreated)
            } else if inspection.metadataFormatted != true {
                try await volumeStep { try await device.formatMetadata() }
                log(.metadataReformatted, "made the metadata filesystem of \(device.path) (an earlier run stopped)")
            }
            let seed = try await storeNewSeed()
            let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: seed)
            try await volumeStep {
                try await device.luksFormat(
                    .dataPartition, passphrase: passphrase, keyDerivation: options.keyDerivation)
            }
            log(.luksFormatted, "formatted the data partition of volume \(volume.name) (three seeds)")
            try await afterStep(.luksFormatted)
            var outcome = try await finish(decision, passphrase: passphrase, target: .dataPartition)
            outcome.keyfileWritten = true
            return outcome
        case .migrateToThreeSeeds:
            let twoSeed = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
            guard try await volumeStep({ try await device.testPassphrase(.dataPartition, passphrase: twoSeed) }) else {
                throw refused(.wrongSeeds)
            }
            let seed = try await storeNewSeed()
            let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: seed)
            try await replaceTwoSeedPassphrase(old: twoSeed, new: passphrase)
            log(.migratedToThreeSeeds, "migrated volume \(volume.name) from two seeds to three")
            var outcome = try await finish(decision, passphrase: passphrase, target: .dataPartition)
            outcome.keyfileWritten = true
            outcome.migrated = true
            return outcome
        case .unwrapAndFormat, .unwrapAndOpen:
            guard let keyfile = inspection.keyfile else { throw refused(.malformedKeyfile) }
            let wrapped: WrappedSeed
            do {
                wrapped = try WrappedSeed(decoding: keyfile)
            } catch let error as KeyDaemonError {
                log(.decisionRefused, "volume \(volume.name): \(error.message)")
                throw KeyDaemonError(
                    code: .refused, message: Refusal.malformedKeyfile.description, underlying: error,
                    refusal: .malformedKeyfile)
            }
            let unwrapped = try await unwrapWithEntries(wrapped)
            let keyfileWritten = try await keepKeyfileCurrent(unwrapped)
            let passphrase = LUKSPassphrase.derive(for: volume, thirdSeed: unwrapped.seed)
            var migrated = false
            if decision == .unwrapAndFormat {
                try await volumeStep {
                    try await device.luksFormat(
                        .dataPartition, passphrase: passphrase, keyDerivation: options.keyDerivation)
                }
                log(.luksFormatted, "formatted the data partition of volume \(volume.name) (three seeds)")
                try await afterStep(.luksFormatted)
            } else if try await !volumeStep({ try await device.testPassphrase(.dataPartition, passphrase: passphrase) })
            {
                // An interrupted migration leaves the keyfile written and the two-seed keyslot in place.
                let twoSeed = LUKSPassphrase.derive(for: volume, thirdSeed: nil)
                guard try await volumeStep({ try await device.testPassphrase(.dataPartition, passphrase: twoSeed) })
                else {
                    throw refused(.wrongSeeds)
                }
                try await replaceTwoSeedPassphrase(old: twoSeed, new: passphrase)
                log(.migrationCompleted, "completed the interrupted migration of volume \(volume.name) to three seeds")
                migrated = true
            }
            var outcome = try await finish(decision, passphrase: passphrase, target: .dataPartition)
            outcome.unwrappedByEntry = unwrapped.entry
            outcome.keyfileWritten = keyfileWritten
            outcome.migrated = migrated
            return outcome
        }
    }

    // MARK: Seeds

    struct UnwrappedSeed {
        var seed: SecretBytes
        var entry: Int
        var wrapped: WrappedSeed
        /// The root key version that had wrapped it, as the unwrap response said.
        var keyVersionID: String?
        var rewrapped: WrappedSeed?
    }

    /// Makes a seed with the first entry, checks that it unwraps, and stores it. Returns the seed.
    private func storeNewSeed() async throws -> SecretBytes {
        guard let first = services.first else {
            throw KeyDaemonError(code: .invalidConfiguration, message: "volume '\(volume.name)' has no kms entry")
        }
        let generated = try await kmsCall("wrap a new seed") { try await first.generateSeed() }
        log(.seedGenerated, "the first kms entry made and wrapped a new seed for volume \(volume.name)")
        try await afterStep(.seedGenerated)
        try await verify(generated.wrapped, holds: generated.seed, with: first)
        try await writeKeyfile(generated.wrapped)
        return generated.seed
    }

    /// Unwraps `wrapped` with the entries in order; passes repeat while an entry is unreachable, until
    /// `kmsTimeout`. An entry that answers with a refusal (wrong key, disabled key, bad ciphertext) is not asked
    /// again.
    func unwrapWithEntries(_ wrapped: WrappedSeed) async throws -> UnwrappedSeed {
        let deadline = Self.kmsDeadline
        var refusedBy = Set<Int>()
        var lastProblem = ""
        func unavailable() -> KeyDaemonError {
            KeyDaemonError(
                code: .kmsUnavailable,
                message:
                    "the kms entries stayed unreachable for kmsTimeout (\(volume.kmsTimeout)); last: \(lastProblem)")
        }
        while true {
            for (index, service) in services.enumerated() where !refusedBy.contains(index) {
                do {
                    let result = try await beforeDeadline(deadline) { try await service.unwrap(wrapped) }
                    log(.seedUnwrapped, "kms entry \(index) unwrapped the seed of volume \(volume.name)")
                    return UnwrappedSeed(
                        seed: result.seed, entry: index, wrapped: wrapped, keyVersionID: result.keyVersionID,
                        rewrapped: result.rewrapped)
                } catch let error as CancellationError {
                    throw error
                } catch let error as KMSDeadlineExceeded {
                    lastProblem = "kms entry \(index): \(error)"
                    log(.seedUnwrapFailedForEntry, "volume \(volume.name): \(lastProblem)")
                    throw unavailable()
                } catch {
                    lastProblem = Self.summary(error)
                    if !Self.isTransient(error) { refusedBy.insert(index) }
                    log(
                        .seedUnwrapFailedForEntry,
                        "kms entry \(index) could not unwrap the seed of volume \(volume.name): \(lastProblem)")
                }
            }
            if refusedBy.count == services.count {
                log(.decisionRefused, "volume \(volume.name): \(Refusal.unwrapFailed)")
                throw KeyDaemonError(
                    code: .refused, message: "\(Refusal.unwrapFailed) (last: \(lastProblem))", refusal: .unwrapFailed)
            }
            guard let deadline, clock.now < deadline else { throw unavailable() }
            let wait = min(options.retryInterval, deadline - clock.now)
            log(.kmsRetry, "retrying the kms entries of volume \(volume.name) in \(wait)")
            try await clock.sleep(for: wait)
        }
    }

    /// Runs a KMS call so that it ends by `deadline` (on ``clock``): what remains of `kmsTimeout` bounds it in real
    /// time. Without a deadline (a zero `kmsTimeout`) the call runs under the client's own timeouts.
    private func beforeDeadline<T: Sendable>(
        _ deadline: Duration?, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let deadline else { return try await body() }
        return try await withRealTimeLimit(deadline - clock.now, body)
    }

    /// After an unwrap: moves the seed to the first entry when a later one unwrapped it, stores the KMS's
    /// rewrapped seed after a rotation, or rewrites a keyfile of the earlier JSON format as the documented
    /// ciphertext. Returns whether the keyfile was written.
    private func keepKeyfileCurrent(_ unwrapped: UnwrappedSeed) async throws -> Bool {
        guard let first = services.first else { return false }
        if unwrapped.entry != 0 {
            do {
                let seed = unwrapped.seed
                let moved = try await beforeDeadline(Self.kmsDeadline) { try await first.wrap(seed) }
                try await verify(moved, holds: unwrapped.seed, with: first)
                try await writeKeyfile(moved)
                log(
                    .seedMovedToFirstEntry,
                    "moved the seed of volume \(volume.name) from kms entry \(unwrapped.entry) to entry 0")
                return true
            } catch let error as KeyDaemonError where error.code == .seedMismatch {
                throw error
            } catch {
                // The volume still opens with the seed entry N gave; the keyfile keeps the wrap that worked.
                log(
                    .firstEntryRewrapFailed,
                    "could not rewrap the seed of volume \(volume.name) with kms entry 0: \(Self.summary(error))")
                return try await upgradeLegacyKeyfile(unwrapped)
            }
        }
        if let rewrapped = unwrapped.rewrapped {
            try await verify(rewrapped, holds: unwrapped.seed, with: first)
            try await writeKeyfile(rewrapped)
            return true
        }
        return try await upgradeLegacyKeyfile(unwrapped)
    }

    /// Rewrites a keyfile of the earlier JSON envelope as the documented ciphertext text: the same ciphertext,
    /// which has just unwrapped, replaced atomically. Returns whether the keyfile was written.
    private func upgradeLegacyKeyfile(_ unwrapped: UnwrappedSeed) async throws -> Bool {
        guard unwrapped.wrapped.storedFormat == .legacyEnvelope else { return false }
        let current = WrappedSeed(ciphertext: unwrapped.wrapped.ciphertext, keyVersionID: unwrapped.keyVersionID)
        try await writeKeyfile(current)
        log(
            .keyfileUpgraded,
            "rewrote the keyfile of volume \(volume.name) from the earlier JSON envelope to the wrap ciphertext alone")
        return true
    }

    /// Unwraps `wrapped` with `service` and compares with `seed`; nothing is stored unless they agree.
    private func verify(_ wrapped: WrappedSeed, holds seed: SecretBytes, with service: any SeedKeyService) async throws
    {
        let check = try await kmsCall("unwrap the new wrapped seed") { try await service.unwrap(wrapped) }
        guard check.seed == seed else {
            throw KeyDaemonError(
                code: .seedMismatch,
                message: "the new wrapped seed of volume \(volume.name) unwraps to a different seed")
        }
        try await afterStep(.seedVerified)
    }

    private func writeKeyfile(_ wrapped: WrappedSeed) async throws {
        try await volumeStep { try await device.replaceKeyfile(wrapped.encoded()) }
        log(.keyfileReplaced, "stored the wrapped seed of volume \(volume.name) (\(wrapped))")
        try await afterStep(.keyfileWritten)
    }

    private func replaceTwoSeedPassphrase(old: SecretBytes, new: SecretBytes) async throws {
        try await volumeStep {
            try await device.replacePassphrase(.dataPartition, old: old, new: new, keyDerivation: options.keyDerivation)
        }
        try await afterStep(.passphraseReplaced)
    }

    // MARK: Finishing

    private func finish(
        _ decision: ProvisioningDecision,
        passphrase: SecretBytes,
        target: LUKSTarget
    ) async throws -> ProvisioningOutcome {
        var activation: ActivationResult?
        if options.activate {
            let name = options.mappingName ?? volume.name
            let result = try await volumeStep {
                try await device.open(target, passphrase: passphrase, mappingName: name)
            }
            switch result {
            case .opened(let mapperPath): log(.volumeOpened, "opened volume \(volume.name) at \(mapperPath)")
            case .skipped(let reason):
                log(
                    .activationSkipped, "volume \(volume.name): activation skipped (\(reason)); the passphrase opens it"
                )
            }
            activation = result
        }
        var mount: MountResult?
        if let mountPoint = volume.mount, options.mount {
            if case .opened(let mapperPath)? = activation {
                let filesystem = volume.filesystem ?? "ext4"
                let result = try await volumeStep {
                    try await VolumeMounter().mount(device: mapperPath, at: mountPoint, filesystem: filesystem)
                }
                if case .mounted(_, let formatted) = result {
                    log(
                        .volumeMounted,
                        "mounted volume \(volume.name) at \(mountPoint) (\(filesystem)\(formatted ? ", made now" : ""))"
                    )
                }
                mount = result
            } else {
                let reason = "the volume was not activated"
                log(.mountSkipped, "volume \(volume.name): mounting at \(mountPoint) skipped (\(reason))")
                mount = .skipped(reason: reason)
            }
        }
        return ProvisioningOutcome(
            decision: decision,
            passphrase: passphrase,
            target: target,
            activation: activation,
            mount: mount,
            unwrappedByEntry: nil,
            keyfileWritten: false,
            migrated: false
        )
    }

    // MARK: Errors and logs

    private func refused(_ refusal: Refusal, detail: String? = nil) -> KeyDaemonError {
        let message = refusal.explanation(detail)
        log(refusal.messageID, "volume \(volume.name) on \(device.path): refused: \(message)")
        return KeyDaemonError(code: .refused, message: message, refusal: refusal)
    }

    private func kmsCall<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        do {
            return try await beforeDeadline(Self.kmsDeadline, body)
        } catch let error as KeyDaemonError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error as KMSDeadlineExceeded {
            throw KeyDaemonError(
                code: .kmsUnavailable,
                message:
                    "could not \(what) for volume \(volume.name) within kmsTimeout (\(volume.kmsTimeout)): \(error)")
        } catch {
            throw KeyDaemonError(
                code: .kmsUnavailable, message: "could not \(what) for volume \(volume.name): \(Self.summary(error))")
        }
    }

    private func volumeStep<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KeyDaemonError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw KeyDaemonError(
                code: .volumeFailure, message: "volume \(volume.name) on \(device.path): \(plainErrorText(error))",
                underlying: error)
        }
    }

    func log(_ id: MessageID, _ message: String) {
        logger.log(id, volume: volume.name, message)
    }

    /// Whether a KMS failure may pass (outage, throttling, IAM unreachable) rather than being a refusal.
    /// A 4xx other than 429 (a wrong key, a refused ciphertext, a deleted key) and an API key IAM rejects cannot
    /// change on retry: the entry is not asked again.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? KeyProtectError {
            if error.code == .authenticationFailed {
                return error.cause.map { isTransient($0) } ?? true
            }
            return [.timeout, .transportFailure, .rateLimited, .serverError, .malformedResponse].contains(error.code)
        }
        if let error = error as? IAMError {
            // IAM's own rule: unreachable, 429 or 5xx may pass; a refused certificate, a 4xx or a malformed
            // answer will not.
            return error.isTransient
        }
        return error is KMSDeadlineExceeded
    }

    /// A one-line account of a KMS error without secrets (KeyProtectError and IAMError descriptions carry none).
    static func summary(_ error: any Error) -> String {
        let text = plainErrorText(error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
