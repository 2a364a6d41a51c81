import ArgumentParser
import CertificateAuthority
import CommandLineSupport
import EP11
import Foundation
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `hpcs-tool ca ...`: a certificate authority whose signing key lives in the HSM.
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "A certificate authority whose key lives in the HSM: set up, sign CSRs, revoke, publish CRLs.",
        discussion: """
            The CA directory (--dir) holds the wrapped CA key blob (mode 0600), its certificate chain, the issuance \
            database and the last CRL; the key itself never leaves the HSM, and its blob only works with the HSM \
            that made it, so every later command must reach the same HSM (--endpoint or GREP11_ADDRESS). With \
            --mock the commands use the embedded in-process HSM mock and keep its master key in DIR/mock-master-key \
            so the directory works across runs: for testing only, as that file unwraps the CA key. Such a \
            directory is marked as made on a mock (DIR/ca-config.json), needs --mock from then on, and every \
            command on it says so. The issuance policy (see docs/ca-policy.md) is --policy FILE, else \
            DIR/policy.json (`ca policy set`), else the defaults; `ca policy show` prints the one in effect. The \
            issuance database is DIR/issued.sqlite, or the PostgreSQL database given to `ca init --database` (or \
            moved to by `ca migrate`) and recorded in DIR/ca-config.json, its password from \
            HPCS_CA_DATABASE_PASSWORD or the file named by HPCS_CA_DATABASE_PASSWORD_FILE.
            """,
        subcommands: [
            Init.self, Import.self, Sign.self, Issue.self, Export.self, List.self, Revoke.self, CRL.self,
            PolicyCommand.self, Migrate.self,
            Serve.self, ProvisionerCommand.self,
        ]
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

/// The name of the stored issuance policy inside the CA directory.
private let storedPolicyFileName = "policy.json"

/// The issuance policy in effect: `path` (a JSON file, docs/ca-policy.md), else DIR/policy.json, else the
/// defaults. A file that is not a valid policy (an unknown or misspelled member included) is an error.
private func loadPolicy(_ path: String?, directory: String?) throws -> (policy: Policy, source: String) {
    var source = path
    if source == nil, let directory {
        let stored = URL(fileURLWithPath: directory).appendingPathComponent(storedPolicyFileName).path
        if FileManager.default.fileExists(atPath: stored) { source = stored }
    }
    guard let source else {
        return (.defaults, "the defaults (no --policy, no DIR/policy.json): any name but wildcards")
    }
    do {
        return (try Policy(json: Data(try readFile(source, limit: Policy.maximumJSONSize))), source)
    } catch let error as CertificateAuthorityError {
        throw CommandFailure("\(source): \(error.message)")
    }
}

private func parseSANs(_ values: [String]) throws -> [GeneralName]? {
    guard values.count <= Policy.subjectAlternativeNamesCeiling else {
        throw CommandFailure(
            "\(values.count) --san options; at most \(Policy.subjectAlternativeNamesCeiling) are accepted")
    }
    return values.isEmpty ? nil : try values.map { try CertificateParsing.generalName($0) }
}

