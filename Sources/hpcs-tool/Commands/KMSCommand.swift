import ArgumentParser
import CommandLineSupport
import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `hpcs-tool kms ...`: Key Protect / HPCS KMS operations on one root key.
struct KMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kms",
        abstract: "Key Protect / HPCS KMS: wrap, unwrap, rewrap, rotate and inspect a root key.",
        discussion: """
            The root key comes from --crn (instance id, key id, region and endpoint derived from it) or from \
            --kms-endpoint/HPCS_KMS_ENDPOINT with --instance-id and --key-id. A Key Protect Dedicated instance has a \
            kms CRN like a Standard one: --dedicated derives its own host \
            (https://<instance>.api.<region>.kms.appdomain.cloud); an explicit --kms-endpoint always wins. The API \
            key comes from HPCS_API_KEY or --api-key-file, never from a flag. With no endpoint and no CRN a command fails, unless --mock asks for a \
            throwaway Key Protect mock started in process with a demo root key; its keys live only while the command \
            runs (use `hpcs-tool mock kms` for a mock that stays up). Wrapped keys and unwrapped plaintext are base64 \
            on stdout.
            """,
        subcommands: [
            Wrap.self, Unwrap.self, Rewrap.self, Rotate.self, Key.self, Versions.self, Enable.self,
            Disable.self, Endpoint.self,
        ]
    )
}

extension CRN.Network: ExpressibleByArgument {}

/// The Key Protect vocabulary shared by every `kms` subcommand.
struct KMSOptions: ParsableArguments {
    @Option(help: "Root key CRN; gives the instance id, key id, region and endpoint.")
    var crn: String?

    @OptionGroup(title: "KMS endpoint") var endpoint: KMSEndpointOptions

    @OptionGroup(title: "Credentials") var credentials: CredentialOptions

    @Option(help: "Service instance id (UUID), when no CRN gives it.")
    var instanceID: String?

    @Option(help: "Root key id or alias, when no CRN gives it.")
    var keyID: String?

    @Option(help: "Endpoint derived from the CRN: public or private.")
    var network: CRN.Network = .public

    @Flag(help: "Use a throwaway Key Protect mock started in process instead of a KMS (for trying things out).")
    var mock = false

    @OptionGroup(title: "Output") var output: OutputOptions

    @OptionGroup var logging: LoggingOptions

    /// Whether --json was given.
    var json: Bool { output.json }

    /// Runs `body` with a client and the key id: the configured service, or an embedded mock.
    func withClient<T: Sendable>(
        _ body: @Sendable (KeyProtectClient, _ keyID: String) async throws -> T
    ) async throws -> T {
        let parsedCRN = try parsedCRN()
        let logger = logging.logger(label: "hpcs.kms", quietLevel: .error)

        if mock {
            if endpoint.kmsEndpoint != nil || crn != nil || endpoint.dedicated {
                throw ValidationError("--mock excludes --kms-endpoint, --crn and --dedicated")
            }
            if credentials.isGiven || endpoint.plaintext {
                throw ValidationError("--mock takes no --api-key-file, --iam-endpoint or --plaintext")
            }
            return try await withEmbeddedMock(logger: logger, body)
        }
        let url = try resolvedEndpoint(parsedCRN).url
        try endpoint.checkTransport(url, what: "KMS endpoint")
        let instance = try agreeing("--instance-id", instanceID, parsedCRN?.instanceID)
        let key = try agreeing("--key-id", keyID, parsedCRN?.keyID)
        guard let apiKey = try credentials.apiKey() else {
            throw CommandFailure(
                "no API key: set HPCS_API_KEY or pass --api-key-file FILE", code: "credentials.missing")
        }
        let client = try KeyProtectClient(
            instance: .init(endpoint: url, instanceID: instance),
            credentials: .apiKey(apiKey, iam: .init(endpoint: credentials.iam.resolved)),
            configuration: .init(insecureAllowPlainHTTP: endpoint.plaintext),
            logger: logger
        )
        return try await body(client, key)
    }

