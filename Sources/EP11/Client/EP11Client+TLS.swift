import Foundation
import GRPCCore
internal import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

// MARK: - Server name check

extension EP11Client {
    /// Which names in the server certificate the client accepts for the endpoint it connects to.
    ///
    /// On-premises GREP11 servers are often issued certificates whose DNS name carries the port
    /// (`DNS:grep11.example.com:9876`). Such a name is not a host name, so standard verification refuses it.
    /// ``hostOrHostAndPort`` accepts it, for exactly the port connected to, and nothing else that ``standard``
    /// would refuse. The certificate chain is verified against the trust roots either way.
    public struct ServerNameCheck: Sendable, Hashable, CustomStringConvertible {
        /// The checks, each raw value the name the command line and configuration files spell it by.
        package enum Kind: String, Sendable, Hashable {
            case standard
            case hostOrHostAndPort = "host-or-host-and-port"
        }
        package let kind: Kind

        /// RFC 6125: a DNS name equal to the host (a wildcard stands for one whole left-most label), or an IP address
        /// equal to the host when the host is an address. The default.
        public static let standard = ServerNameCheck(kind: .standard)

        /// What ``standard`` accepts, and also a DNS name that is exactly `host:port` of the endpoint (compared
        /// without regard to ASCII case; no wildcard): `grep11.example.com:9876` when connecting to
        /// `grep11.example.com` on port 9876, `10.0.0.5:9876` or `[fd00::5]:9876` for an address. A name carrying
        /// any other port is refused. This is how IBM's Go client verifies on-premises GREP11 servers.
        public static let hostOrHostAndPort = ServerNameCheck(kind: .hostOrHostAndPort)

        /// `standard` or `host-or-host-and-port`, as the command line spells it.
        public var description: String { kind.rawValue }
    }
}

// In an extension, so that the struct keeps its memberwise initializer.
extension EP11Client.ServerNameCheck {
    /// Parses `standard` or `host-or-host-and-port`; nil for anything else.
    public init?(_ name: String) {
        guard let kind = Kind(rawValue: name) else { return nil }
        self.init(kind: kind)
    }
}

// MARK: - TLS material from files, PEM or base64 of PEM

extension EP11Client.TLS {
    /// Where a piece of TLS material (trust roots, client certificate, client key) comes from. Either form holds PEM
    /// text or base64 of PEM text, as a Confidential Computing contract carries it; surrounding white space and
    /// line breaks inside base64 are ignored.
    public enum Material: Sendable, CustomStringConvertible {
        /// A file (regular file, FIFO or `/dev/stdin`) of at most ``EP11Client/TLS/maximumMaterialBytes``.
        case file(String)
        /// The text itself.
        case text(String)

