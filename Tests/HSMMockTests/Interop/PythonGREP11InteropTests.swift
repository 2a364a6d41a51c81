import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// A GREP11 client written in Python from nothing but protos/ (grpcio + grpcio-tools) against the mock: the wire
/// contract, not shared Swift types, is what both sides agree on. It runs against the built `hpcs-tool mock hsm`
/// (a child process, as a user would start it) and against the mock's HTTP/2 server in this process.
@Suite(
    "GREP11 interop: a Python grpcio client against the HSM mock",
    .enabled(if: PythonGREP11.shouldRun, "python3 with grpcio, grpcio-tools, grpcio-status and cryptography not found")
)
struct PythonGREP11InteropTests {
    enum Server: String, CaseIterable, CustomStringConvertible, Sendable {
        case standaloneBinary = "hpcs-tool mock hsm (child process)"
        case inProcess = "HSMMock.withServer (in process)"
        var description: String { rawValue }
    }

    static let hpcsTool = HPCSTool.path

    @Test(
        "key generation, encrypt/decrypt, sign/verify, errors, wrap/unwrap, derive and rewrap",
        arguments: Server.allCases)
    func pythonClientFlows(server: Server) async throws {
        guard let python = PythonGREP11.found.interpreter else {
            Issue.record(
                """
                CI needs python3 with grpcio, grpcio-tools, grpcio-status and cryptography: \
                run scripts/install-deps.sh. Tried: \(PythonGREP11.found.reasons.joined(separator: "; "))
                """)
            return
        }
        let nextMasterKey = [UInt8](repeating: 0x5A, count: 32)
        let runPython = { @Sendable (port: Int) async throws -> ChildProcess.Output in
            try await ChildProcess.run(
                python.executable,
                python.leadingArguments + [PythonGREP11.script, PythonGREP11.protos, "127.0.0.1:\(port)"],
                timeout: .seconds(120)
            )
        }
        let output: ChildProcess.Output
        // After the run, a mock whose current master key is the next one: it must open what Python rewrapped.
        let rotated: HSMMock
        switch server {
        case .standaloneBinary:
            try #require(
                HPCSTool.isBuilt, "no \(Self.hpcsTool): run swift build")
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("grep11-interop-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let masterKeyFile = directory.appendingPathComponent("master.key").path
            let nextKeyFile = directory.appendingPathComponent("next.key").path
            try Data(nextMasterKey).write(to: URL(fileURLWithPath: nextKeyFile))
            let arguments = [
                "mock", "hsm", "--listen", "127.0.0.1:0", "--master-key-file", masterKeyFile,
                "--next-master-key-file", nextKeyFile,
            ]
            output = try await ChildProcess.withListeningServer(Self.hpcsTool, arguments) { port, _ in
                try await runPython(port)
            }
            let current = try Data(contentsOf: URL(fileURLWithPath: masterKeyFile))
            #expect(current.count == 32 && Array(current) != nextMasterKey)
            rotated = try HSMMock(masterKey: nextMasterKey)
        case .inProcess:
            let mock = try HSMMock()
            try mock.loadNextMasterKey(nextMasterKey)
            output = try await mock.withServer(host: "127.0.0.1", port: 0) { port in try await runPython(port) }
            try mock.commitNextMasterKey()
            rotated = mock
        }
        #expect(output.status == 0, "python client failed:\n\(output.text)")
        #expect(output.text.contains("interop: ok"))

        let values = Dictionary(
            output.text.split(separator: "\n").compactMap { line -> (String, [UInt8])? in
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let bytes = Self.hex(parts[1]) else { return nil }
                return (parts[0], bytes)
            },
            uniquingKeysWith: { _, last in last })
        let rewrapped = try #require(values["rewrapped"])
        let iv = try #require(values["iv"])
        let ciphertext = try #require(values["ciphertext"])
        let plaintext = try await rotated.withClient { client in
            try await client.decrypt(ciphertext, key: KeyBlob(rewrapped), mechanism: .aesCBCPad(iv: iv))
        }
        #expect(plaintext == Array(String(repeating: "python speaks GREP11 to swift-hpcs", count: 3).utf8))
    }

    static func hex(_ text: String) -> [UInt8]? {
        text.isEmpty ? nil : bytes(fromHex: text)
    }
}

enum PythonGREP11 {
    static let script = PythonInterpreter.repositoryRoot.appendingPathComponent("Tests/Interop/grep11_interop.py").path
    static let protos = PythonInterpreter.repositoryRoot.appendingPathComponent("protos").path
    static let found = PythonInterpreter.find(
        importCheck: "import grpc, grpc_tools.protoc, grpc_status.rpc_status, cryptography"
    )
    static var shouldRun: Bool { found.interpreter != nil || PythonInterpreter.isCI }
}