    /// Where calls go, and why: `--kms-endpoint` (or HPCS_KMS_ENDPOINT) wins; otherwise the endpoint derived from
    /// `--crn`, `--network` and `--dedicated`. `--dedicated` needs a kms `--crn` even with an explicit endpoint, so
    /// a contradiction is never hidden by the override.
    func resolvedEndpoint(_ parsedCRN: CRN?) throws -> (url: String, source: String) {
        let dedicated = endpoint.dedicated
        if dedicated {
            guard let parsedCRN else {
                throw CommandFailure(
                    "--dedicated derives the endpoint from the instance id and region of --crn: pass --crn")
            }
            do {
                try parsedCRN.check(plan: .dedicated)
            } catch let error as KeyProtectError {
                throw CommandFailure("--dedicated: \(error.message)")
            }
        }
        if let configured = endpoint.configuredEndpoint { return configured }
        guard let parsedCRN else {
            throw CommandFailure(
                "no KMS endpoint: pass --crn or --kms-endpoint URL (or set HPCS_KMS_ENDPOINT) for Key Protect or "
                    + "HPCS, or --mock to use a throwaway in-process Key Protect mock",
                code: "endpoint.missing")
        }
        do {
            let plan: CRN.Plan = dedicated ? .dedicated : .standard
            let source =
                parsedCRN.service == .hyperProtectCrypto
                ? "derived from --crn (HPCS instance)"
                : "derived from --crn (Key Protect \(plan == .dedicated ? "Dedicated" : "Standard"))"
            return (try parsedCRN.endpoint(network: network, plan: plan), source)
        } catch let error as KeyProtectError {
            throw CommandFailure("--crn: \(error.message); pass --kms-endpoint")
        }
    }

    /// The parsed `--crn`, if given.
    func parsedCRN() throws -> CRN? {
        do {
            return try crn.map { try CRN(parsing: $0) }
        } catch let error as KeyProtectError {
            throw CommandFailure("--crn: \(error.message)")
        }
    }

    /// A KeyProtectMock on 127.0.0.1 (a free port) with a demo root key, for as long as `body` runs.
    private func withEmbeddedMock<T: Sendable>(
        logger: Logger,
        _ body: @Sendable (KeyProtectClient, _ keyID: String) async throws -> T
    ) async throws -> T {
        if let instanceID, UUID(uuidString: instanceID) == nil {
            throw CommandFailure("--instance-id must be a UUID")
        }
        if let keyID, keyID.isEmpty || keyID.contains("/") {
            throw CommandFailure("--key-id must not be empty or contain '/'")
        }
        let apiKey = "embedded-" + UUID().uuidString.lowercased()
        let mock = KeyProtectMock(configuration: .init(apiKeys: [apiKey], enableDelay: .zero))
        let instance = (instanceID ?? UUID().uuidString).lowercased()
        let key = mock.createRootKey(instanceID: instance, name: "demo-root-key", id: keyID)
        printError(
            "hpcs-tool: using a throwaway in-process Key Protect mock (--mock) with demo root key \(key.id); "
                + "its keys exist only while this command runs")
        return try await mock.withServer(host: "127.0.0.1", port: 0) { baseURL in
            let client = try KeyProtectClient(
                instance: .init(endpoint: baseURL, instanceID: instance),
                credentials: .apiKey(APIKey(apiKey), iam: .init(endpoint: baseURL)),
                logger: logger
            )
            return try await body(client, key.id)
        }
    }

    /// The flag's value or the CRN's; both must agree when both are given.
    private func agreeing(_ flag: String, _ explicit: String?, _ fromCRN: String?) throws -> String {
        switch (explicit, fromCRN) {
        case (let value?, let other?) where value != other:
            throw CommandFailure("\(flag) \(value) disagrees with the CRN's \(other)")
        case (let value?, _), (nil, let value?):
            guard !value.isEmpty else { throw CommandFailure("\(flag) is empty") }
            return value
        case (nil, nil):
            throw CommandFailure("\(flag) or --crn is required with a KMS endpoint")
        }
    }
}

// MARK: - Input and output

/// Additional authenticated data, shared by wrap, unwrap and rewrap.
struct AADOptions: ParsableArguments {
    @Option(name: .customLong("aad"), help: "Additional authenticated data (repeatable; unwrap must repeat it).")
    var values: [String] = []
}

/// Reads all of standard input, refusing an interactive terminal; at most `limit` bytes.
func readStandardInput(what: String, flag: String, limit: Int) throws -> [UInt8] {
    if isatty(STDIN_FILENO) == 1 {
        throw CommandFailure("no \(what): pass \(flag) or pipe it on standard input")
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = read(STDIN_FILENO, &buffer, buffer.count)
        if count < 0, errno == EINTR { continue }
        guard count >= 0 else { throw CommandFailure("cannot read standard input") }
        if count == 0 { break }
        bytes += buffer[0..<count]
        guard bytes.count <= limit else { throw CommandFailure("\(what) is larger than \(limit) bytes") }
    }
    return bytes
}

