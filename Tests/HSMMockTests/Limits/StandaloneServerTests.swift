import EP11
import Foundation
import HSMMock
import KeyProtectMock
import TestSupport
import Testing

/// Issue 13 items 6 and 8: the standalone mock says why it cannot start, and serves many calls on one connection.
@Suite("HSM mock server: start-up errors that say why, and load on one connection")
struct StandaloneServerTests {
    static let hpcsTool = HPCSTool.path

    /// A scratch directory with two unrelated self-signed P-256 pairs (a.pem/a.key, b.pem/b.key) and junk.pem.
    struct TLSFiles {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

        static func make() async throws -> TLSFiles {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("hsm-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let files = TLSFiles(directory: directory)
            for name in ["a", "b"] {
                let openssl = try await ChildProcess.run(
                    "/usr/bin/env",
                    [
                        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=localhost", "-days", "1", "-keyout", files.path("\(name).key"), "-out",
                        files.path("\(name).pem"),
                    ],
                    timeout: .seconds(60))
                try #require(openssl.status == 0, "openssl: \(openssl.text)")
            }
            try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8)
                .write(to: URL(fileURLWithPath: files.path("junk.pem")))
            return files
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("bad TLS inputs are named before the server starts (in process)")
    func tlsInputsInProcess() async throws {
        let files = try await TLSFiles.make()
        defer { files.remove() }
        let mock = try HSMMock()
        let cases: [(HSMMock.ServerTLS, String)] = [
            (
                .init(certificateChainPEM: try files.bytes("junk.pem"), privateKeyPEM: try files.bytes("a.key")),
                "the TLS certificate chain is not PEM certificates"
            ),
            (
                .init(certificateChainPEM: try files.bytes("a.pem"), privateKeyPEM: try files.bytes("a.pem")),
                "the TLS private key is not a PEM private key (or it is encrypted)"
            ),
            (
                .init(certificateChainPEM: try files.bytes("a.pem"), privateKeyPEM: try files.bytes("b.key")),
                "the TLS private key does not belong to the certificate"
            ),
            (
                .init(
                    certificateChainPEM: try files.bytes("a.pem"), privateKeyPEM: try files.bytes("a.key"),
                    clientCertificateRootsPEM: try files.bytes("junk.pem")),
                "the client CA roots are not PEM certificates"
            ),
        ]
        for (tls, message) in cases {
            let error = #expect(throws: EP11Error.self) {
                _ = try mock.makeServer(host: "127.0.0.1", port: 0, tls: tls)
            }
            #expect(error?.message == message)
        }
        // The good pair still serves.
        let good = HSMMock.ServerTLS(
            certificateChainPEM: try files.bytes("a.pem"), privateKeyPEM: try files.bytes("a.key"))
        let port = try await mock.withServer(host: "127.0.0.1", port: 0, tls: good) { $0 }
        #expect(port > 0)
    }

