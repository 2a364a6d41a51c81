import ArgumentParser
import CommandLineSupport
import Contract
import Foundation
import KeyDaemon
import KeyProtect
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `hpcs-tool volume ...`: the third LUKS seed of a Hyper Protect data volume, once.
public struct VolumeCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Provision, open or inspect a LUKS data volume whose third seed is wrapped by a KMS root key.",
        discussion: """
            The contract file is YAML with `env` and `workload` sections, each plaintext or encrypted \
            (hyper-protect-basic tokens, decrypted with --contract-key). Their `volumes` give the seeds and the \
            `kms` entries (API key, root key CRN, public|private). --device is a block device or a disk image file. \
            Every decision is logged to stderr with a message id (KDnnnX); no seed, passphrase or API key is ever \
            printed. Activation (cryptsetup open) needs device-mapper; without it that step is reported as skipped.

            A device is written only when it is empty (no signature blkid or wipefs finds, and zeros where a header \
            would go; a regular file of size 0 or all zeros) or already a volume of the daemon; anything else is \
            refused and left unchanged, with --dry-run too. Exit status: 3 the device holds data that is not a \
            volume of the daemon (KD111E); 4 it holds bytes without a known signature (KD112E); 5 it is too small \
            for the volume (KD113E; --dry-run prints the minimum and the actual size); 2 another refusal of the \
            decision table (KD110E); 1 any other failure; 64 a mistake on the command line. With --json a failure is \
            an {"error": {"code", "message", "exitStatus"}} object on stdout (codes: docs/cli.md).
            """,
        subcommands: [Provision.self, Open.self, Status.self]
    )

    struct Provision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the decision table: partition, make or unwrap the seed, format or migrate, open.")

        @OptionGroup var options: VolumeOptions

        @Flag(help: "Print the decision without acting.")
        var dryRun = false

        func run() async throws {
            try await options.withProvisioner { provisioner, logger in
                if dryRun {
                    let (inspection, decision) = try await provisioner.plan()
                    let refusal = options.refusal(decision, inspection: inspection, provisioner: provisioner)
                    options.print(
                        decision: decision, inspection: inspection, provisioner: provisioner, refusal: refusal)
                    if var refusal {
                        refusal.isInJSONOutput = options.json
                        throw refusal
                    }
                    return
                }
                let outcome = try await options.provisionOrShutDown(provisioner)
                options.print(outcome: outcome)
            }
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open an existing volume; refuses any row that would partition, format or migrate.")

        @OptionGroup var options: VolumeOptions

        func run() async throws {
            try await options.withPlan { provisioner, inspection, decision in
                switch decision {
                case .unwrapAndOpen, .openTwoSeedVolume:
                    options.print(outcome: try await options.provisionOrShutDown(provisioner))
                case .refuse:
                    try options.exitIfRefused(decision, inspection: inspection, provisioner: provisioner)
                    throw CommandFailure("the volume is not ready to open (\(decision))")
                default:
                    throw CommandFailure("the volume is not ready to open (\(decision)); run `volume provision`")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the device's layout, the decision, and each kms entry's root key state.")

        @OptionGroup var options: VolumeOptions

        func run() async throws {
            try await options.withPlan { provisioner, inspection, decision in
                var stored: WrappedSeed?
                if let keyfile = inspection.keyfile { stored = try? WrappedSeed(decoding: keyfile) }
                // The keyfile names neither its root key nor its version: as at boot, the entries are tried in
                // order, and the first that unwraps it (the seed is dropped at once) tells the version.
                var wrappedBy: (index: Int, version: String?)?
                var entries: [[String: Any]] = []
                for (index, service) in provisioner.services.enumerated() {
                    var entry: [String: Any] = ["index": index, "crn": service.crnText]
                    do {
                        let status = try await service.status()
                        entry.merge(status.state.stateFields) { _, new in new }
                        entry["latestVersion"] = status.latestVersionID ?? NSNull()
                        if let stored, wrappedBy == nil, let answer = try? await service.unwrap(stored) {
                            wrappedBy = (index, answer.keyVersionID)
                            entry["wrapsKeyfile"] = true
                            entry["keyfileIsCurrent"] = answer.keyVersionID == status.latestVersionID
                        }
                    } catch {
                        entry["error"] = plainErrorText(error)
                    }
                    entries.append(entry)
                }
                let format = stored.map { $0.storedFormat == .ciphertext ? "ciphertext" : "earlier JSON envelope" }
                if options.json {
                    printJSON([
                        "device": options.device, "partitions": inspection.partitions.map(\.name),
                        "decision": "\(decision)", "messageId": decision.messageID.rawValue,
                        "keyfile": format.map { format -> [String: Any] in
                            [
                                "format": format, "wrappedByEntry": wrappedBy?.index ?? NSNull(),
                                "keyVersion": wrappedBy?.version ?? NSNull(),
                            ]
                        }
                            ?? NSNull(),
                        "kms": entries,
                    ])
                } else {
                    options.print(decision: decision, inspection: inspection, provisioner: provisioner)
                    if let format {
                        if let wrappedBy {
                            Swift.print(
                                "keyfile (\(format)): wrapped by kms[\(wrappedBy.index)], "
                                    + "version \(wrappedBy.version ?? "unknown")")
                        } else {
                            Swift.print("keyfile (\(format)): no kms entry unwraps it")
                        }
                    }
                    for entry in entries {
                        let state = entry["state"] as? String ?? "unreachable (\(entry["error"] ?? ""))"
                        Swift.print("kms[\(entry["index"] ?? "")]: \(entry["crn"] ?? "") — \(state)")
                    }
                }
            }
        }
    }
}

/// `hpcs-tool keyd run`: the key daemon beside a running server.
public struct KeydCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "keyd",
        abstract: "The key daemon: provision and open the volume, then watch its root key.",
        subcommands: [Run.self]
    )

    /// What `keyd run` does when the volume's key is gone. There is no default: a power action is chosen on purpose.
    enum PowerMode: String, ExpressibleByArgument, CaseIterable {
        case systemd, container, log

        static var allValueDescriptions: [String: String] {
            [
                "systemd": "reboot (key not Active, KMS unreachable past kmsTimeout) or power off (refused at boot) "
                    + "the host with systemctl",
                "container": "exit with 75 (restart) or 76 (shutdown) for the container's restart policy",
                "log": "only log the action; the monitor's restart or shutdown then exits with 75 or 76",
            ]
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Provision and open the volume, then poll its root key until SIGTERM.",
            discussion: """
                A key that is not Active, or a KMS unreachable for longer than kmsTimeout, restarts the server; \
                at boot, a key not usable within kmsTimeout, or a refused volume, shuts it down. A rotated key is \
                rewrapped into the keyfile.

                --power is required (there is no default), because these actions stop the host or the container:
                  systemd    reboots the host to restart it, powers it off to shut it down (systemctl)
                  container  exits with 75 (restart) or 76 (shutdown) for the container's restart policy
                  log        only logs the action; the monitor's restart or shutdown then exits with 75 or 76

                A volume refused at boot exits with its refusal status (2 to 5, see `volume --help`) after the \
                shutdown was asked for (with container, the shutdown's 76 comes first).
                """)

        @OptionGroup var options: VolumeOptions

        @Option(help: "Seconds between polls of the root key.")
        var interval: Int = 60

        @Option(
            help: ArgumentHelp(
                "What restart and shutdown do (required): systemd reboots or powers off the host, container exits "
                    + "with 75 or 76, log only logs.",
                valueName: "systemd|container|log"))
        var power: PowerMode

        func run() async throws {
            guard interval >= 1, interval <= 86_400 else {
                throw CommandFailure("--interval must be 1...86400 seconds")
            }
            let control: any PowerControl =
                switch power {
                case .systemd: SystemPowerControl()
                case .container: ContainerPowerControl()
                case .log: LoggingPowerControl()
                }
            try await options.withProvisioner(power: control) { provisioner, logger in
                let outcome = try await options.provisionOrShutDown(provisioner, power: control)
                options.print(outcome: outcome)
                guard let first = provisioner.services.first else {
                    logger.info("volume \(provisioner.volume.name) has no kms entries; nothing to monitor")
                    return
                }
                let monitor = KeyMonitor(
                    volume: provisioner.volume, device: provisioner.device, service: first, power: control,
                    interval: .seconds(interval), logger: logger, afterStep: VolumeOptions.faultInjection)
                let group = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: monitor, successTerminationBehavior: .gracefullyShutdownGroup)],
                        gracefulShutdownSignals: [.sigterm, .sigint],
                        logger: logger))
                try await group.run()
                if let mode = (control as? LoggingPowerControl)?.requested {
                    throw ExitCode(
                        mode == .restart
                            ? ContainerPowerControl.restartExitCode : ContainerPowerControl.shutdownExitCode)
                }
            }
        }
    }
}

