import Contract
import Foundation
import KeyProtectMock
import TestSupport
import Testing

@testable import KeyDaemon

private let hpcsTool = HPCSTool.path

/// `hpcs-tool volume` and `hpcs-tool keyd` as a user runs them, against the Key Protect mock, on image files; the
/// process is killed with SIGKILL after each durable step and run again.
extension RealDevices {
    @Suite(
        "hpcs-tool volume and keyd (built binary, real images, SIGKILL)",
        .enabled(
            if: (HPCSTool.isBuilt && volumeToolsPresent) || PythonInterpreter.isCI, "no hpcs-tool build or volume tools"
        )
    )
    struct VolumeCLITests {
        struct Setup {
            let kms: KMSFixture
            let devices: ImageFileDevices
            let crn: String
            let contractPath: String

            var keyID: String { KMSFixture.keyID(crn) }

            func tool(_ arguments: [String], image: String, killAfter: ProvisioningStep? = nil, extra: [String] = [])
                async throws -> ChildProcess.Output
            {
                try await VolumeCLITests.tool(
                    arguments + extra, contractPath: contractPath, device: image, kms: kms,
                    environment: killAfter.map { ["HPCS_KEYD_KILL_AFTER_STEP": $0.rawValue] } ?? [:])
            }

            func passphrase(_ image: String) async throws -> SecretBytes? {
                guard let keyfile = try await devices.device(image).readKeyfile() else { return nil }
                return try await kms.expectedPassphrase(
                    keyfile: keyfile, envSeed: "cli env seed", workloadSeed: "cli workload seed")
            }

            func volumeKey(_ image: String) async throws -> SecretBytes? {
                let device = devices.device(image)
                guard try await device.isLUKS(.dataPartition), let passphrase = try await passphrase(image) else {
                    return nil
                }
                return try await device.volumeKey(.dataPartition, passphrase: passphrase)
            }

            /// A new image with a GPT of one empty partition: a layout the decision table refuses (KD110E).
            func newSinglePartitionImage() async throws -> String {
                let image = try newImage()
                let made = try await ChildProcess.run(
                    "/bin/sh", ["-c", "printf 'label: gpt\\nname=only\\n' | sfdisk -q '\(image)'"],
                    timeout: .seconds(30))
                try #require(made.status == 0, "\(made.text)")
                return image
            }

            func newImage() throws -> String {
                let path = devices.directory + "/cli-\(UUID().uuidString).img"
                try VolumeFixture.makeSparseFile(path, size: VolumeFixture.imageSize)
                return path
            }
        }

        /// Runs the built `hpcs-tool` with `arguments` on `device` under the contract at `contractPath`, with the
        /// mock `kms` as Key Protect and IAM, fast key derivation and JSON output.
        static func tool(
            _ arguments: [String], contractPath: String, device: String, kms: KMSFixture,
            environment: [String: String] = [:]
        ) async throws -> ChildProcess.Output {
            try await ChildProcess.run(
                hpcsTool,
                arguments + [
                    "--contract", contractPath, "--device", device, "--kms-endpoint", kms.baseURL, "--iam-endpoint",
                    kms.baseURL, "--luks-pbkdf2-iterations", "1000", "--json",
                ],
                environment: environment,
                timeout: .seconds(120))
        }

        static func contract(crn: String, apiKey: String = daemonTestAPIKey) -> (env: String, workload: String) {
            let env = """
                volumes:
                  data:
                    seed: "cli env seed"
                    kmsTimeout: 1
                    kms:
                      - apiKey: "\(apiKey)"
                        crn: "\(crn)"
                        type: public
                """
            let workload = """
                volumes:
                  data:
                    seed: "cli workload seed"
                """
            return (env, workload)
        }

        static func plaintextContract(crn: String) -> String {
            let (env, workload) = contract(crn: crn)
            func indented(_ text: String) -> String {
                text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            }
            return "env: |\n\(indented(env))\nworkload: |\n\(indented(workload))\n"
        }

        static func withSetup(_ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
            try await withKMS { kms in
                try await ImageFileDevices.with { devices in
                    let crn = kms.makeRootKey()
                    let contractPath = devices.directory + "/contract.yaml"
                    try Self.plaintextContract(crn: crn).write(toFile: contractPath, atomically: true, encoding: .utf8)
                    try await body(Setup(kms: kms, devices: devices, crn: crn, contractPath: contractPath))
                }
            }
        }