/// A wrapped key from --ciphertext or standard input (base64 text, surrounding whitespace ignored).
func readCiphertext(_ option: String?) throws -> String {
    let text =
        try option
        ?? String(decoding: readStandardInput(what: "ciphertext", flag: "--ciphertext", limit: 1 << 20), as: UTF8.self)
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw CommandFailure("the ciphertext is empty") }
    guard Data(base64Encoded: trimmed) != nil else { throw CommandFailure("the ciphertext is not base64") }
    return trimmed
}

/// Fails before any call when an output path for key material would not be written: an existing regular file is
/// never replaced (a device, FIFO or a link to one is written through, see ``writeOutput(_:to:mode:replacingExisting:)``).
func refuseExisting(_ path: String?) throws {
    if let path { try checkOutputPath(path, replacingExisting: false) }
}

/// Writes key material to a new file readable by its owner only (or through a device or FIFO); never replaces an
/// existing file.
func writeSecretFile(_ path: String, _ bytes: [UInt8]) throws {
    try writeOutput(bytes, to: path, mode: 0o600, replacingExisting: false)
}

private func metadataObject(_ metadata: KeyMetadata) -> [String: Any] {
    metadata.state.stateFields.merging([
        "id": metadata.id,
        "name": jsonValue(metadata.name),
        "aliases": metadata.aliases,
        "extractable": metadata.extractable,
        "crn": jsonValue(metadata.crn),
        "keyVersion": jsonValue(metadata.keyVersion?.id),
        "creationDate": jsonDate(metadata.creationDate),
        "lastUpdateDate": jsonDate(metadata.lastUpdateDate),
        "lastRotateDate": jsonDate(metadata.lastRotateDate),
        "deleted": metadata.deleted,
    ]) { _, new in new }
}

// MARK: - Subcommands