/// The exit statuses of `volume` and `keyd` for the refusals that have their own (other failures exit with 1).
public enum VolumeExitCode {
    /// The device holds data that is not the daemon's (a filesystem, swap, a RAID member, another partition
    /// table, a damaged LUKS header). Nothing was written.
    public static let foreignContent: Int32 = 3
    /// The device is not empty: bytes without a known signature (random data, a text file). Nothing was written.
    public static let unclassifiableContent: Int32 = 4
    /// The device (or data partition) is smaller than the volume needs. Nothing was written.
    public static let deviceTooSmall: Int32 = 5
    /// Another row of the decision table refused (a layout that is not `metadata` + `data`, a downgrade, seeds
    /// that do not open the volume, no `kms` entry that unwraps the seed). Nothing was written.
    public static let refused: Int32 = 2

    public static func forRefusal(_ refusal: Refusal) -> Int32? {
        switch refusal {
        case .foreignContent: foreignContent
        case .unclassifiableContent: unclassifiableContent
        case .deviceTooSmall: deviceTooSmall
        default: refused
        }
    }

    /// The failure that ends a command on `refusal`: `Error: [KDnnnE] <message>` (or the `--json` error object
    /// with the code `volume.foreign-content`, `volume.unclassifiable-content`, `volume.device-too-small` or
    /// `volume.refused`) and the refusal's exit status.
    static func failure(_ refusal: Refusal, message: String) -> CommandFailure {
        let code: String =
            switch refusal {
            case .foreignContent: "volume.foreign-content"
            case .unclassifiableContent: "volume.unclassifiable-content"
            case .deviceTooSmall: "volume.device-too-small"
            default: "volume.refused"
            }
        return CommandFailure(
            "[\(refusal.messageID.rawValue)] \(message)", code: code, exitStatus: forRefusal(refusal) ?? refused)
    }
}