        /// Names the file, or says that text was given; never shows the text.
        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .text(let text): "text of \(text.utf8.count) bytes"
            }
        }
    }

    /// The largest material accepted, in bytes, before and after base64 decoding: 1 MiB.
    public static let maximumMaterialBytes = 1 << 20

    /// TLS settings from files or strings: PEM, or base64 of PEM.
    ///
    /// `trustRoots` nil means the system's. Each part is read, decoded and parsed here, so that a bad input fails now with a message naming the
    /// parameter (`trustRoots`, `clientCertificate`, `clientKey`) rather than at the first connection.
    ///
    /// - Throws: ``EP11Error`` with code `invalidArgument`: a file that cannot be read or is too large, text that is
    ///   neither PEM nor base64 of PEM, no certificate in `trustRoots` or `clientCertificate`, a key that is not an
    ///   unencrypted PEM private key, a key that does not belong to the certificate, or only one of
    ///   `clientCertificate` and `clientKey`. No message contains any of the material.
    public init(
        trustRoots: Material?,
        clientCertificate: Material? = nil,
        clientKey: Material? = nil,
        serverNameCheck: EP11Client.ServerNameCheck = .standard
    ) throws {
        guard (clientCertificate == nil) == (clientKey == nil) else {
            throw EP11Error(
                code: .invalidArgument, message: "clientCertificate and clientKey go together: give both or neither")
        }
        self.init(
            trustRootsPEM: try trustRoots.map { try Self.certificatesPEM(from: $0, setting: "trustRoots") },
            clientCertificateChainPEM: try clientCertificate.map {
                try Self.certificatesPEM(from: $0, setting: "clientCertificate")
            },
            clientPrivateKeyPEM: try clientKey.map { try Self.privateKeyPEM(from: $0, setting: "clientKey") },
            serverNameCheck: serverNameCheck)
        if let chain = clientCertificateChainPEM, let key = clientPrivateKeyPEM {
            try Self.checkClientIdentity(
                certificatePEM: chain, keyPEM: key, certificateSetting: "clientCertificate", keySetting: "clientKey")
        }
    }

    /// Reads PEM certificates (trust roots, a certificate chain) from `material`: PEM, or base64 of PEM.
    ///
    /// - Parameters:
    ///   - material: The file or text.
    ///   - setting: How the caller names the setting in messages, e.g. `--ca-cert`.
    /// - Throws: ``EP11Error`` with code `invalidArgument` whose message starts with `setting`.
    public static func certificatesPEM(from material: Material, setting: String) throws -> [UInt8] {
        let pem = try pemBytes(from: material, setting: setting)
        let certificates = try? NIOSSLCertificate.fromPEMBytes(pem)
        guard let certificates, !certificates.isEmpty else {
            throw EP11Error(code: .invalidArgument, message: "\(setting): no PEM certificate could be read from it")
        }
        return pem
    }

    /// Reads an unencrypted PEM private key from `material`: PEM, or base64 of PEM.
    ///
    /// - Parameters:
    ///   - material: The file or text.
    ///   - setting: How the caller names the setting in messages, e.g. `--client-key`.
    /// - Throws: ``EP11Error`` with code `invalidArgument` whose message starts with `setting`; never with any of
    ///   the key.
    public static func privateKeyPEM(from material: Material, setting: String) throws -> [UInt8] {
        let pem = try pemBytes(from: material, setting: setting)
        do {
            _ = try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw EP11Error(
                code: .invalidArgument,
                message: "\(setting): not a readable PEM private key (an encrypted key is not supported)")
        }
        return pem
    }

    /// Checks that the private key belongs to the first certificate of the chain.
    ///
    /// - Throws: ``EP11Error`` with code `invalidArgument` naming both settings.
    public static func checkClientIdentity(
        certificatePEM: [UInt8], keyPEM: [UInt8], certificateSetting: String, keySetting: String
    ) throws {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(certificatePEM)
            let key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
            // A context refuses a key that does not match the leaf certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw EP11Error(
                code: .invalidArgument,
                message: "\(keySetting) does not belong to the certificate in \(certificateSetting)")
        }
    }

    /// The PEM in `material`: its text when it is PEM, or its base64 decoded when that gives PEM.
    private static func pemBytes(from material: Material, setting: String) throws -> [UInt8] {
        let raw: [UInt8]
        switch material {
        case .file(let path): raw = try readMaterialFile(path, setting: setting)
        case .text(let text): raw = Array(text.utf8)
        }
        guard raw.count <= maximumMaterialBytes else {
            throw EP11Error(code: .invalidArgument, message: "\(setting): larger than 1 MiB")
        }
        guard !raw.contains(0), let text = String(validating: raw, as: UTF8.self) else {
            throw EP11Error(code: .invalidArgument, message: "\(setting): not text (neither PEM nor base64 of PEM)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN ") { return raw }
        let compact = trimmed.filter { !$0.isWhitespace }
        guard !compact.isEmpty, let decoded = Data(base64Encoded: compact) else {
            throw EP11Error(
                code: .invalidArgument,
                message: "\(setting): neither PEM (no -----BEGIN line) nor base64 of PEM")
        }
        let pem = Array(decoded)
        guard !pem.contains(0), let decodedText = String(validating: pem, as: UTF8.self),
            decodedText.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("-----BEGIN ")
        else {
            throw EP11Error(
                code: .invalidArgument, message: "\(setting): base64 that does not decode to PEM (no -----BEGIN line)")
        }
        return pem
    }

    private static func readMaterialFile(_ path: String, setting: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EP11Error(code: .invalidArgument, message: "\(setting): cannot open the file \(path)")
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: maximumMaterialBytes + 1)
        } catch {
            throw EP11Error(code: .invalidArgument, message: "\(setting): cannot read the file \(path)")
        }
        let bytes = data.map { Array($0) } ?? []
        guard bytes.count <= maximumMaterialBytes else {
            throw EP11Error(code: .invalidArgument, message: "\(setting): the file \(path) is larger than 1 MiB")
        }
        return bytes
    }
}