        static func json(_ output: ChildProcess.Output) -> [String: Any] {
            // stdout and stderr are merged: the JSON object is the last line starting with '{'.
            let line = output.text.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
        }

        @Test("provision, dry-run, status and open; every decision logged with a message id and no secret")
        func provisionAndOpen() async throws {
            try await Self.withSetup { setup in
                let image = try setup.newImage()
                let dry = try await setup.tool(["volume", "provision", "--dry-run"], image: image)
                #expect(dry.status == 0, "\(dry.text)")
                #expect(Self.json(dry)["messageId"] as? String == MessageID.decisionCreateLayout.rawValue)
                #expect(try await setup.devices.device(image).partitions().isEmpty)

                let provisioned = try await setup.tool(["volume", "provision"], image: image)
                #expect(provisioned.status == 0, "\(provisioned.text)")
                #expect(provisioned.text.contains("[KD103I]") && provisioned.text.contains("[KD127I]"))
                #expect(!provisioned.text.contains(daemonTestAPIKey) && !provisioned.text.contains("cli env seed"))
                let passphrase = try #require(try await setup.passphrase(image))
                #expect(!provisioned.text.contains(String(decoding: passphrase.bytes, as: UTF8.self)))
                #expect(try await setup.devices.device(image).testPassphrase(.dataPartition, passphrase: passphrase))

                let opened = try await setup.tool(["volume", "open"], image: image)
                #expect(opened.status == 0, "\(opened.text)")
                #expect(Self.json(opened)["messageId"] as? String == MessageID.decisionUnwrapAndOpen.rawValue)
                let status = try await setup.tool(["volume", "status"], image: image)
                let kms = Self.json(status)["kms"] as? [[String: Any]]
                #expect(kms?.first?["state"] as? String == "Active")
                #expect(kms?.first?["stateCode"] as? Int == 1)  // as in `kms key --json` (docs/cli.md)
                #expect(kms?.first?["keyfileIsCurrent"] as? Bool == true)

                // `open` refuses a blank device instead of formatting it.
                let blank = try setup.newImage()
                let refused = try await setup.tool(["volume", "open"], image: blank)
                #expect(refused.status != 0)
                #expect(try await setup.devices.device(blank).partitions().isEmpty)
            }
        }

        @Test(
            "a device that is not empty or ours: refused with its own exit code and message id, dry-run or not, unchanged",
            // The exit statuses documented in `hpcs-tool volume --help` (KeyDaemonCLI's VolumeExitCode).
            arguments: [
                (ForeignImage.ext4WithFiles, Int32(3), MessageID.refusedForeignContent),
                (.overlappingGPT, 3, .refusedForeignContent),
                (.randomBytesAtStart, 4, .refusedUnclassifiableContent),
                (.servicesFile, 4, .refusedUnclassifiableContent),
                (.oneMebibyteOfZeros, 5, .refusedDeviceTooSmall),
            ])
        func foreignDevice(_ image: ForeignImage, exitCode: Int32, messageID: MessageID) async throws {
            try await Self.withSetup { setup in
                let path = setup.devices.directory + "/\(image.rawValue).img"
                try await image.make(at: path, scratch: setup.devices.directory)
                let before = try fileDigest(path)
                let dry = try await setup.tool(["volume", "provision", "--dry-run"], image: path)
                #expect(dry.status == exitCode, "\(dry.text)")
                #expect(dry.text.contains("[\(messageID.rawValue)]"), "\(dry.text)")
                let plan = Self.json(dry)
                #expect(plan["messageId"] as? String == messageID.rawValue)
                if image == .oneMebibyteOfZeros {
                    #expect(plan["minimumSize"] as? Int == 120 << 20)
                    #expect(plan["deviceSize"] as? Int == 1 << 20)
                    #expect(dry.text.contains("needs at least 125829120 bytes (120 MiB)"))
                }
                let real = try await setup.tool(["volume", "provision"], image: path)
                #expect(real.status == exitCode, "\(real.text)")
                #expect(real.text.contains("[\(messageID.rawValue)]"), "\(real.text)")
                let daemon = try await setup.tool(["keyd", "run", "--power", "log"], image: path)
                #expect(daemon.status == exitCode, "\(daemon.text)")
                #expect(try fileDigest(path) == before, "\(image) was changed")
            }
        }