extension ErrorDomain {
    /// The key daemon's errors (`keyd.*`: `keyd.kms-unavailable`, `keyd.invalid-configuration`, ...).
    package static let keyDaemon = ErrorDomain(KeyDaemonError.self, prefix: "keyd") { $0.code.description }

    /// The volume's tool and device errors (`volume.*`: `volume.tool-missing`, `volume.wrong-passphrase`, ...).
    package static let volume = ErrorDomain(VolumeError.self, prefix: "volume") { $0.code.description }
}

/// Logs restart and shutdown requests; the command then exits with the container codes.
final class LoggingPowerControl: PowerControl, @unchecked Sendable {
    private let lock = NSLock()
    private var action: PowerAction?

    var requested: PowerAction? { lock.withLock { action } }

    func restart(reason: String) async {
        lock.withLock { action = .restart }
        printError("power: restart requested: \(reason)")
    }

    func shutdown(reason: String) async {
        lock.withLock { action = .shutdown }
        printError("power: shutdown requested: \(reason)")
    }
}

/// The options every `volume` and `keyd` command shares.
struct VolumeOptions: ParsableArguments {
    @Option(help: "The contract (YAML with env and workload sections).")
    var contract: String

    @Option(help: "PEM private key that decrypts encrypted contract sections.")
    var contractKey: String?

