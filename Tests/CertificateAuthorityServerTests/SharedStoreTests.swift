import AsyncHTTPClient
import CertificateAuthority
import CertificateAuthorityServer
import Foundation
import TestSupport
import Testing
import X509

/// The suite that runs on both stores: two nodes on one PostgreSQL database, and one node on SQLite (two nodes on
/// one SQLite file are not a shared store).
@Suite(
    "CA service nodes on a shared store",
    .enabled(if: PostgresCluster.testsEnabled, "PostgreSQL is not installed")
)
struct SharedStoreTests {
    static let stores: [(StoreKind, Int)] = [(.postgres, 2), (.sqlite, 1)]

    func serial(_ pem: String) throws -> String { try Certificate(pemEncoded: pem).serialHex }

    @Test("concurrent issuance from every node: unique serials, every certificate recorded", arguments: stores)
    func concurrentIssuance(store: StoreKind, nodes: Int) async throws {
        try await withServiceWorld(store: store, nodes: nodes) { world in
            let (csr, _) = try await world.csr(commonName: "many.example.com", sans: ["many.example.com"])
            let perNode = 12
            let issued = try await withThrowingTaskGroup(of: String.self, returning: [String].self) { group in
                for node in world.nodes {
                    for _ in 0..<perNode {
                        group.addTask {
                            let token = try await world.provisioner.token(
                                sub: "many.example.com", aud: world.signAudience)
                            let response = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: node)
                            try #require(response.status == 201, "\(response.text)")
                            return try #require(response.body["crt"] as? String)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(issued.count == perNode * world.nodes.count)
            let serials = try issued.map(serial)
            #expect(Set(serials).count == serials.count, "duplicate serial numbers")
            let recorded = try await world.node.ca.store.allCertificates()
            let byserial = Dictionary(
                recorded.map { ($0.serialNumber, $0.certificateDER) }, uniquingKeysWith: { a, _ in a })
            for pem in issued {
                let der = Array(try Certificate(pemEncoded: pem).serializeAsPEM().derBytes)
                #expect(byserial[try serial(pem)] == der, "an issued certificate is not recorded")
            }
            let verify = try await world.opensslVerify(issued[0])
            #expect(verify.status == 0, "\(verify.text)")
        }
    }

    @Test(
        "a revocation on one node is in the CRL every node serves; a token used on one node is refused on the other",
        arguments: stores)
    func sharedRevocationAndTokens(store: StoreKind, nodes: Int) async throws {
        try await withServiceWorld(store: store, nodes: nodes) { world in
            let a = world.nodes[0]
            let b = world.nodes[nodes - 1]
            let (csr, _) = try await world.csr(commonName: "shared.example.com", sans: ["shared.example.com"])
            let token = try await world.provisioner.token(sub: "shared.example.com", aud: world.signAudience)
            let first = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: a)
            #expect(first.status == 201, "\(first.text)")
            let replay = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: b)
            #expect(replay.status == 401, "\(replay.text)")
            #expect((replay.body["message"] as? String ?? "").contains("already used"))

            // B serves a CRL first, so the revocation must replace it.
            #expect(try await world.get("/crl", on: b).status == 200)
            let revoked = try serial(try #require(first.body["crt"] as? String))
            let revokeToken = try await world.provisioner.token(sub: revoked, aud: world.revokeAudience)
            let revocation = try await world.post(
                "/1.0/revoke", ["serial": revoked, "reasonCode": 5, "ott": revokeToken], on: a)
            #expect(revocation.status == 200, "\(revocation.text)")
            let crl = try await world.servedCRL(on: b)
            #expect(crl.text.uppercased().contains(revoked.uppercased()), "\(crl.text)")
            #expect(crl.text.contains("verify OK"))
        }
    }

    /// Adds (or removes) a trigger that fails every certificate insert: a store fault between the token id's
    /// write and the certificate's, inside the one transaction that holds both.
    func recordFault(_ enabled: Bool, store: StoreKind, world: ServiceWorld, database: String?) async throws {
        switch store {
        case .postgres:
            let sql =
                enabled
                ? "CREATE FUNCTION record_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "RAISE EXCEPTION 'injected fault'; END $$; CREATE TRIGGER record_fault BEFORE INSERT ON "
                    + "certificate FOR EACH ROW EXECUTE FUNCTION record_fault()"
                : "DROP TRIGGER record_fault ON certificate; DROP FUNCTION record_fault()"
            try await PostgresCluster.shared().psql(sql, database: try #require(database))
        case .sqlite:
            let sql =
                enabled
                ? "CREATE TRIGGER record_fault BEFORE INSERT ON certificate BEGIN "
                    + "SELECT RAISE(ABORT, 'injected fault'); END;"
                : "DROP TRIGGER record_fault;"
            let path = world.node.directory.appendingPathComponent("issued.sqlite").path
            let output = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2])",
                    path, sql,
                ],
                timeout: .seconds(60))
            try #require(output.status == 0, "\(output.text)")
        }
    }

    @Test(
        "a store fault between the token id and the certificate records neither: 503, then the same token issues",
        arguments: stores)
    func tokenAndCertificateLandTogether(store: StoreKind, nodes: Int) async throws {
        var database: String?
        var url: String?
        if store == .postgres {
            let cluster = try await PostgresCluster.shared()
            database = try await cluster.makeDatabase()
            url = cluster.url(database: try #require(database))
        }
        try await withServiceWorld(store: store, nodes: nodes, databaseURL: url) { world in
            let (a, b) = (world.nodes[0], world.nodes[nodes - 1])
            let before = try await a.ca.store.allCertificates().count
            let (csr, _) = try await world.csr(commonName: "fault.example.com", sans: ["fault.example.com"])
            let token = try await world.provisioner.token(sub: "fault.example.com", aud: world.signAudience)

            try await recordFault(true, store: store, world: world, database: database)
            let refused = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: a)
            try await recordFault(false, store: store, world: world, database: database)
            #expect(refused.status == 503, "\(refused.text)")
            #expect(try await a.ca.store.allCertificates().count == before)

            // Nothing of the failed request was written, so its token is unused: it issues once, on either node.
            let issued = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: b)
            #expect(issued.status == 201, "\(issued.text)")
            let replay = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: a)
            #expect(replay.status == 401, "\(replay.text)")
            #expect(try await a.ca.store.allCertificates().count == before + 1)
        }
    }

    @Test("the database stopped: /health is 503 and signing refuses cleanly with 503 JSON on both nodes")
    func databaseDown() async throws {
        let cluster = try await PostgresCluster.start()
        let url = cluster.url(database: try await cluster.makeDatabase())
        try await withServiceWorld(store: .postgres, nodes: 2, databaseURL: url) { world in
            #expect(try await world.get("/health", on: world.nodes[1]).status == 200)
            cluster.stop()
            for node in world.nodes {
                let health = try await world.get("/health", on: node)
                #expect(health.status == 503)
                let body = try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any]
                #expect((body?["checks"] as? [String: String])?["database"] != "ok", "\(String(describing: body))")
                #expect((body?["checks"] as? [String: String])?["hsm"] == "ok", "\(String(describing: body))")

                let (csr, _) = try await world.csr(commonName: "down.example.com", sans: ["down.example.com"])
                let token = try await world.provisioner.token(sub: "down.example.com", aud: world.signAudience)
                let refused = try await world.post("/1.0/sign", ["csr": csr, "ott": token], on: node)
                #expect(refused.status == 503, "\(refused.text)")
                #expect(refused.body["status"] as? Int == 503)
                #expect(refused.body["message"] as? String != nil, "\(refused.text)")
            }
        }
    }
}