        @Test("the other refusals of the decision table exit with 2, dry-run or not, and change nothing")
        func otherRefusalsExitWithTwo() async throws {
            try await Self.withSetup { setup in
                let image = try await setup.newSinglePartitionImage()
                let before = try fileDigest(image)
                for arguments in [["volume", "provision", "--dry-run"], ["volume", "provision"], ["volume", "open"]] {
                    let refused = try await setup.tool(arguments, image: image)
                    #expect(refused.status == 2, "\(arguments): \(refused.text)")
                    #expect(refused.text.contains("[KD110E]"), "\(refused.text)")
                }
                #expect(try fileDigest(image) == before)
            }
        }

        @Test("keyd run --power container: a volume refused at boot says KD204E and why before it exits with 76")
        func shutdownAtBootIsLogged() async throws {
            try await Self.withSetup { setup in
                let image = try await setup.newSinglePartitionImage()
                let before = try fileDigest(image)
                let refused = try await setup.tool(
                    ["keyd", "run", "--power", "container", "--interval", "60"], image: image)
                #expect(refused.status == 76, "\(refused.text)")
                #expect(refused.text.contains("[KD204E] shutting the server down"), "\(refused.text)")
                #expect(!refused.text.contains("KeyDaemonError"), "\(refused.text)")
                #expect(try fileDigest(image) == before)
            }
        }

        @Test("keyd run requires --power, and --help says what each value does")
        func powerIsRequired() async throws {
            try await Self.withSetup { setup in
                let image = try setup.newImage()
                let without = try await setup.tool(["keyd", "run"], image: image)
                #expect(without.status == 64, "\(without.text)")
                #expect(without.text.contains("--power"), "\(without.text)")
                #expect(try await setup.devices.device(image).partitions().isEmpty)
                let help = try await ChildProcess.run(hpcsTool, ["keyd", "run", "--help"], timeout: .seconds(30))
                #expect(help.text.contains("reboots the host"), "\(help.text)")
                #expect(help.text.contains("exits with 75 (restart) or 76 (shutdown)"), "\(help.text)")
                #expect(help.text.contains("only logs the action"), "\(help.text)")
            }
        }

        @Test("scratch folders a killed run left in /dev/shm are removed at the next start")
        func staleScratchRemovedAtStart() async throws {
            try await Self.withSetup { setup in
                let stale = "/dev/shm/hpcs-volume.\(try await exitedProcessID()).Zx9Yw8"
                try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
                defer { try? FileManager.default.removeItem(atPath: stale) }
                let image = try setup.newImage()
                let dry = try await setup.tool(["volume", "provision", "--dry-run"], image: image)
                #expect(dry.status == 0, "\(dry.text)")
                #expect(dry.text.contains("[\(MessageID.staleScratchRemoved.rawValue)]"), "\(dry.text)")
                #expect(!FileManager.default.fileExists(atPath: stale))
            }
        }

