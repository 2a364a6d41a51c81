import Contract
import Foundation
import TestSupport
import Testing

/// `hpcs-tool contract validate` on the built binary: problems on stdout with their paths, exit 0 / 1 / 2.
@Suite("hpcs-tool contract validate: paths on stdout, exit 0 valid, 1 invalid, 2 unreadable")
struct ContractValidateCLITests {
    static let tool = ContractCLIOutputTests.tool
    typealias F = ValidationFixtures

    func withDirectory(_ body: (String) async throws -> Void) async throws {
        try #require(HPCSTool.isBuilt, "no \(Self.tool): run swift build")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "contract-validate-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    func write(_ text: String, _ path: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func validate(_ arguments: [String]) async throws -> ChildProcessResult {
        try await runProcess(Self.tool, ["contract", "validate"] + arguments, timeout: .seconds(60))
    }

    @Test("a valid contract exits 0 with nothing on stdout; notes go to stderr")
    func valid() async throws {
        try await withDirectory { directory in
            let file = try write(F.contract(), directory + "/contract.yaml")
            let result = try await validate([file])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText.isEmpty)
            #expect(result.stderr.contains("valid (ccrt rules)"))
            #expect(result.stderr.contains("note: env.volumes.uvdata.grep11: hpcs-keyd refuses it"))
        }
    }

    @Test("an invalid contract exits 1 and prints each problem with its path, no value")
    func invalid() async throws {
        try await withDirectory { directory in
            let env = F.env(replacing: "kmsTimeout: 20", with: "kmsTimeout: 45")
                .replacingOccurrences(of: "type: private", with: "type: internal")
            let file = try write(F.contract(env: env), directory + "/contract.yaml")
            let result = try await validate([file])
            #expect(result.status == 1)
            #expect(
                result.stdoutText.split(separator: "\n").map(String.init) == [
                    "env.volumes.data.kmsTimeout: must be 0-20 (minutes)",
                    "env.volumes.data.kms[1].type: must be public or private",
                ], "\(result.stdoutText)")
            #expect(result.stderr.contains("2 problems"))
            #expect(!(result.stdoutText + result.stderr).contains("Secret-0123"))
        }
    }

    @Test("--target hpcs-keyd refuses the unpublished forms; --json reports the same")
    func keyDaemonTargetAndJSON() async throws {
        try await withDirectory { directory in
            let file = try write(F.contract(), directory + "/contract.yaml")
            let result = try await validate(["--target", "hpcs-keyd", "--json", file])
            #expect(result.status == 1)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any], "\(result.stdoutText)")
            #expect(object["valid"] as? Bool == false)
            #expect(object["target"] as? String == "hpcs-keyd")
            let paths = (object["problems"] as? [[String: String]])?.compactMap { $0["path"] } ?? []
            #expect(Set(paths) == [
                "env.volumes.uvdata.uv-secret-id", "env.volumes.uvdata.uv-previous-secret-id",
                "env.volumes.uvdata.grep11",
            ])
        }
    }

    @Test("an encrypted env is checked with --key")
    func encryptedWithKey() async throws {
        let fixtures = try await Fixtures.shared()
        try await withDirectory { directory in
            let encryptor = try ContractEncryptorForTests.make(fixtures)
            let env = F.env(replacing: "kmsTimeout: 20", with: "kmsTimeout: 99")
            let token = try encryptor.encrypt(Array(env.utf8))
            let file = try write("workload:\n\(F.indented(F.workload))\nenv: \(token)\n", directory + "/contract.yaml")
            let unopened = try await validate([file])
            #expect(unopened.status == 0)
            #expect(unopened.stderr.contains("note: env: encrypted"))
            let opened = try await validate(["--key", fixtures.path("enc.key"), file])
            #expect(opened.status == 1)
            #expect(opened.stdoutText == "env.volumes.data.kmsTimeout: must be 0-20 (minutes)\n")
        }
    }

    @Test(
        "an unreadable contract exits 2",
        arguments: ["missing", "not-yaml", "too-large", "bad-key"])
    func unreadable(_ kind: String) async throws {
        try await withDirectory { directory in
            var arguments: [String]
            switch kind {
            case "missing":
                arguments = [directory + "/no-such-contract.yaml"]
            case "not-yaml":
                arguments = [try write("env: [\n  - broken", directory + "/c.yaml")]
            case "too-large":
                arguments = [try write(String(repeating: "# padding\n", count: 120_000), directory + "/c.yaml")]
            default:
                arguments = [
                    "--key", try write("not a key", directory + "/k.pem"), try write(F.contract(), directory + "/c.yaml"),
                ]
            }
            let result = try await validate(arguments)
            #expect(result.status == 2, "\(kind): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
            #expect(result.stdoutText.isEmpty)
        }
    }
}

enum ContractEncryptorForTests {
    static func make(_ fixtures: Fixtures) throws -> ContractEncryptor {
        try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.crt"), prefix: .contractBasic)
    }
}
