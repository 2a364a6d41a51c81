import Foundation
import KeyProtectMock
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `hpcs-tool`, run like a user would: no silent mock (issue 13 item 2), secrets from pipes (item 6) and
/// output paths that are devices, FIFOs or symbolic links written through, never replaced.
private let hpcsTool = HPCSTool.path

/// An API key the child is given; no output may contain it.
private let secretAPIKey = "kp-test-api-key-7f3c"

@Suite(
    "hpcs-tool fails safe: no silent mock, secrets from pipes, outputs written through (built binary)",
    .enabled(if: HPCSTool.isBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool: run swift build first")
)
struct CLISafetyTests {
    /// Runs `script` with bash in a fresh directory, with no endpoint or API key in the environment; `$TOOL` is
    /// hpcs-tool, `$SECRET` the test API key. `body` gets the merged output and the directory.
    func shell<T>(
        _ script: String,
        environment: [String: String] = [:],
        _ body: (ChildProcess.Output, URL) throws -> T
    ) async throws -> T {
        try #require(HPCSTool.isBuilt, "\(hpcsTool) is missing; run swift build --build-tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hpcs-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var variables = environment
        variables["TOOL"] = hpcsTool
        variables["SECRET"] = secretAPIKey
        let output = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "-u", "GREP11_ADDRESS", "-u", "HPCS_KMS_ENDPOINT", "-u", "HPCS_IAM_ENDPOINT", "-u", "HPCS_API_KEY",
                "bash", "-c", #"cd "$0" && eval "$1""#, directory.path, script,
            ],
            environment: variables,
            timeout: .seconds(120))
        #expect(!output.timedOut, "hpcs-tool did not finish: \(output.text)")
        return try body(output, directory)
    }

    // MARK: No silent mock

    /// A command that needs a service, run without saying where it is: what its error must name, and what it must
    /// not print (a sign that it ran on a mock, or the API key).
    struct MissingEndpointCase: Sendable, CustomTestStringConvertible {
        var script: String
        var names: [String]
        var never: [String]
        var testDescription: String { script }

        static func kms(_ script: String) -> MissingEndpointCase {
            MissingEndpointCase(
                script: script, names: ["--mock", "--kms-endpoint", "--crn"],
                never: ["disabled", "mock with demo root key", "state", secretAPIKey])
        }

        static func ep11(_ script: String) -> MissingEndpointCase {
            MissingEndpointCase(
                script: script, names: ["--mock", "--endpoint", "GREP11_ADDRESS"],
                never: ["in-process HSM mock;", secretAPIKey])
        }
    }

    @Test(
        "kms without an endpoint or CRN, and ep11 without an endpoint, fail and name the missing flags and --mock",
        arguments: [
            .kms(#"HPCS_API_KEY="$SECRET" "$TOOL" kms disable --key-id 0f8a2c1e-prod"#),
            .kms(#"printf 'sixteen byte key' | HPCS_API_KEY="$SECRET" "$TOOL" kms wrap --key-id 0f8a2c1e-prod"#),
            .kms(#"HPCS_API_KEY="$SECRET" "$TOOL" kms key --key-id 0f8a2c1e-prod --json"#),
            .kms(#"echo c2l4dGVlbiBieXRlIGtleQ== | HPCS_API_KEY="$SECRET" "$TOOL" kms unwrap --key-id 0f8a2c1e-prod"#),
            .ep11(#""$TOOL" ep11 random"#),
            .ep11(#""$TOOL" ep11 mechanisms --json"#),
        ] as [MissingEndpointCase]
    )
    func withoutEndpointFails(_ check: MissingEndpointCase) async throws {
        try await shell(check.script) { output, _ in
            #expect(output.status != 0, "\(output.text)")
            for name in check.names {
                #expect(output.text.contains(name), "\(output.text)")
            }
            for text in check.never {
                // The output itself is not quoted when it holds the API key.
                #expect(
                    !output.text.contains(text),
                    "\(text == secretAPIKey ? "the API key was printed" : output.text)")
            }
        }
    }

    @Test("with --mock, ep11 random runs on a throwaway in-process mock and says so")
    func ep11WithMock() async throws {
        try await shell(#""$TOOL" ep11 random --mock --count 16"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("throwaway in-process HSM mock"), "\(output.text)")
            let lines = output.text.split(separator: "\n")
            #expect(lines.contains { $0.count == 32 && $0.allSatisfy(\.isHexDigit) }, "\(output.text)")
        }
    }

    @Test("with --mock, kms disable and kms wrap run on a throwaway in-process mock and say so")
    func kmsWithMock() async throws {
        try await shell(#""$TOOL" kms disable --mock --key-id demo-key-1"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("throwaway in-process Key Protect mock"), "\(output.text)")
            #expect(output.text.contains("disabled demo-key-1"), "\(output.text)")
        }
        try await shell(#"printf 'sixteen byte key' | "$TOOL" kms wrap --mock"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("throwaway in-process Key Protect mock"), "\(output.text)")
        }
    }

    @Test("demo still uses the embedded mocks by default, and says so")
    func demoSaysItUsesMocks() async throws {
        try await shell(#""$TOOL" demo"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("HSM: embedded in-process mock"), "\(output.text)")
            #expect(output.text.contains("throwaway in-process HSM mock"), "\(output.text)")
            #expect(output.text.contains("demo complete"), "\(output.text)")
        }
    }

    @Test(
        "--mock with an endpoint is refused",
        arguments: [
            #""$TOOL" ep11 random --mock --endpoint 127.0.0.1:9"#,
            #""$TOOL" kms key --mock --kms-endpoint http://127.0.0.1:9 --key-id k"#,
        ]
    )
    func mockWithEndpointRefused(script: String) async throws {
        try await shell(script) { output, _ in
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("--mock"), "\(output.text)")
            #expect(!output.text.contains("throwaway"), "\(output.text)")
        }
    }

    // MARK: Secrets from pipes

    @Test(
        "--api-key-file reads /dev/stdin, a FIFO and a process substitution",
        arguments: [
            #"printf '%s\n' "$SECRET" | "$TOOL" kms key $KMS --api-key-file /dev/stdin"#,
            #"mkfifo api-key.fifo && { printf '%s' "$SECRET" > api-key.fifo & } && "$TOOL" kms key $KMS --api-key-file api-key.fifo"#,
            #""$TOOL" kms key $KMS --api-key-file <(printf '%s' "$SECRET")"#,
        ]
    )
    func apiKeyFromPipe(script: String) async throws {
        try await withMockKeyProtect { fixture in
            let options =
                "--kms-endpoint \(fixture.baseURL) --iam-endpoint \(fixture.baseURL) "
                + "--instance-id \(fixture.instanceID) --key-id \(fixture.rootKey.id)"
            try await shell(script, environment: ["KMS": options]) { output, _ in
                #expect(output.status == 0, "\(output.text)")
                #expect(output.text.contains("id:           \(fixture.rootKey.id)"), "\(output.text)")
                #expect(!output.text.contains(secretAPIKey))
            }
        }
    }

    @Test("a secret file larger than 64 KiB is refused with a plain message, and none of it is printed")
    func apiKeyFileTooLarge() async throws {
        let script =
            #"head -c 70000 /dev/zero | tr '\0' 'k' | "$TOOL" kms key --kms-endpoint http://127.0.0.1:9 "#
            + #"--instance-id 3b1f0a36-7d4e-4a57-9c58-0d6f1e2a3b4c --key-id k --api-key-file /dev/stdin"#
        try await shell(script) { output, _ in
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("API key file /dev/stdin is larger than 65536 bytes"), "\(output.text)")
            #expect(!output.text.contains("kkkk"), "\(output.text)")
        }
    }

    @Test("kms wrap reads --plaintext-file from a process substitution")
    func plaintextFromPipe() async throws {
        try await shell(#""$TOOL" kms wrap --mock --plaintext-file <(printf 'sixteen byte key')"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(!output.text.contains("cannot read"), "\(output.text)")
        }
    }

    // MARK: Output paths

    @Test("--plaintext-out /dev/null is written through: /dev/null stays a character device")
    func outputToDevNull() async throws {
        try await shell(#""$TOOL" kms wrap --mock --generate --plaintext-out /dev/null"#) { output, _ in
            #expect(output.status == 0, "\(output.text)")
            #expect(fileType("/dev/null") == S_IFCHR)
        }
    }

    @Test("--plaintext-out to a FIFO writes the key into the FIFO, which stays a FIFO")
    func outputToFIFO() async throws {
        let script =
            #"mkfifo key.fifo && { cat key.fifo > got.bin & } && "$TOOL" kms wrap --mock --generate "#
            + #"--plaintext-out key.fifo; status=$?; wait; exit $status"#
        try await shell(script) { output, directory in
            #expect(output.status == 0, "\(output.text)")
            #expect(fileType(directory.appendingPathComponent("key.fifo").path) == S_IFIFO)
            let received = try Data(contentsOf: directory.appendingPathComponent("got.bin"))
            #expect(received.count == 32)
        }
    }

    @Test("--plaintext-out to a symbolic link writes its target (mode 0600) and leaves the link in place")
    func outputThroughSymlink() async throws {
        let script =
            #"ln -s target.bin link.bin && "$TOOL" kms wrap --mock --generate --plaintext-out link.bin"#
        try await shell(script) { output, directory in
            #expect(output.status == 0, "\(output.text)")
            let link = directory.appendingPathComponent("link.bin").path
            let target = directory.appendingPathComponent("target.bin").path
            #expect(fileType(link) == S_IFLNK)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "target.bin")
            #expect(fileType(target) == S_IFREG)
            #expect(try Data(contentsOf: URL(fileURLWithPath: target)).count == 32)
            let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test(
        "key material never replaces an existing file, directly or through a symbolic link",
        arguments: [
            #"printf 'keep me' > existing.bin && "$TOOL" kms wrap --mock --generate --plaintext-out existing.bin"#,
            #"printf 'keep me' > existing.bin && ln -s existing.bin link.bin && "#
                + #""$TOOL" kms wrap --mock --generate --plaintext-out link.bin"#,
        ]
    )
    func outputNeverReplacesFile(script: String) async throws {
        try await shell(script) { output, directory in
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("exists; key material is only written to a new file"), "\(output.text)")
            let kept = try Data(contentsOf: directory.appendingPathComponent("existing.bin"))
            #expect(String(decoding: kept, as: UTF8.self) == "keep me")
        }
    }

    @Test("an output path in a missing directory is refused before the KMS is called")
    func outputInMissingDirectoryRefused() async throws {
        try await shell(#""$TOOL" kms wrap --mock --generate --plaintext-out missing/key.bin"#) { output, _ in
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("cannot create missing/key.bin: No such file or directory"), "\(output.text)")
            #expect(!output.text.contains("throwaway"), "\(output.text)")
        }
    }

    @Test("an output path that is a directory is refused before the KMS is called")
    func outputDirectoryRefused() async throws {
        try await shell(#"mkdir out && "$TOOL" kms wrap --mock --generate --plaintext-out out"#) { output, _ in
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("it is a directory"), "\(output.text)")
            #expect(!output.text.contains("throwaway"), "\(output.text)")
        }
    }
}

/// The file type bits of `path` itself (a symbolic link is not followed), or 0 when it is missing.
private func fileType(_ path: String) -> mode_t {
    var status = stat()
    guard lstat(path, &status) == 0 else { return 0 }
    return status.st_mode & S_IFMT
}
