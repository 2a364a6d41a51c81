import ArgumentParser
import CertificateAuthority
import CertificateAuthorityServer
import CommandLineSupport
import EP11
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The issuance store `ca serve` and `ca provisioner` use: --database URL, else `HPCS_CA_DATABASE`, else the one
/// the CA directory's `ca-config.json` names (its PostgreSQL database, or `DIR/issued.sqlite`).
struct CAStoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "PostgreSQL URL of the store shared by several CA nodes, postgres://USER@HOST:PORT/DATABASE (or "
                + "HPCS_CA_DATABASE).",
            discussion: "The password comes from HPCS_CA_DATABASE_PASSWORD or the file HPCS_CA_DATABASE_PASSWORD_FILE, "
                + "never from a flag. Without it: the database DIR/ca-config.json names, else DIR/issued.sqlite."))
    var database: String?

    /// Opens the store for `directory`.
    func open(directory: URL) throws -> any IssuanceStore {
        let environment = ProcessInfo.processInfo.environment
        let url = database ?? environment["HPCS_CA_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            if let url {
                return try PostgresIssuanceStore(url: url, environment: environment)
            }
            return try CertificateAuthority.openStore(directory: directory, environment: environment)
        } catch let error as CertificateAuthorityError {
            throw CommandFailure(error.message)
        }
    }

    /// Runs `body` on the store for `directory` and closes it; a store error becomes the command's failure.
    /// Returns `body`'s result and where the store is.
    func withStore<Result>(
        directory: String, _ body: (any IssuanceStore) async throws -> Result
    ) async throws -> (result: Result, location: String) {
        let store = try open(directory: URL(fileURLWithPath: directory))
        let result: Result
        do {
            result = try await body(store)
        } catch let error as CertificateAuthorityError {
            await store.close()
            throw CommandFailure(error.message)
        }
        await store.close()
        return (result, store.location)
    }
}

