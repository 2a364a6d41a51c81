import ArgumentParser
import CommandLineSupport
import Foundation
import KeyProtectMock
import Logging
import ServiceLifecycle

extension MockCommand {
    /// `hpcs-tool mock kms`: the Key Protect + IAM mock as a standalone server.
    struct KMS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the Key Protect mock: IAM token endpoint and Key Protect v2 API over HTTP.",
            discussion: """
                Creates an Active root key and prints the port, the API key IAM accepts, the instance id and the \
                root key id. The same URL serves IAM (/identity/token, /oidc/token) and Key Protect (/api/v2). \
                Unauthenticated /admin endpoints control the mock: loopback use only. Stops on SIGTERM or SIGINT.

                With --state-file the keys survive a restart: the file is read at start when it exists (strictly: \
                any unknown or bad field is an error; no new key is made, and --instance-id and --key-id, when \
                given, must name a key in it), and rewritten atomically (mode 0600) after every change, before the \
                answer. It holds the keys' material: a test fixture only.
                """
        )

        enum ContentTypeChoice: String, ExpressibleByArgument, CaseIterable {
            case vendor, json
        }

        @Option(help: "Address to listen on, HOST:PORT (port 0: a free port).") var listen = "127.0.0.1:9877"
        @Option(help: "File holding the API key IAM accepts (otherwise HPCS_API_KEY, else a random one is printed).")
        var apiKeyFile: String?
        @Option(help: "Instance id (UUID) of the root key the mock creates (default: random).")
        var instanceID: String?
        @Option(help: "Id of the root key the mock creates (default: a random UUID).") var keyID: String?
        @Option(help: "Seconds before a key may be rotated again (the service: 3600).") var rotationInterval = 3600
        @Option(help: "Seconds after a state change before enable is allowed (the service: 30).") var enableDelay = 30
        @Option(help: "Content types of the answers: vendor (application/vnd.ibm.kms.*) or json.")
        var contentType: ContentTypeChoice = .vendor
        @Option(help: "File keeping the keys (with their material) across restarts; read at start if it exists.")
        var stateFile: String?
        @Flag(help: "Print the start-up details as one JSON object.") var json = false
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard rotationInterval >= 0, enableDelay >= 0 else {
                throw ValidationError("--rotation-interval and --enable-delay must not be negative")
            }
            if let instanceID, UUID(uuidString: instanceID) == nil {
                throw ValidationError("--instance-id must be a UUID (Key Protect requires one in Bluemix-Instance)")
            }
            if let keyID, keyID.isEmpty || keyID.utf8.count > 512 || keyID.contains("/") {
                throw ValidationError("--key-id must be 1 to 512 characters without '/'")
            }
        }

        func run() async throws {
            let (host, port) = try parseListen(listen)
            let logger = logging.logger(label: "hpcs.mock.kms", quietLevel: .info)

            let environment = ProcessInfo.processInfo.environment
            let suppliedKey =
                try readSecretText(apiKeyFile) ?? environment["HPCS_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            let apiKey = suppliedKey ?? "kpmock-" + UUID().uuidString.lowercased()
            let apiKeySource = apiKeyFile.map { "from \($0)" } ?? (suppliedKey == nil ? nil : "from HPCS_API_KEY")

            let mock = KeyProtectMock(
                configuration: .init(
                    apiKeys: [apiKey],
                    minimumRotationInterval: .seconds(rotationInterval),
                    enableDelay: .seconds(enableDelay),
                    contentTypes: contentType == .json ? .json : .vendor
                ),
                logger: logger
            )
            let key: KeyProtectMock.KeyInfo
            if let stateFile, FileManager.default.fileExists(atPath: stateFile) {
                key = try loadedKey(mock, from: stateFile)
            } else {
                let instance = (instanceID ?? UUID().uuidString).lowercased()
                key = mock.createRootKey(instanceID: instance, name: "mock-root-key", id: keyID)
            }
            if let stateFile {
                do {
                    try mock.persistState(to: stateFile)
                } catch let error as KeyProtectMock.AdminError {
                    throw CommandFailure("mock kms: \(error.message)")
                }
            }
            let startup = Startup(
                host: host, apiKey: apiKey, apiKeySource: apiKeySource, key: key, json: json)
            let server = mock.makeServer(host: host, port: port) { boundPort in
                startup.announce(port: boundPort)
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [server],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            do {
                try await group.run()
            } catch {
                if let reason = KeyProtectMock.listenFailure(error, host: host, port: port) {
                    throw CommandFailure("mock kms: \(reason)")
                }
                throw error
            }
        }
    }
}

extension MockCommand.KMS {
    /// Loads the state file into `mock`; the key to announce is --key-id's (in --instance-id's instance, when
    /// given), else the first key of --instance-id, else the first key.
    func loadedKey(_ mock: KeyProtectMock, from path: String) throws -> KeyProtectMock.KeyInfo {
        do {
            try mock.loadState(from: path)
        } catch let error as KeyProtectMock.AdminError {
            throw CommandFailure("mock kms: \(error.message)")
        }
        let instance = instanceID?.lowercased()
        let candidates = mock.keys.filter { key in
            (instance == nil || key.instanceID == instance) && (keyID == nil || key.id == keyID)
        }
        guard let key = candidates.first else {
            let wanted = [keyID.map { "key \($0)" }, instance.map { "instance \($0)" }].compactMap { $0 }
            throw CommandFailure(
                "mock kms: the state file \(path) has no "
                    + (wanted.isEmpty ? "key" : wanted.joined(separator: " in "))
                    + "; remove the file or the option")
        }
        return key
    }
}

/// What `mock kms` prints once the port is known. The API key is printed only when the mock made it up.
private struct Startup: Sendable {
    var host: String
    var apiKey: String
    var apiKeySource: String?
    var key: KeyProtectMock.KeyInfo
    var json: Bool

    func announce(port: Int) {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let url = "http://\(hostPart):\(port)"
        if json {
            var object: [String: Any] = [
                "port": port, "url": url, "instanceID": key.instanceID, "keyID": key.id, "crn": key.crn,
            ]
            if let apiKeySource { object["apiKeySource"] = apiKeySource } else { object["apiKey"] = apiKey }
            printJSON(object)
        } else {
            print("Key Protect mock listening on \(url) (IAM on the same URL)")
            print("port:        \(port)")
            print("api key:     \(apiKeySource ?? apiKey)")
            print("instance id: \(key.instanceID)")
            print("root key id: \(key.id)")
            print("root key crn: \(key.crn)")
            let keyPart = apiKeySource == nil ? "HPCS_API_KEY=\(apiKey) " : ""
            print(
                "try: \(keyPart)hpcs-tool kms wrap --kms-endpoint \(url) --iam-endpoint \(url) "
                    + "--instance-id \(key.instanceID) --key-id \(key.id) --plaintext-file FILE"
            )
        }
        fflush(nil)
    }
}

/// `HOST:PORT` (IPv6 hosts in brackets or bare) into its parts.
func parseListen(_ listen: String) throws -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
        (0...65535).contains(port)
    else { throw ValidationError("--listen must be HOST:PORT") }
    var host = String(listen[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw ValidationError("--listen must be HOST:PORT") }
    return (host, port)
}
