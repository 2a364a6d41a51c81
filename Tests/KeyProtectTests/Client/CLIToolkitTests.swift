import Foundation
import TestSupport
import Testing

/// The built tools, run like a user would (docs/cli.md): one version, one error report (text or `--json`, with a
/// stable code and the same exit status), one representation of a key's state, help that fits 80 columns.
private let buildDirectory = PythonInterpreter.repositoryRoot.appendingPathComponent(".build/debug")
private let hpcsTool = buildDirectory.appendingPathComponent("hpcs-tool").path
private let hpcsKeyd = buildDirectory.appendingPathComponent("hpcs-keyd").path
private let toolsBuilt =
    HPCSTool.isBuilt && FileManager.default.isExecutableFile(atPath: hpcsKeyd)

/// What no user-facing text may contain: library error type names, ArgumentParser's and our own, and the marks of
/// a debug dump.
private let forbiddenFragments = [
    "KeyProtectError", "IAMError", "EP11Error", "ContractError", "KeyDaemonError", "VolumeError",
    "CertificateAuthorityError", "CommandFailure", "ValidationError", "RPCError", "Optional(", "KeyState(",
    "Error Domain=", "Code(",
]

@Suite(
    "hpcs-tool and hpcs-keyd share one command-line toolkit (built binaries)",
    .enabled(if: toolsBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool or hpcs-keyd: run swift build")
)
struct CLIToolkitTests {
    /// A run of a tool: its exit status, and stdout and stderr apart.
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String

        /// Stdout as one JSON object.
        func jsonObject() throws -> [String: Any] {
            let parsed = try JSONSerialization.jsonObject(with: Data(standardOutput.utf8))
            return try #require(parsed as? [String: Any], "stdout is not a JSON object: \(standardOutput)")
        }

        /// The `{"error": {...}}` object on stdout.
        func errorObject() throws -> [String: Any] {
            try #require(try jsonObject()["error"] as? [String: Any], "no error object: \(standardOutput)")
        }
    }

    /// Runs `tool` with `arguments`, no endpoint or credentials in the environment, help at 80 columns.
    func run(_ arguments: [String], tool: String = hpcsTool, apiKey: String? = nil) async throws -> Run {
        try #require(toolsBuilt, "the tools are missing; run swift build --build-tests")
        var unset = ["GREP11_ADDRESS", "HPCS_KMS_ENDPOINT", "HPCS_IAM_ENDPOINT", "HPCS_API_KEY"].flatMap { ["-u", $0] }
        if let apiKey { unset.append("HPCS_API_KEY=\(apiKey)") }
        let captured = try await ChildProcess.capture(
            "/usr/bin/env", unset + ["COLUMNS=80", tool] + arguments, timeout: .seconds(60))
        #expect(!captured.timedOut, "\(tool) \(arguments) did not finish")
        return Run(
            status: captured.status, standardOutput: captured.standardOutputText,
            standardError: captured.standardErrorText)
    }

    /// The arguments that name the mock's root key (or `keyID`) to a `kms` subcommand.
    func kmsArguments(_ fixture: MockFixture, keyID: String? = nil) -> [String] {
        [
            "--kms-endpoint", fixture.baseURL, "--iam-endpoint", fixture.baseURL, "--instance-id", fixture.instanceID,
            "--key-id", keyID ?? fixture.rootKey.id,
        ]
    }

    // MARK: Version

    @Test("--version: both tools print the same version, from one place")
    func version() async throws {
        let tool = try await run(["--version"])
        let keyd = try await run(["--version"], tool: hpcsKeyd)
        #expect(tool.status == 0 && keyd.status == 0, "\(tool.standardError)\(keyd.standardError)")
        let version = tool.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?/) != nil, "\(version)")
        #expect(keyd.standardOutput == tool.standardOutput)
    }

    // MARK: --json errors

    @Test(
        "a mistake on the command line: code usage, exit status 64, in JSON and in text",
        arguments: [
            ["ep11", "random", "--count", "many"],  // not a number
            ["ep11", "random", "--count", "0"],  // out of range (validate)
            ["kms", "key", "--network", "galactic"],  // not one of the values
            ["ep11", "random", "--no-such-flag"],
            ["ep11", "random", "--mock", "--endpoint", "127.0.0.1:1"],  // options that exclude each other
        ])
    func usageError(arguments: [String]) async throws {
        let json = try await run(arguments + ["--json"])
        #expect(json.status == 64, "\(json.standardOutput)\(json.standardError)")
        let error = try json.errorObject()
        #expect(error["code"] as? String == "usage")
        #expect(error["exitStatus"] as? Int == 64)
        #expect((error["message"] as? String).map { !$0.isEmpty } == true)
        #expect(json.standardError.isEmpty, "\(json.standardError)")

        let text = try await run(arguments)
        #expect(text.status == 64)
        #expect(text.standardOutput.isEmpty, "\(text.standardOutput)")
        #expect(text.standardError.hasPrefix("Error: "), "\(text.standardError)")
    }

    @Test("an unreachable GREP11 endpoint: ep11.transport-failure, exit status 1")
    func unreachableHSM() async throws {
        let port = try closedLoopbackPort()
        let arguments = ["ep11", "random", "--endpoint", "127.0.0.1:\(port)", "--plaintext"]
        let json = try await run(arguments + ["--json"])
        #expect(json.status == 1, "\(json.standardOutput)\(json.standardError)")
        let error = try json.errorObject()
        #expect(error["code"] as? String == "ep11.transport-failure", "\(error)")
        #expect(error["exitStatus"] as? Int == 1)
        let text = try await run(arguments)
        #expect(text.status == 1)
        #expect(text.standardError.hasPrefix("Error: "), "\(text.standardError)")
        #expect(text.standardError.contains(try #require(error["message"] as? String)))
    }

    @Test("an unreachable KMS: a kms.* or iam.* code, exit status 1")
    func unreachableKMS() async throws {
        let port = try closedLoopbackPort()
        let url = "http://127.0.0.1:\(port)"
        let json = try await run(
            [
                "kms", "key", "--kms-endpoint", url, "--iam-endpoint", url, "--instance-id",
                "8c1d9f1e-7e7a-4b52-9b1c-0c6d3c1f2a9e", "--key-id", "k", "--json",
            ], apiKey: testAPIKey)
        #expect(json.status == 1, "\(json.standardOutput)\(json.standardError)")
        let code = try #require(try json.errorObject()["code"] as? String)
        #expect(code.hasPrefix("kms.") || code.hasPrefix("iam."), "\(code)")
        #expect(code.hasSuffix("transport-failure") || code.hasSuffix("authentication-failed"), "\(code)")
    }

    @Test("a key the KMS does not have: kms.not-found with the HTTP status, exit status 1")
    func kmsNotFound() async throws {
        try await withMockKeyProtect { fixture in
            let arguments =
                ["kms", "key"] + kmsArguments(fixture, keyID: "2f0d1c4e-0000-4000-8000-000000000000")
            let json = try await run(arguments + ["--json"], apiKey: testAPIKey)
            #expect(json.status == 1, "\(json.standardOutput)\(json.standardError)")
            let error = try json.errorObject()
            #expect(error["code"] as? String == "kms.not-found", "\(error)")
            #expect((error["message"] as? String)?.contains("HTTP 404") == true, "\(error)")
            let text = try await run(arguments, apiKey: testAPIKey)
            #expect(text.status == 1)
            // The same sentence (each call has its own correlation id).
            #expect(text.standardError.hasPrefix("Error: "), "\(text.standardError)")
            #expect(text.standardError.contains("HTTP 404"), "\(text.standardError)")
        }
    }

    @Test("a missing endpoint and an unreadable file have their own codes")
    func fileAndEndpointCodes() async throws {
        let missing = try await run(["ep11", "random", "--json"])
        #expect(try missing.errorObject()["code"] as? String == "endpoint.missing")
        let unreadable = try await run(
            ["volume", "status", "--contract", "/nonexistent/contract.yaml", "--device", "/dev/null", "--json"])
        #expect(unreadable.status == 1)
        #expect(try unreadable.errorObject()["code"] as? String == "file.unreadable")
        let keyd = try await run(
            ["volume", "status", "--contract", "/nonexistent/contract.yaml", "--device", "/dev/null", "--json"],
            tool: hpcsKeyd)
        #expect(try keyd.errorObject()["code"] as? String == "file.unreadable")
    }

    @Test(
        "no Swift type name or debug dump in any error text",
        arguments: [
            ["kms", "key", "--crn", "crn:v1:nonsense"],
            ["kms", "key", "--kms-endpoint", "http://10.0.0.1:1", "--key-id", "k", "--instance-id", "i"],
            ["kms", "wrap", "--mock", "--plaintext-file", "/nonexistent"],
            ["ep11", "random", "--endpoint", "127.0.0.1:1", "--plaintext", "--ca-cert", "/tmp/x"],
            ["ep11", "random", "--endpoint", "127.0.0.1:1", "--ca-cert", "/nonexistent/ca.pem"],
            ["ca", "list", "--dir", "/nonexistent/ca", "--mock"],
            ["contract", "validate", "/nonexistent/contract.yaml"],
            ["contract", "checksums", "/dev/null"],
            ["volume", "status", "--contract", "/dev/null", "--device", "/dev/null"],
            ["keyd", "run", "--contract", "/dev/null", "--device", "/dev/null", "--power", "reboot"],
        ])
    func noTypeNames(arguments: [String]) async throws {
        for json in [false, true] {
            let result = try await run(arguments + (json ? ["--json"] : []), apiKey: testAPIKey)
            #expect(result.status != 0, "\(arguments): \(result.standardOutput)\(result.standardError)")
            let text = result.standardOutput + result.standardError
            for fragment in forbiddenFragments { #expect(!text.contains(fragment), "\(arguments): \(text)") }
            #expect(!text.contains(testAPIKey))
            if json {
                let error = try result.errorObject()
                #expect(error["exitStatus"] as? Int == Int(result.status), "\(error)")
                let code = try #require(error["code"] as? String)
                #expect(code.wholeMatch(of: /[a-z0-9]+(\.[a-z0-9-]+)?/) != nil, "\(code)")
            }
        }
    }

    // MARK: Field types

    @Test("a key's state is its name with stateCode beside it, in kms key, kms disable and kms enable")
    func stateRepresentation() async throws {
        try await withMockKeyProtect { fixture in
            let key = try await run(["kms", "key", "--json"] + kmsArguments(fixture), apiKey: testAPIKey)
            #expect(key.status == 0, "\(key.standardError)")
            let object = try key.jsonObject()
            #expect(object["state"] as? String == "Active", "\(object)")
            #expect(object["stateCode"] as? Int == 1, "\(object)")
            #expect(object["stateName"] == nil)

            let disabled = try await run(["kms", "disable", "--json"] + kmsArguments(fixture), apiKey: testAPIKey)
            #expect(try disabled.jsonObject()["state"] as? String == "Suspended", "\(disabled.standardOutput)")
            #expect(try disabled.jsonObject()["stateCode"] as? Int == 2)
            let text = try await run(["kms", "key"] + kmsArguments(fixture), apiKey: testAPIKey)
            #expect(text.standardOutput.contains("state:        Suspended (2)"), "\(text.standardOutput)")
            let enabled = try await run(["kms", "enable", "--json"] + kmsArguments(fixture), apiKey: testAPIKey)
            #expect(try enabled.jsonObject()["state"] as? String == "Active", "\(enabled.standardOutput)")
        }
    }

    // MARK: Help

    @Test("every help text of both tools fits 80 columns, usage lines included", arguments: [hpcsTool, hpcsKeyd])
    func helpFitsEightyColumns(tool: String) async throws {
        var pending: [[String]] = [[]]
        var visited = 0
        while let path = pending.popLast() {
            let help = try await run(path + ["--help"], tool: tool)
            #expect(help.status == 0, "\(path): \(help.standardError)")
            visited += 1
            for line in help.standardOutput.split(separator: "\n") where line.count > 80 {
                Issue.record("\(path.joined(separator: " ")): \(line.count) columns: \(line)")
            }
            pending += subcommands(in: help.standardOutput).map { path + [$0] }
        }
        #expect(visited > (tool == hpcsTool ? 40 : 5), "only \(visited) help texts found")
    }

    /// The names listed under SUBCOMMANDS: in a help text.
    func subcommands(in help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") {
                inSection = true
            } else if inSection, line.hasPrefix("  "), let first = line.split(separator: " ").first,
                !line.hasPrefix("   "), first.first?.isLetter == true, first != "See"
            {
                names.append(String(first))
            } else if inSection, !line.isEmpty, !line.hasPrefix(" ") {
                inSection = false
            }
        }
        return names
    }
}
