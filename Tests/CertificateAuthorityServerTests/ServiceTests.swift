import AsyncHTTPClient
import CertificateAuthority
import CertificateAuthorityServer
import Foundation
import JWTKit
import TestSupport
import Testing
import X509

@Suite("CA service: sign, refuse, revoke, renew, health and metrics over HTTPS (SQLite, one node)")
struct ServiceTests {
    @Test("sign: a jwt-kit ES256 token and an openssl CSR give a certificate openssl verify and pkilint accept")
    func signs() async throws {
        try await withServiceWorld { world in
            let (csr, _) = try await world.csr(
                commonName: "www.example.com", sans: ["www.example.com", "api.example.com"])
            let token = try await world.provisioner.token(
                sub: "www.example.com", sans: ["api.example.com"], aud: world.signAudience)
            let response = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
            #expect(response.status == 201, "\(response.text)")
            let crt = try #require(response.body["crt"] as? String)
            let caPEM = try #require(response.body["ca"] as? String)
            let chain = try #require(response.body["certChain"] as? [String])
            #expect(chain == [crt, caPEM])
            #expect(caPEM == world.rootPEM)
            // The body written as text is the JSON an encoder writes (sorted keys, slashes unescaped).
            struct IssuedBody: Encodable {
                var crt: String
                var ca: String
                var certChain: [String]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let encoded = try encoder.encode(IssuedBody(crt: crt, ca: caPEM, certChain: chain))
            #expect(response.text == String(decoding: encoded, as: UTF8.self))
            let verify = try await world.opensslVerify(crt)
            #expect(verify.status == 0, "\(verify.text)")
            let certificate = try Certificate(pemEncoded: crt)
            let names = try #require(try certificate.extensions.subjectAlternativeNames)
            #expect(Set(names) == [.dnsName("www.example.com"), .dnsName("api.example.com")])
            // Recorded before it was returned.
            let record = try await world.node.ca.store.certificate(serial: certificate.serialHex)
            #expect(record?.certificateDER == Array(try certificate.serializeAsPEM().derBytes))
            if pkilint.interpreter != nil || PythonInterpreter.isCI {
                let path = world.directory.appendingPathComponent("signed.pem").path
                try Data(crt.utf8).write(to: URL(fileURLWithPath: path))
                let lint = try await pkilintCertificate(path)
                #expect(lint.status == 0, "\(lint.text)")
            }
        }
    }

    @Test(
        "a removed provisioner is refused at once with no provisioner cache, and within the cache lifetime otherwise",
        arguments: [Duration.zero, .seconds(3_600)])
    func provisionerCache(lifetime: Duration) async throws {
        try await withServiceWorld(provisionerCacheLifetime: lifetime) { world in
            let (csr, _) = try await world.csr(commonName: "cache.example.com", sans: ["cache.example.com"])
            let first = try await world.provisioner.token(sub: "cache.example.com", aud: world.signAudience)
            #expect(try await world.post("/1.0/sign", ["csr": csr, "ott": first]).status == 201)
            #expect(try await world.node.ca.store.removeProvisioner(named: world.provisioner.name))
            let second = try await world.provisioner.token(sub: "cache.example.com", aud: world.signAudience)
            let after = try await world.post("/1.0/sign", ["csr": csr, "ott": second])
            if lifetime == .zero {
                #expect(after.status == 401, "\(after.text)")
                #expect((after.body["message"] as? String ?? "").contains("no provisioner"), "\(after.text)")
            } else {
                // Still within the lifetime of what the node read: accepted until it reads the store again.
                #expect(after.status == 201, "\(after.text)")
            }
        }
    }

    @Test("sign: tokens signed in Python (ES256 and EdDSA, no project code), keys registered as PEM")
    func pythonTokens() async throws {
        try await withServiceWorld { world in
            for (algorithm, name) in [("EC", "python-es256"), ("ED25519", "python-eddsa")] {
                var arguments = ["genpkey", "-algorithm", algorithm, "-out", "\(name).key"]
                if algorithm == "EC" { arguments += ["-pkeyopt", "ec_paramgen_curve:P-256"] }
                let generated = try await openssl(arguments, in: world.directory)
                try #require(generated.status == 0, "\(generated.text)")
                let exported = try await openssl(
                    ["pkey", "-in", "\(name).key", "-pubout", "-out", "\(name).pub"], in: world.directory)
                try #require(exported.status == 0, "\(exported.text)")
                let publicPEM = try String(
                    contentsOf: world.directory.appendingPathComponent("\(name).pub"), encoding: .utf8)
                #expect(
                    try await world.node.ca.store.addProvisioner(
                        ProvisionerRecord(name: name, publicKey: publicPEM, createdAt: Date())))

                let host = "\(name).example.com"
                let (csr, _) = try await world.csr(commonName: host, sans: [host])
                let now = Int(Date().timeIntervalSince1970)
                let claims: [String: Any] = [
                    "iss": name, "sub": host, "aud": world.signAudience, "iat": now, "nbf": now,
                    "exp": now + 60, "jti": UUID().uuidString,
                ]
                let token = try await pythonToken(
                    keyPath: world.directory.appendingPathComponent("\(name).key").path, claims: claims,
                    in: world.directory)
                let response = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
                #expect(response.status == 201, "\(name): \(response.text)")
                if let crt = response.body["crt"] as? String {
                    let verify = try await world.opensslVerify(crt)
                    #expect(verify.status == 0, "\(verify.text)")
                }
                // The same Python token with one claim changed no longer verifies.
                let parts = token.split(separator: ".")
                var forged = claims
                forged["sub"] = "evil.example.com"
                let forgedPayload = Data(try JSONSerialization.data(withJSONObject: forged)).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
                let (evilCSR, _) = try await world.csr(commonName: "evil.example.com", sans: ["evil.example.com"])
                let refused = try await world.post(
                    "/1.0/sign", ["csr": evilCSR, "ott": "\(parts[0]).\(forgedPayload).\(parts[2])"])
                #expect(refused.status == 401, "\(refused.text)")
            }
        }
    }