    @Option(help: "Block device or disk image file of the volume.")
    var device: String

    @Option(help: "The volume's name in the contract, when it has several.")
    var volume: String?

    /// --kms-endpoint, --dedicated (every kms entry; the contract can say it per entry, `plan: dedicated`) and
    /// --plaintext.
    @OptionGroup(title: "KMS endpoint") var endpoint: KMSEndpointOptions

    @OptionGroup var iam: IAMEndpointOptions

    @Flag(help: "Do not activate (cryptsetup open) the volume; only check that the passphrase opens it.")
    var noActivate = false

    @Option(
        help: ArgumentHelp(
            "PBKDF2 iterations for new keyslots instead of cryptsetup's argon2id default.", visibility: .hidden))
    var luksPbkdf2Iterations: Int?

    @OptionGroup(title: "Output") var output: OutputOptions

    @OptionGroup var logging: LoggingOptions

    var json: Bool { output.json }

    /// `HPCS_KEYD_KILL_AFTER_STEP=<step>` kills the process with SIGKILL right after that durable step: the
    /// crash-safety tests use it. Unset, it does nothing.
    static let faultInjection: @Sendable (ProvisioningStep) async throws -> Void = { step in
        guard let target = ProcessInfo.processInfo.environment["HPCS_KEYD_KILL_AFTER_STEP"], target == step.rawValue
        else { return }
        kill(getpid(), SIGKILL)
    }

    func makeLogger() -> Logger { logging.logger(label: "hpcs.keyd", quietLevel: .info) }

    /// The largest contract file read, as `hpcs-tool contract` reads them (the YAML parser then limits the document
    /// itself to 1 MiB and its aliases).
    static let maximumContractFileSize = 16 << 20

    /// Reads the contract (decrypting sections with --contract-key) and the volume's configuration.
    func loadVolume() throws -> VolumeConfiguration {
        // A regular file, a FIFO, /dev/stdin or a process substitution, read up to a limit (the contract CLI's).
        let contractBytes = try readInputFile(contract, what: "contract", limit: Self.maximumContractFileSize)
        guard let text = String(validating: contractBytes, as: UTF8.self) else {
            throw CommandFailure("the contract \(contract) is not UTF-8 text")
        }
        let decryptor: ContractDecryptor?
        if let contractKey {
            var keyBytes = try readInputFile(contractKey, what: "contract key", limit: maximumInputFileSize)
            defer { for index in keyBytes.indices { keyBytes[index] = 0 } }
            guard let pem = String(validating: keyBytes, as: UTF8.self) else {
                throw CommandFailure("the contract key \(contractKey) is not PEM text")
            }
            decryptor = try ContractDecryptor(privateKeyPEM: pem)
        } else {
            decryptor = nil
        }
        let parsed = try HyperProtectContract.parse(yaml: text)
        let env = try parsed.sectionText(parsed.env, decryptor: decryptor)
        let workload = try parsed.sectionText(parsed.workload, decryptor: decryptor)
        var loaded = try KeyDaemonConfiguration.parse(env: env, workload: workload).volume(named: volume)
        if endpoint.dedicated {
            for index in loaded.kms.indices {
                do {
                    try loaded.kms[index].crn.check(plan: .dedicated)
                } catch let error as KeyProtectError {
                    throw CommandFailure(
                        "--dedicated: kms entry \(index + 1) (\(loaded.kms[index].crn)): \(error.message)")
                }
                loaded.kms[index].plan = .dedicated
            }
        }
        return loaded
    }

