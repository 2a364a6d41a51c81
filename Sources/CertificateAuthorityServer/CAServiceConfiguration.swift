public import CertificateAuthority
import Foundation
import IAM

/// How a CA service node listens, what it accepts and how it issues. Every node behind one name shares the same
/// ``publicURLs``, ``profile`` and limits.
public struct CAServiceConfiguration: Sendable {
    /// The address to listen on (an IP literal or `localhost`).
    public var host: String
    /// The port to listen on; 0 picks a free one (see ``CAService/boundPort()``).
    public var port: Int
    /// TLS for the listener. Required unless ``host`` is a loopback address.
    public var tls: TLS?
    /// The base URLs clients reach this service by (e.g. `https://ca.example.com`, a load balancer's name), each
    /// without a path. A token's `aud` must be one of these followed by the endpoint's path (`/1.0/sign`,
    /// `/1.0/revoke`). When empty, the node's own listen URL is used (`https://HOST:PORT`, `http://` on loopback
    /// without TLS).
    public var publicURLs: [String]
    /// Accept any `aud` whose path is the endpoint's path, whatever its scheme and host. For nodes reached by
    /// many names where a list is impractical; weaker, as a token for another CA with the same provisioner key
    /// and path would pass. Off by default.
    public var audiencePathOnly: Bool
    /// The profile of certificates issued through `/1.0/sign` and `/1.0/renew`.
    public var profile: Profile
    /// Their validity; `nil` is the CA's default (90 days, cut to the policy and the CA certificate).
    public var validity: Duration?
    /// The largest request body accepted, in bytes (256 KiB).
    public var maximumBodySize: Int
    /// How far token times (`iat`, `nbf`, `exp`) may be off this node's clock (60 s).
    public var clockSkew: Duration
    /// The longest a one-time token may live, `exp - iat` (5 minutes).
    public var maximumTokenLifetime: Duration
    /// The `nextUpdate` of the CRLs the service makes, from their `thisUpdate` (1 day).
    public var crlValidity: Duration
    /// A CRL is made again when less than this is left before its `nextUpdate` (1 hour), so `/crl` never serves
    /// an expired one while the CA can sign.
    public var crlRenewalMargin: Duration
    /// How long `/health` waits for the HSM and the database (5 s).
    public var healthTimeout: Duration
    /// How long a node uses a provisioner (name and key) it read from the store before reading it again (5 s):
    /// a provisioner added is usable at once on every node, one removed or given a new key stops being accepted
    /// within this time. Zero reads the store on every request.
    public var provisionerCacheLifetime: Duration

    /// TLS for the listener: PEM certificate chain and key, and the roots client certificates (mutual TLS, for
    /// `/1.0/renew` and `/1.0/revoke`) are verified against.
    public struct TLS: Sendable {
        public var certificateChainPEM: [UInt8]
        public var privateKeyPEM: [UInt8]
        /// Roots for client certificates; `nil` means the CA's own chain. Whatever the roots, a client certificate
        /// is accepted by `/1.0/renew` and `/1.0/revoke` only when it is one this CA issued and recorded.
        public var clientCertificateRootsPEM: [UInt8]?

        public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCertificateRootsPEM: [UInt8]? = nil) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCertificateRootsPEM = clientCertificateRootsPEM
        }
    }

    public init(
        host: String,
        port: Int,
        tls: TLS? = nil,
        publicURLs: [String] = [],
        audiencePathOnly: Bool = false,
        profile: Profile = .tlsServer,
        validity: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.publicURLs = publicURLs
        self.audiencePathOnly = audiencePathOnly
        self.profile = profile
        self.validity = validity
        self.maximumBodySize = 256 * 1024
        self.clockSkew = .seconds(60)
        self.maximumTokenLifetime = .seconds(300)
        self.crlValidity = .seconds(86_400)
        self.crlRenewalMargin = .seconds(3_600)
        self.healthTimeout = .seconds(5)
        self.provisionerCacheLifetime = .seconds(5)
    }

    /// Whether ``host`` is a loopback address (127.0.0.0/8, `::1`, `localhost`), where plain HTTP is allowed.
    public var isLoopback: Bool {
        HTTPEndpointPolicy.isLoopback(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
    }

    /// Refuses a configuration that cannot be served safely: no TLS on a non-loopback address, a public URL that
    /// is not an absolute http(s) URL without a path, limits out of range.
    public func validate() throws {
        guard (0...65_535).contains(port) else {
            throw CAServiceError.badRequest("the port \(port) is not 0 to 65535")
        }
        if tls == nil, !isLoopback {
            throw CAServiceError.badRequest(
                "refusing to serve the CA without TLS on \(host): pass --tls-cert and --tls-key (plain HTTP is "
                    + "allowed only on 127.0.0.0/8, ::1 or localhost)")
        }
        for url in publicURLs {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "https" || scheme == "http", components.host?.isEmpty == false,
                components.path.isEmpty || components.path == "/", components.query == nil,
                components.fragment == nil, components.user == nil, components.password == nil
            else {
                throw CAServiceError.badRequest(
                    "the public URL must be an http(s) base URL with a host and no path, e.g. https://ca.example.com")
            }
        }
        guard maximumBodySize >= 1024, maximumTokenLifetime > .zero, clockSkew >= .zero, crlValidity > crlRenewalMargin,
            provisionerCacheLifetime >= .zero, provisionerCacheLifetime <= .seconds(3_600)
        else {
            throw CAServiceError.badRequest("the CA service limits are out of range")
        }
    }

    /// The `aud` values accepted for an endpoint `path` on a node listening on `boundPort`.
    public func audiences(for path: String, boundPort: Int) -> Set<String> {
        let bases: [String]
        if publicURLs.isEmpty {
            let scheme = tls == nil ? "http" : "https"
            let bareHost = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let authority = bareHost.contains(":") ? "[\(bareHost)]:\(boundPort)" : "\(bareHost):\(boundPort)"
            bases = ["\(scheme)://\(authority)"]
        } else {
            bases = publicURLs
        }
        return Set(
            bases.map { base in
                (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
            })
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