extension EP11Client.TLS: CustomStringConvertible, CustomDebugStringConvertible {
    /// Which parts are set; never any of their bytes.
    public var description: String {
        var parts = ["trust roots: " + (trustRootsPEM == nil ? "system" : "given")]
        parts.append("client certificate: " + (clientCertificateChainPEM == nil ? "none" : "given"))
        parts.append("client key: " + (clientPrivateKeyPEM == nil ? "none" : "given (not shown)"))
        parts.append("server name check: \(serverNameCheck)")
        if insecureSkipHostnameVerification { parts.append("host name not verified") }
        return "TLS (" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
}

// MARK: - Building the TLS of each transport

extension EP11Client {
    /// The verifier for ``ServerNameCheck/hostOrHostAndPort``, or nil when the transports verify as usual.
    ///
    /// - Throws: ``EP11Error`` with code `invalidArgument` when the check is combined with
    ///   ``TLS/insecureSkipHostnameVerification`` or the trust roots cannot be read.
    static func serverCertificateVerifier(
        _ configuration: Configuration, isIPLiteral: Bool
    ) throws -> ServerCertificateVerifier? {
        guard case .tls(let tls) = configuration.transportSecurity.mode, tls.serverNameCheck == .hostOrHostAndPort
        else { return nil }
        guard !tls.insecureSkipHostnameVerification else {
            throw EP11Error(
                code: .invalidArgument,
                message: "the server name check host-or-host-and-port and insecureSkipHostnameVerification exclude "
                    + "each other: the first checks the name, the second does not")
        }
        return try ServerCertificateVerifier(
            host: configuration.host, port: configuration.port, isIPLiteral: isIPLiteral,
            trustRootsPEM: tls.trustRootsPEM)
    }

    /// The NIOSSL client context of the ``Transport/nio`` transport for `tls`, as grpc-swift-nio-transport builds
    /// it: TLS 1.2 or later, ALPN `grpc-exp` and `h2`, the roots, the client identity, and the name check. With a
    /// `verifier` (``ServerNameCheck/hostOrHostAndPort``) the whole server certificate check is the verifier's:
    /// NIOSSL's custom verification callback replaces BoringSSL's chain verification, not just its name check.
    /// No server name is sent to an IP address.
    ///
    /// - Throws: ``EP11Error`` with code `invalidArgument` when the PEM material cannot be read.
    static func nioTLS(
        _ tls: TLS, host: String, isIPLiteral: Bool, verifier: ServerCertificateVerifier?
    ) throws -> H2Channel.TLS {
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        config.applicationProtocols = ["grpc-exp", "h2"]
        var verification: H2Channel.TLS.Verification?
        do {
            if let roots = tls.trustRootsPEM {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(roots))
            }
            if let chain = tls.clientCertificateChainPEM, let key = tls.clientPrivateKeyPEM {
                config.certificateChain = try NIOSSLCertificate.fromPEMBytes(chain).map { .certificate($0) }
                config.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
            if let verifier {
                // Not noVerification: NIOSSL skips the callback then. The name check is the verifier's.
                config.certificateVerification = .noHostnameVerification
                verification = { certificates, promise in
                    Task {
                        let refusal = await verifier.verify(certificates)
                        promise.succeed(refusal == nil ? .certificateVerified(VerificationMetadata(nil)) : .failed)
                    }
                }
            } else if tls.insecureSkipHostnameVerification {
                config.certificateVerification = .noHostnameVerification
            }
            let context = try NIOSSLContext(configuration: config)
            let name = host.hasSuffix(".") ? String(host.dropLast()) : host
            return H2Channel.TLS(
                context: context, serverHostname: isIPLiteral ? nil : name, verification: verification)
        } catch {
            throw EP11Error(code: .invalidArgument, message: "cannot set up the GREP11 transport", cause: error)
        }
    }