    /// A token that must be refused, and how.
    struct Refusal: Sendable, CustomStringConvertible {
        var description: String
        var status: Int
        var message: String
        var reason: String
    }

    @Test(
        "sign: wrong audience, expired, not yet valid, too long, unknown provisioner, bad signature, other names, replay"
    )
    func refusals() async throws {
        let log = CapturedLog()
        try await withServiceWorld(log: log) { world in
            let now = Int(Date().timeIntervalSince1970)
            let (csr, _) = try await world.csr(commonName: "www.example.com", sans: ["www.example.com"])
            let p = world.provisioner
            func claims(
                iss: String? = nil, sub: String = "www.example.com", aud: String? = nil, iat: Int? = nil,
                nbf: Int? = nil, exp: Int? = nil
            ) -> TokenClaims {
                let issued = iat ?? now
                return TokenClaims(
                    iss: iss ?? p.name, sub: sub, sans: nil, aud: aud ?? world.signAudience, iat: issued,
                    nbf: nbf ?? issued, exp: exp ?? issued + 120, jti: UUID().uuidString)
            }
            let stranger = try await TestProvisioner.make(name: p.name)
            let cases: [(Refusal, String)] = [
                (
                    Refusal(description: "wrong aud", status: 401, message: "audience", reason: "token_audience"),
                    try await p.token(claims(aud: "https://other.example/1.0/sign"))
                ),
                (
                    Refusal(
                        description: "revoke aud on sign", status: 401, message: "audience", reason: "token_audience"),
                    try await p.token(claims(aud: world.revokeAudience))
                ),
                (
                    Refusal(description: "expired", status: 401, message: "expired", reason: "token_expired"),
                    try await p.token(claims(iat: now - 400, exp: now - 200))
                ),
                (
                    Refusal(
                        description: "nbf in the future", status: 401, message: "not valid yet",
                        reason: "token_not_yet_valid"),
                    try await p.token(claims(nbf: now + 200, exp: now + 250))
                ),
                (
                    Refusal(
                        description: "exp - iat over 5 minutes", status: 401, message: "longer than 300 seconds",
                        reason: "token_claims"),
                    try await p.token(claims(exp: now + 600))
                ),
                (
                    Refusal(
                        description: "unknown provisioner", status: 401, message: "no provisioner 'nobody'",
                        reason: "unknown_provisioner"),
                    try await p.token(claims(iss: "nobody"))
                ),
                (
                    Refusal(
                        description: "signed by another key", status: 401, message: "does not verify",
                        reason: "token_signature"),
                    try await stranger.token(claims())
                ),
                (
                    Refusal(
                        description: "CSR names are not the token's", status: 403,
                        message: "are not the token's sub and sans", reason: "names_mismatch"),
                    try await p.token(claims(sub: "other.example.com"))
                ),
            ]
            for (refusal, token) in cases {
                let response = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
                #expect(response.status == refusal.status, "\(refusal): \(response.text)")
                #expect(response.body["status"] as? Int == refusal.status, "\(refusal): \(response.text)")
                let message = response.body["message"] as? String ?? ""
                #expect(message.contains(refusal.message), "\(refusal): \(message)")
            }

            // Replay: the first use issues, the second is refused.
            let token = try await p.token(claims())
            let first = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
            #expect(first.status == 201, "\(first.text)")
            let replay = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
            #expect(replay.status == 401, "\(replay.text)")
            #expect((replay.body["message"] as? String ?? "").contains("already used"), "\(replay.text)")

            // Every refusal logged with the requester and the reason; never the token or the CSR.
            let text = log.text
            #expect(text.contains("hpcs.ca.reason=token_replayed"), "\(text)")
            #expect(text.contains("hpcs.ca.requester=provisioner 'tests'"), "\(text)")
            #expect(text.contains("hpcs.ca.reason=names_mismatch"))
            // The issuance itself, with the certificate's subject (made only for a log level that writes it).
            #expect(text.contains("hpcs.ca.subject='CN=www.example.com'"), "\(text)")
            #expect(!text.contains(token), "a token was logged")
            #expect(!text.contains(String(token.split(separator: ".")[2])), "a token signature was logged")
            #expect(!text.contains("BEGIN CERTIFICATE REQUEST"), "a CSR was logged")

            // Counted by reason.
            let metrics = String(decoding: try await world.get("/metrics").body, as: UTF8.self)
            for (refusal, _) in cases {
                #expect(metrics.contains("hpcs_ca_refused_total{reason=\"\(refusal.reason)\"}"), "\(refusal)")
            }
            #expect(metrics.contains("hpcs_ca_refused_total{reason=\"token_audience\"} 2"), "\(metrics)")
            #expect(metrics.contains("hpcs_ca_refused_total{reason=\"token_replayed\"} 1"), "\(metrics)")
            #expect(metrics.contains("hpcs_ca_issued_total 1"), "\(metrics)")
        }
    }

