import ArgumentParser
import CertificateAuthority
import KeyDaemonCLI
import EP11
import Foundation
import X509

/// `hpcs-tool ca ...`: a certificate authority whose signing key lives in the HSM.
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "A certificate authority whose key lives in the HSM: set up, sign CSRs, revoke, publish CRLs.",
        discussion: """
            The CA directory (--dir) holds the wrapped CA key blob (mode 0600), its certificate chain, the issuance \
            database and the last CRL; the key itself never leaves the HSM, and its blob only works with the HSM \
            that made it, so every later command must reach the same HSM (--endpoint or GREP11_ADDRESS). With no \
            endpoint the commands use the embedded in-process HSM mock and keep its master key in DIR/mock-master-key \
            so the directory works across runs: for testing only, as that file unwraps the CA key.
            """,
        subcommands: [Init.self, Import.self, Sign.self, Issue.self, List.self, Revoke.self, CRL.self]
    )
}

// MARK: - Shared options and helpers

extension KeyAlgorithm: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = try? KeyAlgorithm(parsing: argument) else { return nil }
        self = value
    }
    public static var allValueStrings: [String] { ["p256", "p384", "rsa2048", "rsa3072", "rsa4096"] }
    public var defaultValueDescription: String {
        description.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

extension Profile: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = try? Profile(parsing: argument) else { return nil }
        self = value
    }
    public static var allValueStrings: [String] { ["tls-server", "tls-client", "code-signing", "intermediate"] }
}

extension RSASignatureScheme: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = try? RSASignatureScheme(parsing: argument) else { return nil }
        self = value
    }
    public static var allValueStrings: [String] { ["pss", "pkcs1"] }
}

/// `--rsa-signature`, shared by the commands that sign.
struct RSASignatureOptions: ParsableArguments {
    @Option(
        name: .customLong("rsa-signature"),
        help: ArgumentHelp(
            "How an RSA CA key signs certificates and CRLs: pss (RSASSA-PSS, SHA-256) or pkcs1 (PKCS #1 v1.5).",
            discussion: "Stored in DIR/ca-config.json: later commands keep the choice until it is given again."))
    var scheme: RSASignatureScheme?

    /// Stores the choice, if one was given, in the opened CA.
    func apply(to ca: CertificateAuthority) async throws {
        if let scheme { try await ca.setRSASignatureScheme(scheme) }
    }
}

extension RevocationReason: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = try? RevocationReason(parsing: argument) else { return nil }
        self = value
    }
    public static var allValueStrings: [String] {
        [
            "unspecified", "key-compromise", "ca-compromise", "affiliation-changed", "superseded",
            "cessation-of-operation", "certificate-hold", "privilege-withdrawn",
        ]
    }
}

/// The CA directory, shared by every `ca` subcommand.
struct CADirectoryOptions: ParsableArguments {
    @Option(name: .customLong("dir"), help: "The CA directory.")
    var directory: String
}

/// Validity in whole days, shared by the commands that take `--days`.
private func validity(days: Int?) -> Duration? {
    days.map { .seconds(Int64($0) * 86_400) }
}

private func checkDays(_ days: Int?, flag: String = "--days") throws {
    if let days, !(1...36_500).contains(days) { throw ValidationError("\(flag) must be 1 to 36500") }
}

/// The policy in a JSON file (see the CertificateAuthority documentation for its shape), or the defaults.
private func loadPolicy(_ path: String?) throws -> Policy {
    guard let path else { return .defaults }
    return try Policy(json: Data(try readFile(path)))
}

private func parseSANs(_ values: [String]) throws -> [GeneralName]? {
    values.isEmpty ? nil : try values.map { try CertificateParsing.generalName($0) }
}

/// The name of the embedded mock's master key file inside the CA directory.
private let mockMasterKeyFileName = "mock-master-key"