    /// `caller`, reporting a certificate that `verifier` refused with its reason (the TLS stacks report only that
    /// verification failed).
    static func reportingRefusals(_ caller: any UnaryCaller, _ verifier: ServerCertificateVerifier?) -> any UnaryCaller
    {
        guard let verifier else { return caller }
        return RefusalReportingCaller(base: caller, verifier: verifier)
    }
}

// MARK: - The verifier

/// Checks an endpoint's server certificate for ``EP11Client/ServerNameCheck/hostOrHostAndPort`` on both transports.
///
/// On NIO it verifies the whole certificate (swift-certificates: RFC 5280 chain to the trust roots, validity
/// period, the server-authentication key usage, then the name); on the C core, the core's OpenSSL has verified
/// the chain against the same roots before the name check is asked for. It keeps the reason of the last refusal,
/// which the call's error then reports.
package final class ServerCertificateVerifier: Sendable {
    let host: String
    let port: Int
    private let isIPLiteral: Bool
    /// For the NIO transport's chain verification.
    private let roots: CertificateStore
    /// The configured roots themselves (nil: the system's), for a server that presents one of them as its own
    /// certificate (a self-signed certificate pinned as the root), which OpenSSL and BoringSSL accept.
    private let pinned: Set<Certificate>?
    private let lastRefusal = Mutex<String?>(nil)

    /// The largest certificate chain verified: 10 certificates, 64 KiB each (DER or PEM).
    static let maximumChainLength = 10
    static let maximumCertificateBytes = 64 * 1024

    package init(host: String, port: Int, isIPLiteral: Bool, trustRootsPEM: [UInt8]?) throws {
        self.host = host
        self.port = port
        self.isIPLiteral = isIPLiteral
        if let trustRootsPEM {
            let normalised = try PEMText.normalised(trustRootsPEM, what: "trust roots")
            let parsed: [Certificate]
            do {
                parsed = try NIOSSLCertificate.fromPEMBytes(Array(normalised.map { UInt8(bitPattern: $0) }.dropLast()))
                    .map { try Certificate(derEncoded: try $0.toDERBytes()) }
            } catch {
                throw EP11Error(code: .invalidArgument, message: "the trust roots are not PEM certificates")
            }
            guard !parsed.isEmpty else {
                throw EP11Error(code: .invalidArgument, message: "the trust roots hold no PEM certificate")
            }
            roots = CertificateStore(parsed)
            pinned = Set(parsed)
        } else {
            roots = CertificateStore.systemTrustRoots
            pinned = nil
        }
    }

    /// `host:port` as a certificate names it: `[v6]:port` for an IPv6 address.
    var hostAndPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The reason the last certificate checked was refused; nil when it was accepted or none was checked.
    var recordedRefusal: String? { lastRefusal.withLock { $0 } }

    /// NIO: the whole check of the chain the server sent (leaf first). Nil when accepted, else why not.
    func verify(_ chain: [NIOSSLCertificate]) async -> String? {
        let refusal = await chainRefusal(chain)
        lastRefusal.withLock { $0 = refusal }
        return refusal
    }

    /// C core: the name check of the leaf the core has verified (PEM). Nil when accepted, else why not.
    func checkName(leafPEM: String) -> String? {
        let refusal: String?
        if leafPEM.utf8.count > Self.maximumCertificateBytes {
            refusal = "the server certificate is larger than 64 KiB"
        } else if let leaf = try? Certificate(pemEncoded: leafPEM) {
            refusal = nameRefusal(leaf)
        } else {
            refusal = "the server certificate cannot be parsed"
        }
        lastRefusal.withLock { $0 = refusal }
        return refusal
    }

    private func chainRefusal(_ chain: [NIOSSLCertificate]) async -> String? {
        guard !chain.isEmpty else { return "the server sent no certificate" }
        guard chain.count <= Self.maximumChainLength else {
            return "the server sent more than \(Self.maximumChainLength) certificates"
        }
        var parsed: [Certificate] = []
        for certificate in chain {
            guard let der = try? certificate.toDERBytes(), der.count <= Self.maximumCertificateBytes,
                let decoded = try? Certificate(derEncoded: der)
            else { return "a certificate the server sent cannot be parsed, or is larger than 64 KiB" }
            parsed.append(decoded)
        }
        let leaf = parsed[0]
        // The leaf's own faults first, in words (swift-certificates' reasons are dumps of the certificate).
        let now = Date()
        if let fault = Self.validityFault(leaf, at: now) ?? ServerAuthenticationPolicy.usageFault(leaf) {
            return "CERTIFICATE_VERIFY_FAILED (\(fault))"
        }
        if pinned?.contains(leaf) != true {
            var verifier = Verifier(rootCertificates: roots) {
                RFC5280Policy()
                ServerAuthenticationPolicy()
            }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(parsed.dropFirst()))
            if case .couldNotValidate = result {
                return "CERTIFICATE_VERIFY_FAILED (it does not chain to a trusted root, or a certificate of its chain "
                    + "is expired, not yet valid or not allowed to issue it)"
            }
        }
        return nameRefusal(leaf)
    }

