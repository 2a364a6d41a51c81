import CertificateAuthority
import CommandLineSupport
import Contract
import Crypto
import Foundation
import IAM
import KeyDaemon
import Subprocess

extension Demo {
    /// What the tools refuse rather than do something unsafe, each shown on the real code path: a device holding
    /// someone's files is not formatted (and stays byte-for-byte the same), credentials never go in clear to a
    /// host that only looks like loopback, a misspelled CA policy is an error, and a "billion laughs" contract
    /// fails at once.
    static func failSafe() async throws {
        step("Fail safe: what the tools refuse, and leave as it was")
        let directory = try makePrivateTemporaryDirectory(prefix: "hpcs-demo-failsafe-")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A disk that already holds a filesystem with a file on it.
        let files = directory + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        try Data("someone else's data\n".utf8).write(to: URL(fileURLWithPath: files + "/notes.txt"))
        let image = directory + "/used-disk.img"
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, 160 * 1024 * 1024) == 0
        else { throw CommandFailure("cannot create \(image)") }
        let made = try await runTool("/sbin/mkfs.ext4", ["-q", "-F", "-d", files, image])
        guard made.status == 0 else { throw CommandFailure("mkfs.ext4 failed: \(made.output)") }
        let before = try digest(of: image)
        let volume = try KeyDaemonConfiguration.parse(
            env: "volumes:\n  data:\n    seed: \"demo env seed\"\n",
            workload: "volumes:\n  data:\n    seed: \"demo workload seed\"\n"
        ).volume(named: nil)
        let provisioner = VolumeProvisioner(
            volume: volume, device: DiskVolume(path: image), services: [],
            options: .init(keyDerivation: .pbkdf2(iterations: 1000)))
        let (inspection, decision) = try await provisioner.plan()
        print(
            "a 160 MiB disk holding an ext4 filesystem with a file: [\(decision.messageID.rawValue)] "
                + (provisioner.detail(of: decision, inspection: inspection) ?? "\(decision)"))
        do {
            _ = try await provisioner.provision()
            throw CommandFailure("the daemon formatted a disk holding data")
        } catch let error as KeyDaemonError {
            print("provisioning it anyway is refused: \(error.humanReadableMessage)")
        }
        print("the disk is byte-for-byte unchanged: \(try digest(of: image) == before)")

        // Plain HTTP goes only to a real loopback address, and never with userinfo.
        for url in ["http://127.0.0.1@10.99.99.99:8080", "http://127.0.0.1.attacker.example", "http://127.0.0.1:8080"] {
            do {
                try checkHTTPTransport(url, allowPlaintext: false, what: "KMS endpoint")
                print("\(url): allowed (loopback)")
            } catch {
                print("\(url): \(plainMessage(of: error))")
            }
        }

        // A CA policy with a misspelled member is an error, not an empty policy that signs any name.
        do {
            _ = try JSONDecoder().decode(Policy.self, from: Data(#"{"permitedDNSDomains": ["example.com"]}"#.utf8))
            throw CommandFailure("a misspelled policy was accepted")
        } catch let error as DecodingError {
            print("CA policy {\"permitedDNSDomains\": [...]}: refused (\(plainDecodingError(error)))")
        } catch let error as CertificateAuthorityError {
            print("CA policy {\"permitedDNSDomains\": [...]}: refused (\(error.humanReadableMessage))")
        }

        // Nested YAML aliases ("billion laughs"): refused before they are expanded.
        var laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for (index, name) in "bcdefghij".enumerated() {
            let previous = Array("abcdefghij")[index]
            laughs +=
                "\(name): &\(name) [*\(previous),*\(previous),*\(previous),*\(previous),*\(previous),"
                + "*\(previous),*\(previous),*\(previous),*\(previous)]\n"
        }
        let start = ContinuousClock.now
        do {
            _ = try HyperProtectContract.parse(yaml: laughs)
            throw CommandFailure("a billion-laughs contract was accepted")
        } catch let error as ContractError {
            let elapsed = ContinuousClock.now - start
            print(
                "a \(laughs.utf8.count)-byte contract of nested YAML aliases: refused in "
                    + "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000) ms "
                    + "(\(error.humanReadableMessage))")
        }
    }

    private static func digest(of path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    private static func plainDecodingError(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            context.debugDescription
        @unknown default: "not a policy"
        }
    }

    /// Runs a tool to the end; its stdout and stderr together (at most 16 MiB).
    static func runTool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await Subprocess.run(
            .path(.init(path)), arguments: Arguments(arguments), output: .bytes(limit: 16 << 20),
            error: .combinedWithOutput)
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return (status, String(decoding: result.standardOutput, as: UTF8.self))
    }
}
