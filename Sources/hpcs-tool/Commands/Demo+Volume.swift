import ArgumentParser
import Contract
import Foundation
import IAM
import KeyDaemon
import KeyProtect
import KeyProtectMock

#if canImport(Glibc)
    import Glibc
#endif

extension Demo {
    /// A Hyper Protect contract end to end: encrypted and signed; its env and workload drive the key daemon, which
    /// provisions a data-volume image with a third seed from the Key Protect mock, rewraps it when the root key is
    /// rotated, and asks for a restart when the key is disabled; finally an attestation record is checked against
    /// the contract's checksums.
    static func contractAndKeyDaemon() async throws {
        step("Contract: encrypt and sign env and workload (hyper-protect-basic tokens)")
        // A new private folder (mkdtemp, 0700): never one that already exists, which another user could have made
        // or pointed elsewhere with a symlink.
        let directory = URL(fileURLWithPath: try makePrivateTemporaryDirectory(prefix: "hpcs-demo-"))
        defer { try? FileManager.default.removeItem(at: directory) }
        @Sendable func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        @Sendable func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
        // Stand-ins for IBM's per-image encryption certificate, the signer's key and the auditor's attestation key.
        for (name, bits) in [("encryption", 4096), ("signer", 3072), ("attestation", 3072)] {
            let made = try await runOpenSSL([
                "req", "-x509", "-newkey", "rsa:\(bits)", "-nodes", "-keyout", path("\(name).key"), "-out",
                path("\(name).crt"), "-days", "30", "-subj", "/CN=hpcs-demo-\(name)",
            ])
            guard made.status == 0 else {
                throw ValidationError("openssl could not make the \(name) key: \(made.output)")
            }
        }

        try await withDemoKMS(rootKeyName: "volume-root-key") { mock, root, apiKey, baseURL in
            let workload = """
                volumes:
                  data:
                    seed: "workload seed: owned by the workload provider"
                    mount: /mnt/data
                    filesystem: ext4
                """
            let env = """
                volumes:
                  data:
                    seed: "env seed: owned by the deployer"
                    kmsTimeout: 1
                    kms:
                      - apiKey: "\(apiKey)"
                        crn: "\(root.crn)"
                        type: public
                """
            let built = try ContractBuilder(
                encryptionCertificatePEM: try read("encryption.crt"), signingKeyPEM: try read("signer.key")
            ).build(workload: workload, env: env)
            try built.yaml.write(toFile: path("contract.yaml"), atomically: true, encoding: .utf8)
            guard case .encrypted(let workloadToken) = built.contract.workload else {
                throw ValidationError("the workload was not encrypted")
            }
            print("workload: \(workloadToken.prefix(48))… (\(workloadToken.count) characters)")
            print("envWorkloadSignature: \(built.contract.envWorkloadSignature?.prefix(32) ?? "")…")

            let contract = try HyperProtectContract.parse(yaml: try read("contract.yaml"))
            let decryptor = try ContractDecryptor(privateKeyPEM: try read("encryption.key"))
            _ = try contract.verifySignature(decryptor: decryptor)
            print("the instance's view: sections decrypted with the image key, signature verified")

            let missing = VolumeTools().check().map(\.executableName)
            if missing.isEmpty {
                try await keyDaemon(
                    contract: contract, decryptor: decryptor, mock: mock, rootKeyID: root.id, baseURL: baseURL,
                    image: path("data-volume.img"))
            } else {
                step(
                    "Key daemon: skipped (missing \(missing.joined(separator: ", ")); scripts/install-deps.sh installs them)"
                )
            }

            step("Attestation: the record's contract checksums against the contract")
            for line in contract.checksums.lines { print("  \(line)") }
            // Playing the instance: the record lists the checksums and is signed with the attestation key.
            let record = (["26.7.1", "Machine Type/Plant/Serial: demo/00/000000"] + contract.checksums.lines)
                .joined(separator: "\n")
            try Data(record.utf8).write(to: URL(fileURLWithPath: path("se-checksums.txt")))
            let signed = try await runOpenSSL([
                "dgst", "-sha256", "-sign", path("attestation.key"), "-out", path("se-signature.bin"),
                path("se-checksums.txt"),
            ])
            guard signed.status == 0 else { throw ValidationError("openssl could not sign the record") }
            let parsed = AttestationRecord(text: record)
            let signature = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path("se-signature.bin"))))
            _ = try parsed.verifySignature(signature, attestationCertificatePEM: try read("attestation.crt"))
            let comparison = parsed.compare(with: contract.checksums)
            print(
                "record signature verified; contract lines matched: \(comparison.matched.count), mismatched: \(comparison.mismatched.count), missing: \(comparison.missing.count)"
            )
            guard comparison.isMatch else {
                throw ValidationError("the attestation record does not match: \(comparison)")
            }
        }
    }

    static func keyDaemon(
        contract: HyperProtectContract, decryptor: ContractDecryptor, mock: KeyProtectMock, rootKeyID: String,
        baseURL: String, image: String
    ) async throws {
        step("Key daemon: a data volume with a third seed from the KMS (a 160 MiB image file)")
        let volume = try KeyDaemonConfiguration.parse(
            env: try contract.sectionText(contract.env, decryptor: decryptor),
            workload: try contract.sectionText(contract.workload, decryptor: decryptor)
        ).volume(named: nil)
        print("contract volume '\(volume.name)': \(volume.kms.count) kms entry, kmsTimeout \(volume.kmsTimeout)")
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, 160 * 1024 * 1024) == 0
        else {
            throw ValidationError("cannot create \(image)")
        }
        let device = DiskVolume(path: image)
        let services: [any SeedKeyService] = try volume.kms.map {
            try KeyProtectSeedService(entry: $0, kmsEndpoint: baseURL, iamEndpoint: baseURL)
        }
        func provisioner() -> VolumeProvisioner {
            // PBKDF2 with 1000 iterations keeps the demo fast; production keyslots use cryptsetup's argon2id.
            VolumeProvisioner(
                volume: volume, device: device, services: services,
                options: .init(keyDerivation: .pbkdf2(iterations: 1000)))
        }
        let first = try await provisioner().provision()
        print("first boot [\(first.decision.messageID.rawValue)]: \(first.decision)")
        let layout = try await device.partitions().map { "\($0.name) \($0.size / 1024 / 1024) MiB" }
        print("layout: \(layout.joined(separator: ", ")); keyfile written: \(first.keyfileWritten)")
        if let keyfile = try await device.readKeyfile() {
            print(
                "keyfile: the wrap response's ciphertext alone (\(keyfile.count) base64 characters), as HPVS documents")
        }
        switch first.activation {
        case .skipped(let reason)?:
            print("activation: skipped (\(reason)); `make vm-test` opens and mounts volumes on a real kernel in a VM")
        case .opened(let mapperPath)?:
            print("activation: opened at \(mapperPath)")
        case nil:
            break
        }
        if case .mounted(let mountPoint, let formatted)? = first.mount {
            print("mount: \(mountPoint)\(formatted ? " (filesystem made now)" : "")")
        }
        let second = try await provisioner().provision()
        print(
            "second boot [\(second.decision.messageID.rawValue)]: \(second.decision); same passphrase: \(second.passphrase == first.passphrase)"
        )

        step("Key daemon: the root key is rotated, the monitor rewraps the seed; then the key is disabled")
        func keyfileVersion() async throws -> String? {
            // The keyfile does not name its version: the unwrap response's keyVersion does.
            guard let bytes = try await device.readKeyfile() else { return nil }
            return try await services[0].unwrap(try WrappedSeed(decoding: bytes)).keyVersionID
        }
        let before = try await keyfileVersion()
        let power = RecordingPowerControl()
        let monitor = KeyMonitor(
            volume: volume, device: device, service: services[0], power: power, interval: .milliseconds(100))
        let running = Task { try await monitor.monitor() }
        let rotated = try mock.rotate(keyID: rootKeyID)
        var after = before
        for _ in 0..<100 where after != rotated {
            try await Task.sleep(for: .milliseconds(50))
            after = try await keyfileVersion()
        }
        print(
            "keyfile key version: \(before?.prefix(8) ?? "?")… -> \(after?.prefix(8) ?? "?")… (rotated to \(rotated.prefix(8))…)"
        )
        guard after == rotated else {
            running.cancel()
            throw ValidationError("the monitor did not rewrap the seed")
        }
        let third = try await provisioner().provision()
        print("boot after the rotation: same passphrase: \(third.passphrase == first.passphrase)")
        try mock.setState(.suspended, keyID: rootKeyID)
        let ending = try await running.value
        guard power.actions == [.restart], ending == .restartRequested else {
            throw ValidationError("the monitor did not ask for a restart")
        }
        print("key disabled: the monitor asked the server to restart, and stopped")
    }
}

/// `mkdtemp` in the temporary directory: a folder no one else made, mode 0700.
func makePrivateTemporaryDirectory(prefix: String) throws -> String {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array(((base.hasSuffix("/") ? base : base + "/") + prefix + "XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
    }
    guard made else { throw ValidationError("cannot create a temporary folder in \(base)") }
    return String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
