public import EP11
import Foundation
public import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
public import Logging
import NIOCore
import NIOSSL

/// A software HSM that serves `grep11.Crypto` with EP11 semantics: sealed key blobs bound to their attributes,
/// enforced usage flags, real cryptography (OpenSSL libcrypto) and the return values a real HSM gives.
///
/// Use it in process:
/// ```swift
/// try await HSMMock().withClient { client in
///     let key = try await client.generateKey(.aesKeyGen, template: [.valueLength(32)])
/// }
/// ```
/// or serve it over HTTP/2 with ``withServer(host:port:tls:settings:_:)`` (and `hpcs-tool mock hsm`), on the gRPC C
/// core or on grpc-swift/NIO (``ServerTransport``).
///
/// Blobs are sealed with the mock's master key (AES-256-GCM); give the same key
/// (``init(masterKey:logger:tokenVerifier:)``) for blobs to survive a restart. The mock keeps no other state.
///
/// With a ``BearerTokenVerifier`` (``init(masterKey:logger:tokenVerifier:)``, e.g. ``IAMTokenIntrospection``)
/// every call must carry `authorization: Bearer <token>` that the verifier accepts, as HPCS requires; otherwise it
/// fails with gRPC `unauthenticated`.
public final class HSMMock: Sendable {
    let core: HSMCore
    let logger: Logger
    let interceptors: [any ServerInterceptor]
    let tokenVerifier: (any BearerTokenVerifier)?

    /// A mock with the given 32-byte master key, or a random one; with `tokenVerifier`, calls need a bearer token.
    public init(
        masterKey: [UInt8]? = nil,
        logger: Logger = EP11Client.noOpLogger,
        tokenVerifier: (any BearerTokenVerifier)? = nil
    ) throws {
        let key: MasterKey
        do {
            key = try masterKey.map { try MasterKey(keyBytes: $0) } ?? MasterKey.random()
        } catch {
            throw EP11Error(code: .invalidArgument, message: "a master key is 32 bytes", cause: error)
        }
        self.core = HSMCore(masterKey: key)
        self.logger = logger
        self.tokenVerifier = tokenVerifier
        self.interceptors = tokenVerifier.map { [BearerTokenInterceptor(verifier: $0, logger: logger)] } ?? []
    }