        @Test("killed with SIGKILL after each step of provisioning, the next run completes and keeps the volume key")
        func killedDuringProvisioning() async throws {
            try await Self.withSetup { setup in
                for step in [
                    ProvisioningStep.layoutCreated, .seedGenerated, .seedVerified, .keyfileWritten, .luksFormatted,
                ] {
                    let image = try setup.newImage()
                    let killed = try await setup.tool(["volume", "provision"], image: image, killAfter: step)
                    #expect(killed.status != 0, "the run should have been killed after \(step)")
                    let keyBefore = try await setup.volumeKey(image)
                    let again = try await setup.tool(["volume", "provision"], image: image)
                    #expect(again.status == 0, "after a kill at \(step): \(again.text)")
                    let keyAfter = try await setup.volumeKey(image)
                    #expect(keyAfter != nil, "after a kill at \(step)")
                    if let keyBefore { #expect(keyAfter == keyBefore, "after a kill at \(step)") }
                }
            }
        }

        @Test("keyd killed with SIGKILL during the rewrap after a rotation: the volume still opens with the same key")
        func killedDuringRewrap() async throws {
            try await Self.withSetup { setup in
                for step in [ProvisioningStep.seedRewrapped, .seedVerified, .keyfileWritten] {
                    let image = try setup.newImage()
                    let provisioned = try await setup.tool(["volume", "provision"], image: image)
                    #expect(provisioned.status == 0, "\(provisioned.text)")
                    let keyBefore = try await setup.volumeKey(image)
                    let polls = { setup.kms.mock.recordedRequests.filter { $0.path.hasSuffix("/metadata") }.count }
                    let before = polls()
                    let daemon = Task {
                        try await setup.tool(
                            ["keyd", "run"], image: image, killAfter: step,
                            extra: ["--interval", "1", "--power", "log"])
                    }
                    #expect(try await eventually(timeout: .seconds(60)) { polls() > before })
                    try setup.kms.mock.rotate(keyID: setup.keyID)
                    let ended = try await daemon.value
                    #expect(ended.status != 0, "keyd should have been killed after \(step): \(ended.text)")
                    let opened = try await setup.tool(["volume", "open"], image: image)
                    #expect(opened.status == 0, "after a kill at \(step): \(opened.text)")
                    #expect(try await setup.volumeKey(image) == keyBefore, "after a kill at \(step)")
                }
            }
        }

        @Test("keyd restarts (exit 75) when the key is disabled, after rewrapping a rotation")
        func keydRestartsOnDisable() async throws {
            try await Self.withSetup { setup in
                let image = try setup.newImage()
                let polls = { setup.kms.mock.recordedRequests.filter { $0.path.hasSuffix("/metadata") }.count }
                let daemon = Task {
                    try await setup.tool(["keyd", "run"], image: image, extra: ["--interval", "1", "--power", "log"])
                }
                #expect(try await eventually(timeout: .seconds(60)) { polls() > 0 })
                let version = try setup.kms.mock.rotate(keyID: setup.keyID)
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        let keyfile = try await setup.devices.device(image).readKeyfile()
                        return (try? await setup.kms.keyfileVersion(keyfile)) == version
                    })
                try setup.kms.mock.setState(.suspended, keyID: setup.keyID)
                let ended = try await daemon.value
                #expect(ended.status == 75, "\(ended.text)")
                #expect(ended.text.contains("[KD205E]") && ended.text.contains("[KD209I]"))
            }
        }

        @Test("an encrypted and signed contract drives the daemon with --contract-key")
        func encryptedContract() async throws {
            try await Self.withSetup { setup in
                let key = setup.devices.directory + "/contract.key"
                let cert = setup.devices.directory + "/contract.crt"
                let made = try await ChildProcess.run(
                    "/usr/bin/openssl",
                    [
                        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=test",
                    ],
                    timeout: .seconds(60))
                #expect(made.status == 0, "\(made.text)")
                let (env, workload) = Self.contract(crn: setup.crn)
                let built = try ContractBuilder(
                    encryptionCertificatePEM: try String(contentsOfFile: cert, encoding: .utf8),
                    signingKeyPEM: try String(contentsOfFile: key, encoding: .utf8)
                ).build(workload: workload, env: env)
                let encrypted = setup.devices.directory + "/encrypted.yaml"
                try built.yaml.write(toFile: encrypted, atomically: true, encoding: .utf8)
                #expect(!built.yaml.contains(daemonTestAPIKey))
                let image = try setup.newImage()
                let without = try await ChildProcess.run(
                    hpcsTool,
                    [
                        "volume", "provision", "--contract", encrypted, "--device", image, "--kms-endpoint",
                        setup.kms.baseURL,
                        "--iam-endpoint", setup.kms.baseURL, "--luks-pbkdf2-iterations", "1000",
                    ],
                    timeout: .seconds(60))
                #expect(without.status != 0)
                let with = try await ChildProcess.run(
                    hpcsTool,
                    [
                        "volume", "provision", "--contract", encrypted, "--contract-key", key, "--device", image,
                        "--kms-endpoint", setup.kms.baseURL, "--iam-endpoint", setup.kms.baseURL,
                        "--luks-pbkdf2-iterations",
                        "1000",
                    ],
                    timeout: .seconds(120))
                #expect(with.status == 0, "\(with.text)")
                let passphrase = try #require(try await setup.passphrase(image))
                #expect(try await setup.devices.device(image).testPassphrase(.dataPartition, passphrase: passphrase))
            }
        }
    }
}
