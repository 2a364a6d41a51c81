import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--output` of `contract build`, `contract sign`, `contract decrypt` and `attestation decrypt`, on the built
/// hpcs-tool: a device, FIFO or symbolic link is written through and never replaced; a regular file is replaced
/// atomically for a contract or record, and never for decrypted plaintext; a bad path fails before any work.
@Suite("hpcs-tool contract and attestation: --output is written through or atomically, checked first")
struct ContractCLIOutputTests {
    static let tool = HPCSTool.path

    static let sectionText = "type: workload\nnote: decrypted by the output tests\n"
    static let recordText = "24.3.0\ncontract:workload: 0123\ncontract:env: 4567\n"

    /// A scratch directory of its own, removed at the end, plus the shared keys and certificates.
    struct Scratch {
        let fixtures: Fixtures
        let directory: String

        func path(_ name: String) -> String { directory + "/" + name }

        func write(_ text: String, _ name: String) throws -> String {
            let file = path(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }

        /// Every name in the directory (a leftover temporary file would show here).
        func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }
    }

    func withScratch(_ body: (Scratch) async throws -> Void) async throws {
        try #require(HPCSTool.isBuilt, "no \(Self.tool): run swift build")
        let fixtures = try await Fixtures.shared()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "contract-output-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(Scratch(fixtures: fixtures, directory: directory))
    }

    func run(_ arguments: [String]) async throws -> ChildProcessResult {
        try await runProcess(Self.tool, arguments, timeout: .seconds(60))
    }

    /// The arguments of each command that writes an output file, and whether that output is decrypted plaintext.
    enum Command: String, CaseIterable, CustomTestStringConvertible {
        case build, sign, decrypt, attestationDecrypt

        var testDescription: String { rawValue }
        var isPlaintext: Bool { self == .decrypt }

        /// The arguments before `--output PATH`, making the inputs it needs in `scratch`.
        func arguments(_ scratch: Scratch) async throws -> [String] {
            let fixtures = scratch.fixtures
            switch self {
            case .build:
                return [
                    "contract", "build", "--cert", fixtures.path("enc.crt"),
                    "--workload", try scratch.write("type: workload\n", "workload.yaml"),
                    "--env", try scratch.write("type: env\n", "env.yaml"),
                ]
            case .sign:
                let contract = try scratch.write("workload: plain workload\nenv: plain env\n", "contract.yaml")
                return ["contract", "sign", "--key", fixtures.path("signer.key"), contract]
            case .decrypt:
                let token = try await ContractCLIOutputTests.encrypt(
                    ContractCLIOutputTests.sectionText, certificate: fixtures.path("enc.crt"), scratch)
                return ["contract", "decrypt", "--key", fixtures.path("enc.key"), token]
            case .attestationDecrypt:
                let token = try await ContractCLIOutputTests.encrypt(
                    ContractCLIOutputTests.recordText, certificate: fixtures.path("auditor.crt"), scratch)
                return ["attestation", "decrypt", "--key", fixtures.path("auditor.key"), token]
            }
        }

        /// Checks the bytes the command wrote.
        func checkOutput(_ bytes: [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            switch self {
            case .build:
                #expect(text.contains("workload: hyper-protect-basic.") && text.contains("env: hyper-protect-basic."))
            case .sign:
                #expect(text.contains("workload: \"plain workload\"") && text.contains("envWorkloadSignature: "))
            case .decrypt:
                #expect(text == ContractCLIOutputTests.sectionText)
            case .attestationDecrypt:
                #expect(text == ContractCLIOutputTests.recordText)
            }
        }
    }

    /// A token for `text` made with `hpcs-tool contract encrypt`, in a new file.
    static func encrypt(_ text: String, certificate: String, _ scratch: Scratch) async throws -> String {
        let section = try scratch.write(text, "section-\(UUID().uuidString)")
        let result = try await runProcess(Self.tool, ["contract", "encrypt", "--cert", certificate, section])
        try #require(result.status == 0, "\(result.stderr)")
        return try scratch.write(result.stdoutText, "token-\(UUID().uuidString)")
    }

    static func fileType(_ path: String, followingLinks: Bool = false) -> mode_t? {
        var status = stat()
        let result = followingLinks ? stat(path, &status) : lstat(path, &status)
        return result == 0 ? status.st_mode & S_IFMT : nil
    }

    static func inode(_ path: String) -> UInt64? {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
    }

    static func contents(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test("--output /dev/null succeeds and /dev/null stays a character device", arguments: Command.allCases)
    func devNull(command: Command) async throws {
        try await withScratch { scratch in
            let result = try await run(try await command.arguments(scratch) + ["--output", "/dev/null"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Self.fileType("/dev/null") == S_IFCHR)
            #expect(result.stdout.isEmpty, "the output went to /dev/null, not stdout")
        }
    }

    @Test("a FIFO given as --output receives the bytes and stays a FIFO", arguments: Command.allCases)
    func fifo(command: Command) async throws {
        try await withScratch { scratch in
            let fifo = scratch.path("out.fifo")
            try #require(mkfifo(fifo, 0o600) == 0)
            // Held open for reading and writing, the FIFO never blocks the command's open, and what it writes (a few
            // KiB, less than a pipe's buffer) waits in the pipe until read below.
            let descriptor = open(fifo, O_RDWR | O_NONBLOCK)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            let result = try await run(try await command.arguments(scratch) + ["--output", fifo])
            #expect(result.status == 0, "\(result.stderr)")
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                received += buffer[0..<count]
            }
            command.checkOutput(received)
            #expect(Self.fileType(fifo) == S_IFIFO)
        }
    }

    @Test("a symbolic link given as --output stays a link and its target gets the content", arguments: Command.allCases)
    func symbolicLink(command: Command) async throws {
        try await withScratch { scratch in
            // A contract or record replaces an existing target; plaintext is written to a new one only.
            let target = scratch.path("target")
            if !command.isPlaintext { _ = try scratch.write("old content\n", "target") }
            let link = scratch.path("link")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            let result = try await run(try await command.arguments(scratch) + ["--output", link])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Self.fileType(link) == S_IFLNK)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
            #expect(Self.fileType(target) == S_IFREG)
            command.checkOutput(try Self.contents(target))
            #expect(try scratch.names().allSatisfy { !$0.contains(".hpcs-") }, "a temporary file was left behind")
        }
    }

    @Test(
        "an existing regular file is replaced atomically by a contract or record",
        arguments: Command.allCases.filter { !$0.isPlaintext })
    func replacesRegularFile(command: Command) async throws {
        try await withScratch { scratch in
            let existing = try scratch.write("old content\n", "existing.out")
            let before = try #require(Self.inode(existing))
            let result = try await run(try await command.arguments(scratch) + ["--output", existing])
            #expect(result.status == 0, "\(result.stderr)")
            command.checkOutput(try Self.contents(existing))
            // A new inode: written to a temporary file and renamed into place, not truncated and rewritten.
            #expect(Self.inode(existing) != before)
            #expect(try scratch.names().allSatisfy { !$0.contains(".hpcs-") }, "a temporary file was left behind")
        }
    }

    @Test("decrypted plaintext never replaces an existing file, directly or through a link; the file is unchanged")
    func plaintextKeepsExistingFile() async throws {
        try await withScratch { scratch in
            let existing = try scratch.write("keep me\n", "existing.out")
            let link = scratch.path("link")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: existing)
            for output in [existing, link] {
                let result = try await run(try await Command.decrypt.arguments(scratch) + ["--output", output])
                #expect(result.status != 0)
                #expect(
                    result.stderr.contains("\(output) exists; decrypted plaintext is only written to a new file"),
                    "\(result.stderr)")
                #expect(try Self.contents(existing) == Array("keep me\n".utf8))
                #expect(Self.fileType(link) == S_IFLNK)
            }
        }
    }

    @Test("an output in a missing directory fails before any input is read", arguments: Command.allCases)
    func missingDirectoryFailsFirst(command: Command) async throws {
        try await withScratch { scratch in
            let output = scratch.path("missing/dir/out")
            var arguments = try await command.arguments(scratch)
            // Make every input unreadable: the output check must come first, so it is the one reported.
            arguments = arguments.map { $0.hasPrefix(scratch.fixtures.directory) ? scratch.path("no-such-key") : $0 }
            let result = try await run(arguments + ["--output", output])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot create \(output)"), "\(result.stderr)")
            #expect(!result.stderr.contains("no-such-key"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("missing")))
        }
    }

    @Test("contract sign warns about an env without a usable signingKey in a plain sentence, not a Swift type name")
    func signWarningIsPlain() async throws {
        try await withScratch { scratch in
            let result = try await run(try await Command.sign.arguments(scratch) + ["--output", "/dev/null"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stderr.contains("warning: env has no usable signingKey: the env section is not a YAML map"),
                "\(result.stderr)")
            #expect(!result.stderr.contains("ContractError"), "\(result.stderr)")
        }
    }

    @Test("a directory given as --output is refused before any work and left as it is")
    func directoryRefused() async throws {
        try await withScratch { scratch in
            let directory = scratch.path("a-directory")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let result = try await run(try await Command.build.arguments(scratch) + ["--output", directory])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot write to \(directory): it is a directory"), "\(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }
}