    /// A mock whose master key lives in `path`: read when the file exists, else generated and written (mode 0600).
    public convenience init(
        masterKeyFile path: String,
        logger: Logger = EP11Client.noOpLogger,
        tokenVerifier: (any BearerTokenVerifier)? = nil
    ) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            // At most 33 bytes are read: enough to tell a 32-byte key from anything else, even /dev/zero or a FIFO.
            let data: Data
            do {
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                data = try handle.read(upToCount: 33) ?? Data()
            } catch {
                throw EP11Error(code: .invalidArgument, message: "cannot read master key file \(path)")
            }
            guard data.count == 32 else {
                throw EP11Error(code: .invalidArgument, message: "master key file \(path) must hold exactly 32 bytes")
            }
            try self.init(masterKey: Array(data), logger: logger, tokenVerifier: tokenVerifier)
        } else {
            let key: [UInt8]
            do { key = try SoftCrypto.randomBytes(32) } catch {
                throw EP11Error(code: .transportFailure, message: "no randomness for a master key", cause: error)
            }
            guard manager.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
                throw EP11Error(code: .invalidArgument, message: "cannot write master key file \(path)")
            }
            try self.init(masterKey: key, logger: logger, tokenVerifier: tokenVerifier)
        }
    }

    /// The current master key's id (WKID), as found in every blob.
    public var wrappingKeyID: [UInt8] { core.currentMasterKey.identifier }

    /// Loads a next master key; `EP11Client.rewrapKeyBlob(_:)` then moves blobs to it.
    ///
    /// This is a real domain's "load and commit the new master key" step: blobs under the current key still work
    /// and can be rewrapped; blobs under the next key are refused (`CKR_IBM_WKID_MISMATCH`) until
    /// ``commitNextMasterKey()``. To play a domain whose units change at different times, run two mocks: one with
    /// the old key current and the new one loaded here, one made with the new key (it has finalized).
    public func loadNextMasterKey(_ keyBytes: [UInt8]) throws {
        do {
            core.loadNextMasterKey(try MasterKey(keyBytes: keyBytes))
        } catch {
            throw EP11Error(code: .invalidArgument, message: "a master key is 32 bytes", cause: error)
        }
    }

    /// Makes the next master key current (a real domain's "finalize"). The old key is gone, as EP11 has no "old"
    /// register: blobs under it then fail with `CKR_IBM_WKID_MISMATCH` and can no longer be rewrapped here.
    public func commitNextMasterKey() throws {
        do {
            try core.commitNextMasterKey()
        } catch {
            throw EP11Error(returnValue: error.returnValue, detail: error.detail)
        }
    }

    /// The gRPC service, for callers who run their own `GRPCServer`.
    public var service: any RegistrableRPCService { CryptoService(core: core, logger: logger) }

    /// Runs the mock in process for the duration of `body`, which gets a client connected to it.
    public func withClient<Result: Sendable>(
        configuration: EP11Client.Configuration = EP11Client.Configuration(host: "in-process"),
        _ body: (EP11Client) async throws -> Result
    ) async throws -> Result {
        try await withClient(configuration: configuration, serverInterceptors: [], body)
    }

    /// As ``withClient(configuration:_:)``, with `serverInterceptors` after the mock's own on the server side (for
    /// tests that record what reaches the server).
    package func withClient<Result: Sendable>(
        configuration: EP11Client.Configuration = EP11Client.Configuration(host: "in-process"),
        serverInterceptors: [any ServerInterceptor],
        _ body: (EP11Client) async throws -> Result
    ) async throws -> Result {
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server, services: [CryptoService(core: core, logger: logger)],
            interceptors: interceptors + serverInterceptors)
        let client = EP11Client(transport: transport.client, configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await server.serve() }
            group.addTask { try await client.run() }
            defer {
                client.beginGracefulShutdown()
                server.beginGracefulShutdown()
            }
            return try await body(client)
        }
    }

    /// TLS for the standalone server: PEM certificate chain and key, and optionally client-certificate roots
    /// (mutual TLS, as on-premises GREP11 setups use).
    public struct ServerTLS: Sendable {
        public var certificateChainPEM: [UInt8]
        public var privateKeyPEM: [UInt8]
        /// When set, clients must present a certificate issued by one of these roots.
        public var clientCertificateRootsPEM: [UInt8]?

        public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCertificateRootsPEM: [UInt8]? = nil) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCertificateRootsPEM = clientCertificateRootsPEM
        }

        /// Checks each part before a server starts, so that a bad input is named instead of surfacing as a
        /// stopped server.
        ///
        /// - Throws: `EP11Error` with code `invalidArgument`: "the TLS certificate chain is not PEM
        ///   certificates", "the TLS private key is not a PEM private key (or it is encrypted)", "the TLS private
        ///   key does not belong to the certificate", "the client CA roots are not PEM certificates".
        public func validate() throws {
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMBytes(certificateChainPEM)
            } catch {
                throw EP11Error(code: .invalidArgument, message: "the TLS certificate chain is not PEM certificates")
            }
            guard !chain.isEmpty else {
                throw EP11Error(code: .invalidArgument, message: "the TLS certificate chain holds no PEM certificate")
            }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(bytes: privateKeyPEM, format: .pem)
            } catch {
                throw EP11Error(
                    code: .invalidArgument, message: "the TLS private key is not a PEM private key (or it is encrypted)"
                )
            }
            // A context refuses a key that does not match the leaf certificate.
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            do {
                _ = try NIOSSLContext(configuration: configuration)
            } catch {
                throw EP11Error(
                    code: .invalidArgument, message: "the TLS private key does not belong to the certificate")
            }
            if let roots = clientCertificateRootsPEM {
                let parsed = try? NIOSSLCertificate.fromPEMBytes(roots)
                guard let parsed, !parsed.isEmpty else {
                    throw EP11Error(code: .invalidArgument, message: "the client CA roots are not PEM certificates")
                }
            }
        }
    }

    /// Serves the mock over HTTP/2 on `host:port` (port 0 picks a free one) for the duration of `body`, which gets
    /// the port actually bound.
    public func withServer<Result: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        tls: ServerTLS? = nil,
        settings: ServerSettings = ServerSettings(),
        _ body: (Int) async throws -> Result
    ) async throws -> Result {
        let server = try makeServer(host: host, port: port, tls: tls, settings: settings)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await server.run() }
            let bound: Int
            do {
                bound = try await server.boundPort(startupFailureFrom: &group)
            } catch {
                server.beginGracefulShutdown()
                throw error
            }
            // The server always ends with a graceful shutdown, also when `body` throws: cancelling a SwiftNIO
            // server while it accepts a connection traps in SwiftNIO (apple/swift-nio#2637).
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await body(bound))
            } catch {
                outcome = .failure(error)
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return try outcome.get()
        }
    }

    /// Which gRPC server answers: both serve the same service with the same answers, TLS, mutual TLS and bearer
    /// tokens.
    public enum ServerTransport: String, Sendable, CaseIterable {
        /// The gRPC C core (Debian `libgrpc`): a few completion-queue threads run each call where it arrives.
        /// About a tenth of the server CPU per call of ``nio``, so a load test measures the client, not the mock.
        case cgrpc
        /// grpc-swift-2 on SwiftNIO HTTP/2 (`GRPCServer`): interceptors and the in-process transport's machinery.
        case nio
    }

    /// Settings of the standalone server; the defaults suit a load test on one machine.
    public struct ServerSettings: Sendable {
        /// The gRPC server; default ``ServerTransport/nio`` (`hpcs-tool mock hsm` defaults to
        /// ``ServerTransport/cgrpc``).
        public var transport: ServerTransport
        /// ``ServerTransport/cgrpc``: completion-queue threads, each polling the network and running the calls
        /// it picks up. Default: the number of cores, at most 4.
        public var completionQueueThreads: Int
        /// ``ServerTransport/nio``: how long a flush may wait to be combined with others (fewer syscalls under
        /// load, up to this much latency when idle); `nil` flushes each write at once. Default 100 µs (NIO's).
        public var flushCoalescingDelay: Duration?
        /// ``ServerTransport/nio``: bytes written before a coalesced flush is forced. Default 64 KiB.
        public var flushCoalescingMaxBytes: Int
        /// How long calls in flight may run after a shutdown begins before they are cancelled. Default 10 s.
        public var shutdownGracePeriod: Duration

        public init(
            transport: ServerTransport = .nio,
            completionQueueThreads: Int = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)),
            flushCoalescingDelay: Duration? = .microseconds(100),
            flushCoalescingMaxBytes: Int = 64 * 1024,
            shutdownGracePeriod: Duration = .seconds(10)
        ) {
            self.transport = transport
            self.completionQueueThreads = completionQueueThreads
            self.flushCoalescingDelay = flushCoalescingDelay
            self.flushCoalescingMaxBytes = flushCoalescingMaxBytes
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    /// A standalone server; call ``HSMMockServer/run()`` and ``HSMMockServer/beginGracefulShutdown()``.
    ///
    /// The server allows 4,096 concurrent calls on one HTTP/2 connection (clients queue the rest, as a real
    /// GREP11 endpoint makes them) and request messages of up to 4 MiB; see `HSMRequestLimits`.
    ///
    /// - Throws: `EP11Error` with code `invalidArgument` when `tls` is unusable, saying which part: the
    ///   certificate chain or the private key is not PEM, they do not belong together, or the client roots are not
    ///   PEM certificates; or when a setting is out of range.
    public func makeServer(
        host: String, port: Int, tls: ServerTLS? = nil, settings: ServerSettings = ServerSettings()
    ) throws -> HSMMockServer {
        try tls?.validate()
        guard (1...64).contains(settings.completionQueueThreads) else {
            throw EP11Error(code: .invalidArgument, message: "completion-queue threads must be 1 to 64")
        }
        guard settings.flushCoalescingMaxBytes > 0, settings.flushCoalescingDelay.map({ $0 >= .zero }) ?? true else {
            throw EP11Error(
                code: .invalidArgument, message: "flush coalescing needs a delay of 0 or more and bytes > 0")
        }
        let bindHost = host == "localhost" ? "127.0.0.1" : host
        let bareHost = bindHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let addressText = bareHost.contains(":") ? "[\(bareHost)]:\(port)" : "\(bareHost):\(port)"
        if settings.transport == .cgrpc {
            let core = CoreGRPCServer(
                dispatch: CoreDispatch(service: CryptoService(core: core, logger: logger)), verifier: tokenVerifier,
                logger: logger, bindHost: bindHost, port: port, tls: tls, threads: settings.completionQueueThreads,
                gracePeriod: settings.shutdownGracePeriod)
            return HSMMockServer(core: core, addressText: addressText)
        }
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        if let tls {
            security = .tls(
                certificateChain: [.bytes(tls.certificateChainPEM, format: .pem)],
                privateKey: .bytes(tls.privateKeyPEM, format: .pem)
            ) { config in
                if let roots = tls.clientCertificateRootsPEM {
                    config.trustRoots = .certificates([.bytes(roots, format: .pem)])
                    config.clientCertificateVerification = .noHostnameVerification
                }
            }
        } else {
            security = .plaintext
        }
        let address: GRPCNIOTransportCore.SocketAddress =
            bindHost.contains(":")
            ? .ipv6(host: bareHost, port: port)
            : .ipv4(host: bindHost, port: port)
        let config = HTTP2ServerTransport.Posix.Config.defaults { config in
            config.http2.maxConcurrentStreams = HSMRequestLimits.maximumConcurrentStreams
            config.rpc.maxRequestPayloadSize = HSMRequestLimits.maximumRequestBytes
            config.connection.flushCoalescing = settings.flushCoalescingDelay.map {
                .init(maxFlushDelay: $0, maxBytes: settings.flushCoalescingMaxBytes)
            }
        }
        let transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: security, config: config)
        return HSMMockServer(
            transport: transport, service: CryptoService(core: core, logger: logger), interceptors: interceptors,
            addressText: addressText)
    }
}

