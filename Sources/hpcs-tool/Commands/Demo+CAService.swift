import ArgumentParser
import AsyncHTTPClient
import CertificateAuthority
import CertificateAuthorityServer
import Crypto
import EP11
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import X509

extension Demo {
    /// The CA as an HTTP service: one node on the embedded SQLite store (two nodes on one SQLite file would not
    /// share a store), or two nodes on the PostgreSQL database of `HPCS_CA_DATABASE`; a provisioner registered, a
    /// CSR from openssl signed through `POST /1.0/sign` with a one-time token, the token's replay refused (by the
    /// other node when there are two), and `/health`.
    static func caService(_ client: EP11Client) async throws {
        step("CA service: certificates through the HTTP API with a provisioner's one-time token")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hpcs-demo-ca-service-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ProcessInfo.processInfo.environment
        let databaseURL = environment["HPCS_CA_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
        let nodeCount = databaseURL == nil ? 1 : 2

        func openStore(_ nodeDirectory: URL) throws -> any IssuanceStore {
            if let databaseURL { return try PostgresIssuanceStore(url: databaseURL, environment: environment) }
            return try SQLiteIssuanceStore(path: nodeDirectory.appendingPathComponent("issued.sqlite").path)
        }
        let first = directory.appendingPathComponent("node0")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        var stores = [try openStore(first)]
        let rootCA = try CertificateAuthority(directory: first, client: client, store: stores[0])
        try await rootCA.createRoot(subject: try DistinguishedName { CommonName("swift-hpcs demo service CA") })
        let provisionerKey = P256.Signing.PrivateKey()
        let raw = provisionerKey.publicKey.rawRepresentation
        let jwk =
            #"{"kty":"EC","crv":"P-256","x":"\#(base64URL(raw.prefix(32)))","y":"\#(base64URL(raw.suffix(32)))"}"#
        _ = try await stores[0].addProvisioner(ProvisionerRecord(name: "demo", publicKey: jwk, createdAt: Date()))
        print(
            "CA on \(stores[0].location); provisioner 'demo' registered (ES256 public JWK); "
                + (nodeCount == 2 ? "two nodes share the database" : "one node (set HPCS_CA_DATABASE for two)"))

        let nodes = try await CAService.loopbackNodes(
            of: rootCA, client: client, count: nodeCount, directory: directory,
            publicURL: "https://ca.demo.example", openStore: openStore)
        stores += nodes.stores
        let (services, group) = (nodes.services, nodes.group)
        let runner = Task { try await group.run() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var failure: (any Error)?
        do {
            var ports: [Int] = []
            for service in services { ports.append(try await service.boundPort()) }
            print(
                "listening on " + ports.map { "127.0.0.1:\($0)" }.joined(separator: " and ")
                    + " (loopback, so plain HTTP)")
            try await exchange(http: http, ports: ports, key: provisionerKey, directory: directory)
        } catch {
            failure = error
        }
        try? await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = await runner.result
        for store in stores { await store.close() }
        if let failure { throw failure }
    }

    private static func exchange(
        http: HTTPClient, ports: [Int], key: P256.Signing.PrivateKey, directory: URL
    ) async throws {
        let keyPath = directory.appendingPathComponent("www.key").path
        let csrPath = directory.appendingPathComponent("www.csr").path
        let made = try await runOpenSSL([
            "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", keyPath,
            "-out", csrPath, "-subj", "/CN=www.demo.example", "-addext", "subjectAltName=DNS:www.demo.example",
        ])
        guard made.status == 0 else { throw ValidationError("openssl req failed: \(made.output)") }
        let csr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: csrPath)), as: UTF8.self)
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": "demo", "sub": "www.demo.example", "aud": "https://ca.demo.example/1.0/sign", "iat": now,
            "nbf": now, "exp": now + 120, "jti": UUID().uuidString,
        ]
        let input =
            base64URL(Data(#"{"alg":"ES256","typ":"JWT"}"#.utf8)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims))
        let token = input + "." + base64URL(try key.signature(for: Data(input.utf8)).rawRepresentation)
        print("one-time token: ES256, sub www.demo.example, aud https://ca.demo.example/1.0/sign, 120 s")

        let (status, body) = try await post(http, port: ports[0], ["csr": csr, "ott": token])
        guard status == 201, let crt = body["crt"] as? String else {
            throw ValidationError("POST /1.0/sign answered \(status): \(body["message"] ?? "")")
        }
        let certificate = try Certificate(pemEncoded: crt)
        print(
            "POST /1.0/sign on node 1: 201, \(certificate.subject), serial "
                + certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined())
        let leafPath = directory.appendingPathComponent("www.pem").path
        let rootPath = directory.appendingPathComponent("root.pem").path
        try Data(crt.utf8).write(to: URL(fileURLWithPath: leafPath))
        try Data(((body["certChain"] as? [String])?.last ?? "").utf8).write(to: URL(fileURLWithPath: rootPath))
        let verified = try await runOpenSSL(["verify", "-CAfile", rootPath, leafPath])
        print("openssl verify: \(verified.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        guard verified.status == 0 else { throw ValidationError("openssl rejected the certificate") }

        let replayPort = ports[ports.count - 1]
        let (replayStatus, replay) = try await post(http, port: replayPort, ["csr": csr, "ott": token])
        print(
            "the same token again, on node \(ports.count): \(replayStatus) \"\(replay["message"] as? String ?? "")\"")
        guard replayStatus == 401 else { throw ValidationError("a replayed token was accepted") }
        for (index, port) in ports.enumerated() {
            let response = try await http.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            print("GET /health on node \(index + 1): \(response.status.code)")
        }
    }

    private static func post(
        _ http: HTTPClient, port: Int, _ json: [String: Any]
    ) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/1.0/sign")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
        return (Int(response.status.code), object)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