/// Text from a certificate, a request or the issuance database, safe to print: control characters escaped.
private func printable(_ value: some CustomStringConvertible) -> String {
    ControlCharacters.escaped(String(describing: value))
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
    store: (any IssuanceStore)? = nil,
    _ body: (CertificateAuthority) async throws -> T
) async throws -> T {
    let directory = URL(fileURLWithPath: options.directory)
    let manager = FileManager.default
    let keyPath = directory.appendingPathComponent("ca-key.blob").path
    let masterKeyPath = directory.appendingPathComponent(mockMasterKeyFileName).path
    if !connection.usesEmbeddedMock, connection.configuredEndpoint == nil {
        // Before anything is created: no endpoint means no HSM, unless --mock asks for the mock.
        throw CommandFailure(ConnectionOptions.missingEndpointMessage)
    }
    if creating {
        if manager.fileExists(atPath: keyPath) {
            throw CommandFailure("\(options.directory) already holds a CA key (ca-key.blob)")
        }
        if !connection.usesEmbeddedMock, manager.fileExists(atPath: masterKeyPath) {
            throw CommandFailure(
                "\(options.directory) holds an HSM mock's master key (\(mockMasterKeyFileName)) from an earlier --mock "
                    + "run: use another directory for a CA on an HSM endpoint")
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
        if !connection.usesEmbeddedMock, manager.fileExists(atPath: masterKeyPath) {
            throw CommandFailure(
                "\(options.directory)'s CA key was made by the embedded HSM mock (for testing only): "
                    + "pass --mock to use it; no HSM endpoint can use that key")
        }
    }
    let masterKeyFile = connection.usesEmbeddedMock ? masterKeyPath : nil
    return try await connection.withClient(embeddedMasterKeyFile: masterKeyFile) { client in
        let ca: CertificateAuthority
        if let store {
            ca = try CertificateAuthority(directory: directory, client: client, store: store, policy: policy)
        } else {
            ca = try CertificateAuthority(directory: directory, client: client, policy: policy)
        }
        do {
            if creating, connection.usesEmbeddedMock {
                try await ca.markMadeOnMock()
            }
            if await ca.isMadeOnMock || manager.fileExists(atPath: masterKeyPath) {
                printError(
                    "warning: the CA in \(options.directory) is made on an HSM mock: for testing only, no HSM "
                        + "protects its key")
            }
            let result = try await body(ca)
            await ca.store.close()
            return result
        } catch {
            await ca.store.close()
            throw error
        }
    }
}

/// The environment variable `ca init` reads the PostgreSQL URL from when `--database` is not given.
private let databaseVariable = "HPCS_CA_DATABASE"

/// `--database`, for the commands that choose the issuance database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "PostgreSQL URL of the issuance database: postgres://USER@HOST:PORT/DATABASE, optionally with "
                + "?sslmode=verify-full.",
            discussion: """
                Default: $\(databaseVariable). The password comes from $\(PostgresIssuanceStore.Configuration
                .passwordVariable) or the file named by $\(PostgresIssuanceStore.Configuration.passwordFileVariable) \
                (mode 0600), never from a flag; the URL recorded in DIR/ca-config.json never holds it. TLS is \
                required except on loopback.
                """))
    var url: String?

    /// The URL given by `--database` or `HPCS_CA_DATABASE`, if any.
    var resolved: String? {
        if let url { return url }
        let value = ProcessInfo.processInfo.environment[databaseVariable] ?? ""
        return value.isEmpty ? nil : value
    }

    /// Opens the PostgreSQL store at the resolved URL, brings its schema up to date, and checks that it holds no
    /// records yet (a database belongs to one CA).
    func openEmptyStore() async throws -> PostgresIssuanceStore? {
        guard let url = resolved else { return nil }
        if PostgresIssuanceStore.Configuration.containsPassword(url) {
            printError(
                "note: the password in the database URL is not recorded; later commands read it from "
                    + "\(PostgresIssuanceStore.Configuration.passwordVariable) or "
                    + "\(PostgresIssuanceStore.Configuration.passwordFileVariable)")
        }
        let store = try PostgresIssuanceStore(url: url)
        do {
            try await store.migrate()
            guard try await store.snapshot().isEmpty else {
                throw CommandFailure(
                    "\(store.location) already holds a CA's records: give each CA an empty database of its own")
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }
}

/// For the commands that read a CA directory without opening the CA (`ca policy`): warns when it was made on an
/// HSM mock, as every command on such a directory does.
private func warnIfMadeOnMock(_ directory: String) {
    let url = URL(fileURLWithPath: directory)
    let configuration = (try? Data(contentsOf: url.appendingPathComponent("ca-config.json"))).flatMap {
        try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
    }
    if configuration?["madeOnMock"] as? Bool == true
        || FileManager.default.fileExists(atPath: url.appendingPathComponent(mockMasterKeyFileName).path)
    {
        printError("warning: the CA in \(directory) is made on an HSM mock: for testing only, no HSM protects its key")
    }
}

/// Fails before any work is done (before the HSM makes a key or the CA records a certificate) when `path` could
/// not be written: not a file, FIFO or character device, an existing key file, a missing or unwritable directory,
/// a path below a regular file. A new or replaced file is made by a temporary file in its directory, so one is
/// created and removed here; devices and FIFOs are written through later and left alone.
private func checkOutput(_ path: String, replacingExisting: Bool = true) throws {
    try checkOutputPath(path, replacingExisting: replacingExisting)
    var status = stat()
    if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG { return }
    let url = URL(fileURLWithPath: path)
    let directory = (url.resolvingSymlinksInPath()).deletingLastPathComponent().path
    var template = Array((directory + "/.hpcs-tool-check-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
        guard let base = buffer.baseAddress else { return -1 }
        return mkstemp(base)
    }
    guard descriptor >= 0 else {
        let reason = String(cString: strerror(errno))
        throw CommandFailure("cannot write \(path): cannot create a file in \(directory): \(reason)")
    }
    close(descriptor)
    template.withUnsafeBufferPointer { buffer in
        if let base = buffer.baseAddress { _ = unlink(base) }
    }
}

/// Writes public material (certificates, CRLs) to `path`: a regular file is replaced atomically, a device or FIFO
/// (`/dev/null`, `/dev/stdout`) written through and never replaced, a symbolic link followed.
private func writePublicFile(_ path: String, _ text: String) throws {
    try writeOutput(Array(text.utf8), to: path, mode: 0o644, replacingExisting: true)
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
        @Option(help: "The CA's subject, e.g. \"CN=Example Root,O=Example\" (no control characters).")
        var subject: String
        @Option(help: "The CA key type.") var key: KeyAlgorithm = .p256
        @Option(help: "Validity of a root certificate, in days (default 3650).") var days: Int?
        @Option(help: "A root's pathLenConstraint (default: none).") var pathLength: Int?
        @Flag(help: "Make an intermediate CA: write a CSR for the parent CA instead of a root certificate.")
        var intermediate = false
        @OptionGroup var rsaSignature: RSASignatureOptions
        @OptionGroup var database: DatabaseOptions

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
            // Checked before the HSM makes a key: the database answers, and holds no other CA's records.
            let store = try await database.openEmptyStore()
            if let store { printError("issuance database: \(store.location)") }
            if intermediate {
                try await withCertificateAuthority(options, connection, creating: true, store: store) { ca in
                    _ = try await ca.createIntermediateCSR(subject: name, keyType: keyType, rsaSignature: scheme)
                }
                printError("created the \(keyType) CA key in the HSM; the request awaits the parent CA's signature")
                print(URL(fileURLWithPath: options.directory).appendingPathComponent("ca.csr.pem").path)
                return
            }
            let lifetime = validity(days: days ?? 3650) ?? .seconds(3650 * 86_400)
            let pathLength = pathLength
            let certificate = try await withCertificateAuthority(
                options, connection, creating: true, store: store
            ) { ca in
                try await ca.createRoot(
                    subject: name, keyType: keyType, validity: lifetime, pathLength: pathLength, rsaSignature: scheme)
            }
            printError(
                "created root CA \"\(printable(certificate.subject))\" (\(keyType)), serial "
                    + "\(hex(certificate.serialNumber.bytes)), valid until \(timestamp(certificate.notValidAfter))")
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
                "imported CA certificate \"\(printable(certificate.subject))\" issued by "
                    + "\"\(printable(certificate.issuer))\", valid until \(timestamp(certificate.notValidAfter))")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a CSR under a profile; prints the PEM chain (leaf first) or writes it to --out.",
            discussion: """
                Only the subject and the public key come from the CSR, after its signature is checked; the \
                extensions come from the profile. --san replaces the names the CSR requests. The policy (--policy \
                FILE, else DIR/policy.json, else the defaults; see `ca policy show`) limits names, wildcards, the \
                number of names, validity, key types and path length. The output is checked before anything is \
                signed; should writing it still fail, `ca export --serial` writes the recorded certificate again.
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
        @Option(help: "Issuance policy (JSON file; default DIR/policy.json, else the defaults).") var policy: String?
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
            if let out { try checkOutput(out) }
            let request = try readCSR(csr)
            let sans = try parseSANs(san)
            let (policy, policySource) = try loadPolicy(policy, directory: options.directory)
            printError("policy: \(printable(policySource))")
            let profile = pathLength.map { Profile.intermediate(pathLength: $0) } ?? profile
            let lifetime = validity(days: days)
            let issued = try await withCertificateAuthority(options, connection, policy: policy) { ca in
                try await rsaSignature.apply(to: ca)
                return try await ca.sign(csrPEMOrDER: request, profile: profile, validity: lifetime, sans: sans)
            }
            let pem = try issued.pemChain
            if let out {
                do {
                    try writePublicFile(out, pem)
                } catch {
                    throw CommandFailure(
                        "issued serial \(issued.serialNumber), but \(plainMessage(of: error)); write it with `hpcs-tool ca export "
                            + "--dir \(options.directory) --serial \(issued.serialNumber) --out FILE`")
                }
            } else {
                print(pem, terminator: "")
            }
            printError(
                "issued serial \(issued.serialNumber) (\(profile)) for \"\(printable(issued.certificate.subject))\", "
                    + "valid until \(timestamp(issued.certificate.notValidAfter))")
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair in the HSM for a subject and issue its certificate.",
            discussion: """
                The private key never leaves the HSM: --out-key receives its wrapped key blob (a new file, mode \
                0600), usable only with the HSM that made it. --out-cert receives the PEM chain, leaf first. Both \
                outputs are checked before the HSM makes the key; should writing the key blob still fail, the new \
                certificate is revoked (cessation of operation), and should only the certificate fail, `ca export \
                --serial` writes it again.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Flag(help: "Generate the subject's key pair in the HSM (required).") var generateKey = false
        @Option(help: "The subject, e.g. \"CN=www.example.com,O=Example\" (no control characters).")
        var subject: String
        @Option(help: "What the certificate is for.") var profile: Profile
        @Option(help: "The subject's key type.") var key: KeyAlgorithm = .p256
        @Option(help: "Validity in days (default 90 for leaves).") var days: Int?
        @Option(help: "A subject alternative name, DNS:, IP:, email: or URI: (repeatable).") var san: [String] = []
        @Option(help: "Issuance policy (JSON file; default DIR/policy.json, else the defaults).") var policy: String?
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
            try checkOutput(outKey, replacingExisting: false)
            try checkOutput(outCert)
            let name = try CertificateParsing.distinguishedName(subject)
            let sans = try parseSANs(san) ?? []
            let (policy, policySource) = try loadPolicy(policy, directory: options.directory)
            printError("policy: \(printable(policySource))")
            let lifetime = validity(days: days)
            let (keyType, profile, outKey, outCert) = (key, profile, outKey, outCert)
            let directory = options.directory
            let issued = try await withCertificateAuthority(options, connection, policy: policy) { ca in
                try await rsaSignature.apply(to: ca)
                let issued = try await ca.issueHSMKey(
                    subject: name, keyType: keyType, profile: profile, validity: lifetime, sans: sans)
                let serial = issued.issued.serialNumber
                do {
                    try writeOutput(issued.privateKey.bytes, to: outKey, mode: 0o600, replacingExisting: false)
                } catch {
                    // Without its key the certificate is of no use to anyone: revoke it rather than leave it valid.
                    let revoked = (try? await ca.revoke(serialNumber: serial, reason: .cessationOfOperation)) != nil
                    throw CommandFailure(
                        "\(plainMessage(of: error)); the certificate issued for it (serial \(serial)) "
                            + (revoked
                                ? "was revoked (cessation of operation): run the command again"
                                : "could not be revoked: revoke it with `hpcs-tool ca revoke --dir \(directory) "
                                    + "--serial \(serial)`"))
                }
                return issued
            }
            do {
                try writePublicFile(outCert, try issued.issued.pemChain)
            } catch {
                throw CommandFailure(
                    "issued serial \(issued.issued.serialNumber) with its key blob in \(outKey), but \(plainMessage(of: error)); write "
                        + "the certificate with `hpcs-tool ca export --dir \(directory) --serial "
                        + "\(issued.issued.serialNumber) --out \(outCert)`")
            }
            print(
                "issued serial \(issued.issued.serialNumber) (\(profile)) for "
                    + "\"\(printable(issued.issued.certificate.subject))\" with a \(keyType) key in the HSM; "
                    + "key blob: \(outKey), certificate: \(outCert)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the certificates this CA issued.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            let records = try await withCertificateAuthority(options, connection) { ca in
                try await ca.issuedCertificates()
            }
            let now = Date()
            func status(_ record: IssuedCertificateRecord) -> String {
                if record.isRevoked { return "revoked" }
                return record.notValidAfter < now ? "expired" : "valid"
            }
            if output.json {
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
                    }, escaping: ControlCharacters.isControl)
                return
            }
            guard !records.isEmpty else {
                printError("no certificates issued yet")
                return
            }
            let width = max(6, records.map { printable($0.serialNumber).count }.max() ?? 0)
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
                    "\(pad(printable(record.serialNumber), width))  \(pad(state, 24))  "
                        + "\(pad(timestamp(record.notValidAfter), 20))  \(pad(printable(record.profile), 28))  "
                        + printable(record.subject))
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
            print("revoked \(printable(record.serialNumber)) (\(reason)): \(printable(record.subject))")
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
            if let out { try checkOutput(out) }
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