    /// Why `certificate` is outside its validity period at `time`, or nil.
    private static func validityFault(_ certificate: Certificate, at time: Date) -> String? {
        if time > certificate.notValidAfter { return "it expired at \(certificate.notValidAfter)" }
        if time < certificate.notValidBefore { return "it is not valid before \(certificate.notValidBefore)" }
        return nil
    }

    /// Nil when `leaf` names this endpoint by ``EP11Client/ServerNameCheck/hostOrHostAndPort``, else why not.
    ///
    /// Only subject alternative names count (no fall-back to the common name). A DNS name matches the host
    /// without regard to ASCII case and a final dot; `*` only as the whole left-most label, standing for exactly
    /// one label, with two labels or more after it and not for an IDNA (`xn--`) label. An IP address name matches
    /// an address host. And a DNS name exactly `host:port` of this endpoint matches.
    package func nameRefusal(_ leaf: Certificate) -> String? {
        let names: SubjectAlternativeNames
        do {
            names = try leaf.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()
        } catch {
            return "its subject alternative names cannot be read"
        }
        let address = isIPLiteral ? IPLiteral.octets(host) : nil
        let wantedWithPort = Self.asciiLowercased(hostAndPort)
        var dnsNames: [String] = []
        for name in names {
            switch name {
            case .dnsName(let dnsName):
                if Self.asciiLowercased(dnsName) == wantedWithPort { return nil }
                if !isIPLiteral, Self.hostName(host, matches: dnsName) { return nil }
                dnsNames.append(dnsName)
            case .ipAddress(let bytes):
                if let address, Array(bytes.bytes) == address { return nil }
            default:
                continue
            }
        }
        guard !dnsNames.isEmpty else {
            return "it is not valid for \(hostAndPort): it names no DNS host that matches"
        }
        let shown = dnsNames.prefix(4).map { Self.printable($0) }.joined(separator: ", ")
        let more = dnsNames.count > 4 ? " and \(dnsNames.count - 4) more" : ""
        let portNote =
            dnsNames.contains { $0.contains(":") }
            ? "; a name with a port must carry the port connected to, \(port)" : ""
        return "it is not valid for \(hostAndPort): it names \(shown)\(more)\(portNote)"
    }

    /// RFC 6125 host-name matching, as ``nameRefusal(_:)`` describes.
    package static func hostName(_ host: String, matches pattern: String) -> Bool {
        func labels(_ name: String) -> [Substring]? {
            var name = Substring(asciiLowercased(name))
            if name.hasSuffix(".") { name = name.dropLast() }
            guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            let allowed = parts.allSatisfy { label in
                !label.isEmpty
                    && label.utf8.allSatisfy {
                        ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 42
                    }
            }
            return allowed ? parts : nil
        }
        guard let hostLabels = labels(host), !hostLabels.contains(where: { $0.contains("*") }),
            let patternLabels = labels(pattern), patternLabels.count == hostLabels.count
        else { return false }
        for (index, (wanted, given)) in zip(patternLabels, hostLabels).enumerated() {
            if wanted == "*" {
                guard index == 0, patternLabels.count >= 3, !given.hasPrefix("xn--") else { return false }
                continue
            }
            guard !wanted.contains("*"), wanted == given else { return false }
        }
        return true
    }

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// At most 100 printable ASCII characters of `text`; others become `?`.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(100).map { (32...126).contains($0.value) ? Character($0) : "?" })
    }
}