extension KMSCommand {
    struct Wrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap a data encryption key with the root key; prints the wrapped key (base64).",
            discussion: """
                The key to wrap is read as raw bytes from --plaintext-file or standard input. With --generate the \
                service makes a 32-byte key instead: it is written only to --plaintext-out, never printed.
                """
        )
        @OptionGroup var options: KMSOptions
        @OptionGroup var aad: AADOptions
        @Option(help: "File with the raw key bytes to wrap (otherwise standard input).") var plaintextFile: String?
        @Flag(help: "Let the service generate the key (a wrap without plaintext).") var generate = false
        @Option(help: "With --generate: a new file (mode 0600) to receive the generated key's raw bytes.")
        var plaintextOut: String?

        static let maximumPlaintext = 64 * 1024

        func validate() throws {
            if generate, plaintextFile != nil {
                throw ValidationError("--generate and --plaintext-file exclude each other")
            }
            if plaintextOut != nil, !generate { throw ValidationError("--plaintext-out goes with --generate") }
        }

        func run() async throws {
            try refuseExisting(plaintextOut)
            var plaintext: [UInt8] = []
            if !generate {
                let limit = Self.maximumPlaintext
                plaintext =
                    try plaintextFile.map { try readInputFile($0, what: "plaintext file", limit: limit) }
                    ?? readStandardInput(what: "plaintext", flag: "--plaintext-file", limit: Self.maximumPlaintext)
                guard !plaintext.isEmpty else { throw CommandFailure("the plaintext to wrap is empty") }
                guard plaintext.count <= Self.maximumPlaintext else {
                    throw CommandFailure("the plaintext is larger than \(Self.maximumPlaintext) bytes")
                }
            }
            let toWrap = plaintext
            let generate = generate
            let aad = aad.values
            let (wrapped, generated) = try await options.withClient { client, keyID -> (WrappedKey, [UInt8]?) in
                if generate {
                    let key = try await client.generateDataKey(keyID: keyID, additionalAuthenticatedData: aad)
                    return (key.wrapped, key.plaintext)
                }
                let wrapped = try await client.wrap(toWrap, keyID: keyID, additionalAuthenticatedData: aad)
                return (wrapped, nil)
            }
            if let generated, let plaintextOut { try writeSecretFile(plaintextOut, generated) }
            if options.json {
                var object: [String: Any] = [
                    "ciphertext": wrapped.ciphertext, "keyVersion": jsonValue(wrapped.keyVersionID),
                ]
                if generate { object["plaintextFile"] = jsonValue(plaintextOut) }
                printJSON(object)
            } else {
                print(wrapped.ciphertext)
                if let version = wrapped.keyVersionID { printError("wrapped with key version \(version)") }
                if generate, plaintextOut == nil {
                    printError("the generated key was not kept (pass --plaintext-out FILE); unwrap recovers it")
                }
            }
        }
    }

    struct Unwrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unwrap a wrapped key; prints the plaintext key (base64) or writes it to --output.",
            discussion: """
                The wrapped key comes from --ciphertext or standard input. If the root key was rotated since the \
                wrap, the key wrapped by the latest version is reported too (stderr, or "rewrapped" in --json): \
                store it.
                """
        )
        @OptionGroup var options: KMSOptions
        @OptionGroup var aad: AADOptions
        @Option(help: "The wrapped key (base64; otherwise standard input).") var ciphertext: String?
        @Option(help: "A new file (mode 0600) for the raw plaintext key, instead of base64 on stdout.")
        var output: String?

        func run() async throws {
            try refuseExisting(output)
            let ciphertext = try readCiphertext(ciphertext)
            let aad = aad.values
            let result = try await options.withClient { client, keyID in
                try await client.unwrap(ciphertext, keyID: keyID, additionalAuthenticatedData: aad)
            }
            if let output { try writeSecretFile(output, result.plaintext) }
            let encoded = Data(result.plaintext).base64EncodedString()
            if options.json {
                var object: [String: Any] = [
                    "keyVersion": jsonValue(result.keyVersionID),
                    "rewrapped": result.rewrapped.map {
                        ["ciphertext": $0.ciphertext, "keyVersion": jsonValue($0.keyVersionID)] as Any
                    } ?? NSNull(),
                ]
                if let output { object["plaintextFile"] = output } else { object["plaintext"] = encoded }
                printJSON(object)
            } else {
                if output == nil { print(encoded) }
                if let rewrapped = result.rewrapped {
                    printError(
                        "the root key was rotated: store the key wrapped by version "
                            + "\(rewrapped.keyVersionID ?? "?"):\n\(rewrapped.ciphertext)")
                }
            }
        }
    }

    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap a wrapped key with the latest root key version, without exposing it."
        )
        @OptionGroup var options: KMSOptions
        @OptionGroup var aad: AADOptions
        @Option(help: "The wrapped key (base64; otherwise standard input).") var ciphertext: String?

        func run() async throws {
            let ciphertext = try readCiphertext(ciphertext)
            let aad = aad.values
            let result = try await options.withClient { client, keyID in
                try await client.rewrap(ciphertext, keyID: keyID, additionalAuthenticatedData: aad)
            }
            if options.json {
                printJSON([
                    "ciphertext": result.wrapped.ciphertext,
                    "keyVersion": jsonValue(result.wrapped.keyVersionID),
                    "previousKeyVersion": jsonValue(result.previousKeyVersionID),
                ])
            } else {
                print(result.wrapped.ciphertext)
                printError(
                    "rewrapped from key version \(result.previousKeyVersionID ?? "?") "
                        + "to \(result.wrapped.keyVersionID ?? "?")")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate the root key: a new version wraps from now on (the service allows one per hour)."
        )
        @OptionGroup var options: KMSOptions

        func run() async throws {
            let (before, after) = try await options.withClient { client, keyID in
                let before = try await client.metadata(keyID: keyID)
                try await client.rotate(keyID: keyID)
                return (before, try await client.metadata(keyID: keyID))
            }
            if options.json {
                printJSON([
                    "id": after.id,
                    "previousKeyVersion": jsonValue(before.keyVersion?.id),
                    "keyVersion": jsonValue(after.keyVersion?.id),
                    "lastRotateDate": jsonDate(after.lastRotateDate),
                ])
            } else {
                print(
                    "rotated \(after.id): key version \(before.keyVersion?.id ?? "?") -> \(after.keyVersion?.id ?? "?")"
                )
            }
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the key: state, latest version, dates, CRN (never its material)."
        )
        @OptionGroup var options: KMSOptions

        func run() async throws {
            let key = try await options.withClient { client, keyID in try await client.key(keyID: keyID) }
            let metadata = key.metadata
            if options.json {
                var object = metadataObject(metadata)
                object["payloadBytes"] = key.payload.map { $0.count as Any } ?? NSNull()
                printJSON(object)
                return
            }
            let date = { (value: Date?) in value.map(iso8601Text) ?? "-" }
            print("id:           \(metadata.id)")
            print("name:         \(metadata.name ?? "-")")
            if !metadata.aliases.isEmpty { print("aliases:      \(metadata.aliases.joined(separator: ", "))") }
            print("state:        \(metadata.state.outputName) (\(metadata.state.rawValue))")
            print("type:         \(metadata.extractable ? "standard key" : "root key")")
            print("crn:          \(metadata.crn ?? "-")")
            print("key version:  \(metadata.keyVersion?.id ?? "-")")
            print("created:      \(date(metadata.creationDate))")
            print("updated:      \(date(metadata.lastUpdateDate))")
            print("last rotated: \(date(metadata.lastRotateDate))")
            if metadata.deleted { print("deleted:      yes") }
            if let payload = key.payload { print("payload:      \(payload.count) bytes (not shown)") }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the root key's versions, newest first.")
        @OptionGroup var options: KMSOptions
        @Flag(help: "Also for a key that is not Active (otherwise the service answers 409).") var allKeyStates = false

        func run() async throws {
            let all = allKeyStates
            let versions = try await options.withClient { client, keyID in
                try await client.versions(keyID: keyID, allKeyStates: all)
            }
            if options.json {
                printJSON(versions.map { ["id": $0.id, "creationDate": jsonDate($0.creationDate)] as [String: Any] })
            } else {
                for version in versions {
                    let created = version.creationDate.map(iso8601Text) ?? "-"
                    print("\(version.id)  \(created)")
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a disabled (Suspended) key; the service refuses within 30 s of the last change."
        )
        @OptionGroup var options: KMSOptions

        func run() async throws { try await options.changeState("enabled") { try await $0.enable(keyID: $1) } }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable the key (Suspended): wrap and unwrap are refused until it is enabled."
        )
        @OptionGroup var options: KMSOptions

        func run() async throws { try await options.changeState("disabled") { try await $0.disable(keyID: $1) } }
    }
}

extension KMSCommand {
    struct Endpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the KMS endpoint and instance the other kms commands would call, without calling it.",
            discussion: """
                The endpoint comes from --kms-endpoint or HPCS_KMS_ENDPOINT when given, else it is derived from --crn, \
                --network and --dedicated: Standard Key Protect https://<region>.kms.cloud.ibm.com, Key Protect \
                Dedicated https://<instance>.api.<region>.kms.appdomain.cloud, HPCS \
                https://<instance>.api.<region>.hs-crypto.appdomain.cloud (private: the private.-forms). Needs no \
                API key.
                """
        )
        @OptionGroup var options: KMSOptions

        func validate() throws {
            if options.mock { throw ValidationError("endpoint takes no --mock: the mock's address is chosen at start") }
        }

        func run() async throws {
            let crn = try options.parsedCRN()
            let (url, source) = try options.resolvedEndpoint(crn)
            let instance = options.instanceID ?? crn?.instanceID
            if let explicit = options.instanceID, let fromCRN = crn?.instanceID, explicit != fromCRN {
                throw CommandFailure("--instance-id \(explicit) disagrees with the CRN's \(fromCRN)")
            }
            if options.json {
                let plan: String? =
                    options.endpoint.dedicated ? "dedicated" : (crn?.service == .keyProtect ? "standard" : nil)
                printJSON([
                    "endpoint": url, "source": source, "instanceId": jsonValue(instance),
                    "keyId": jsonValue(options.keyID ?? crn?.keyID), "plan": jsonValue(plan),
                ])
            } else {
                print(url)
                printError("endpoint \(source)\(instance.map { "; instance \($0)" } ?? "")")
            }
        }
    }
}

extension KMSOptions {
    /// Runs `change` on the key, then prints its new state (`verb` says what was done).
    func changeState(
        _ verb: String, _ change: @Sendable (KeyProtectClient, _ keyID: String) async throws -> Void
    ) async throws {
        let metadata = try await withClient { client, keyID in
            try await change(client, keyID)
            return try await client.metadata(keyID: keyID)
        }
        if json {
            printJSON(metadata.state.stateFields.merging(["id": metadata.id]) { _, new in new })
        } else {
            print("\(verb) \(metadata.id): state \(metadata.state.outputName) (\(metadata.state.rawValue))")
        }
    }
}
