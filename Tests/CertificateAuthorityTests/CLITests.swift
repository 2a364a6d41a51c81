import Foundation
import TestSupport
import Testing

/// The built `hpcs-tool` (`swift build --build-tests` builds it too), run like a user would: set up a CA, sign an
/// openssl CSR, revoke and publish a CRL, checking each step with openssl. Without the binary the suite is skipped;
/// in CI a missing binary is a failure.
private let hpcsTool = PythonInterpreter.repositoryRoot.appendingPathComponent(".build/debug/hpcs-tool").path
private let hpcsToolBuilt = FileManager.default.isExecutableFile(atPath: hpcsTool)

@Suite(
    "hpcs-tool ca (built binary, embedded HSM mock)",
    .enabled(if: hpcsToolBuilt || PythonInterpreter.isCI, "no .build/debug/hpcs-tool: run swift build first")
)
struct CLITests {
    /// Runs hpcs-tool in `directory` with stdout and stderr merged, on the embedded mock (GREP11_ADDRESS unset).
    func tool(_ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
        try #require(hpcsToolBuilt, "\(hpcsTool) is missing; run swift build --build-tests")
        return try await ChildProcess.run(
            "/usr/bin/env",
            ["-u", "GREP11_ADDRESS", "sh", "-c", #"cd "$0" && exec "$@""#, directory.path, hpcsTool] + arguments,
            timeout: .seconds(120))
    }

    @Test("ca init, sign an openssl CSR, revoke, crl: openssl verifies the chain and the CRL and sees the revocation")
    func lifecycle() async throws {
        try await withTemporaryDirectory { directory in
            // A root CA in the embedded mock, whose master key stays in the CA directory.
            var result = try await tool(
                ["ca", "init", "--dir", "ca", "--subject", "CN=CLI Test Root,O=swift-hpcs tests", "--days", "30"],
                in: directory)
            #expect(result.status == 0, "\(result.text)")
            #expect(result.text.contains("embedded in-process HSM mock"))
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
            let csr = try await opensslCSR(.p256, in: directory)
            try Data(csr).write(to: directory.appendingPathComponent("leaf.csr"))
            result = try await tool(
                [
                    "ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server",
                    "--san", "DNS:www.example.com", "--san", "IP:192.0.2.7", "--days", "7", "--out", "leaf.pem",
                ], in: directory)
            #expect(result.status == 0, "\(result.text)")
            var check = try await openssl(["verify", "-CAfile", chainPath, "leaf.pem"], in: directory)
            #expect(check.status == 0, "\(check.output)")
            check = try await openssl(
                ["x509", "-in", "leaf.pem", "-noout", "-serial", "-ext", "subjectAltName"], in: directory)
            #expect(check.output.contains("IP Address:192.0.2.7"))
            let serialLine = try #require(check.output.split(separator: "\n").first { $0.hasPrefix("serial=") })
            let serial = String(serialLine.dropFirst("serial=".count)).lowercased()
            #expect(!serial.isEmpty)

            // A policy that refuses the name: exit status 1 with a typed error, and nothing issued.
            _ = try write(#"{"dnsNames": {"permitted": ["example.org"]}}"#, to: "policy.json", in: directory)
            result = try await tool(
                [
                    "ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--policy",
                    "policy.json",
                ],
                in: directory)
            #expect(result.status == 1)
            #expect(result.text.contains("Error: CertificateAuthorityError.nameNotPermitted"))
            #expect(!result.text.contains("BEGIN CERTIFICATE"))

            // Revoke and publish.
            result = try await tool(
                ["ca", "revoke", "--dir", "ca", "--serial", serial, "--reason", "key-compromise"], in: directory)
            #expect(result.status == 0, "\(result.text)")
            result = try await tool(["ca", "crl", "--dir", "ca", "--days", "1", "--out", "crl.pem"], in: directory)
            #expect(result.status == 0, "\(result.text)")
            check = try await openssl(["crl", "-in", "crl.pem", "-CAfile", chainPath, "-verify", "-noout"], in: directory)
            #expect(check.status == 0, "\(check.output)")
            #expect(check.output.contains("verify OK"))
            check = try await openssl(
                ["verify", "-crl_check", "-CAfile", chainPath, "-CRLfile", "crl.pem", "leaf.pem"], in: directory)
            #expect(check.status != 0)
            #expect(check.output.contains("revoked"))

            // The list shows one revoked certificate (one sign was refused).
            result = try await tool(["ca", "list", "--dir", "ca", "--json"], in: directory)
            #expect(result.status == 0, "\(result.text)")
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
        try await withTemporaryDirectory { directory in
            var result = try await tool(
                ["ca", "init", "--dir", "ca", "--subject", "CN=CLI Issue Root", "--key", "p384"], in: directory)
            #expect(result.status == 0, "\(result.text)")
            result = try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-1,O=swift-hpcs tests",
                    "--profile", "tls-client", "--out-key", "client.blob", "--out-cert", "client.pem",
                ], in: directory)
            #expect(result.status == 0, "\(result.text)")
            let mode =
                try FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent("client.blob").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let check = try await openssl(
                ["verify", "-CAfile", "ca/ca-chain.pem", "-purpose", "sslclient", "client.pem"], in: directory)
            #expect(check.status == 0, "\(check.output)")

            // An existing key file is never replaced.
            result = try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-2", "--profile",
                    "tls-client", "--out-key", "client.blob", "--out-cert", "client2.pem",
                ], in: directory)
            #expect(result.status == 1)
            #expect(result.text.contains("Error:"))
        }
    }

    @Test("ca init --rsa-signature pss: the CA keeps signing with PSS (sign, issue, crl) until told pkcs1")
    func rsaPSS() async throws {
        try await withTemporaryDirectory { directory in
            var result = try await tool(
                [
                    "ca", "init", "--dir", "ca", "--subject", "CN=CLI PSS Root", "--key", "rsa2048", "--rsa-signature",
                    "pss",
                ], in: directory)
            #expect(result.status == 0, "\(result.text)")
            let config = try String(contentsOf: directory.appendingPathComponent("ca/ca-config.json"), encoding: .utf8)
            #expect(config.contains(#""rsaSignature" : "pss""#), "\(config)")

            // A later run, without the flag, still signs with PSS.
            let csr = try await opensslCSR(.p256, in: directory)
            try Data(csr).write(to: directory.appendingPathComponent("leaf.csr"))
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "leaf.pem"],
                in: directory)
            #expect(result.status == 0, "\(result.text)")
            result = try await tool(
                [
                    "ca", "issue", "--dir", "ca", "--generate-key", "--subject", "CN=client-1", "--profile",
                    "tls-client", "--out-key", "client.blob", "--out-cert", "client.pem",
                ], in: directory)
            #expect(result.status == 0, "\(result.text)")
            result = try await tool(["ca", "crl", "--dir", "ca", "--out", "crl.pem"], in: directory)
            #expect(result.status == 0, "\(result.text)")
            for name in ["ca/ca-chain.pem", "leaf.pem", "client.pem"] {
                let check = try await opensslChild(["verify", "-CAfile", "ca/ca-chain.pem", name], in: directory)
                #expect(check.status == 0, "\(name): \(check.text)")
                let text = try await opensslChild(["x509", "-in", name, "-noout", "-text"], in: directory)
                #expect(text.text.contains("Signature Algorithm: rsassaPss"), "\(name): \(text.text)")
            }
            var crl = try await opensslChild(
                ["crl", "-in", "crl.pem", "-CAfile", "ca/ca-chain.pem", "-noout", "-text"], in: directory)
            #expect(crl.text.contains("verify OK"), "\(crl.text)")
            #expect(crl.text.contains("Signature Algorithm: rsassaPss"))

            // --rsa-signature pkcs1 switches back, and is kept.
            result = try await tool(
                ["ca", "crl", "--dir", "ca", "--rsa-signature", "pkcs1", "--out", "crl2.pem"], in: directory)
            #expect(result.status == 0, "\(result.text)")
            crl = try await opensslChild(
                ["crl", "-in", "crl2.pem", "-CAfile", "ca/ca-chain.pem", "-noout", "-text"], in: directory)
            #expect(crl.text.contains("verify OK"), "\(crl.text)")
            #expect(crl.text.contains("Signature Algorithm: sha256WithRSAEncryption"), "\(crl.text)")
            result = try await tool(
                ["ca", "sign", "--dir", "ca", "--csr", "leaf.csr", "--profile", "tls-server", "--out", "leaf2.pem"],
                in: directory)
            #expect(result.status == 0, "\(result.text)")
            let text = try await opensslChild(["x509", "-in", "leaf2.pem", "-noout", "-text"], in: directory)
            #expect(text.text.contains("Signature Algorithm: sha256WithRSAEncryption"), "\(text.text)")

            // An EC CA refuses PSS with a typed error.
            result = try await tool(
                ["ca", "init", "--dir", "ec", "--subject", "CN=EC", "--key", "p256", "--rsa-signature", "pss"],
                in: directory)
            #expect(result.status == 1)
            #expect(result.text.contains("CertificateAuthorityError.keyNotPermitted"), "\(result.text)")
        }
    }
}
