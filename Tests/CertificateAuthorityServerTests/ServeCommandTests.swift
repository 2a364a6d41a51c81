import AsyncHTTPClient
import CertificateAuthority
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization
import TestSupport
import Testing
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// A `hpcs-tool ca serve` child process, killed or stopped by the test.
final class ServeProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    private let output: CapturedLog

    private init(process: Process, port: Int, output: CapturedLog) {
        self.process = process
        self.port = port
        self.output = output
    }

    /// Starts `hpcs-tool arguments` and waits (up to 60 s) for `listening on port N`.
    static func start(_ arguments: [String]) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HPCSTool.path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_PROXY"] = "127.0.0.1"
        environment.removeValue(forKey: "GREP11_ADDRESS")
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let collected = CapturedLog()
        let handle = pipe.fileHandleForReading
        let found = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            Thread {
                var resumed = false
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    collected.append(String(decoding: data, as: UTF8.self))
                    let text = collected.raw
                    if !resumed, let range = text.range(of: "listening on port "),
                        let end = text[range.upperBound...].firstIndex(of: "\n"),
                        let port = Int(text[range.upperBound..<end])
                    {
                        resumed = true
                        continuation.resume(returning: port)
                    }
                }
                if !resumed {
                    continuation.resume(
                        throwing: ServeFailure(description: "ca serve ended: \(collected.raw)"))
                }
            }.start()
        }
        _ = found
        return ServeProcess(process: process, port: found, output: collected)
    }

    var text: String { output.raw }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func terminate() -> Int32 {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Certificates collected from concurrent requests.
final class Certificates: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ pem: String) { list.withLock { $0.append(pem) } }
    var all: [String] { list.withLock { $0 } }
}

struct ServeFailure: Error, CustomStringConvertible {
    var description: String
}

@Suite(
    "hpcs-tool ca serve (built binary, embedded HSM mock, PostgreSQL)",
    .enabled(
        if: (HPCSTool.isBuilt && PostgresCluster.isInstalled) || PythonInterpreter.isCI, "no hpcs-tool or PostgreSQL")
)
struct ServeCommandTests {
    func tool(_ arguments: [String]) async throws -> ChildProcess.Output {
        try await ChildProcess.run(
            HPCSTool.path, arguments, environment: ["GREP11_ADDRESS": ""], timeout: .seconds(120))
    }

    @Test("a node killed mid-request loses no certificate it returned; a new node serves on; SIGTERM stops cleanly")
    func killedMidRequest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ca-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try await PostgresCluster.makeDatabaseURL()
        let dir = directory.appendingPathComponent("ca").path
        let initialised = try await tool(["ca", "init", "--mock", "--dir", dir, "--subject", "CN=Serve Test Root"])
        try #require(initialised.status == 0, "\(initialised.text)")

        let provisioner = try await TestProvisioner.make()
        let jwkPath = directory.appendingPathComponent("provisioner.jwk").path
        try Data(provisioner.publicJWK.utf8).write(to: URL(fileURLWithPath: jwkPath))
        let added = try await tool([
            "ca", "provisioner", "add", "--dir", dir, "--database", url, "--name", "tests", "--public-key", jwkPath,
        ])
        #expect(added.status == 0, "\(added.text)")
        let listed = try await tool(["ca", "provisioner", "list", "--dir", dir, "--database", url])
        #expect(listed.text.contains("tests\tES256"), "\(listed.text)")
        // A private key is refused.
        let privatePath = directory.appendingPathComponent("private.jwk").path
        try Data(#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#.utf8).write(
            to: URL(fileURLWithPath: privatePath))
        let refusedKey = try await tool([
            "ca", "provisioner", "add", "--dir", dir, "--database", url, "--name", "bad", "--public-key", privatePath,
        ])
        #expect(refusedKey.status != 0)
        #expect(refusedKey.text.contains("private"), "\(refusedKey.text)")

        // Plain HTTP off loopback is refused, naming the flag.
        let offLoopback = try await tool(["ca", "serve", "--mock", "--dir", dir, "--listen", "0.0.0.0:0"])
        #expect(offLoopback.status != 0)
        #expect(offLoopback.text.contains("--tls-cert"), "\(offLoopback.text)")

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await issueAndKill(http: http, directory: directory, dir: dir, url: url, provisioner: provisioner)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func issueAndKill(
        http: HTTPClient, directory: URL, dir: String, url: String, provisioner: TestProvisioner
    ) async throws {
        let serveArguments = [
            "ca", "serve", "--mock", "--dir", dir, "--listen", "127.0.0.1:0", "--database", url, "--public-url",
            "https://ca.test",
        ]
        let csrResult = try await ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "cd \"$0\" && openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout k.pem "
                    + "-out r.csr -subj /CN=kill.example.com -addext subjectAltName=DNS:kill.example.com",
                directory.path,
            ], timeout: .seconds(60))
        try #require(csrResult.status == 0, "\(csrResult.text)")
        let csr = try String(contentsOf: directory.appendingPathComponent("r.csr"), encoding: .utf8)

        @Sendable func sign(port: Int) async throws -> String? {
            let token = try await provisioner.token(sub: "kill.example.com", aud: "https://ca.test/1.0/sign")
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/1.0/sign")
            request.method = .POST
            request.body = .bytes(
                ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["csr": csr, "ott": token])))
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 201 else { return nil }
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            return object?["crt"] as? String
        }

        let node = try await ServeProcess.start(serveArguments)
        let returned = Certificates()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    if let crt = try? await sign(port: node.port) { returned.append(crt) }
                }
            }
            // Killed while requests are in flight: after the first certificate comes back.
            group.addTask {
                for _ in 0..<600 {
                    if !returned.all.isEmpty { break }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                node.kill()
            }
        }
        let certificates = returned.all
        #expect(!certificates.isEmpty)

        // Every certificate a client got is in the store, exactly.
        let store = try PostgresIssuanceStore(url: url, environment: [:])
        for pem in certificates {
            let certificate = try Certificate(pemEncoded: pem)
            let serial = certificate.serialHex
            let record = try await store.certificate(serial: serial)
            #expect(record?.certificateDER == Array(try certificate.serializeAsPEM().derBytes), "\(serial) lost")
        }
        let recorded = try await store.allCertificates().count
        #expect(recorded >= certificates.count)
        await store.close()

        // A new node on the same store serves on, and stops cleanly on SIGTERM.
        let second = try await ServeProcess.start(serveArguments)
        let again = try await sign(port: second.port)
        #expect(again != nil, "\(second.text)")
        var health = HTTPClientRequest(url: "http://127.0.0.1:\(second.port)/health")
        health.method = .GET
        let healthy = try await http.execute(health, timeout: .seconds(30))
        #expect(healthy.status.code == 200)
        #expect(second.terminate() == 0, "\(second.text)")
        #expect(second.text.contains("hpcs.http.path=/1.0/sign") || second.text.contains("/1.0/sign"), "\(second.text)")
        #expect(!second.text.contains("BEGIN CERTIFICATE REQUEST"))
    }
}
