import CertificateAuthority
import EP11
import Foundation
import HSMMock
import TestSupport
import Testing
import X509

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ca-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// An in-process HSM, a temporary directory and a CA with nothing in it yet: in the directory itself, or in its
/// `subdirectory`. `body` gets the CA, the HSM's client and the temporary directory.
func withEmptyCA<T: Sendable>(
    in subdirectory: String? = nil,
    store: (any IssuanceStore)? = nil,
    policy: Policy = .defaults,
    _ body: (CertificateAuthority, EP11Client, URL) async throws -> T
) async throws -> T {
    try await withMockHSM { client in
        try await withTemporaryDirectory { directory in
            let caDirectory = subdirectory.map { directory.appendingPathComponent($0) } ?? directory
            let ca =
                if let store {
                    try CertificateAuthority(directory: caDirectory, client: client, store: store, policy: policy)
                } else {
                    try CertificateAuthority(directory: caDirectory, client: client, policy: policy)
                }
            return try await body(ca, client, directory)
        }
    }
}

/// An in-process HSM, a temporary directory and a CA with a root already created in it (in `root`).
func withRootCA<T: Sendable>(
    keyType: KeyAlgorithm = .p256,
    policy: Policy = .defaults,
    pathLength: Int? = nil,
    rsaSignature: RSASignatureScheme = .pkcs1v1_5,
    commonName: String? = nil,
    _ body: (CertificateAuthority, EP11Client, URL) async throws -> T
) async throws -> T {
    try await withEmptyCA(in: "root", policy: policy) { ca, client, directory in
        try await ca.createRoot(
            subject: try DistinguishedName {
                OrganizationName("swift-hpcs tests")
                CommonName(commonName ?? "Test Root \(keyType)")
            },
            keyType: keyType, validity: .seconds(5 * 365 * 86_400), pathLength: pathLength,
            rsaSignature: rsaSignature)
        return try await body(ca, client, directory)
    }
}

/// openssl verifies `crl` against the CA's certificate, both written to `directory` as `check-root.pem` and
/// `check-crl.pem` (never over a CA's own files). Returns their paths and what openssl printed.
@discardableResult
func expectCRLVerifies(_ crl: CertificateRevocationList, ca: CertificateAuthority, in directory: URL) async throws
    -> (rootPath: String, crlPath: String, output: String)
{
    let rootPath = try write(
        try CertificateParsing.pem([try await ca.certificate()]), to: "check-root.pem", in: directory)
    let crlPath = try write(crl.pem, to: "check-crl.pem", in: directory)
    let verified = try await openssl(["crl", "-in", crlPath, "-CAfile", rootPath, "-verify", "-noout"], in: directory)
        .expectStatus(0)
    return (rootPath, crlPath, verified.text)
}

/// Signs `csr` as a TLS server `count` times at once, request `index` through `authorities[index % count]`;
/// returns the distinct serial numbers.
func signConcurrently(_ count: Int, _ csr: [UInt8], through authorities: [CertificateAuthority]) async throws
    -> Set<String>
{
    try await withThrowingTaskGroup(of: String.self) { group in
        for index in 0..<count {
            let ca = authorities[index % authorities.count]
            group.addTask { try await ca.sign(csrPEMOrDER: csr, profile: .tlsServer).serialNumber }
        }
        return try await group.reduce(into: Set<String>()) { $0.insert($1) }
    }
}

/// Runs `openssl` with `arguments` in `directory`, capturing stdout and stderr together.
@discardableResult
func openssl(_ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
    try await run("/usr/bin/env", ["openssl"] + arguments, in: directory)
}

/// Runs `executable` in `directory` with stdout and stderr merged. The child is waited for on a thread of its own
/// (TestSupport's `ChildProcess`): blocking the cooperative pool would stall the in-process servers of other tests.
func run(_ executable: String, _ arguments: [String], in directory: URL) async throws -> ChildProcess.Output {
    try await ChildProcess.run(
        "/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments, timeout: .seconds(120))
}

/// Kinds of key `openssl req` makes CSRs with.
enum OpenSSLKey: String, CaseIterable, Sendable, CustomStringConvertible {
    case rsa2048, rsa1024, p256, p384, ed25519

    var arguments: [String] {
        switch self {
        case .rsa2048: ["-newkey", "rsa:2048"]
        case .rsa1024: ["-newkey", "rsa:1024"]
        case .p256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        case .p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
        case .ed25519: ["-newkey", "ed25519"]
        }
    }

    var description: String { rawValue }
}

/// A CSR made by `openssl req` in `directory`, as PEM bytes.
func opensslCSR(
    _ key: OpenSSLKey,
    subject: String = "/CN=www.example.com",
    sans: [String] = ["DNS:www.example.com"],
    in directory: URL
) async throws -> [UInt8] {
    let name = "req-\(UUID().uuidString)"
    var arguments =
        ["req", "-new", "-nodes"] + key.arguments + [
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject,
        ]
    if !sans.isEmpty { arguments += ["-addext", "subjectAltName=" + sans.joined(separator: ",")] }
    let result = try await openssl(arguments, in: directory)
    try #require(result.status == 0, "openssl req failed: \(result.text)")
    return Array(try Data(contentsOf: directory.appendingPathComponent("\(name).csr")))
}

/// Writes `text` to `name` in `directory` and returns the path.
@discardableResult
func write(_ text: String, to name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Verifies `leaf` up to `root` with swift-certificates' RFC 5280 verifier.
func verifyWithSwiftCertificates(leaf: Certificate, intermediates: [Certificate] = [], root: Certificate) async -> Bool
{
    var verifier = Verifier(rootCertificates: CertificateStore([root])) {
        RFC5280Policy()
    }
    let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
    if case .validCertificate = result { return true }
    return false
}
