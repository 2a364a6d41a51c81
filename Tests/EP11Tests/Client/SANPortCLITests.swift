import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// `hpcs-tool` against an on-premises-style server: mutual TLS from base64 PEM in the environment (as a CCRT
/// contract's env carries it) and a certificate that names `localhost:<port>`.
@Suite(
    "hpcs-tool: mutual TLS from base64 PEM and --server-name-check against a server naming host:port",
    .enabled(if: HPCSTool.isBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool: run swift build")
)
struct SANPortCLITests {
    static func base64(_ pem: [UInt8]) -> String { Data(pem).base64EncodedString() }

    func run(_ arguments: [String], environment: [String: String]) async throws -> ChildProcess.Captured {
        try #require(HPCSTool.isBuilt, "the tool is missing; run swift build --build-tests")
        var unset = ["GREP11_ADDRESS", "GREP11_CA_CERT", "GREP11_CLIENT_CERT", "GREP11_CLIENT_KEY", "HPCS_API_KEY"]
        unset.removeAll { environment[$0] != nil }
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try await ChildProcess.capture(
            "/usr/bin/env", unset.flatMap { ["-u", $0] } + assignments + [HPCSTool.path] + arguments,
            timeout: .seconds(60))
    }

    @Test("the right port works with the flag; the standard check and a bad key are refused by name")
    func endToEnd() async throws {
        let pki = TestPKI.shared
        let mock = try HSMMock()
        try await SANPortTests.withPortCertificateServer(mock, name: { "localhost:\($0)" }, clientRoots: pki.caPEM) {
            port, ca in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sanport-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let caFile = directory.appendingPathComponent("ca.b64")
            try Data(Self.base64(ca).utf8).write(to: caFile)
            let identity = [
                "GREP11_CLIENT_CERT": Self.base64(pki.clientChainPEM),
                "GREP11_CLIENT_KEY": Self.base64(pki.clientKeyPEM),
            ]
            let base = ["ep11", "random", "--count", "8", "--endpoint", "localhost:\(port)", "--ca-cert", caFile.path]

            let accepted = try await run(
                base + ["--server-name-check", "host-or-host-and-port"], environment: identity)
            #expect(accepted.status == 0, "\(accepted.standardErrorText)")
            #expect(
                accepted.standardOutputText.trimmingCharacters(in: .whitespacesAndNewlines)
                    .wholeMatch(of: /[0-9a-f]{16}/) != nil, "\(accepted.standardOutputText)")

            let standard = try await run(base, environment: identity)
            #expect(standard.status != 0)
            #expect(standard.standardErrorText.contains("certificate"), "\(standard.standardErrorText)")

            var badKey = identity
            badKey["GREP11_CLIENT_KEY"] = "bm90IGEga2V5"
            let refused = try await run(
                base + ["--server-name-check", "host-or-host-and-port"], environment: badKey)
            #expect(refused.status != 0)
            #expect(
                refused.standardErrorText.contains(
                    "GREP11_CLIENT_KEY: base64 that does not decode to PEM (no -----BEGIN line)"),
                "\(refused.standardErrorText)")
            #expect(!refused.standardErrorText.contains("bm90IGEga2V5"))

            let unknown = try await run(base + ["--server-name-check", "lenient"], environment: identity)
            #expect(unknown.status != 0)
            #expect(
                unknown.standardErrorText.contains("--server-name-check takes standard or host-or-host-and-port"),
                "\(unknown.standardErrorText)")
        }
    }
}