extension CACommand {
    /// `hpcs-tool ca serve`: the CA as an HTTP service.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the CA over HTTPS: sign with provisioner tokens, renew, revoke, CRL, health, metrics.",
            discussion: """
                The API follows step-ca: POST /1.0/sign {"csr", "ott"}, POST /1.0/renew (empty body) over mutual \
                TLS with the current certificate, POST /1.0/revoke {"serial", "reasonCode", "ott"} (or mutual TLS with \
                the certificate itself), GET /roots.pem, /intermediates.pem, /crl (DER), /health and /metrics \
                (Prometheus). One-time tokens are JWTs (ES256 or EdDSA) of a provisioner registered with `ca \
                provisioner add`; their aud must be --public-url (or this node's https://HOST:PORT) followed by the \
                endpoint's path. TLS is required except on a loopback address. Several nodes serve one CA when they \
                share the HSM domain (a copy of DIR's key blob and chain each) and one PostgreSQL store \
                (--database). Prints "listening on port N" once it listens; SIGTERM or SIGINT stops it after the \
                requests in flight. See docs/ca-service.md.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: CADirectoryOptions
        @OptionGroup var store: CAStoreOptions
        @Option(help: "HOST:PORT to listen on (port 0 picks a free one).") var listen: String
        @Option(help: "PEM certificate chain of the service (required unless --listen is a loopback address).")
        var tlsCert: String?
        @Option(help: "PEM private key of the service (mode 0600).") var tlsKey: String?
        @Option(help: "PEM roots for client certificates (mutual TLS for renew and revoke; default: the CA's chain).")
        var clientCa: String?
        @Option(
            name: .customLong("public-url"),
            help: "Base URL clients reach the service by, e.g. https://ca.example.com (repeatable): tokens' aud.")
        var publicURL: [String] = []
        @Flag(help: "Accept any token aud whose path is the endpoint's (nodes reached by many names; weaker).")
        var audiencePathOnly = false
        @Option(help: "Profile of the certificates issued.") var profile: Profile = .tlsServer
        @Option(help: "Validity in days (default 90, cut to the policy and the CA certificate).") var days: Int?
        @Option(help: "Issuance policy (JSON file; default DIR/policy.json, else the defaults).") var policy: String?
        @Flag(help: "Log only refusals, revocations and failures, not a line per request.") var quiet = false

        func validate() throws {
            if let days, !(1...36_500).contains(days) { throw ValidationError("--days must be 1 to 36500") }
            if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
            if clientCa != nil, tlsCert == nil {
                throw ValidationError("--client-ca needs TLS (--tls-cert and --tls-key)")
            }
            if profile == .intermediate || profile == .codeSigning {
                throw ValidationError("--profile must be tls-server or tls-client for the service")
            }
        }

        func run() async throws {
            let (host, port) = try parseListen(listen)
            var tls: CAServiceConfiguration.TLS?
            if let tlsCert, let tlsKey {
                tls = CAServiceConfiguration.TLS(
                    certificateChainPEM: try readFile(tlsCert), privateKeyPEM: try readFile(tlsKey),
                    clientCertificateRootsPEM: try clientCa.map { try readFile($0) })
            }
            var configuration = CAServiceConfiguration(
                host: host, port: port, tls: tls, publicURLs: publicURL, audiencePathOnly: audiencePathOnly,
                profile: profile, validity: days.map { .seconds(Int64($0) * 86_400) })
            do {
                try configuration.validate()
            } catch let error as CAServiceError {
                throw CommandFailure(error.message)
            }
            configuration.crlValidity = .seconds(86_400)

            let directory = URL(fileURLWithPath: options.directory)
            let keyPath = directory.appendingPathComponent("ca-key.blob").path
            guard FileManager.default.fileExists(atPath: keyPath) else {
                throw CommandFailure(
                    "\(options.directory) holds no CA key: run `hpcs-tool ca init --dir \(options.directory)` first")
            }
            let masterKeyPath = directory.appendingPathComponent("mock-master-key").path
            let madeOnMock = FileManager.default.fileExists(atPath: masterKeyPath)
            if connection.usesEmbeddedMock, !madeOnMock {
                throw CommandFailure(
                    "\(options.directory)'s CA key was not made by the embedded HSM mock: pass --endpoint for the HSM "
                        + "that made it")
            }
            if !connection.usesEmbeddedMock, madeOnMock {
                throw CommandFailure(
                    "\(options.directory)'s CA key was made by the embedded HSM mock (for testing only): pass --mock")
            }
            let policy = try loadServicePolicy(policy, directory: options.directory)
            var logger = Logger(label: "hpcs.ca.service", factory: { StreamLogHandler.standardError(label: $0) })
            logger.logLevel = quiet ? .notice : .info
            let issuanceStore = try store.open(directory: directory)
            let configured = configuration
            do {
                try await connection.withClient(embeddedMasterKeyFile: madeOnMock ? masterKeyPath : nil) { client in
                    let ca = try CertificateAuthority(
                        directory: directory, client: client, store: issuanceStore, policy: policy, logger: logger)
                    if await ca.isMadeOnMock || madeOnMock {
                        printError(
                            "warning: the CA in \(options.directory) is made on an HSM mock: for testing only, no HSM "
                                + "protects its key")
                    }
                    guard await ca.isReady else {
                        throw CommandFailure("\(options.directory) holds no CA certificate yet (`ca import` first)")
                    }
                    let service: CAService
                    do {
                        service = try CAService(ca: ca, client: client, configuration: configured, logger: logger)
                    } catch let error as CAServiceError {
                        throw CommandFailure(error.message)
                    }
                    let announcer = Announcer(service: service, logger: logger, store: issuanceStore.location)
                    let group = ServiceGroup(
                        configuration: .init(
                            services: [.init(service: service), .init(service: announcer)],
                            gracefulShutdownSignals: [.sigterm, .sigint],
                            logger: logger))
                    try await group.run()
                }
            } catch let error as CAServiceError {
                await issuanceStore.close()
                throw CommandFailure(error.message)
            } catch {
                await issuanceStore.close()
                throw error
            }
            await issuanceStore.close()
        }
    }

    /// `hpcs-tool ca provisioner add|list|remove`.
    struct ProvisionerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "provisioner",
            abstract: "Register, list and remove the provisioners whose tokens `ca serve` accepts.",
            subcommands: [Add.self, List.self, Remove.self]
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a provisioner: a name (the tokens' iss) and its public key (JWK or PEM).",
                discussion: """
                    The key verifies the provisioner's one-time tokens: EC P-256 (ES256) or Ed25519 (EdDSA), as a \
                    public JWK ({"kty": "EC", "crv": "P-256", "x", "y"} or {"kty": "OKP", "crv": "Ed25519", "x"}) \
                    or a PEM PUBLIC KEY. A private key is refused. Every node on the same store sees it at once.
                    """
            )
            @OptionGroup var options: CADirectoryOptions
            @OptionGroup var store: CAStoreOptions
            @Option(help: "The provisioner's name: 1 to 64 of A-Z a-z 0-9 . _ @ -") var name: String
            @Option(help: "File with the public key, JWK or PEM.") var publicKey: String

            func validate() throws { try checkProvisionerName(name) }

            func run() async throws {
                let text = String(
                    decoding: try readFile(publicKey, limit: ProvisionerKey.maximumTextSize), as: UTF8.self)
                let key: ProvisionerKey
                do {
                    key = try await ProvisionerKey(text: text)
                } catch let error as CAServiceError {
                    throw CommandFailure("\(publicKey): \(error.message)")
                }
                let (added, location) = try await store.withStore(directory: options.directory) { store in
                    try await store.addProvisioner(
                        ProvisionerRecord(
                            name: name, publicKey: text.trimmingCharacters(in: .whitespacesAndNewlines),
                            createdAt: Date()))
                }
                guard added else { throw CommandFailure("a provisioner named '\(name)' exists; remove it first") }
                print("added provisioner '\(name)' (\(key.algorithm)) to \(location)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the provisioners.")
            @OptionGroup var options: CADirectoryOptions
            @OptionGroup var store: CAStoreOptions
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let (provisioners, location) = try await store.withStore(directory: options.directory) { store in
                    try await store.provisioners()
                }
                var rows: [(name: String, algorithm: String, created: String)] = []
                for provisioner in provisioners {
                    let algorithm = (try? await ProvisionerKey(text: provisioner.publicKey))?.algorithm ?? "unusable"
                    rows.append(
                        (provisioner.name, algorithm, ISO8601DateFormatter().string(from: provisioner.createdAt)))
                }
                if json {
                    printJSON(rows.map { ["name": $0.name, "algorithm": $0.algorithm, "createdAt": $0.created] })
                } else if rows.isEmpty {
                    printError("no provisioners in \(location)")
                } else {
                    for row in rows { print("\(row.name)\t\(row.algorithm)\t\(row.created)") }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a provisioner: its tokens are refused from now on, by every node.")
            @OptionGroup var options: CADirectoryOptions
            @OptionGroup var store: CAStoreOptions
            @Option(help: "The provisioner's name.") var name: String

            func validate() throws { try checkProvisionerName(name) }

            func run() async throws {
                let (removed, location) = try await store.withStore(directory: options.directory) { store in
                    try await store.removeProvisioner(named: name)
                }
                guard removed else { throw CommandFailure("no provisioner named '\(name)' in \(location)") }
                print("removed provisioner '\(name)'")
            }
        }
    }
}

private func checkProvisionerName(_ name: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")
    guard (1...64).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else {
        throw ValidationError("--name must be 1 to 64 of A-Z a-z 0-9 . _ @ -")
    }
}

/// The policy `ca serve` applies: --policy FILE, else DIR/policy.json, else the defaults (as `ca sign`).
private func loadServicePolicy(_ path: String?, directory: String) throws -> Policy {
    var source = path
    let stored = URL(fileURLWithPath: directory).appendingPathComponent("policy.json").path
    if source == nil, FileManager.default.fileExists(atPath: stored) { source = stored }
    guard let source else { return .defaults }
    do {
        return try Policy(json: Data(try readFile(source, limit: Policy.maximumJSONSize)))
    } catch let error as CertificateAuthorityError {
        throw CommandFailure("\(source): \(error.message)")
    }
}

/// Prints `listening on port N` (and where) once the service listens, then waits for shutdown.
private struct Announcer: Service {
    let service: CAService
    let logger: Logger
    let store: String

    func run() async throws {
        let port = try await service.boundPort()
        print("listening on port \(port)")
        fflush(nil)
        logger.notice("CA service listening", metadata: ["hpcs.ca.port": "\(port)", "hpcs.ca.store": "\(store)"])
        try? await gracefulShutdown()
    }
}
