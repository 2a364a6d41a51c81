import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// A GREP11 client written in Python from nothing but protos/ (grpcio + grpcio-tools) against the mock's
/// standalone HTTP/2 server: the wire contract, not shared Swift types, is what both sides agree on.
@Suite(
    "GREP11 interop: a Python grpcio client against the HSM mock",
    .enabled(if: PythonGREP11.shouldRun, "python3 with grpcio, grpcio-tools, grpcio-status and cryptography not found")
)
struct PythonGREP11InteropTests {
    @Test("key generation, encrypt/decrypt, sign/verify, errors, wrap/unwrap, derive and rewrap")
    func pythonClientFlows() async throws {
        guard let python = PythonGREP11.found.interpreter else {
            Issue.record(
                """
                CI needs python3 with grpcio, grpcio-tools, grpcio-status and cryptography: \
                run scripts/install-deps.sh. Tried: \(PythonGREP11.found.reasons.joined(separator: "; "))
                """)
            return
        }
        let mock = try HSMMock()
        let nextMasterKey = [UInt8](repeating: 0x5A, count: 32)
        try mock.loadNextMasterKey(nextMasterKey)
        let output = try await mock.withServer(host: "127.0.0.1", port: 0) { port in
            try await ChildProcess.run(
                python.executable,
                python.leadingArguments + [PythonGREP11.script, PythonGREP11.protos, "127.0.0.1:\(port)"],
                timeout: .seconds(120)
            )
        }
        #expect(output.status == 0, "python client failed:\n\(output.text)")
        #expect(output.text.contains("interop: ok"))

        // The blob Python rewrapped works once the next master key is made current.
        let values = Dictionary(
            uniqueKeysWithValues: output.text.split(separator: "\n").compactMap { line -> (String, [UInt8])? in
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let bytes = Self.hex(parts[1]) else { return nil }
                return (parts[0], bytes)
            })
        let rewrapped = try #require(values["rewrapped"])
        let iv = try #require(values["iv"])
        let ciphertext = try #require(values["ciphertext"])
        try mock.commitNextMasterKey()
        let plaintext = try await mock.withClient { client in
            try await client.decrypt(ciphertext, key: KeyBlob(rewrapped), mechanism: .aesCBCPad(iv: iv))
        }
        #expect(plaintext == Array(String(repeating: "python speaks GREP11 to swift-hpcs", count: 3).utf8))
    }

    static func hex(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
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
