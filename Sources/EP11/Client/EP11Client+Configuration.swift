public import IAM
package import NIOCore

extension EP11Client {
    /// How to reach a GREP11 endpoint and authenticate to it.
    ///
    /// ```swift
    /// var configuration = EP11Client.Configuration(host: "<uuid>.ep11.hs-crypto.appdomain.cloud", port: 443)
    /// configuration.authentication = .apiKey(APIKey(apiKeyFromEnvironment))
    /// ```
    public struct Configuration: Sendable {
        /// Host name or IP address of the GREP11 endpoint.
        public var host: String
        /// Port; HPCS serves 443, on-premises GREP11 containers usually 9876.
        public var port: Int
        /// TLS (the default, with system trust roots and full verification) or plaintext HTTP/2.
        public var transportSecurity: TransportSecurity
        /// How calls are authenticated. Default: none (on-premises and local mocks).
        public var authentication: Authentication
        /// The HPCS service instance id; when set, each call carries `bluemix-instance: <id>`.
        public var instanceID: String?
        public var timeouts: Timeouts
        public var retryPolicy: RetryPolicy
        /// Which gRPC implementation carries the calls: ``Transport/cgrpc`` (the gRPC C core, the default) or
        /// ``Transport/nio`` (SwiftNIO HTTP/2). Both speak the same GREP11 over HTTP/2 with the same
        /// security rules, deadlines, retries and errors. Not used by ``EP11Client/init(transport:configuration:logger:)``.
        public var transport: Transport = .defaults
        /// Settings of the ``Transport/nio`` transport; ignored by ``Transport/cgrpc``.
        public var nio: NIOTransportOptions = .defaults
        /// The event loops of the ``Transport/nio`` transport's connections; nil: SwiftNIO's shared singleton.
        /// Tests that load a client on purpose give it loops of its own, so that the load does not delay others.
        package var nioEventLoopGroup: (any EventLoopGroup)?
        /// What a call does when the HSM says its key blob is under another master key
        /// (`CKR_IBM_WKID_MISMATCH`). Default ``MasterKeyRotation/disabled``: the call fails.
        public var masterKeyRotation: MasterKeyRotation = .disabled
        /// Further GREP11 endpoints of the same domain (the same master key), tried in this order when a call
        /// cannot reach the endpoint before them. Default none. See ``EP11Client`` ("Several endpoints").
        public var failoverEndpoints: [Endpoint] = []

        /// The clock the call deadline is measured and retry backoffs are waited on; `nil` (the default) is the
        /// continuous clock. Tests give a manual clock, so that retries run without waiting in real time; each
        /// attempt still ends on the transport at what is left of the deadline on this clock.
        package var clock: ErasedClock?

        /// ``host``:``port`` followed by ``failoverEndpoints``: every endpoint, in the order they are tried.
        public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + failoverEndpoints }

        public init(
            host: String,
            port: Int = 443,
            transportSecurity: TransportSecurity = .tls(.defaults),
            authentication: Authentication = .none,
            instanceID: String? = nil,
            timeouts: Timeouts = .defaults,
            retryPolicy: RetryPolicy = .defaults
        ) {
            self.host = host
            self.port = port
            self.transportSecurity = transportSecurity
            self.authentication = authentication
            self.instanceID = instanceID
            self.timeouts = timeouts
            self.retryPolicy = retryPolicy
        }