/// Opens the CA in `directory` on the configured HSM and runs `body` with it.
///
/// With the embedded mock, its master key lives in the CA directory so the wrapped CA key stays usable in later
/// runs. Without `creating`, the directory must already hold a CA key, and with the embedded mock it must be the
/// mock's (a key made by another HSM would only fail later, with a less clear error).
private func withCertificateAuthority<T: Sendable>(
    _ options: CADirectoryOptions,
    _ connection: ConnectionOptions,
    creating: Bool = false,
    policy: Policy = .defaults,
    _ body: (CertificateAuthority) async throws -> T
) async throws -> T {
    let directory = URL(fileURLWithPath: options.directory)
    let manager = FileManager.default
    let keyPath = directory.appendingPathComponent("ca-key.blob").path
    let masterKeyPath = directory.appendingPathComponent(mockMasterKeyFileName).path
    if creating {
        if manager.fileExists(atPath: keyPath) {
            throw CommandFailure("\(options.directory) already holds a CA key (ca-key.blob)")
        }
        do {
            try manager.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure("cannot create \(options.directory)")
        }
    } else {
        guard manager.fileExists(atPath: keyPath) else {
            throw CommandFailure(
                "\(options.directory) holds no CA key: run `hpcs-tool ca init --dir \(options.directory)` first")
        }
        if connection.usesEmbeddedMock, !manager.fileExists(atPath: masterKeyPath) {
            throw CommandFailure(
                "\(options.directory)'s CA key was not made by the embedded HSM mock (no \(mockMasterKeyFileName) "
                    + "there): pass --endpoint for the HSM that made it")
        }
    }
    let masterKeyFile = connection.usesEmbeddedMock ? masterKeyPath : nil
    return try await connection.withClient(embeddedMasterKeyFile: masterKeyFile) { client in
        let ca = try CertificateAuthority(directory: directory, client: client, policy: policy)
        return try await body(ca)
    }
}

/// Writes public material (certificates, CRLs) to `path`, replacing it.
private func writePublicFile(_ path: String, _ text: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CommandFailure("cannot write \(path)")
    }
}

private func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

// MARK: - Subcommands

