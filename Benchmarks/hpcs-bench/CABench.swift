import CertificateAuthority
import Crypto
import EP11
import Foundation
import HSMMock
import X509

/// Certificate authority: certificates issued per second by `CertificateAuthority.sign(csrPEMOrDER:...)` with a
/// P-256 CA key in the HSM mock, in process and over loopback HTTP/2, beside `openssl speed ecdsap256` measured in
/// the same run.
///
/// One issuance is: parse the CSR and verify its signature, apply the policy, draw a serial number from the HSM,
/// reserve it in the SQLite store, sign the TBSCertificate in the HSM, verify that signature, store the certificate.
/// Its cryptographic floor is one ECDSA signature and one verification, hence the baseline
/// 1/(1/sign + 1/verify) from openssl's single-core rates.
enum CABench {
    static let callerCounts = [1, 8]
    static let csrCount = 64

    static func run(seconds: Double) async throws {
        print("")
        print("Certificate authority: certificates issued per second (P-256 CA key in the HSM mock, P-256 CSRs")
        print("prepared beforehand; CSR check + policy + HSM serial + HSM signature + signature check + SQLite store)")
        let combined = OpenSSLBaseline.issuanceFloor(seconds: seconds)

        let requests = try makeRequests(count: csrCount)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hpcs-bench-ca-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let mock = try HSMMock()
        var rows: [Row] = []
        try await mock.withClient { client in
            let ca = try CertificateAuthority(directory: directory, client: client)
            try await ca.createRoot(
                subject: try CertificateParsing.distinguishedName("CN=hpcs-bench CA,O=swift-hpcs"), keyType: .p256)
            rows += try await measure(
                ca, requests: requests, transport: "in-process", baseline: combined, seconds: seconds)
        }
        try await mock.withServer(host: "127.0.0.1", port: 0) { port in
            var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
            configuration.retryPolicy = .none
            try await withEP11Client(configuration) { client in
                // The same CA directory: its key blob is the same mock's.
                let ca = try CertificateAuthority(directory: directory, client: client)
                rows += try await measure(
                    ca, requests: requests, transport: "HTTP/2 loopback", baseline: combined, seconds: seconds)
            }
        }
        print(Row.header.replacingOccurrences(of: "  ops/s", with: "certs/s"))
        for row in rows { print(row.line) }
        if let combined {
            print(String(format: "target: ≥ 25%% of 1/(1/sign + 1/verify) of openssl (≥ %.0f certs/s)", combined / 4))
            for row in rows {
                let ratio = row.result.opsPerSecond / combined
                print(
                    String(
                        format: "  %-16@ %d caller(s): %.0f certs/s = %.1f%% of %.0f/s: %@",
                        row.transport as NSString, row.callers, row.result.opsPerSecond, ratio * 100, combined,
                        (ratio >= 0.25 ? "met" : "not met") as NSString))
            }
        } else {
            print("target: ≥ 25% of 1/(1/sign + 1/verify) of openssl: n/a (no openssl figure)")
        }
    }

    static func measure(
        _ ca: CertificateAuthority,
        requests: [[UInt8]],
        transport: String,
        baseline: Double?,
        seconds: Double
    ) async throws -> [Row] {
        var rows: [Row] = []
        for count in callerCounts {
            let result = try await Measurement.run(seconds: seconds, callers: count) {
                let request = requests[Int.random(in: 0..<requests.count)]
                let issued = try await ca.sign(csrPEMOrDER: request, profile: .tlsServer)
                guard !issued.serialNumber.isEmpty else { throw BenchError("issued without a serial number") }
            }
            rows.append(
                Row(
                    operation: "CA sign P-256 CSR (tls-server)", transport: transport, callers: count, result: result,
                    baselineName: "openssl 1/(1/sign+1/verify)", baseline: baseline))
        }
        return rows
    }

    /// DER CSRs for distinct P-256 keys, each asking for a DNS name.
    static func makeRequests(count: Int) throws -> [[UInt8]] {
        try (0..<count).map { index in
            let key = P256.Signing.PrivateKey()
            let host = "host\(index).bench.example.com"
            let extensions = try Certificate.Extensions { SubjectAlternativeNames([.dnsName(host)]) }
            let attributes = try CertificateSigningRequest.Attributes([
                CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))
            ])
            let csr = try CertificateSigningRequest(
                version: .v1, subject: try DistinguishedName { CommonName(host) },
                privateKey: Certificate.PrivateKey(key), attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
            return try csr.serializeAsPEM().derBytes
        }
    }
}

extension OpenSSLBaseline {
    /// The cryptographic floor of one issuance, one ECDSA P-256 signature and one verification:
    /// 1/(1/sign + 1/verify) from ``ecdsaP256(seconds:)``, printed as the baseline line (nil and "n/a" without
    /// openssl).
    static func issuanceFloor(seconds: Double) -> Double? {
        let (sign, verify) = ecdsaP256(seconds: max(1, Int(seconds.rounded())))
        guard let sign, let verify else {
            print("baseline: openssl speed ecdsap256 n/a")
            return nil
        }
        let floor = 1 / (1 / sign + 1 / verify)
        print(
            String(
                format: "baseline: openssl speed ecdsap256 (single core, same run): sign %.0f/s, verify %.0f/s; "
                    + "1/(1/sign + 1/verify) = %.0f/s", sign, verify, floor))
        return floor
    }

    /// `openssl speed ecdsap256`'s sign and verify rates (single core).
    static func ecdsaP256(seconds: Int) -> (sign: Double?, verify: Double?) {
        // Machine-readable lines: "+F4:<n>:256:<signs per second>:<verifies per second>" (OpenSSL 3).
        guard let output = openssl(["speed", "-mr", "-seconds", "\(seconds)", "ecdsap256"]) else { return (nil, nil) }
        for line in output.split(separator: "\n") where line.hasPrefix("+F4:") {
            let fields = line.split(separator: ":")
            if fields.count >= 5, let sign = Double(fields[3]), let verify = Double(fields[4]), sign > 0, verify > 0 {
                return (sign, verify)
            }
        }
        return (nil, nil)
    }
}