    /// Runs `body` with the volume's provisioner. A failure of the contract, the configuration, the device or the
    /// KMS reaches the operator as a plain sentence (`Error: the contract ...`), never with a Swift type name:
    /// the error report (`mainReportingErrors`) knows these errors (``ErrorDomain/keyDaemon``, ...).
    func withProvisioner(
        power: (any PowerControl)? = nil,
        _ body: @Sendable (VolumeProvisioner, Logger) async throws -> Void
    ) async throws {
        let logger = makeLogger()
        let volume = try loadVolume()
        if volume.volumeName != nil || volume.volumeID != nil || volume.lookupAPIKey != nil {
            logger.notice(
                "the contract names the cloud volume (volumeName/volumeID/apiKey): hpcs-keyd does not look it up, it uses --device",
                metadata: [
                    "volumeName": "\(volume.volumeName ?? "-")", "volumeID": "\(volume.volumeID ?? "-")",
                    "device": "\(device)",
                ])
        }
        let kms = endpoint.configuredEndpoint?.url
        let iam = self.iam.resolved
        if let kms { try endpoint.checkTransport(kms, what: "KMS endpoint") }
        try endpoint.checkTransport(iam, what: "IAM endpoint")
        let plaintext = endpoint.plaintext
        let services: [any SeedKeyService] = try volume.kms.map {
            try KeyProtectSeedService(
                entry: $0, kmsEndpoint: kms, iamEndpoint: iam, configuration: .init(insecureAllowPlainHTTP: plaintext),
                logger: logger)
        }
        if let iterations = luksPbkdf2Iterations, iterations < 1000 || iterations > 100_000_000 {
            throw CommandFailure("--luks-pbkdf2-iterations must be 1000...100000000")
        }
        let disk = DiskVolume(path: device, logger: logger)
        for path in disk.removeStaleScratchFiles() {
            logger.warning(
                "[\(MessageID.staleScratchRemoved.rawValue)] removed the scratch folder \(path) that a killed run left",
                metadata: ["msgid": "\(MessageID.staleScratchRemoved.rawValue)"])
        }
        let provisioner = VolumeProvisioner(
            volume: volume,
            device: disk,
            services: services,
            options: .init(
                keyDerivation: luksPbkdf2Iterations.map { .pbkdf2(iterations: $0) } ?? .cryptsetupDefault,
                activate: !noActivate),
            logger: logger,
            afterStep: Self.faultInjection
        )
        try await body(provisioner, logger)
    }

    /// Runs `body` with the volume's provisioner and its plan: what the device holds and what provisioning would do.
    func withPlan(
        _ body: @Sendable (VolumeProvisioner, DeviceInspection, ProvisioningDecision) async throws -> Void
    ) async throws {
        try await withProvisioner { provisioner, _ in
            let (inspection, decision) = try await provisioner.plan()
            try await body(provisioner, inspection, decision)
        }
    }

    /// Provisions; a refusal asks `power` for a shutdown (when given) and fails the command.
    func provisionOrShutDown(_ provisioner: VolumeProvisioner, power: (any PowerControl)? = nil) async throws
        -> ProvisioningOutcome
    {
        do {
            return try await provisioner.provision()
        } catch let error as KeyDaemonError {
            if let power, error.code == .refused || error.code == .kmsUnavailable {
                // Said before the power action: `container` and `systemd` may end the process at once.
                printError("[\(MessageID.shutdownAtBoot.rawValue)] shutting the server down: \(plainErrorText(error))")
                await power.shutdown(reason: error.message)
            }
            if let refusal = error.refusal { throw VolumeExitCode.failure(refusal, message: error.message) }
            throw error
        }
    }

    /// For a refusal with an exit code of its own (the device's content or size): the message on stderr and that
    /// exit code, whether planned (`--dry-run`, `open`) or met while provisioning.
    func exitIfRefused(
        _ decision: ProvisioningDecision, inspection: DeviceInspection, provisioner: VolumeProvisioner
    ) throws {
        if let refusal = refusal(decision, inspection: inspection, provisioner: provisioner) { throw refusal }
    }

