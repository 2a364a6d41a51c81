import ArgumentParser
import EP11
import Foundation
import HSMMock
import IAM

/// The connection vocabulary shared by every subcommand that talks to an HSM.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "GREP11 endpoint HOST:PORT (or GREP11_ADDRESS). Absent: the embedded in-process HSM mock.")
    var endpoint: String?

    @Flag(help: "Allow a plaintext (non-TLS) connection, for loopback mocks.")
    var plaintext = false

    @Option(help: "PEM file with the CA certificates to trust instead of the system roots.")
    var caCert: String?

    @Option(help: "PEM client certificate for mutual TLS.")
    var clientCert: String?

    @Option(help: "PEM private key for the client certificate.")
    var clientKey: String?

    @Option(help: "File holding the IBM Cloud API key (otherwise HPCS_API_KEY).")
    var apiKeyFile: String?

    @Option(help: "IAM base URL (or HPCS_IAM_ENDPOINT; default https://iam.cloud.ibm.com).")
    var iamEndpoint: String?

    @Option(help: "HPCS service instance id, sent as bluemix-instance.")
    var instanceID: String?

    /// Whether no endpoint is configured, so commands run against the embedded in-process HSM mock.
    var usesEmbeddedMock: Bool {
        (endpoint ?? ProcessInfo.processInfo.environment["GREP11_ADDRESS"]) == nil
    }

    /// Runs `body` with a client: a real endpoint when configured, else the in-process mock.
    func withClient<T: Sendable>(_ body: (EP11Client) async throws -> T) async throws -> T {
        try await withClient(embeddedMasterKeyFile: nil, body)
    }

    /// Like ``withClient(_:)``; with `embeddedMasterKeyFile`, the embedded mock keeps its master key in that file
    /// (created, mode 0600, when missing), so key blobs it makes stay usable in later runs. For testing only: the
    /// file unwraps every blob the mock made.
    func withClient<T: Sendable>(
        embeddedMasterKeyFile: String?,
        _ body: (EP11Client) async throws -> T
    ) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        guard let address = endpoint ?? environment["GREP11_ADDRESS"] else {
            if plaintext || caCert != nil || clientCert != nil || apiKeyFile != nil {
                throw ValidationError("connection options need --endpoint (or GREP11_ADDRESS)")
            }
            guard let embeddedMasterKeyFile else {
                FileHandle.standardError.write(
                    Data("hpcs-tool: no --endpoint: using the embedded in-process HSM mock\n".utf8))
                return try await HSMMock().withClient(body)
            }
            FileHandle.standardError.write(
                Data(
                    ("hpcs-tool: no --endpoint: using the embedded in-process HSM mock; its master key is stored in "
                        + "\(embeddedMasterKeyFile) (for testing only)\n").utf8))
            return try await HSMMock(masterKeyFile: embeddedMasterKeyFile).withClient(body)
        }
        if plaintext, caCert != nil || clientCert != nil || clientKey != nil {
            throw ValidationError("--ca-cert, --client-cert and --client-key need TLS; drop --plaintext")
        }
        if (clientCert == nil) != (clientKey == nil) {
            throw ValidationError("--client-cert and --client-key go together")
        }
        var configuration = try EP11Client.Configuration(address: address)
        configuration.instanceID = instanceID
        if let apiKey = try readAPIKey(environment) {
            var iam = IAMTokenProvider.Configuration()
            if let url = iamEndpoint ?? environment["HPCS_IAM_ENDPOINT"] { iam.endpoint = url }
            configuration.authentication = .apiKey(apiKey, iam: iam)
        }
        if plaintext {
            configuration.transportSecurity = .plaintext
        } else {
            var tls = EP11Client.TLS()
            if let caCert { tls.trustRootsPEM = try readFile(caCert) }
            if let clientCert, let clientKey {
                tls.clientCertificateChainPEM = try readFile(clientCert)
                tls.clientPrivateKeyPEM = try readFile(clientKey)
            }
            configuration.transportSecurity = .tls(tls)
        }
        return try await withEP11Client(configuration, body)
    }

    private func readAPIKey(_ environment: [String: String]) throws -> APIKey? {
        if let apiKeyFile {
            let text = String(decoding: try readFile(apiKeyFile), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw ValidationError("API key file \(apiKeyFile) is empty") }
            return APIKey(text)
        }
        return environment["HPCS_API_KEY"].flatMap { $0.isEmpty ? nil : APIKey($0) }
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    return Array(data)
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