    @Test("revoke with a token: 200, then /crl (DER) lists the serial; a second revocation is refused")
    func revokeWithToken() async throws {
        try await withServiceWorld { world in
            let serial = try await world.issue(commonName: "gone.example.com").certificate.serialHex

            let before = try await world.get("/crl")
            #expect(before.status == 200)
            let revokeToken = try await world.provisioner.token(sub: serial, aud: world.revokeAudience)
            let revoked = try await world.post(
                "/1.0/revoke", ["serial": serial, "reasonCode": 1, "ott": revokeToken])
            #expect(revoked.status == 200, "\(revoked.text)")

            let crl = try await world.servedCRL()
            #expect(crl.text.uppercased().contains(serial.uppercased()), "\(crl.text)")
            #expect(crl.text.contains("Key Compromise"), "\(crl.text)")
            #expect(crl.text.contains("verify OK"), "\(crl.text)")
            if pkilint.interpreter != nil || PythonInterpreter.isCI {
                let lint = try await pkilintCRL(crl.path)
                #expect(lint.status == 0, "\(lint.text)")
            }

            // A token for another serial does not revoke this one.
            let again = try await world.provisioner.token(sub: "01", aud: world.revokeAudience)
            let mismatch = try await world.post("/1.0/revoke", ["serial": serial, "ott": again])
            #expect(mismatch.status == 403, "\(mismatch.text)")
        }
    }