/// The HSM mock served over HTTP/2, by grpc-swift on NIO or by the gRPC C core (``HSMMock/ServerTransport``).
public final class HSMMockServer: Sendable {
    private enum Backend: Sendable {
        case nio(HTTP2ServerTransport.Posix, GRPCServer<HTTP2ServerTransport.Posix>)
        case core(CoreGRPCServer)
    }
    private let backend: Backend

    private let addressText: String

    init(
        transport: HTTP2ServerTransport.Posix, service: CryptoService, interceptors: [any ServerInterceptor],
        addressText: String
    ) {
        self.backend = .nio(
            transport, GRPCServer(transport: transport, services: [service], interceptors: interceptors))
        self.addressText = addressText
    }

    init(core: CoreGRPCServer, addressText: String) {
        self.backend = .core(core)
        self.addressText = addressText
    }

    /// The gRPC server answering.
    public var transport: HSMMock.ServerTransport {
        switch backend {
        case .nio: return .nio
        case .core: return .cgrpc
        }
    }

    /// Serves until ``beginGracefulShutdown()``.
    ///
    /// - Throws: `EP11Error` with code `transportFailure` naming the cause when the server cannot listen:
    ///   "address 127.0.0.1:9876 is in use", "address ... is not an address of this host", "permission denied".
    public func run() async throws {
        switch backend {
        case .nio(_, let server):
            do {
                try await server.serve()
            } catch {
                throw Self.startupError(error, address: addressText) ?? error
            }
        case .core(let core):
            try await core.run()
        }
    }