/// The server certificate must be for TLS servers: an extended key usage, when present, includes serverAuth (or any
/// usage), as OpenSSL and BoringSSL require of a TLS client's peer. It also declares the extensions the name check
/// (done after the chain) handles, so that a critical subject alternative name does not fail the chain.
private struct ServerAuthenticationPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.extendedKeyUsage, .X509ExtensionID.subjectAlternativeName,
    ]

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        if let fault = Self.usageFault(chain.leaf) { return .failsToMeetPolicy(reason: fault) }
        return .meetsPolicy
    }

    /// Why `leaf` is not for TLS servers, or nil.
    static func usageFault(_ leaf: Certificate) -> String? {
        let usage: ExtendedKeyUsage?
        do {
            usage = try leaf.extensions.extendedKeyUsage
        } catch {
            return "its extended key usage cannot be read"
        }
        if let usage, !usage.contains(.serverAuth), !usage.contains(.any) {
            return "its extended key usage does not include TLS server authentication"
        }
        return nil
    }
}

/// Reports a refusal by the ``ServerCertificateVerifier`` with its reason instead of the TLS stack's bare failure.
private struct RefusalReportingCaller: UnaryCaller {
    let base: any UnaryCaller
    let verifier: ServerCertificateVerifier

    nonisolated(nonsending) func call<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        authorization: String?,
        timeout: Duration
    ) async throws -> Method.Output {
        do {
            return try await base.call(method, request, authorization: authorization, timeout: timeout)
        } catch let error as RPCError {
            guard let refusal = verifier.recordedRefusal, let failure = EP11Client.transportFailure(in: error),
                failure.kind == .certificateRefused || failure.kind == .tlsHandshake
            else { throw error }
            throw EP11Error(
                code: .transportFailure,
                message:
                    "cannot reach the GREP11 service at \(verifier.hostAndPort): the server certificate was refused: \(refusal)",
                isRetryable: false,
                cause: error)
        }
    }

    func run() async throws {
        try await base.run()
    }

    func beginGracefulShutdown() {
        base.beginGracefulShutdown()
    }
}

// MARK: - PEM text

/// PEM inputs as OpenSSL reads them.
enum PEMText {
    /// `pem` as a NUL-terminated C string, every base64 body re-wrapped at 64 columns with `\n` line ends
    /// (OpenSSL's reader is stricter than RFC 7468's lenient parsing, which the NIO path applies).
    static func normalised(_ pem: [UInt8], what: String) throws -> [CChar] {
        guard !pem.contains(0) else {
            throw EP11Error(code: .invalidArgument, message: "the \(what) PEM contains a NUL byte")
        }
        guard let text = String(validating: pem, as: UTF8.self) else {
            throw EP11Error(code: .invalidArgument, message: "the \(what) PEM is not UTF-8 text")
        }
        var output: [String] = []
        var body = ""
        var inBlock = false
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN ") {
                output.append(line)
                body = ""
                inBlock = true
            } else if line.hasPrefix("-----END ") {
                var index = body.startIndex
                while index < body.endIndex {
                    let end = body.index(index, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
                    output.append(String(body[index..<end]))
                    index = end
                }
                output.append(line)
                inBlock = false
            } else if inBlock {
                if line.contains(":") {
                    // An RFC 1421 header (encrypted legacy keys): kept as a line of its own.
                    output.append(line)
                    continue
                }
                body += line.filter { !$0.isWhitespace }
            }
        }
        guard !output.isEmpty else {
            throw EP11Error(code: .invalidArgument, message: "the \(what) is not PEM (no -----BEGIN line)")
        }
        return Array((output.joined(separator: "\n") + "\n").utf8CString)
    }
}