    /// The failure a refused `decision` ends the command with, or nil.
    func refusal(
        _ decision: ProvisioningDecision, inspection: DeviceInspection, provisioner: VolumeProvisioner
    ) -> CommandFailure? {
        guard case .refuse(let refusal) = decision else { return nil }
        let detail = provisioner.detail(of: decision, inspection: inspection)
        return VolumeExitCode.failure(refusal, message: refusal.explanation(detail))
    }

    /// Prints the decision; with --json one object, holding `refusal` as its `error` member when there is one.
    func print(
        decision: ProvisioningDecision, inspection: DeviceInspection, provisioner: VolumeProvisioner,
        refusal: CommandFailure? = nil
    ) {
        let detail = provisioner.detail(of: decision, inspection: inspection)
        let requirement = inspection.sizeRequirement(
            usesKMS: provisioner.volume.usesKMS, metadataSize: provisioner.options.metadataSize)
        if json {
            printJSON(
                [
                    "device": device, "partitions": inspection.partitions.map(\.name), "decision": "\(decision)",
                    "messageId": decision.messageID.rawValue, "hasKeyfile": inspection.keyfile != nil,
                    "content": "\(inspection.content)", "deviceSize": inspection.size,
                    "minimumSize": requirement.map { $0.minimum as Any } ?? NSNull(),
                    "sizeChecked": requirement.map { ($0.ofDataPartition ? "data partition" : "device") as Any }
                        ?? NSNull(),
                    "detail": detail.map { $0 as Any } ?? NSNull(),
                ].merging(refusal?.report.jsonObject ?? [:]) { _, new in new })
        } else {
            let layout =
                inspection.partitions.isEmpty
                ? "no partitions" : inspection.partitions.map(\.name).joined(separator: ", ")
            Swift.print("device: \(device) (\(layout); \(DeviceInspection.sizeText(inspection.size)))")
            Swift.print("content: \(inspection.content)")
            if let requirement {
                Swift.print(
                    "size: the \(requirement.ofDataPartition ? "data partition" : "device") has "
                        + "\(DeviceInspection.sizeText(requirement.actual)); this row needs at least "
                        + DeviceInspection.sizeText(requirement.minimum))
            }
            Swift.print("decision [\(decision.messageID.rawValue)]: \(decision)")
            if let detail { Swift.print("why: \(detail)") }
        }
    }

    func print(outcome: ProvisioningOutcome) {
        let activation: String =
            switch outcome.activation {
            case .opened(let path): "opened at \(path)"
            case .skipped(let reason): "skipped (\(reason))"
            case nil: "not requested"
            }
        let mount: String =
            switch outcome.mount {
            case .mounted(let point, let formatted)?: "mounted at \(point)\(formatted ? " (filesystem made)" : "")"
            case .skipped(let reason)?: "skipped (\(reason))"
            case nil: "no mount point"
            }
        if json {
            printJSON([
                "device": device, "decision": "\(outcome.decision)", "messageId": outcome.decision.messageID.rawValue,
                "target": "\(outcome.target)", "activation": activation, "mount": mount,
                "keyfileWritten": outcome.keyfileWritten,
                "migrated": outcome.migrated,
                "unwrappedByEntry": outcome.unwrappedByEntry.map { $0 as Any } ?? NSNull(),
            ])
        } else {
            Swift.print("decision [\(outcome.decision.messageID.rawValue)]: \(outcome.decision)")
            Swift.print(
                "volume: \(outcome.target); keyfile written: \(outcome.keyfileWritten); migrated: \(outcome.migrated)")
            if let entry = outcome.unwrappedByEntry { Swift.print("seed unwrapped by kms entry \(entry)") }
            Swift.print("activation: \(activation)")
            Swift.print("mount: \(mount)")
        }
        // `keyd run` keeps running: whoever reads stdout through a pipe sees the outcome now, not at exit.
        fflush(nil)
    }
}