    @Test("renew over mutual TLS with an empty body: same names and key, openssl verifies; refused once revoked")
    func renewal() async throws {
        try await withServiceWorld { world in
            let (crt, original, keyPath) = try await world.issue(commonName: "client.example.com")

            // Without a client certificate.
            let anonymous = try await world.post("/1.0/renew", bytes: [])
            #expect(anonymous.status == 401, "\(anonymous.text)")

            let mtls = try world.mutualTLSClient(certificatePEM: crt, keyPath: keyPath)
            do {
                // An empty body: the names and key come from the certificate presented.
                let renewed = try await world.post("/1.0/renew", bytes: [], client: mtls)
                #expect(renewed.status == 201, "\(renewed.text)")
                let newPEM = try #require(renewed.body["crt"] as? String)
                let new = try Certificate(pemEncoded: newPEM)
                #expect(new.serialNumber != original.serialNumber)
                #expect(new.publicKey == original.publicKey)
                #expect(new.subject == original.subject)
                #expect(try new.extensions.subjectAlternativeNames == original.extensions.subjectAlternativeNames)
                let verify = try await world.opensslVerify(newPEM)
                #expect(verify.status == 0, "\(verify.text)")
                let record = try await world.node.ca.store.certificate(serial: new.serialHex)
                let recorded = try #require(record, "recorded before it was returned")
                #expect(try Certificate(derEncoded: recorded.certificateDER) == new)

                // An empty JSON object, and a CSR with the same key, are accepted too.
                let emptyObject = try await world.post("/1.0/renew", [:], client: mtls)
                #expect(emptyObject.status == 201, "\(emptyObject.text)")
                let renewCSR = try await world.csr(commonName: "client.example.com", sans: [], keyPath: keyPath)
                let withCSR = try await world.post("/1.0/renew", ["csr": renewCSR], client: mtls)
                #expect(withCSR.status == 201, "\(withCSR.text)")

                // A CSR with another key is refused.
                let (otherCSR, _) = try await world.csr(commonName: "client.example.com", sans: [])
                let otherKey = try await world.post("/1.0/renew", ["csr": otherCSR], client: mtls)
                #expect(otherKey.status == 403, "\(otherKey.text)")
                let notJSON = try await world.post("/1.0/renew", bytes: Array("csr".utf8), client: mtls)
                #expect(notJSON.status == 400, "\(notJSON.text)")

                // Revoke the original over mutual TLS with itself, then renewing with it is refused.
                let revoked = try await world.post(
                    "/1.0/revoke", ["serial": original.serialHex, "reasonCode": 4], client: mtls)
                #expect(revoked.status == 200, "\(revoked.text)")
                let before = try await world.node.ca.store.allCertificates().count
                let refused = try await world.post("/1.0/renew", bytes: [], client: mtls)
                #expect(refused.status == 403, "\(refused.text)")
                #expect((refused.body["message"] as? String ?? "").contains("revoked"), "\(refused.text)")
                #expect(try await world.node.ca.store.allCertificates().count == before)
            } catch {
                try? await mtls.shutdown()
                throw error
            }
            try await mtls.shutdown()
        }
    }