        /// Parses `host:port` (as in `GREP11_ADDRESS`); a missing port means 443.
        public init(address: String) throws {
            let endpoint = try Endpoint(address: address)
            self.init(host: endpoint.host, port: endpoint.port)
        }
    }

    /// One GREP11 endpoint: a host name or IP address and a port.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name or IP address.
        public var host: String
        /// Port; HPCS serves 443, on-premises GREP11 containers usually 9876.
        public var port: Int

        public init(host: String, port: Int = 443) {
            self.host = host
            self.port = port
        }

        /// Parses `host:port`, `[IPv6]:port`, a bare host or IPv6 address (as in `GREP11_ADDRESS`); a missing
        /// port means 443.
        public init(address: String) throws {
            var host = address
            var port = 443
            if address.hasPrefix("[") {
                // [IPv6]:port or [IPv6]
                guard let close = address.firstIndex(of: "]") else {
                    throw EP11Error(code: .invalidArgument, message: "unterminated [ in GREP11 address \(address)")
                }
                host = String(address[address.index(after: address.startIndex)..<close])
                let rest = address[address.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let parsed = Int(rest.dropFirst()), (1...65535).contains(parsed) else {
                        throw EP11Error(code: .invalidArgument, message: "invalid port in GREP11 address \(address)")
                    }
                    port = parsed
                }
            } else if address.filter({ $0 == ":" }).count > 1 {
                // A bare IPv6 address: no port can be given without brackets.
                host = address
            } else if let colon = address.lastIndex(of: ":") {
                host = String(address[..<colon])
                guard let parsed = Int(address[address.index(after: colon)...]), (1...65535).contains(parsed) else {
                    throw EP11Error(code: .invalidArgument, message: "invalid port in GREP11 address \(address)")
                }
                port = parsed
            }
            guard !host.isEmpty else {
                throw EP11Error(code: .invalidArgument, message: "empty host in GREP11 address \(address)")
            }
            self.init(host: host, port: port)
        }

        /// `host:port`, with an IPv6 address in brackets.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The gRPC implementation under the client.
    ///
    /// - ``cgrpc``: the gRPC C core (Debian `libgrpc`), with a direct unary path: messages are encoded by
    ///   swift-protobuf and handed to the core, one completion-queue thread resumes the waiting tasks. The cheapest
    ///   per call (CPU and latency).
    /// - ``nio``: SwiftNIO HTTP/2, pure Swift, also a direct unary path: one connection per endpoint, one stream per
    ///   call. Tune it with ``NIOTransportOptions``.
    ///
    /// The in-process transport (``EP11Client/init(transport:configuration:logger:)``, e.g. `HSMMock`'s) is a
    /// grpc-swift-2 transport and does not use this setting.
    public struct Transport: Sendable, Hashable, CustomStringConvertible {
        /// The transports, each raw value the name the command line and configuration files spell it by.
        package enum Kind: String, Sendable, Hashable {
            case nio
            case cgrpc
        }
        package let kind: Kind

        /// SwiftNIO HTTP/2, pure Swift.
        public static let nio = Transport(kind: .nio)
        /// The gRPC C core.
        public static let cgrpc = Transport(kind: .cgrpc)
        /// The default: ``cgrpc``, which costs several times less CPU per call and answers sooner
        /// (<doc:Transports>).
        public static var defaults: Transport { .cgrpc }

        /// `nio` or `cgrpc`, as the command line spells it.
        public var description: String { kind.rawValue }
    }

    /// Settings of the ``Transport/nio`` transport that change its cost per call.
    public struct NIOTransportOptions: Sendable, Hashable {
        /// Whether the flushes of one event-loop pass become one write on the HTTP/2 connection. Batching saves
        /// system calls when many calls are in flight but adds a wake-up to each call when few are; off suits
        /// latency-bound use with one or a few callers. Default: `false`.
        public var flushCoalescing: Bool
        /// How long an idle connection is kept before it is closed. Default 30 minutes.
        public var maximumIdleTime: Duration

        public init(flushCoalescing: Bool = false, maximumIdleTime: Duration = .seconds(30 * 60)) {
            self.flushCoalescing = flushCoalescing
            self.maximumIdleTime = maximumIdleTime
        }

        public static var defaults: NIOTransportOptions { NIOTransportOptions() }
    }

    /// Transport security for the HTTP/2 connection.
    public struct TransportSecurity: Sendable {
        package enum Mode: Sendable {
            case plaintext
            case tls(TLS)
        }
        package let mode: Mode

        /// Plaintext HTTP/2 (h2c). Only for loopback mocks and trusted networks: credentials are never sent over
        /// plaintext; the client refuses to start when authentication is configured together with plaintext.
        public static let plaintext = TransportSecurity(mode: .plaintext)

        /// TLS with the given settings.
        public static func tls(_ tls: TLS) -> TransportSecurity { TransportSecurity(mode: .tls(tls)) }
    }

    /// TLS settings: system trust roots and full verification unless told otherwise.
    ///
    /// For material from files, PEM strings or base64 of PEM (as a Confidential Computing contract carries it),
    /// use ``init(trustRoots:clientCertificate:clientKey:serverNameCheck:)``. The description of a value names
    /// which parts are set, never their bytes.
    public struct TLS: Sendable {
        /// PEM trust roots to use instead of the system's.
        public var trustRootsPEM: [UInt8]?
        /// A client certificate chain (PEM) for mutual TLS.
        public var clientCertificateChainPEM: [UInt8]?
        /// The client certificate's private key (PEM) for mutual TLS.
        public var clientPrivateKeyPEM: [UInt8]?
        /// Which names in the server certificate are accepted for the endpoint. Default
        /// ``ServerNameCheck/standard``; ``ServerNameCheck/hostOrHostAndPort`` also accepts a name that carries the
        /// port, as on-premises GREP11 servers' certificates do (`DNS:grep11.example.com:9876`). Either way the
        /// chain is verified against the trust roots.
        public var serverNameCheck: ServerNameCheck
        /// Skips hostname verification (the chain is still verified against the trust roots). Required to use TLS
        /// with an IP address as `host`, where TLS carries no server name, unless ``serverNameCheck`` is
        /// ``ServerNameCheck/hostOrHostAndPort``; never use it against a real service. It cannot be combined with
        /// ``ServerNameCheck/hostOrHostAndPort``.
        public var insecureSkipHostnameVerification: Bool

        public init(
            trustRootsPEM: [UInt8]? = nil,
            clientCertificateChainPEM: [UInt8]? = nil,
            clientPrivateKeyPEM: [UInt8]? = nil,
            serverNameCheck: ServerNameCheck = .standard,
            insecureSkipHostnameVerification: Bool = false
        ) {
            self.trustRootsPEM = trustRootsPEM
            self.clientCertificateChainPEM = clientCertificateChainPEM
            self.clientPrivateKeyPEM = clientPrivateKeyPEM
            self.serverNameCheck = serverNameCheck
            self.insecureSkipHostnameVerification = insecureSkipHostnameVerification
        }

        public static var defaults: TLS { TLS() }
    }

    /// How each call is authenticated.
    public struct Authentication: Sendable {
        package let tokenSource: (any BearerTokenSource)?

        /// No credentials (on-premises GREP11 containers, local mocks).
        public static let none = Authentication(tokenSource: nil)

        /// An IBM Cloud API key, exchanged for IAM tokens that are cached and refreshed ahead of expiry.
        public static func apiKey(
            _ apiKey: APIKey,
            iam: IAMTokenProvider.Configuration = .defaults
        ) -> Authentication {
            Authentication(tokenSource: IAMTokenProvider(apiKey: apiKey, configuration: iam))
        }

        /// Any token source, e.g. an `IAMTokenProvider` shared with other clients.
        public static func tokenSource(_ source: any BearerTokenSource) -> Authentication {
            Authentication(tokenSource: source)
        }
    }

    public struct Timeouts: Sendable {
        /// Deadline for one call, covering all its attempts and the wait for a connection. Default 30 s.
        public var call: Duration

        public init(call: Duration = .seconds(30)) {
            self.call = call
        }

        public static var defaults: Timeouts { Timeouts() }
    }

    /// Retries for calls the service marks retryable (`Grep11Error.Retry`) or that fail to reach it, with
    /// exponential backoff waited on the client's clock, within the call's one deadline
    /// (``Timeouts/call``). Every GREP11 call is stateless on the server, so a retry never duplicates server-side
    /// state. Defaults: 3 attempts, waits from 100 ms doubling up to 2 s, no jitter.
    public typealias RetryPolicy = IAM.RetryPolicy

    /// Master-key rotation without an outage: re-enciphering a key blob that the HSM no longer accepts.
    ///
    /// An EP11 domain has two wrapping-key registers: the current master key, which seals and opens blobs, and
    /// the next one, which an administrator loads and commits. `RewrapKeyBlob` re-enciphers a blob from the
    /// current key to the committed next one; it can only run where the blob's key is still current and the new
    /// key is committed. When the administrator finalizes the change, the next key becomes current and the old one
    /// is gone: EP11 has no "old" register, so a unit that has finalized cannot open or rewrap old blobs and
    /// answers `CKR_IBM_WKID_MISMATCH`. Domains with several crypto units, and on-premises setups with several
    /// GREP11 servers, are finalized one after the other, so for a while some endpoints answer with the mismatch
    /// while others can still rewrap.
    ///
    /// With ``rewrapOnMismatch(using:onRewrapped:)`` a call that carries key blobs and fails with
    /// `CKR_IBM_WKID_MISMATCH` re-enciphers each of its blobs with `RewrapKeyBlob` (on `using`, an endpoint that
    /// has not yet finalized, or on this client's own endpoint), hands each new blob to `onRewrapped`, and then
    /// retries the call once with the new blobs. A second mismatch is an error. The call's one deadline covers the
    /// first attempt, the rewraps and the retry. Calls without key blobs (random, digests, key generation, the
    /// continuation of a multi-part operation, whose state blob cannot be rewrapped) fail as before.
    ///
    /// Store the new blob where the old one was: it is the only one that works once every unit has finalized.
    /// Better still, rewrap your stored blobs with ``EP11Client/rewrapKeyBlob(_:)`` while the next key is
    /// committed and before it is finalized; this setting covers the blobs you missed.
    public struct MasterKeyRotation: Sendable {
        package struct Rewrap: Sendable {
            let client: EP11Client?
            let onRewrapped: @Sendable (_ old: KeyBlob, _ new: KeyBlob) async throws -> Void
        }
        package let rewrap: Rewrap?

        /// A mismatch fails the call with `CKR_IBM_WKID_MISMATCH`.
        public static let disabled = MasterKeyRotation(rewrap: nil)

        /// A mismatch re-enciphers the call's key blobs and retries the call once.
        ///
        /// - Parameters:
        ///   - client: where `RewrapKeyBlob` goes: a client of an endpoint whose current master key is the old one
        ///     and whose next one is committed. `nil` (the default) uses the calling client's own endpoint, which
        ///     helps only when that endpoint still has a unit that has not finalized.
        ///   - onRewrapped: receives each old blob and its replacement, before the call is retried, so that the
        ///     new blob can be stored even if the retry fails. An error it throws ends the call with that error.
        public static func rewrapOnMismatch(
            using client: EP11Client? = nil,
            onRewrapped: @escaping @Sendable (_ old: KeyBlob, _ new: KeyBlob) async throws -> Void
        ) -> MasterKeyRotation {
            MasterKeyRotation(rewrap: Rewrap(client: client, onRewrapped: onRewrapped))
        }
    }
}

// In an extension, so that the struct keeps its memberwise initializer.
extension EP11Client.Transport {
    /// Parses `nio` or `cgrpc`; nil for anything else.
    public init?(_ name: String) {
        guard let kind = Kind(rawValue: name) else { return nil }
        self.init(kind: kind)
    }
}