    /// The port once listening; when the server failed to start, the error of `run()` (awaited from `group`, the
    /// task group running it) rather than the transport's bare "server is stopped".
    func boundPort(startupFailureFrom group: inout ThrowingTaskGroup<Void, any Error>) async throws -> Int {
        do {
            return try await boundPort()
        } catch {
            try await group.next()
            throw error
        }
    }

    /// A listening failure as a sentence, found in the chain of causes (`RuntimeError.cause`, NIO's `IOError`).
    static func startupError(_ error: any Error, address: String) -> EP11Error? {
        var current: (any Error)? = error
        var depth = 0
        while let candidate = current, depth < 8 {
            if let ioError = candidate as? IOError {
                switch ioError.errnoCode {
                case EADDRINUSE:
                    return EP11Error(code: .transportFailure, message: "address \(address) is in use")
                case EADDRNOTAVAIL:
                    return EP11Error(
                        code: .transportFailure, message: "address \(address) is not an address of this host")
                case EACCES:
                    return EP11Error(
                        code: .transportFailure,
                        message: "permission denied to listen on \(address) (a port below 1024?)")
                default:
                    return EP11Error(
                        code: .transportFailure,
                        message: "cannot listen on \(address): \(String(cString: strerror(ioError.errnoCode)))")
                }
            }
            if candidate is SocketAddressError || candidate is SocketAddressError.UnknownHost {
                return EP11Error(code: .transportFailure, message: "\(address) is not an IP address to listen on")
            }
            current = (candidate as? RuntimeError)?.cause
            depth += 1
        }
        return nil
    }

    /// Stops accepting calls and lets calls in flight finish.
    public func beginGracefulShutdown() {
        switch backend {
        case .nio(_, let server): server.beginGracefulShutdown()
        case .core(let core): core.beginGracefulShutdown()
        }
    }

    /// The port the server is bound to, once it is listening.
    public func boundPort() async throws -> Int {
        let transport: HTTP2ServerTransport.Posix
        switch backend {
        case .nio(let nio, _): transport = nio
        case .core(let core): return try await core.boundPort()
        }
        let address = try await transport.listeningAddress
        if let ipv4 = address.ipv4 { return ipv4.port }
        if let ipv6 = address.ipv6 { return ipv6.port }
        throw EP11Error(code: .transportFailure, message: "the mock is not listening on an IP address")
    }
}

/// Runs a fresh in-process ``HSMMock`` for the duration of `body`.
public func withMockHSM<Result: Sendable>(_ body: (EP11Client) async throws -> Result) async throws -> Result {
    try await HSMMock().withClient(body)
}