extension CACommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the CA key in the HSM and a self-signed root, or (--intermediate) a CSR for a parent.",
            discussion: """
                A root writes DIR/ca-chain.pem and prints its path. With --intermediate the request is written to \
                DIR/ca.csr.pem and its path printed: have the parent CA sign it (for example `hpcs-tool ca sign \
                --profile intermediate`), then install the result with `hpcs-tool ca import`.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "The CA's subject, e.g. \"CN=Example Root,O=Example\".") var subject: String
        @Option(help: "The CA key type.") var key: KeyAlgorithm = .p256
        @Option(help: "Validity of a root certificate, in days (default 3650).") var days: Int?
        @Option(help: "A root's pathLenConstraint (default: none).") var pathLength: Int?
        @Flag(help: "Make an intermediate CA: write a CSR for the parent CA instead of a root certificate.")
        var intermediate = false
        @OptionGroup var rsaSignature: RSASignatureOptions

        func validate() throws {
            try checkDays(days)
            if let pathLength, pathLength < 0 { throw ValidationError("--path-length must not be negative") }
            if intermediate, days != nil || pathLength != nil {
                throw ValidationError("--days and --path-length of an intermediate are set by the parent CA")
            }
        }

        func run() async throws {
            let name = try CertificateParsing.distinguishedName(subject)
            let keyType = key
            let scheme = rsaSignature.scheme ?? .pkcs1v1_5
            if intermediate {
                try await withCertificateAuthority(options, connection, creating: true) { ca in
                    _ = try await ca.createIntermediateCSR(subject: name, keyType: keyType, rsaSignature: scheme)
                }
                printError("created the \(keyType) CA key in the HSM; the request awaits the parent CA's signature")
                print(URL(fileURLWithPath: options.directory).appendingPathComponent("ca.csr.pem").path)
                return
            }
            let lifetime = validity(days: days ?? 3650) ?? .seconds(3650 * 86_400)
            let pathLength = pathLength
            let certificate = try await withCertificateAuthority(options, connection, creating: true) { ca in
                try await ca.createRoot(
                    subject: name, keyType: keyType, validity: lifetime, pathLength: pathLength, rsaSignature: scheme)
            }
            printError(
                "created root CA \"\(certificate.subject)\" (\(keyType)), serial \(hex(certificate.serialNumber.bytes)), "
                    + "valid until \(timestamp(certificate.notValidAfter))")
            print(URL(fileURLWithPath: options.directory).appendingPathComponent("ca-chain.pem").path)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install an intermediate CA's certificate (PEM, CA certificate first, then its issuers)."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "PEM file with the CA certificate followed by its issuers.") var chain: String

        func run() async throws {
            let text = String(decoding: try readFile(chain), as: UTF8.self)
            let certificate = try await withCertificateAuthority(options, connection) { ca in
                try await ca.importCertificate(chain: text)
            }
            print(
                "imported CA certificate \"\(certificate.subject)\" issued by \"\(certificate.issuer)\", "
                    + "valid until \(timestamp(certificate.notValidAfter))")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a CSR under a profile; prints the PEM chain (leaf first) or writes it to --out.",
            discussion: """
                Only the subject and the public key come from the CSR, after its signature is checked; the \
                extensions come from the profile. --san replaces the names the CSR requests. --policy FILE (JSON) \
                limits names, validity, key types and path length.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "The CSR (PEM or DER).") var csr: String
        @Option(help: "What the certificate is for.") var profile: Profile
        @Option(help: "Validity in days (default 90 for leaves; the policy maximum for intermediates).") var days: Int?
        @Option(help: "A subject alternative name, DNS:, IP:, email: or URI: (repeatable; replaces the CSR's).")
        var san: [String] = []
        @Option(help: "With --profile intermediate: its pathLenConstraint (default 0).") var pathLength: Int?
        @Option(help: "Issuance policy (JSON file).") var policy: String?
        @Option(help: "Write the PEM chain to this file instead of stdout.") var out: String?
        @OptionGroup var rsaSignature: RSASignatureOptions

        func validate() throws {
            try checkDays(days)
            if let pathLength {
                guard profile == .intermediate else {
                    throw ValidationError("--path-length goes with --profile intermediate")
                }
                guard pathLength >= 0 else { throw ValidationError("--path-length must not be negative") }
            }
        }

        func run() async throws {
            let request = try readFile(csr)
            let sans = try parseSANs(san)
            let policy = try loadPolicy(policy)
            let profile = pathLength.map { Profile.intermediate(pathLength: $0) } ?? profile
            let lifetime = validity(days: days)
            let issued = try await withCertificateAuthority(options, connection, policy: policy) { ca in
                try await rsaSignature.apply(to: ca)
                return try await ca.sign(csrPEMOrDER: request, profile: profile, validity: lifetime, sans: sans)
            }
            let pem = try issued.pemChain
            if let out { try writePublicFile(out, pem) } else { print(pem, terminator: "") }
            printError(
                "issued serial \(issued.serialNumber) (\(profile)) for \"\(issued.certificate.subject)\", "
                    + "valid until \(timestamp(issued.certificate.notValidAfter))")
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair in the HSM for a subject and issue its certificate.",
            discussion: """
                The private key never leaves the HSM: --out-key receives its wrapped key blob (a new file, mode \
                0600), usable only with the HSM that made it. --out-cert receives the PEM chain, leaf first.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Flag(help: "Generate the subject's key pair in the HSM (required).") var generateKey = false
        @Option(help: "The subject, e.g. \"CN=www.example.com,O=Example\".") var subject: String
        @Option(help: "What the certificate is for.") var profile: Profile
        @Option(help: "The subject's key type.") var key: KeyAlgorithm = .p256
        @Option(help: "Validity in days (default 90 for leaves).") var days: Int?
        @Option(help: "A subject alternative name, DNS:, IP:, email: or URI: (repeatable).") var san: [String] = []
        @Option(help: "Issuance policy (JSON file).") var policy: String?
        @Option(help: "A new file (mode 0600) for the subject's wrapped private key blob.") var outKey: String
        @Option(help: "File for the PEM chain, leaf first.") var outCert: String
        @OptionGroup var rsaSignature: RSASignatureOptions

        func validate() throws {
            guard generateKey else {
                throw ValidationError("ca issue needs --generate-key (to sign an existing key's CSR, use ca sign)")
            }
            try checkDays(days)
            if outKey == outCert { throw ValidationError("--out-key and --out-cert must differ") }
        }

        func run() async throws {
            try refuseExisting(outKey)
            let name = try CertificateParsing.distinguishedName(subject)
            let sans = try parseSANs(san) ?? []
            let policy = try loadPolicy(policy)
            let lifetime = validity(days: days)
            let (keyType, profile) = (key, profile)
            let issued = try await withCertificateAuthority(options, connection, policy: policy) { ca in
                try await rsaSignature.apply(to: ca)
                return try await ca.issueHSMKey(
                    subject: name, keyType: keyType, profile: profile, validity: lifetime, sans: sans)
            }
            try writeSecretFile(outKey, issued.privateKey.bytes)
            try writePublicFile(outCert, try issued.issued.pemChain)
            print(
                "issued serial \(issued.issued.serialNumber) (\(profile)) for \"\(issued.issued.certificate.subject)\" "
                    + "with a \(keyType) key in the HSM; key blob: \(outKey), certificate: \(outCert)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the certificates this CA issued.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Flag(help: "Machine-readable JSON on stdout.") var json = false

        func run() async throws {
            let records = try await withCertificateAuthority(options, connection) { ca in
                try await ca.issuedCertificates()
            }
            let now = Date()
            func status(_ record: IssuedCertificateRecord) -> String {
                if record.isRevoked { return "revoked" }
                return record.notValidAfter < now ? "expired" : "valid"
            }
            if json {
                printJSON(
                    records.map { record -> [String: Any] in
                        [
                            "serialNumber": record.serialNumber,
                            "subject": record.subject,
                            "profile": record.profile,
                            "notValidBefore": timestamp(record.notValidBefore),
                            "notValidAfter": timestamp(record.notValidAfter),
                            "issuedAt": timestamp(record.issuedAt),
                            "status": status(record),
                            "revokedAt": record.revokedAt.map { timestamp($0) as Any } ?? NSNull(),
                            "revocationReason": record.revocationReason.map { $0.description as Any } ?? NSNull(),
                        ]
                    })
                return
            }
            guard !records.isEmpty else {
                printError("no certificates issued yet")
                return
            }
            let width = max(6, records.map(\.serialNumber.count).max() ?? 0)
            func pad(_ text: String, _ count: Int) -> String {
                text.count >= count ? text : text + String(repeating: " ", count: count - text.count)
            }
            print(
                "\(pad("SERIAL", width))  \(pad("STATUS", 24))  \(pad("NOT AFTER", 20))  \(pad("PROFILE", 28))  SUBJECT"
            )
            for record in records {
                var state = status(record)
                if record.isRevoked, let reason = record.revocationReason { state += ": \(reason)" }
                print(
                    "\(pad(record.serialNumber, width))  \(pad(state, 24))  \(pad(timestamp(record.notValidAfter), 20))  "
                        + "\(pad(record.profile, 28))  \(record.subject)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an issued certificate by serial number; publish with `hpcs-tool ca crl`."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "The serial number in hex (colons allowed).") var serial: String
        @Option(help: "The CRL reason.") var reason: RevocationReason = .unspecified

        func run() async throws {
            let (serial, reason) = (serial, reason)
            let record = try await withCertificateAuthority(options, connection) { ca in
                try await ca.revoke(serialNumber: serial, reason: reason)
            }
            print("revoked \(record.serialNumber) (\(reason)): \(record.subject)")
            printError("publish the change with `hpcs-tool ca crl --dir \(options.directory)`")
        }
    }

    struct CRL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl",
            abstract: "Sign a new CRL of every revoked certificate; prints it (PEM) or writes it to --out.",
            discussion: "The CRL is also stored as DIR/crl.pem and DIR/crl.der."
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "Days until the CRL's nextUpdate (default 7).") var days: Int?
        @Option(help: "Write the PEM CRL to this file instead of stdout.") var out: String?
        @OptionGroup var rsaSignature: RSASignatureOptions

        func validate() throws { try checkDays(days) }

        func run() async throws {
            let lifetime = validity(days: days ?? 7) ?? .seconds(7 * 86_400)
            let crl = try await withCertificateAuthority(options, connection) { ca in
                try await rsaSignature.apply(to: ca)
                return try await ca.generateCRL(validity: lifetime)
            }
            if let out { try writePublicFile(out, crl.pem) } else { print(crl.pem, terminator: "") }
            printError(
                "CRL number \(crl.number) lists \(crl.revokedSerialNumbers.count) revoked certificate(s); "
                    + "next update \(timestamp(crl.nextUpdate))")
        }
    }
}