/// A CSR file, refused when larger than the CA accepts (before it is read whole).
private func readCSR(_ path: String) throws -> [UInt8] {
    do {
        return try readFile(path, limit: CertificateAuthority.maximumCSRSize)
    } catch let failure as CommandFailure {
        throw CommandFailure(
            failure.description + " (a CSR is at most \(CertificateAuthority.maximumCSRSize / 1024) KiB)")
    }
}

extension CACommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a certificate this CA issued again, by serial number: the PEM chain, leaf first.",
            discussion: """
                For when `ca sign` or `ca issue` could not write its output: the certificate was recorded when it \
                was issued. Prints the chain or writes it to --out.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @Option(help: "The serial number in hex (colons allowed), as `ca list` shows it.") var serial: String
        @Option(help: "Write the PEM chain to this file instead of stdout.") var out: String?

        func run() async throws {
            if let out { try checkOutput(out) }
            let serial = serial
            let (record, chain) = try await withCertificateAuthority(options, connection) { ca in
                (try await ca.issuedCertificate(serialNumber: serial), await ca.certificateChainPEM)
            }
            let pem = CertificateAuthority.pemChain(leafDER: record.certificateDER, chainPEM: chain)
            if let out { try writePublicFile(out, pem) } else { print(pem, terminator: "") }
            if record.isRevoked {
                printError("warning: serial \(printable(record.serialNumber)) is revoked")
            }
            printError(
                "exported serial \(printable(record.serialNumber)) for \"\(printable(record.subject))\", "
                    + "valid until \(timestamp(record.notValidAfter))")
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the CA's issuance database from DIR/issued.sqlite into PostgreSQL, for several CA nodes.",
            discussion: """
                Copies every certificate with its revocation, the CRL number, the latest CRL and the provisioners \
                into the empty PostgreSQL database given by --database (or HPCS_CA_DATABASE), in one transaction, \
                then records the database in DIR/ca-config.json; DIR/issued.sqlite stays as a backup. Stop every \
                process using DIR first. Running it again is safe: after a complete run it does nothing, and after \
                a run stopped between the copy and the switch it finds the records copied and only switches. A \
                database holding other records is refused. No HSM is needed.
                """
        )
        @OptionGroup var options: CADirectoryOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let url = database.resolved else {
                throw CommandFailure("give the PostgreSQL database with --database URL or \(databaseVariable)")
            }
            warnIfMadeOnMock(options.directory)
            let outcome = try await CertificateAuthority.migrateStore(
                directory: URL(fileURLWithPath: options.directory), to: url)
            let target = try PostgresIssuanceStore.Configuration(url: url, password: nil)
            switch outcome {
            case .copied(let certificates, let provisioners, let crlNumber):
                print(
                    "copied \(certificates) certificates, \(provisioners) provisioners and CRL number \(crlNumber) "
                        + "into \(target.description); \(options.directory) now uses it (issued.sqlite is kept as a "
                        + "backup)")
            case .resumed(let certificates):
                print(
                    "\(target.description) already held the \(certificates) certificates of an earlier run; "
                        + "\(options.directory) now uses it")
            case .alreadyMigrated:
                print("\(options.directory) already uses \(target.description): nothing to do")
            }
        }
    }

    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Show or store the issuance policy (docs/ca-policy.md describes the JSON).",
            subcommands: [Show.self, Store.self]
        )

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the policy in effect, every member spelled out (JSON).",
                discussion: """
                    The policy `ca sign` and `ca issue` apply: --policy FILE, else DIR/policy.json when --dir is \
                    given and holds one, else the defaults. A file with an unknown or misspelled member, a value of \
                    the wrong type or a malformed constraint is an error that names the member.
                    """
            )
            @Option(name: .customLong("dir"), help: "The CA directory.") var directory: String?
            @Option(help: "A policy file (JSON).") var policy: String?

            func run() throws {
                if let directory { warnIfMadeOnMock(directory) }
                let (effective, source) = try loadPolicy(policy, directory: directory)
                print(String(decoding: try effective.json(), as: UTF8.self))
                printError("policy from \(printable(source))")
            }
        }

        struct Store: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Check a policy file and store it as DIR/policy.json, the CA's policy from now on.",
                discussion: "`ca sign` and `ca issue` apply it unless given --policy."
            )
            @OptionGroup var options: CADirectoryOptions
            @Option(help: "The policy file (JSON).") var policy: String

            func run() throws {
                let (checked, _) = try loadPolicy(policy, directory: nil)
                let directory = URL(fileURLWithPath: options.directory)
                guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca-key.blob").path)
                else {
                    throw CommandFailure(
                        "\(options.directory) holds no CA key: run `hpcs-tool ca init --dir \(options.directory)` first"
                    )
                }
                warnIfMadeOnMock(options.directory)
                let path = directory.appendingPathComponent(storedPolicyFileName).path
                try writeOutput(Array(try checked.json()) + [0x0A], to: path, mode: 0o644, replacingExisting: true)
                print(path)
                printError("stored the policy from \(policy); `ca policy show --dir \(options.directory)` prints it")
            }
        }
    }
}
