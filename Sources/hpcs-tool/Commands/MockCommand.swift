import ArgumentParser
import CommandLineSupport
import EP11
import Foundation
import HSMMock
import Logging
import ServiceLifecycle

struct MockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock",
        abstract: "Run a mock server.",
        subcommands: [HSM.self, KMS.self]
    )

    struct HSM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the software HSM as a GREP11 endpoint (grep11.Crypto over HTTP/2)."
        )
        @Option(help: "Address to listen on, HOST:PORT.") var listen = "127.0.0.1:9876"
        @Option(help: "PEM certificate chain for TLS (plaintext h2c when absent).") var tlsCert: String?
        @Option(help: "PEM private key for TLS.") var tlsKey: String?
        @Option(help: "PEM roots: require client certificates issued by them (mutual TLS).") var clientCA: String?
        @Option(help: "File holding the 32-byte master key (created when missing), so blobs survive a restart.")
        var masterKeyFile: String?
        @OptionGroup(title: "Fault injection and restriction") var faults: MockHSMFaultOptions
        @Option(
            help: """
                File holding a next 32-byte master key: RewrapKeyBlob moves blobs to it (a mock started later with \
                it as --master-key-file opens them).
                """)
        var nextMasterKeyFile: String?
        @Flag(
            help: """
                Require `authorization: Bearer <token>` on every call, checked with --iam-endpoint \
                (POST /identity/introspect, as hpcs-tool mock kms serves it); refused calls get gRPC unauthenticated.
                """)
        var requireAuth = false
        @Option(help: "IAM base URL that checks tokens for --require-auth (e.g. the URL of hpcs-tool mock kms).")
        var iamEndpoint: String?
        @Option(
            help: """
                The gRPC server: cgrpc (the gRPC C core: a few threads that run each call where it arrives; a third of \
                nio's CPU per SignSingle, signature included, so a load test measures the client) or nio (grpc-swift on \
                SwiftNIO).
                """)
        var transport: HSMMock.ServerTransport = .cgrpc
        @Option(help: "cgrpc: completion-queue threads, each polling the network and running its calls (1-64).")
        var threads = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))
        @Flag(
            inversion: .prefixedNo,
            help: """
                nio: batch outbound flushes (fewer syscalls with many calls in flight; up to --flush-delay-us more \
                latency per call when few are).
                """)
        var flushCoalescing = true
        @Option(help: "nio: longest wait of a coalesced flush, in microseconds.") var flushDelayUs = 100
        @Option(help: "Seconds calls in flight may run after SIGTERM before they are cancelled.")
        var shutdownGraceSeconds = 10
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            do {
                try await serve()
            } catch let error as EP11Error {
                // A bad TLS input or a port in use, said as a sentence (not as a stopped server).
                throw CommandFailure("mock hsm: \(error.message)")
            }
        }

        private func serve() async throws {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (0...65535).contains(port)
            else { throw ValidationError("--listen must be HOST:PORT") }
            let host = String(listen[..<colon])
            let logger = logging.logger(label: "hpcs.mock.hsm", quietLevel: .info)
            var verifier: (any BearerTokenVerifier)?
            switch (requireAuth, iamEndpoint) {
            case (true, let endpoint?):
                // The mock sends the bearer tokens it is shown to this endpoint: the same rule as every client.
                try checkHTTPTransport(endpoint, allowPlaintext: false, what: "IAM endpoint")
                verifier = IAMTokenIntrospection(endpoint: endpoint)
            case (true, nil):
                throw ValidationError("--require-auth needs --iam-endpoint URL")
            case (false, _?):
                throw ValidationError("--iam-endpoint is used only with --require-auth")
            case (false, nil):
                verifier = nil
            }
            let mock =
                try masterKeyFile.map { try HSMMock(masterKeyFile: $0, logger: logger, tokenVerifier: verifier) }
                ?? HSMMock(logger: logger, tokenVerifier: verifier)
            try faults.apply(to: mock)
            if let nextMasterKeyFile {
                let next = try readFile(nextMasterKeyFile)
                guard next.count == 32 else { throw ValidationError("--next-master-key-file must hold 32 bytes") }
                try mock.loadNextMasterKey(next)
            }
            var tls: HSMMock.ServerTLS?
            if let tlsCert, let tlsKey {
                tls = HSMMock.ServerTLS(
                    certificateChainPEM: try readFile(tlsCert),
                    privateKeyPEM: try readFile(tlsKey),
                    clientCertificateRootsPEM: try clientCA.map(readFile)
                )
            } else if tlsCert != nil || tlsKey != nil {
                throw ValidationError("--tls-cert and --tls-key go together")
            } else if clientCA != nil {
                throw ValidationError("--client-ca needs TLS (--tls-cert and --tls-key)")
            }
            guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1 to 64") }
            guard (0...1_000_000).contains(flushDelayUs) else {
                throw ValidationError("--flush-delay-us must be 0 to 1000000")
            }
            guard (0...3600).contains(shutdownGraceSeconds) else {
                throw ValidationError("--shutdown-grace-seconds must be 0 to 3600")
            }
            let settings = HSMMock.ServerSettings(
                transport: transport,
                completionQueueThreads: threads,
                flushCoalescingDelay: flushCoalescing ? .microseconds(flushDelayUs) : nil,
                shutdownGracePeriod: .seconds(shutdownGraceSeconds)
            )
            let server = try mock.makeServer(host: host, port: port, tls: tls, settings: settings)
            let service = ServerService(server: server, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [service],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
        }
    }
}

/// Runs the mock server as a lifecycle service: graceful shutdown on SIGTERM/SIGINT.
struct ServerService: Service {
    let server: HSMMockServer
    let logger: Logger

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                let port: Int
                do {
                    port = try await server.boundPort()
                } catch {
                    // The transport only says it stopped: the server task's error says why (port in use, ...).
                    try await group.next()
                    throw error
                }
                logger.info("HSM mock listening", metadata: ["hpcs.mock.port": "\(port)"])
                print("listening on port \(port)")
                fflush(nil)
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

extension HSMMock.ServerTransport: ExpressibleByArgument {}