    @Test("a master key file is read only as far as needed: /dev/zero and a 33-byte file are refused at once")
    func masterKeyFileIsBounded() throws {
        let error = #expect(throws: EP11Error.self) { _ = try HSMMock(masterKeyFile: "/dev/zero") }
        #expect(error?.message == "master key file /dev/zero must hold exactly 32 bytes")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 7, count: 33).write(to: URL(fileURLWithPath: path))
        #expect(throws: EP11Error.invalidArgument) { _ = try HSMMock(masterKeyFile: path) }
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: path))
        #expect(
            try HSMMock(masterKeyFile: path).wrappingKeyID
                == (try HSMMock(masterKey: [UInt8](repeating: 7, count: 32))).wrappingKeyID)
    }

    @Test("a port in use is named (in process)")
    func portInUseInProcess() async throws {
        let first = try HSMMock()
        try await first.withServer(host: "127.0.0.1", port: 0) { port in
            let error = await #expect(throws: EP11Error.self) {
                try await HSMMock().withServer(host: "127.0.0.1", port: port) { _ in }
            }
            #expect(error?.message == "address 127.0.0.1:\(port) is in use")
        }
    }

    @Test("hpcs-tool mock hsm and mock kms say which input is bad, or that the port is in use")
    func standaloneBinary() async throws {
        try #require(HPCSTool.isBuilt, "no \(Self.hpcsTool): swift build")
        let files = try await TLSFiles.make()
        defer { files.remove() }
        let cases: [([String], String)] = [
            (["--tls-cert", files.path("junk.pem"), "--tls-key", files.path("a.key")], "certificate chain is not PEM"),
            (
                ["--tls-cert", files.path("a.pem"), "--tls-key", files.path("a.pem")],
                "private key is not a PEM private key"
            ),
            (
                ["--tls-cert", files.path("a.pem"), "--tls-key", files.path("b.key")],
                "does not belong to the certificate"
            ),
            (
                [
                    "--tls-cert", files.path("a.pem"), "--tls-key", files.path("a.key"), "--client-ca",
                    files.path("junk.pem"),
                ],
                "client CA roots are not PEM certificates"
            ),
        ]
        for (arguments, expected) in cases {
            let output = try await ChildProcess.run(
                Self.hpcsTool, ["mock", "hsm", "--listen", "127.0.0.1:0"] + arguments, timeout: .seconds(30))
            #expect(output.status != 0 && !output.timedOut)
            #expect(output.text.contains(expected), "\(output.text)")
            #expect(!output.text.contains("serverIsStopped"), "\(output.text)")
        }

        for command in ["hsm", "kms"] {
            let output = try await ChildProcess.run(
                Self.hpcsTool, ["mock", command, "--listen", "unknown-host.invalid:0"], timeout: .seconds(30))
            #expect(output.status != 0 && !output.timedOut)
            #expect(output.text.contains("unknown-host.invalid"), "mock \(command): \(output.text)")
            #expect(!output.text.contains("SocketAddressError"), "mock \(command): \(output.text)")
        }

        try await HSMMock().withServer(host: "127.0.0.1", port: 0) { port in
            for command in ["hsm", "kms"] {
                let output = try await ChildProcess.run(
                    Self.hpcsTool, ["mock", command, "--listen", "127.0.0.1:\(port)"], timeout: .seconds(30))
                #expect(output.status != 0 && !output.timedOut)
                #expect(output.text.contains("address 127.0.0.1:\(port) is in use"), "mock \(command): \(output.text)")
                #expect(!output.text.contains("serverIsStopped") && !output.text.contains("IOError"), "\(output.text)")
            }
        }
    }

    /// 1,000 GenerateRandom calls started at once on one grpcio channel (one HTTP/2 connection).
    static let concurrentClient = #"""
        import os, subprocess, sys, tempfile, threading
        protos, address, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
        out = tempfile.mkdtemp(prefix="grep11-load-")
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={out}",
                        f"--grpc_python_out={out}", os.path.join(protos, "server.proto")], check=True)
        sys.path.insert(0, out)
        import grpc
        import server_pb2 as pb
        import server_pb2_grpc as pb_grpc
        channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = pb_grpc.CryptoStub(channel)
        futures = [stub.GenerateRandom.future(pb.GenerateRandomRequest(Len=16), timeout=120) for _ in range(calls)]
        failures = {}
        ok = 0
        for future in futures:
            try:
                if len(future.result().Rnd) == 16:
                    ok += 1
            except grpc.RpcError as error:
                failures[error.code().name] = failures.get(error.code().name, 0) + 1
        print(f"ok={ok} failed={sum(failures.values())} codes={failures}")
        sys.exit(0 if ok == calls else 1)
        """#

    @Test(
        "1,000 concurrent calls on one HTTP/2 connection all succeed (in process and hpcs-tool mock hsm)",
        .enabled(if: PythonGREP11.shouldRun, "python3 with grpcio and grpcio-tools not found"))
    func concurrentCallsOnOneConnection() async throws {
        let python = try #require(PythonGREP11.found.interpreter, "run scripts/install-deps.sh")
        let run = { @Sendable (port: Int) async throws -> ChildProcess.Output in
            try await ChildProcess.run(
                python.executable,
                python.leadingArguments + [
                    "-c", Self.concurrentClient, PythonGREP11.protos, "127.0.0.1:\(port)", "1000",
                ],
                timeout: .seconds(300))
        }
        let inProcess = try await HSMMock().withServer(host: "127.0.0.1", port: 0) { port in try await run(port) }
        #expect(inProcess.status == 0, "\(inProcess.text)")
        #expect(inProcess.text.contains("ok=1000 failed=0"), "\(inProcess.text)")

        try #require(HPCSTool.isBuilt, "no \(Self.hpcsTool): swift build")
        let standalone = try await ChildProcess.withListeningServer(
            Self.hpcsTool, ["mock", "hsm", "--listen", "127.0.0.1:0"]
        ) { port, _ in try await run(port) }
        #expect(standalone.status == 0, "\(standalone.text)")
        #expect(standalone.text.contains("ok=1000 failed=0"), "\(standalone.text)")
    }
}
