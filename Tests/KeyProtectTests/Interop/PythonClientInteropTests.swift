import Foundation
import TestSupport
import KeyProtectMock
import Testing

/// IBM's own Python client (PyPI `keyprotect` 3.x on `ibm-cloud-sdk-core`) against the mock over real HTTP:
/// `Tests/Interop/keyprotect_interop.py` runs get, metadata, versions, wrap, unwrap, rewrap, rotate, disable and
/// enable and checks every answer by value.
///
/// Needs the Python client (`scripts/install-deps.sh` installs it into `.build-python/`). Without it the tests are
/// skipped, except in CI (`CI` set), where they fail and say how to install it.
@Suite(
    "IBM Python client (keyprotect 3.x) against KeyProtectMock",
    .enabled(
        if: PythonKeyProtect.shouldRun,
        "IBM's Python Key Protect client (keyprotect 3.x) is not installed: run scripts/install-deps.sh or set HPCS_PYTHON"
    )
)
struct PythonClientInteropTests {
    /// The interpreter, or an issue recorded (CI without the client) and nil.
    static func interpreter() -> PythonKeyProtect.Interpreter? {
        if let interpreter = PythonKeyProtect.found.interpreter { return interpreter }
        Issue.record(
            """
            IBM's Python Key Protect client (keyprotect 3.x) was not found, and CI requires it: \
            \(PythonKeyProtect.installHint). Tried: \(PythonKeyProtect.found.reasons.joined(separator: "; "))
            """
        )
        return nil
    }

    /// Starts a mock with one root key in `state`, runs the interop script against it, returns its output.
    static func runScript(
        _ interpreter: PythonKeyProtect.Interpreter,
        contentTypes: KeyProtectMock.Configuration.ContentTypes = .vendor,
        keyState: KeyProtectMock.KeyState = .active
    ) async throws -> (output: ChildProcess.Output, mock: KeyProtectMock, key: KeyProtectMock.KeyInfo) {
        let apiKey = "interop-" + UUID().uuidString.lowercased()
        let mock = KeyProtectMock(
            configuration: .init(
                apiKeys: [apiKey],
                minimumRotationInterval: .zero,
                enableDelay: .zero,
                contentTypes: contentTypes
            )
        )
        let instanceID = UUID().uuidString.lowercased()
        let key = mock.createRootKey(instanceID: instanceID, name: "interop-root-key", state: keyState)
        let output = try await mock.withServer(host: "127.0.0.1", port: 0) { baseURL in
            try await ChildProcess.run(
                interpreter.executable,
                interpreter.leadingArguments + [
                    PythonKeyProtect.interopScript, baseURL, baseURL, instanceID, "-", key.id,
                ],
                // The API key goes through the environment, not argv.
                environment: ["HPCS_API_KEY": apiKey],
                timeout: .seconds(180)
            )
        }
        return (output, mock, key)
    }

    @Test(
        "wrap, unwrap, rewrap, rotate, get, metadata, versions, disable and enable agree with the Python client",
        arguments: [KeyProtectMock.Configuration.ContentTypes.vendor, .json]
    )
    func fullFlow(contentTypes: KeyProtectMock.Configuration.ContentTypes) async throws {
        guard let interpreter = Self.interpreter() else { return }
        let (output, mock, key) = try await Self.runScript(interpreter, contentTypes: contentTypes)

        #expect(!output.timedOut, "the interop script timed out:\n\(output.text)")
        #expect(output.status == 0, "the interop script failed (exit \(output.status)):\n\(output.text)")
        #expect(output.text.contains("interop: all "), "no success line:\n\(output.text)")
        #expect(!output.text.contains("MISMATCH"), "\(output.text)")
        #expect(!output.text.contains("interop-"), "the output shows the API key")

        // The mock's own view: the Python client drove the key through every action.
        let after = try #require(mock.key(key.id))
        #expect(after.state == .active)
        #expect(after.versionIDs.count == 2)
        let requests = mock.recordedRequests
        let base = "/api/v2/keys/\(key.id)"
        for action in ["wrap", "unwrap", "rewrap", "rotate", "disable", "enable"] {
            let sent = requests.filter { $0.method == "POST" && $0.path == "\(base)/actions/\(action)" }
            #expect(!sent.isEmpty, "the Python client sent no \(action)")
            #expect(sent.allSatisfy { $0.instanceHeader == key.instanceID && $0.hadAuthorization })
        }
        for suffix in ["", "/metadata", "/versions"] {
            #expect(requests.contains { $0.method == "GET" && $0.path == base + suffix && $0.status == 200 })
        }
        // Py3 sends its per-action content types; the mock must take them.
        let wraps = requests.filter { $0.path == "\(base)/actions/wrap" && $0.status == 200 }
        #expect(wraps.contains { $0.contentType == "application/vnd.ibm.kms.key_action_wrap+json" })
        #expect(requests.contains { $0.path == "\(base)/actions/rotate" && $0.status == 204 })
        #expect(requests.contains { $0.path == "\(base)/actions/wrap" && $0.status == 409 })
        #expect(mock.tokensIssued >= 1)
    }

    @Test("the interop script reports a mismatch and exits non-zero when the key is not Active")
    func scriptCanFail() async throws {
        guard let interpreter = Self.interpreter() else { return }
        let (output, _, _) = try await Self.runScript(interpreter, keyState: .suspended)
        #expect(output.status == 1, "exit \(output.status):\n\(output.text)")
        #expect(output.text.contains("MISMATCH"), "\(output.text)")
        #expect(output.text.contains("state 2 is not 1"), "\(output.text)")
        #expect(!output.text.contains("interop: all "))
    }
}
