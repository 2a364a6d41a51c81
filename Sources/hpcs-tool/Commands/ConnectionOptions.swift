import ArgumentParser
import CommandLineSupport
import EP11
import Foundation
import HSMMock
import IAM

/// The connection vocabulary shared by every subcommand that talks to an HSM: the endpoint (or --mock), its TLS
/// and its credentials.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "GREP11 endpoint HOST:PORT (or GREP11_ADDRESS). Required unless --mock.")
    var endpoint: String?

    @Option(
        name: .customLong("failover-endpoint"),
        help: ArgumentHelp(
            "Another GREP11 endpoint HOST:PORT of the same domain, tried in order when the ones before it cannot "
                + "be reached (refused, TLS failure, unavailable); repeat for more.", valueName: "host:port"))
    var failoverEndpoints: [String] = []

    @Flag(help: "Use a throwaway HSM mock started in process instead of an endpoint (for trying things out).")
    var mock = false

    @OptionGroup(title: "TLS") var tls: GREP11TLSOptions

    @OptionGroup(title: "Credentials") var credentials: CredentialOptions

    @Option(help: "HPCS service instance id, sent as bluemix-instance.")
    var instanceID: String?

    @Option(help: "GREP11 transport: cgrpc (the gRPC C core, the default) or nio (grpc-swift on SwiftNIO).")
    var transport: String?

    /// Whether commands run against the embedded in-process HSM mock: only when asked for with --mock.
    var usesEmbeddedMock: Bool { mock }

    /// The configured GREP11 endpoint: --endpoint, else a non-empty GREP11_ADDRESS.
    var configuredEndpoint: String? {
        endpoint ?? environmentValue("GREP11_ADDRESS")
    }

    /// Runs `body` with a client: the configured endpoint, or the in-process mock with --mock.
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
        if mock {
            if endpoint != nil { throw ValidationError("--mock and --endpoint exclude each other") }
            if tls.isGiven || credentials.isGiven || instanceID != nil || transport != nil
                || !failoverEndpoints.isEmpty
            {
                throw ValidationError(
                    "--mock takes no connection options (--plaintext, --ca-cert, --api-key-file, ...)")
            }
            guard let embeddedMasterKeyFile else {
                printError(
                    "hpcs-tool: using a throwaway in-process HSM mock (--mock); "
                        + "its keys are lost when this command ends")
                return try await HSMMock().withClient(body)
            }
            printError(
                "hpcs-tool: using an in-process HSM mock (--mock) whose master key is stored in "
                    + "\(embeddedMasterKeyFile) (for testing only)")
            return try await HSMMock(masterKeyFile: embeddedMasterKeyFile).withClient(body)
        }
        guard let address = configuredEndpoint else {
            throw CommandFailure(Self.missingEndpointMessage, code: "endpoint.missing")
        }
        let transportSecurity = try tls.transportSecurity()
        var configuration = try EP11Client.Configuration(address: address)
        configuration.instanceID = instanceID
        configuration.failoverEndpoints = try failoverEndpoints.map { try EP11Client.Endpoint(address: $0) }
        if let transport {
            guard let chosen = EP11Client.Transport(transport) else {
                throw ValidationError("--transport takes cgrpc or nio, not \(transport)")
            }
            configuration.transport = chosen
        }
        if let apiKey = try credentials.apiKey() {
            var iam = IAMTokenProvider.Configuration()
            iam.endpoint = credentials.iam.resolved
            configuration.authentication = .apiKey(apiKey, iam: iam)
        }
        configuration.transportSecurity = transportSecurity
        return try await withEP11Client(configuration, body)
    }

    /// What a command without an endpoint says: both ways forward.
    static let missingEndpointMessage =
        "no HSM endpoint: pass --endpoint HOST:PORT (or set GREP11_ADDRESS) for a GREP11 service, "
        + "or --mock to use a throwaway in-process HSM mock"
}

/// How the GREP11 connection is secured: TLS with the system roots by default, custom roots and a client
/// certificate (mutual TLS) by name, plaintext only when asked for.
struct GREP11TLSOptions: ParsableArguments {
    @Flag(help: "Allow a plaintext (non-TLS) connection, for loopback mocks.")
    var plaintext = false

    @Option(
        help: ArgumentHelp(
            "File with the CA certificates to trust instead of the system roots: PEM or base64 of PEM (or "
                + "GREP11_CA_CERT holding either)."))
    var caCert: String?

    @Option(help: "Client certificate for mutual TLS: PEM or base64 of PEM (or GREP11_CLIENT_CERT holding either).")
    var clientCert: String?

    @Option(
        help: "Private key of the client certificate: PEM or base64 of PEM (or GREP11_CLIENT_KEY holding either).")
    var clientKey: String?

    @Option(
        help: ArgumentHelp(
            "Server certificate name check: standard, or host-or-host-and-port to also accept the name HOST:PORT "
                + "for exactly the endpoint's port, as on-premises GREP11 servers' certificates carry."))
    var serverNameCheck: String?

    /// Whether any TLS option was given (--mock refuses them).
    var isGiven: Bool { plaintext || caCert != nil || clientCert != nil || clientKey != nil || serverNameCheck != nil }

    /// The client's transport security; the files are read here.
    func transportSecurity() throws -> EP11Client.TransportSecurity {
        if plaintext, caCert != nil || clientCert != nil || clientKey != nil || serverNameCheck != nil {
            throw ValidationError(
                "--ca-cert, --client-cert, --client-key and --server-name-check need TLS; drop --plaintext")
        }
        if (clientCert == nil) != (clientKey == nil) {
            throw ValidationError("--client-cert and --client-key go together")
        }
        if plaintext { return .plaintext }
        return .tls(try tlsSettings(environment: ProcessInfo.processInfo.environment))
    }
}

/// A file named on the command line (a regular file, FIFO, `/dev/stdin` or `<(...)`), at most 1 MiB.
func readFile(_ path: String) throws -> [UInt8] {
    try readInputFile(path, what: "file", limit: maximumInputFileSize)
}

/// Like ``readFile(_:)``, at most `limit` bytes.
func readFile(_ path: String, limit: Int) throws -> [UInt8] {
    try readInputFile(path, what: "file", limit: limit)
}
