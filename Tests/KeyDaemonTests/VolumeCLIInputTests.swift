import Foundation
import KeyProtectMock
import TestSupport
import Testing

@testable import KeyDaemon

private let hpcsTool = HPCSTool.path

/// `hpcs-tool volume` and `keyd` read the contract and its key as every other command reads input files (a FIFO, a
/// pipe, a size limit), and say what went wrong in plain sentences: no Swift type name reaches the terminal.
extension RealDevices {
    @Suite(
        "hpcs-tool volume and keyd: contract input and plain error messages",
        .enabled(
            if: (HPCSTool.isBuilt && volumeToolsPresent)
                || PythonInterpreter.isCI,
            "no hpcs-tool build or volume tools")
    )
    struct VolumeCLIInputTests {
        static let typeNames = ["ContractError", "KeyDaemonError", "KeyProtectError", "IAMError", "VolumeError"]

        func withDirectory(_ body: (String) async throws -> Void) async throws {
            let directory = try VolumeFixture.makeTemporaryDirectory(in: NSTemporaryDirectory())
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await body(directory)
        }

        func shell(_ script: String, _ environment: [String: String]) async throws -> ChildProcess.Output {
            try await ChildProcess.run(
                "/bin/sh", ["-c", script], environment: environment.merging(["TOOL": hpcsTool]) { $1 },
                timeout: .seconds(120))
        }

        func expectPlain(_ output: ChildProcess.Output, contains expected: String) {
            #expect(output.status != 0, "\(output.text)")
            #expect(output.text.contains("Error: \(expected)"), "\(output.text)")
            for name in Self.typeNames { #expect(!output.text.contains(name), "\(output.text)") }
        }

        @Test("a malformed contract, a bad kms entry and a wrong API key are plain sentences, with no type name")
        func plainErrors() async throws {
            try await withKMS { kms in
                try await withDirectory { directory in
                    let image = directory + "/disk.img"
                    try VolumeFixture.makeSparseFile(image, size: VolumeFixture.imageSize)
                    try "env: [\n  - broken".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
                    for command in ["volume status", "keyd run --power log"] {
                        let output = try await shell(
                            "$TOOL \(command) --contract \"$DIR/bad.yaml\" --device \"$DIR/disk.img\"",
                            ["DIR": directory])
                        expectPlain(output, contains: "the contract is not valid YAML")
                    }

                    let badCRN = RealDevices.VolumeCLITests.plaintextContract(crn: "crn:v1:bluemix:public:kms:x")
                    try badCRN.write(toFile: directory + "/crn.yaml", atomically: true, encoding: .utf8)
                    let crnOutput = try await shell(
                        "$TOOL volume provision --contract \"$DIR/crn.yaml\" --device \"$DIR/disk.img\"",
                        ["DIR": directory])
                    expectPlain(crnOutput, contains: "env.volumes.data.kms[0].crn")

                    let wrongKey = RealDevices.VolumeCLITests.contract(crn: kms.makeRootKey(), apiKey: "wrong-key-7")
                    let indented = { (text: String) in
                        text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
                    }
                    try "env: |\n\(indented(wrongKey.env))\nworkload: |\n\(indented(wrongKey.workload))\n"
                        .write(toFile: directory + "/key.yaml", atomically: true, encoding: .utf8)
                    let keyOutput = try await shell(
                        "$TOOL volume provision --contract \"$DIR/key.yaml\" --device \"$DIR/disk.img\" "
                            + "--kms-endpoint \"$BASE\" --iam-endpoint \"$BASE\" --luks-pbkdf2-iterations 1000",
                        ["DIR": directory, "BASE": kms.baseURL])
                    expectPlain(keyOutput, contains: "could not wrap a new seed")
                    #expect(!keyOutput.text.contains("wrong-key-7"))
                }
            }
        }

        @Test("the contract is read from a FIFO and from a pipe on /dev/stdin")
        func contractFromFIFOAndPipe() async throws {
            try await withKMS { kms in
                try await withDirectory { directory in
                    try VolumeFixture.makeSparseFile(directory + "/disk.img", size: VolumeFixture.imageSize)
                    try RealDevices.VolumeCLITests.plaintextContract(crn: kms.makeRootKey())
                        .write(toFile: directory + "/contract.yaml", atomically: true, encoding: .utf8)
                    let options =
                        "--device \"$DIR/disk.img\" --kms-endpoint \"$BASE\" --iam-endpoint \"$BASE\" --json --dry-run"
                    let fifo = try await shell(
                        "mkfifo \"$DIR/fifo\" && (cat \"$DIR/contract.yaml\" > \"$DIR/fifo\" &) && "
                            + "$TOOL volume provision --contract \"$DIR/fifo\" \(options)",
                        ["DIR": directory, "BASE": kms.baseURL])
                    #expect(fifo.status == 0, "\(fifo.text)")
                    #expect(RealDevices.VolumeCLITests.json(fifo)["messageId"] as? String == "KD103I", "\(fifo.text)")
                    let pipe = try await shell(
                        "cat \"$DIR/contract.yaml\" | $TOOL volume provision --contract /dev/stdin \(options)",
                        ["DIR": directory, "BASE": kms.baseURL])
                    #expect(pipe.status == 0, "\(pipe.text)")
                    #expect(RealDevices.VolumeCLITests.json(pipe)["messageId"] as? String == "KD103I", "\(pipe.text)")
                }
            }
        }

        @Test("a contract key over 1 MiB is refused unread, naming the limit")
        func oversizedContractKey() async throws {
            try await withDirectory { directory in
                try VolumeFixture.makeSparseFile(directory + "/disk.img", size: VolumeFixture.imageSize)
                try RealDevices.VolumeCLITests.plaintextContract(crn: "crn:v1:bluemix:public:kms:us-south:a/x:i:key:k")
                    .write(toFile: directory + "/contract.yaml", atomically: true, encoding: .utf8)
                try Data(repeating: UInt8(ascii: "A"), count: (1 << 20) + 1).write(
                    to: URL(fileURLWithPath: directory + "/big.pem"))
                let output = try await shell(
                    "$TOOL volume status --contract \"$DIR/contract.yaml\" --contract-key \"$DIR/big.pem\" "
                        + "--device \"$DIR/disk.img\"",
                    ["DIR": directory])
                expectPlain(output, contains: "the contract key \(directory)/big.pem is larger than 1048576 bytes")
            }
        }
    }
}