    @Test("renew is refused for an expired certificate and for one from another CA (the TLS handshake fails)")
    func renewalRefusedAtHandshake() async throws {
        try await withServiceWorld { world in
            // Expired: issued by the CA for 1 second (its notBefore is backdated), presented once it has expired.
            let (csr, keyPath) = try await world.csr(commonName: "short.example.com", sans: ["short.example.com"])
            let short = try await world.node.ca.sign(
                csrPEMOrDER: Array(csr.utf8), profile: .tlsClient, validity: .seconds(1))
            try await Task.sleep(for: .seconds(2))
            let before = try await world.node.ca.store.allCertificates().count
            let expiredClient = try world.mutualTLSClient(certificatePEM: try short.pemChain, keyPath: keyPath)
            await #expect(throws: (any Error).self) {
                try await world.post("/1.0/renew", bytes: [], client: expiredClient)
            }
            try await expiredClient.shutdown()

            // Another CA (same subject name, another key): openssl makes it and signs the client certificate.
            let foreignCA = try await openssl(
                [
                    "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout",
                    "foreign-ca.key", "-out", "foreign-ca.pem", "-days", "2",
                    "-subj", "/O=swift-hpcs tests/CN=CA service test root",
                ], in: world.directory)
            try #require(foreignCA.status == 0, "\(foreignCA.text)")
            try Data(csr.utf8).write(to: world.directory.appendingPathComponent("foreign.csr"))
            let foreignLeaf = try await openssl(
                [
                    "x509", "-req", "-in", "foreign.csr", "-CA", "foreign-ca.pem", "-CAkey", "foreign-ca.key",
                    "-days", "1", "-set_serial", "7", "-out", "foreign-leaf.pem",
                ], in: world.directory)
            try #require(foreignLeaf.status == 0, "\(foreignLeaf.text)")
            let foreignPEM = try String(
                contentsOf: world.directory.appendingPathComponent("foreign-leaf.pem"), encoding: .utf8)
            let foreignClient = try world.mutualTLSClient(certificatePEM: foreignPEM, keyPath: keyPath)
            await #expect(throws: (any Error).self) {
                try await world.post("/1.0/renew", bytes: [], client: foreignClient)
            }
            try await foreignClient.shutdown()
            #expect(try await world.node.ca.store.allCertificates().count == before)
        }
    }

    @Test("metrics: sign and renew report HSM call and database latency per operation, and issuance time")
    func latencyMetrics() async throws {
        try await withServiceWorld { world in
            let (crt, _, keyPath) = try await world.issue(commonName: "m.example.com")
            let mtls = try world.mutualTLSClient(certificatePEM: crt, keyPath: keyPath)
            let renewed = try await world.post("/1.0/renew", bytes: [], client: mtls)
            try await mtls.shutdown()
            #expect(renewed.status == 201, "\(renewed.text)")

            let metrics = String(decoding: try await world.get("/metrics").body, as: UTF8.self)
            func count(_ series: String) -> Int? {
                metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                    .flatMap { Int($0.split(separator: " ").last ?? "") }
            }
            #expect(count(#"hpcs_ca_hsm_call_seconds_count{operation="sign"}"#) == 2, "\(metrics)")
            #expect(count(#"hpcs_ca_database_seconds_count{operation="record"}"#) == 2, "\(metrics)")
            #expect(count(#"hpcs_ca_database_seconds_count{operation="lookup"}"#) == 1, "\(metrics)")
            // The sign token's id is written with its certificate: one store write per issuance, no separate one.
            #expect(count(#"hpcs_ca_database_seconds_count{operation="token"}"#) == nil, "\(metrics)")
            #expect(count(#"hpcs_ca_database_seconds_count{operation="provisioner"}"#) == 1, "\(metrics)")
            #expect(count(#"hpcs_ca_issuance_seconds_count{route="sign"}"#) == 1, "\(metrics)")
            #expect(count(#"hpcs_ca_issuance_seconds_count{route="renew"}"#) == 1, "\(metrics)")
            #expect(metrics.contains("hpcs_ca_issued_total 2"), "\(metrics)")
            // A sum is a duration in seconds: positive, and below a minute.
            let sum = metrics.split(separator: "\n")
                .first { $0.hasPrefix(#"hpcs_ca_hsm_call_seconds_sum{operation="sign"}"#) }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
            #expect((sum ?? 0) > 0 && (sum ?? 60) < 60, "\(metrics)")
        }
    }

    @Test("health: 200 with the HSM, the database and the CA certificate; 503 JSON once the HSM is stopped")
    func health() async throws {
        try await withServiceWorld { world in
            let healthy = try await world.get("/health")
            #expect(healthy.status == 200, "\(String(decoding: healthy.body, as: UTF8.self))")
            await world.hsm.stop()
            let sick = try await world.get("/health")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sick.body)) as? [String: Any])
            #expect(sick.status == 503)
            #expect(body["status"] as? Int == 503)
            #expect((body["message"] as? String ?? "").contains("hsm"), "\(body)")
            let checks = body["checks"] as? [String: String]
            #expect(checks?["database"] == "ok")
            #expect(checks?["certificate"] == "ok")
            #expect(checks?["hsm"] != "ok")

            // Issuance is refused cleanly too: 503 JSON, nothing recorded.
            let before = try await world.node.ca.store.allCertificates().count
            let (csr, _) = try await world.csr(commonName: "late.example.com", sans: ["late.example.com"])
            let token = try await world.provisioner.token(sub: "late.example.com", aud: world.signAudience)
            let refused = try await world.post("/1.0/sign", ["csr": csr, "ott": token])
            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.body["message"] as? String != nil)
            #expect(try await world.node.ca.store.allCertificates().count == before)
        }
    }

    @Test("roots.pem, intermediates.pem, metrics; limits: a large body 413, an unknown member 400, unknown path 404")
    func publicationAndLimits() async throws {
        try await withServiceWorld { world in
            let roots = try await world.get("/roots.pem")
            #expect(roots.status == 200)
            #expect(String(decoding: roots.body, as: UTF8.self) == world.rootPEM)
            let intermediates = try await world.get("/intermediates.pem")
            #expect(intermediates.status == 200)
            #expect(intermediates.body.isEmpty)

            let large = try await world.post(
                "/1.0/sign",
                bytes: Array(#"{"csr": ""#.utf8) + [UInt8](repeating: 0x41, count: 300 * 1024) + Array(#""}"#.utf8))
            #expect(large.status == 413, "\(large.text.prefix(200))")
            let unknown = try await world.post("/1.0/sign", ["csr": "x", "ott": "y", "profile": "intermediate"])
            #expect(unknown.status == 400)
            #expect((unknown.body["message"] as? String ?? "").contains("'profile'"), "\(unknown.text)")
            let notJSON = try await world.post("/1.0/sign", bytes: Array("csr=1".utf8))
            #expect(notJSON.status == 400)
            let missing = try await world.get("/1.0/nothing")
            #expect(missing.status == 404)

            let metrics = String(decoding: try await world.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains("hpcs_ca_refused_total{reason=\"body_too_large\"} 1"), "\(metrics)")
            #expect(metrics.contains("hpcs_ca_refused_total{reason=\"bad_request\"} 2"), "\(metrics)")
            #expect(metrics.contains("hpcs_ca_issued_total 0"), "\(metrics)")
        }
    }

    @Test("configuration: plain HTTP off loopback is refused naming the TLS flags; loopback may be plain")
    func plaintextOffLoopback() throws {
        #expect(throws: CAServiceError.self) {
            try CAServiceConfiguration(host: "0.0.0.0", port: 8443).validate()
        }
        do {
            try CAServiceConfiguration(host: "10.1.2.3", port: 8443).validate()
        } catch let error as CAServiceError {
            #expect(error.message.contains("--tls-cert"))
        }
        try CAServiceConfiguration(host: "127.0.0.1", port: 0).validate()
        try CAServiceConfiguration(host: "::1", port: 0).validate()
        #expect(throws: CAServiceError.self) {
            try CAServiceConfiguration(host: "127.0.0.1", port: 0, publicURLs: ["https://ca.example.com/1.0/sign"])
                .validate()
        }
    }
}
