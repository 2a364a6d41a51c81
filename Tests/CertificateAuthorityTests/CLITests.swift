import Foundation
import TestSupport
import Testing
import X509

/// The built `hpcs-tool` (`swift build --build-tests` builds it too), run like a user would: set up a CA, sign an
/// openssl CSR, revoke and publish a CRL, checking each step with openssl. Without the binary the suite is skipped;
/// in CI a missing binary is a failure.
private let hpcsTool = HPCSTool.path

@Suite(
    "hpcs-tool ca (built binary, embedded HSM mock)",
    .enabled(if: HPCSTool.isBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool: run swift build first")
)
struct CLITests {
    /// Runs hpcs-tool in `directory` with stdout and stderr merged, on the embedded mock (`--mock` added after the
    /// subcommand's name; GREP11_ADDRESS unset).
    func tool(_ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
        try await toolWithoutMock(Array(arguments.prefix(2)) + ["--mock"] + arguments.dropFirst(2), in: directory)
    }

    /// A temporary directory holding a root CA that `hpcs-tool ca init` made in `ca/` on the embedded HSM mock.
    func withCLIRootCA<T>(subject: String, options: [String] = [], _ body: (URL) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { directory in
            try await tool(["ca", "init", "--dir", "ca", "--subject", subject] + options, in: directory).expectStatus(0)
            return try await body(directory)
        }
    }

    /// Runs hpcs-tool in `directory` with exactly `arguments` (``runHPCSTool(_:in:environment:)``).
    func toolWithoutMock(_ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
        try await runHPCSTool(arguments, in: directory)
    }

    @Test("ca init, sign an openssl CSR, revoke, crl: openssl verifies the chain and the CRL and sees the revocation")
    func lifecycle() async throws {
        try await withTemporaryDirectory { directory in
            // A root CA in the embedded mock, whose master key stays in the CA directory.
            var result = try await tool(
                ["ca", "init", "--dir", "ca", "--subject", "CN=CLI Test Root,O=swift-hpcs tests", "--days", "30"],
                in: directory
            ).expectStatus(0, printing: "in-process HSM mock", "made on an HSM mock")
            let chainPath = directory.appendingPathComponent("ca/ca-chain.pem").path
            #expect(result.text.contains(chainPath))
            let keyMode =
                try FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent("ca/ca-key.blob").path)[.posixPermissions] as? Int
            #expect(keyMode == 0o600)
            let masterKeyMode =
                try FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent("ca/mock-master-key").path)[.posixPermissions] as? Int
            #expect(masterKeyMode == 0o600)

            // A later run (a fresh mock with the stored master key) signs an openssl CSR.
            try await writeLeafCSR(in: directory)
            result = try await tool(
                [
                    "ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server",
                    "--san", "DNS:www.example.com", "--san", "IP:192.0.2.7", "--days", "7", "--out", "leaf.pem",
                ], in: directory
            ).expectStatus(0)
            var check = try await openssl(["verify", "-CAfile", chainPath, "leaf.pem"], in: directory).expectStatus(0)
            check = try await openssl(
                ["x509", "-in", "leaf.pem", "-noout", "-serial", "-ext", "subjectAltName"], in: directory)
            #expect(check.text.contains("IP Address:192.0.2.7"))
            let serialLine = try #require(check.text.split(separator: "\n").first { $0.hasPrefix("serial=") })
            let serial = String(serialLine.dropFirst("serial=".count)).lowercased()
            #expect(!serial.isEmpty)

            // A policy that refuses the name: exit status 1 with a typed error, and nothing issued.
            _ = try write(#"{"dnsNames": {"permitted": ["example.org"]}}"#, to: "policy.json", in: directory)
            result = try await tool(
                [
                    "ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--policy",
                    "policy.json",
                ],
                in: directory
            ).expectStatus(1, printing: "Error: 'www.example.com' is not within a permitted DNS domain")
            #expect(!result.text.contains("BEGIN CERTIFICATE"))

            // Revoke and publish.
            result = try await tool(
                ["ca", "revoke", "--dir", "ca", "--serial", serial, "--reason", "key-compromise"], in: directory
            ).expectStatus(0)
            result = try await tool(["ca", "crl", "--dir", "ca", "--days", "1", "--out", "crl.pem"], in: directory)
                .expectStatus(0)
            check = try await openssl(
                ["crl", "-in", "crl.pem", "-CAfile", chainPath, "-verify", "-noout"], in: directory
            ).expectStatus(0, printing: "verify OK")
            check = try await openssl(
                ["verify", "-crl_check", "-CAfile", chainPath, "-CRLfile", "crl.pem", "leaf.pem"], in: directory
            ).expectFailure(printing: "revoked")

            // The list shows one revoked certificate (one sign was refused).
            result = try await tool(["ca", "list", "--dir", "ca", "--json"], in: directory).expectStatus(0)
            let json = try #require(result.text.split(separator: "\n").first { $0.hasPrefix("[") })
            let list = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["serialNumber"] as? String == serial)
            #expect(list.first?["status"] as? String == "revoked")
            #expect(list.first?["revocationReason"] as? String == "keyCompromise")
        }
    }

    @Test("ca issue --generate-key writes the key blob with mode 0600 and a certificate openssl verifies")
    func issueWithHSMKey() async throws {
        try await withCLIRootCA(subject: "CN=CLI Issue Root", options: ["--key", "p384"]) { directory in
            try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-1,O=swift-hpcs tests",
                    "--profile", "tls-client", "--out-key", "client.blob", "--out-cert", "client.pem",
                ], in: directory
            ).expectStatus(0)
            let mode =
                try FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent("client.blob").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            try await openssl(
                ["verify", "-CAfile", "ca/ca-chain.pem", "-purpose", "sslclient", "client.pem"], in: directory
            ).expectStatus(0)

            // An existing key file is never replaced.
            try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-2", "--profile",
                    "tls-client", "--out-key", "client.blob", "--out-cert", "client2.pem",
                ], in: directory
            ).expectStatus(1, printing: "Error:")
        }
    }

    @Test("ca init --rsa-signature pss: the CA keeps signing with PSS (sign, issue, crl) until told pkcs1")
    func rsaPSS() async throws {
        try await withTemporaryDirectory { directory in
            try await tool(
                [
                    "ca", "init", "--dir", "ca", "--subject", "CN=CLI PSS Root", "--key", "rsa2048", "--rsa-signature",
                    "pss",
                ], in: directory
            ).expectStatus(0)
            let config = try String(contentsOf: directory.appendingPathComponent("ca/ca-config.json"), encoding: .utf8)
            #expect(config.contains(#""rsaSignature" : "pss""#), "\(config)")

            // A later run, without the flag, still signs with PSS.
            try await writeLeafCSR(in: directory)
            try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "leaf.pem"],
                in: directory
            ).expectStatus(0)
            try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-1", "--profile",
                    "tls-client", "--out-key", "client.blob", "--out-cert", "client.pem",
                ], in: directory
            ).expectStatus(0)
            try await tool(["ca", "crl", "--dir", "ca", "--out", "crl.pem"], in: directory).expectStatus(0)
            for name in ["ca/ca-chain.pem", "leaf.pem", "client.pem"] {
                let check = try await openssl(["verify", "-CAfile", "ca/ca-chain.pem", name], in: directory)
                #expect(check.status == 0, "\(name): \(check.text)")
                let text = try await openssl(["x509", "-in", name, "-noout", "-text"], in: directory)
                #expect(text.text.contains("Signature Algorithm: rsassaPss"), "\(name): \(text.text)")
            }
            var crl = try await openssl(
                ["crl", "-in", "crl.pem", "-CAfile", "ca/ca-chain.pem", "-noout", "-text"], in: directory)
            #expect(crl.text.contains("verify OK"), "\(crl.text)")
            #expect(crl.text.contains("Signature Algorithm: rsassaPss"))

            // --rsa-signature pkcs1 switches back, and is kept.
            try await tool(
                ["ca", "crl", "--dir", "ca", "--rsa-signature", "pkcs1", "--out", "crl2.pem"], in: directory
            ).expectStatus(0)
            crl = try await openssl(
                ["crl", "-in", "crl2.pem", "-CAfile", "ca/ca-chain.pem", "-noout", "-text"], in: directory)
            #expect(crl.text.contains("verify OK"), "\(crl.text)")
            #expect(crl.text.contains("Signature Algorithm: sha256WithRSAEncryption"), "\(crl.text)")
            try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "leaf2.pem"],
                in: directory
            ).expectStatus(0)
            let text = try await openssl(["x509", "-in", "leaf2.pem", "-noout", "-text"], in: directory)
            #expect(text.text.contains("Signature Algorithm: sha256WithRSAEncryption"), "\(text.text)")

            // An EC CA refuses PSS with a typed error.
            try await tool(
                ["ca", "init", "--dir", "ec", "--subject", "CN=EC", "--key", "p256", "--rsa-signature", "pss"],
                in: directory
            ).expectStatus(1, printing: "RSASSA-PSS needs an RSA CA key, not P-256")
        }
    }

    // MARK: Issue 13: fail safe

    /// The JSON array `ca list --json` prints.
    func listed(_ directory: URL) async throws -> [[String: Any]] {
        let result = try await tool(["ca", "list", "--dir", "ca", "--json"], in: directory).expectStatus(0)
        let json = try #require(result.text.split(separator: "\n").first { $0.hasPrefix("[") })
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    }

    @Test("ca without an endpoint and without --mock fails naming both; a CA made on --mock is marked and says so")
    func noSilentMock() async throws {
        try await withTemporaryDirectory { directory in
            try await toolWithoutMock(
                ["ca", "init", "--dir", "ca", "--subject", "CN=Silent Mock Root"], in: directory
            ).expectFailure(printing: "--endpoint", "--mock")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca").path))

            try await tool(["ca", "init", "--dir", "ca", "--subject", "CN=Mock Root"], in: directory)
                .expectStatus(0)
            let config = try String(contentsOf: directory.appendingPathComponent("ca/ca-config.json"), encoding: .utf8)
            #expect(config.contains(#""madeOnMock" : true"#), "\(config)")

            // Every later command says so; without --mock the directory is refused with the way forward.
            for arguments in [["ca", "list", "--dir", "ca"], ["ca", "crl", "--dir", "ca", "--out", "crl.pem"]] {
                try await tool(arguments, in: directory).expectStatus(
                    0, printing: "warning: the CA in ca is made on an HSM mock")
            }
            try await toolWithoutMock(["ca", "list", "--dir", "ca"], in: directory).expectFailure(
                printing: "--mock")
            try await toolWithoutMock(
                ["ca", "list", "--dir", "ca", "--endpoint", "127.0.0.1:1", "--plaintext"], in: directory
            ).expectFailure(printing: "made by the embedded HSM mock")
        }
    }

    @Test("ca policy: a misspelled member is an error naming it; show prints the effective policy; set stores it")
    func policyFailsClosed() async throws {
        try await withCLIRootCA(subject: "CN=Policy Root") { directory in
            let csr = try await opensslCSR(.p256, subject: "/CN=evil.attacker.org", sans: [], in: directory)
            try Data(csr).write(to: directory.appendingPathComponent("evil.csr"))
            _ = try write(#"{"permitedDNSDomains": ["example.com"]}"#, to: "typo.json", in: directory)
            _ = try write(#"{"dnsNames": {"permitted": ["example.com"]}}"#, to: "good.json", in: directory)

            var result = try await toolWithoutMock(["ca", "policy", "show", "--policy", "typo.json"], in: directory)
                .expectStatus(1, printing: "\"permitedDNSDomains\"")
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "evil.csr", "--profile", "tls-server", "--policy", "typo.json"],
                in: directory
            ).expectStatus(1, printing: "permitedDNSDomains")
            #expect(!result.text.contains("BEGIN CERTIFICATE"))

            result = try await toolWithoutMock(["ca", "policy", "show"], in: directory).expectStatus(
                0, printing: #""allowsWildcards" : false"#, #""maximumSubjectAlternativeNames" : 100"#)

            // A stored policy applies without --policy.
            result = try await toolWithoutMock(
                ["ca", "policy", "set", "--dir", "ca", "--policy", "good.json"], in: directory
            ).expectStatus(0, printing: "made on an HSM mock")
            result = try await toolWithoutMock(["ca", "policy", "show", "--dir", "ca"], in: directory)
            #expect(result.text.contains(#""example.com""#), "\(result.text)")
            #expect(result.text.contains("made on an HSM mock"), "\(result.text)")
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "evil.csr", "--profile", "tls-server"], in: directory
            ).expectStatus(1, printing: "is not within a permitted DNS domain")
            #expect(!result.text.contains("CertificateAuthorityError"), "\(result.text)")
            #expect(try await listed(directory).isEmpty)
        }
    }

    @Test("ca issue and ca sign check their outputs first: a failed output issues nothing, a rerun succeeds")
    func outputsAreAllOrNothing() async throws {
        try await withCLIRootCA(subject: "CN=Atomic Root") { directory in
            _ = try write("a regular file", to: "plain", in: directory)
            func issue(key: String, cert: String) async throws -> ChildProcess.Output {
                try await tool(
                    [
                        "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-1", "--profile",
                        "tls-client", "--out-key", key, "--out-cert", cert,
                    ], in: directory)
            }
            var result: ChildProcess.Output
            let manager = FileManager.default
            for (key, cert) in [("plain/k.blob", "c.pem"), ("k.blob", "plain/c.pem"), ("k.blob", "no/such/c.pem")] {
                result = try await issue(key: key, cert: cert)
                #expect(result.status != 0, "\(key) \(cert)")
                #expect(result.text.contains("Error:"), "\(result.text)")
                #expect(!manager.fileExists(atPath: directory.appendingPathComponent("k.blob").path))
                #expect(try await listed(directory).isEmpty)
            }
            result = try await issue(key: "k.blob", cert: "c.pem")
            #expect(result.status == 0, "\(result.text)")
            #expect(try await listed(directory).count == 1)

            // ca sign: a bad --out issues nothing; ca export writes a recorded certificate again.
            try await writeLeafCSR(in: directory)
            let sign = ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out"]
            result = try await tool(sign + ["plain/leaf.pem"], in: directory).expectFailure()
            #expect(!result.text.contains("issued serial"), "\(result.text)")
            #expect(try await listed(directory).count == 1)
            result = try await tool(sign + ["leaf.pem"], in: directory).expectStatus(0)
            let records = try await listed(directory)
            let serial = try #require(records.last?["serialNumber"] as? String)
            result = try await tool(
                ["ca", "export", "--dir", "ca", "--serial", serial, "--out", "again.pem"], in: directory
            ).expectStatus(0)
            #expect(
                try Data(contentsOf: directory.appendingPathComponent("again.pem"))
                    == Data(contentsOf: directory.appendingPathComponent("leaf.pem")))
            result = try await tool(["ca", "export", "--dir", "ca", "--serial", "00ff"], in: directory).expectStatus(
                1, printing: "no certificate with serial 00ff")
        }
    }

    @Test("--out that is a symbolic link, a FIFO or a character device is written through, never replaced")
    func outputsWrittenThrough() async throws {
        try await withCLIRootCA(subject: "CN=Through Root") { directory in
            try await writeLeafCSR(in: directory)
            let manager = FileManager.default
            func type(_ name: String) throws -> FileAttributeType? {
                try manager.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.type]
                    as? FileAttributeType
            }
            // A symbolic link stays a link; its target gets the chain.
            try manager.createSymbolicLink(
                atPath: directory.appendingPathComponent("link.pem").path, withDestinationPath: "target.pem")
            var result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "link.pem"],
                in: directory
            ).expectStatus(0)
            #expect(try type("link.pem") == .typeSymbolicLink)
            #expect(
                try String(contentsOf: directory.appendingPathComponent("target.pem"), encoding: .utf8).contains(
                    "BEGIN CERTIFICATE"))

            // A FIFO is written through to its reader.
            result = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "-u", "GREP11_ADDRESS", "sh", "-c",
                    #"cd "$1" && mkfifo fifo && (timeout 30 cat fifo > from-fifo.pem 2>/dev/null &) && exec "$0" ca sign "#
                        + "--mock --dir ca --csr leaf.csr --profile tls-server --out fifo",
                    hpcsTool, directory.path,
                ], timeout: .seconds(120))
            #expect(result.status == 0, "\(result.text)")
            #expect(try type("fifo") != .typeRegular)
            try await Task.sleep(for: .milliseconds(200))
            #expect(
                try String(contentsOf: directory.appendingPathComponent("from-fifo.pem"), encoding: .utf8).contains(
                    "BEGIN CERTIFICATE"))

            // A character device (a private /dev/null, where mknod is allowed) stays a device.
            let made = try await run("/bin/sh", ["-c", "mknod null c 1 3"], in: directory)
            if made.status == 0 {
                result = try await tool(
                    ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "null"],
                    in: directory
                ).expectStatus(0)
                #expect(try type("null") == .typeCharacterSpecial)
            }
        }
    }

    @Test("Control characters: refused in a typed subject and in a CSR, escaped in ca list; never raw on the terminal")
    func controlCharacters() async throws {
        try await withTemporaryDirectory { directory in
            var result = try await tool(
                ["ca", "init", "--dir", "ca", "--subject", "CN=\u{1B}[2J\u{1B}[31mRoot"], in: directory
            ).expectFailure(printing: "\\x1b")
            #expect(!result.text.contains("\u{1B}"))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca/ca-key.blob").path))

            result = try await tool(["ca", "init", "--dir", "ca", "--subject", "CN=Escapes Root"], in: directory)
                .expectStatus(0)
            let evil = try swiftCSR(
                subject: try DistinguishedName {
                    OrganizationName("\u{1B}]0;owned\u{07}")
                    CommonName("www.example.com")
                }, sans: [.dnsName("www.example.com")])
            try Data(evil).write(to: directory.appendingPathComponent("evil.csr"))
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "evil.csr", "--profile", "tls-server"], in: directory
            ).expectFailure(printing: "control character")
            #expect(!result.text.contains("\u{1B}"))

            // A record from before (written into the database directly) is listed with its escapes shown.
            try await writeLeafCSR(in: directory)
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "leaf.pem"],
                in: directory
            ).expectStatus(0)
            try await run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sqlite3; c = sqlite3.connect('ca/issued.sqlite'); "
                        + "c.execute(\"UPDATE certificate SET subject = 'CN=\\x1b[31mred\\x1b[0m', profile = 'x\\x9by'\"); c.commit()",
                ], in: directory
            ).expectStatus(0)
            result = try await tool(["ca", "list", "--dir", "ca"], in: directory).expectStatus(
                0, printing: "CN=\\x1b[31mred\\x1b[0m", "x\\x9by")
            #expect(!result.text.contains("\u{1B}"))
            #expect(!result.text.unicodeScalars.contains("\u{9B}"))
            // The JSON list escapes them too, and still reads back as the stored text.
            result = try await tool(["ca", "list", "--dir", "ca", "--json"], in: directory)
            #expect(!result.text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{9B}" }, "\(result.text)")
            #expect(result.text.contains(#"x\u009by"#), "\(result.text)")
            let records = try await listed(directory)
            #expect(records.first?["profile"] as? String == "x\u{9B}y")
            #expect(records.first?["subject"] as? String == "CN=\u{1B}[31mred\u{1B}[0m")
        }
    }

    @Test("ca sign with 100,000 SANs fails fast with a clear error; 150 SANs are over the default cap")
    func tooManyNames() async throws {
        try await withCLIRootCA(subject: "CN=Bounded Root") { directory in
            let subject = try DistinguishedName { OrganizationName("Example") }
            let huge = try swiftCSR(
                subject: subject, sans: (0..<100_000).map { GeneralName.dnsName("h\($0).example.com") })
            try Data(huge).write(to: directory.appendingPathComponent("huge.csr"))
            let start = ContinuousClock.now
            var result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "huge.csr", "--profile", "tls-server"], in: directory)
            #expect(ContinuousClock.now - start < .seconds(15))
            #expect(result.status != 0)
            #expect(result.text.contains("KiB"), "\(result.text)")
            #expect(!result.text.contains("BEGIN CERTIFICATE"))

            let many = try swiftCSR(
                subject: subject, sans: (0..<150).map { GeneralName.dnsName("h\($0).example.com") })
            try Data(many).write(to: directory.appendingPathComponent("many.csr"))
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "many.csr", "--profile", "tls-server"], in: directory
            ).expectFailure(printing: "150 subject alternative names")
            #expect(try await listed(directory).isEmpty)
        }
    }
}
