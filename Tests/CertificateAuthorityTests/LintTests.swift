import CertificateAuthority
import Foundation
import TestSupport
import Testing
import X509

/// DigiCert's pkilint (PyPI), found in the project's venv (scripts/install-deps.sh) or on PATH. Elsewhere the lint
/// tests are skipped; in CI a missing pkilint is a failure.
let pkilint = PythonInterpreter.find(importCheck: "import pkilint")

@Suite(
    "pkilint on issued certificates and CRLs",
    .enabled(if: pkilint.interpreter != nil || PythonInterpreter.isCI, "pkilint is not installed")
)
struct LintTests {
    func lint(_ module: String, _ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
        guard let python = pkilint.interpreter else {
            throw CommandError(
                "pkilint not found (run scripts/install-deps.sh); tried: \(pkilint.reasons.joined(separator: "; "))")
        }
        return try await run(
            python.executable, python.leadingArguments + ["-m", "pkilint.bin.\(module)", "lint"] + arguments,
            in: directory)
    }

    @Test(
        "RFC 5280 lint of a TLS server certificate, a root, and a CRL: no errors",
        arguments: [KeyAlgorithm.p256, .rsa2048])
    func pkixLint(caKey: KeyAlgorithm) async throws {
        try await withRootCA(keyType: caKey) { ca, _, directory in
            let csr = try await opensslCSR(.p256, sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let leafPath = try write(try CertificateParsing.pem([issued.certificate]), to: "leaf.pem", in: directory)
            let rootPath = try write(
                try CertificateParsing.pem([try await ca.certificate()]), to: "root.pem", in: directory)
            _ = try await ca.revoke(serialNumber: issued.serialNumber, reason: .superseded)
            let crlPath = try write(try await ca.generateCRL().pem, to: "crl.pem", in: directory)

            for path in [leafPath, rootPath] {
                let result = try await lint("lint_pkix_cert", ["-s", "ERROR", path], in: directory)
                #expect(result.status == 0, "\(path): \(result.text)")
            }
            let crl = try await lint("lint_crl", ["-t", "CRL", "-p", "PKIX", "-s", "ERROR", crlPath], in: directory)
            #expect(crl.status == 0, "\(crl.text)")
        }
    }

    @Test("RFC 5280 lint of an RSASSA-PSS TLS server certificate, its PSS root and a PSS CRL: no errors")
    func pssLint() async throws {
        let python = try #require(pkilint.interpreter, "pkilint not found (run scripts/install-deps.sh)")
        func lint(_ module: String, _ arguments: [String]) async throws -> ChildProcess.Output {
            try await ChildProcess.run(
                python.executable, python.leadingArguments + ["-m", "pkilint.bin.\(module)", "lint"] + arguments,
                timeout: .seconds(120))
        }
        try await withPSSRootCA { ca, _, directory in
            let csr = try await opensslCSR(.p256, sans: ["DNS:www.example.com"], in: directory)
            let issued = try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer)
            let leafPath = try write(pem(issued.der), to: "leaf.pem", in: directory)
            let rootPEM = await ca.certificateChainPEM
            let rootPath = try write(rootPEM, to: "root.pem", in: directory)
            _ = try await ca.revoke(serialNumber: issued.serialNumber, reason: .superseded)
            let crlPath = try write(try await ca.generateCRL().pem, to: "crl.pem", in: directory)

            for path in [leafPath, rootPath] {
                let result = try await lint("lint_pkix_cert", ["-s", "ERROR", path])
                #expect(result.status == 0, "\(path): \(result.text)")
            }
            // The linter does look at the signature algorithm: a PSS leaf whose inner and outer algorithms
            // disagree is an error.
            var mismatched = issued.der
            let algorithm = try outerAlgorithmIdentifier(issued.der)
            let saltOffset = try #require(
                mismatched.indices.last { Array(mismatched[$0...].prefix(algorithm.count)) == algorithm })
            mismatched[saltOffset + algorithm.count - 1] = 0x21  // salt length 33 in the outer field only
            let mismatchedPath = try write(pem(mismatched), to: "mismatched.pem", in: directory)
            let mismatch = try await lint("lint_pkix_cert", ["-s", "ERROR", mismatchedPath])
            #expect(mismatch.status != 0, "\(mismatch.text)")

            let crl = try await lint("lint_crl", ["-t", "CRL", "-p", "PKIX", "-s", "ERROR", crlPath])
            #expect(crl.status == 0, "\(crl.text)")
        }
    }
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
