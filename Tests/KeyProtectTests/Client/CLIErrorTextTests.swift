import Foundation
import TestSupport
import Testing

private let hpcsTool = HPCSTool.path

/// The names of the library error types: none may reach a user of the command line.
private let typeNames = [
    "KeyProtectError", "IAMError", "EP11Error", "ContractError", "KeyDaemonError",
    "CertificateAuthorityError", "Error Domain=",
]

@Suite(
    "hpcs-tool prints library errors as plain sentences: no type names, no dumps, no secret (built binary)",
    .enabled(if: HPCSTool.isBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool: run swift build first")
)
struct CLIErrorTextTests {
    func run(_ arguments: [String], apiKey: String) async throws -> ChildProcess.Output {
        try #require(HPCSTool.isBuilt, "\(hpcsTool) is missing; run swift build --build-tests")
        let output = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "-u", "GREP11_ADDRESS", "-u", "HPCS_KMS_ENDPOINT", "-u", "HPCS_IAM_ENDPOINT", "HPCS_API_KEY=\(apiKey)",
                hpcsTool,
            ] + arguments,
            timeout: .seconds(60))
        #expect(!output.timedOut, "\(output.text)")
        return output
    }

    @Test("a wrong API key: the IAM refusal in a sentence, with its HTTP status, and no part of the key")
    func wrongAPIKey() async throws {
        let wrongKey = "wrong-api-key-9d41c7"
        try await withMockKeyProtect { fixture in
            let output = try await run(
                [
                    "kms", "key", "--kms-endpoint", fixture.baseURL, "--iam-endpoint", fixture.baseURL,
                    "--instance-id", fixture.instanceID, "--key-id", fixture.rootKey.id,
                ], apiKey: wrongKey)
            #expect(output.status == 1, "\(output.text)")
            #expect(output.text.hasPrefix("Error: "), "\(output.text)")
            #expect(output.text.contains("HTTP 4"), "\(output.text)")
            for name in typeNames { #expect(!output.text.contains(name), "\(output.text)") }
            #expect(!output.text.contains("9d41c7"), "\(output.text)")
        }
    }

    @Test("an unknown key: the Key Protect refusal in a sentence with its status")
    func unknownKey() async throws {
        try await withMockKeyProtect { fixture in
            let output = try await run(
                [
                    "kms", "key", "--kms-endpoint", fixture.baseURL, "--iam-endpoint", fixture.baseURL,
                    "--instance-id", fixture.instanceID, "--key-id", "2f0d1c4e-0000-4000-8000-000000000000",
                ], apiKey: testAPIKey)
            #expect(output.status == 1, "\(output.text)")
            #expect(output.text.contains("HTTP 404"), "\(output.text)")
            for name in typeNames { #expect(!output.text.contains(name), "\(output.text)") }
        }
    }

    @Test("an unreachable GREP11 endpoint: where and why, in a sentence")
    func unreachableHSM() async throws {
        let port = try closedLoopbackPort()
        let output = try await run(
            ["ep11", "random", "--count", "8", "--endpoint", "127.0.0.1:\(port)", "--plaintext"], apiKey: "")
        #expect(output.status == 1, "\(output.text)")
        #expect(output.text.hasPrefix("Error: "), "\(output.text)")
        for name in typeNames { #expect(!output.text.contains(name), "\(output.text)") }
    }
}
