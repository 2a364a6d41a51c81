public import CertificateAuthority
public import EP11
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import IAM
public import Logging
import NIOCore
import NIOSSL
public import ServiceLifecycle
import Synchronization
import X509

/// The certificate authority as an HTTP service (`hpcs-tool ca serve`), in the shapes step-ca uses:
///
/// - `POST /1.0/sign` `{"csr": PEM, "ott": token}` → 201 `{"crt", "ca", "certChain"}`: a provisioner's one-time
///   token (`ProvisionerToken`) authorises the CSR's names;
/// - `POST /1.0/renew` over mutual TLS with the current certificate (recorded, not revoked, not expired), with an
///   empty body → 201, a certificate for the same subject, names and key (`CertificateAuthority.renew`); a body
///   `{"csr": PEM}` is still accepted when the CSR holds that key and subject (its names are not used);
/// - `POST /1.0/revoke` `{"serial", "reasonCode", "ott"}`, or without `ott` over mutual TLS with the certificate
///   itself → 200;
/// - `GET /roots.pem`, `GET /intermediates.pem`, `GET /crl` (DER, the store's latest CRL, made again before its
///   `nextUpdate` and on every revocation), `GET /health`, `GET /metrics` (Prometheus text).
///
/// Errors are JSON `{"status": N, "message": "..."}`. Every refusal is logged with the requester (the provisioner
/// or the client certificate's subject) and the reason; no token, key or CSR is ever logged. Several nodes on one
/// `IssuanceStore` (PostgreSQL) serve as one CA: token ids, revocations and CRLs are shared through the store.
///
/// Run it in a `ServiceGroup`: ``run()`` serves until graceful shutdown, then lets requests in flight finish.
public final class CAService: Service, Sendable {
    let ca: CertificateAuthority
    let client: EP11Client
    let configuration: CAServiceConfiguration
    let logger: Logger
    let metrics = CAServiceMetrics()
    private let keyCache = ProvisionerKeyCache()
    private let recentTokenIDs = RecentTokenIDs()
    /// The JSON writer for the CA chain last issued under (renewed CA certificates change it).
    private let issuedBody = Mutex<IssuedBodyWriter?>(nil)
    private let crlRefresher: CRLRefresher
    private let port = PortBox()

    var store: any IssuanceStore { ca.store }

    /// A service for `ca` (its store is the one the service shares with other nodes), reaching the HSM through
    /// `client` for health checks.
    ///
    /// - Throws: ``CAServiceError`` when the configuration is refused (see ``CAServiceConfiguration/validate()``).
    public init(
        ca: CertificateAuthority,
        client: EP11Client,
        configuration: CAServiceConfiguration,
        logger: Logger = Logger(label: "hpcs.ca.service", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        try configuration.validate()
        self.ca = ca
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.crlRefresher = CRLRefresher(ca: ca, validity: configuration.crlValidity)
        ca.setInstrumentation(metrics)
    }

    /// The port the service listens on, once it does (waits until then).
    public func boundPort() async throws -> Int {
        try await port.wait()
    }

    /// Serves until graceful shutdown (or cancellation); requests in flight finish first.
    public func run() async throws {
        let application = try await makeApplication()
        defer { port.fail() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await application.run() }
            group.addTask { [self] in
                try? await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(60))
                        await self.refreshCRLIfDue()
                    }
                }
            }
        }
    }

    // MARK: - Application

    func makeApplication() async throws -> some ApplicationProtocol {
        let router = Router(context: CAServiceRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.post("/1.0/sign") { request, context in
            await self.respond(route: "sign", context) { requester in
                try await self.sign(request, context, requester)
            }
        }
        router.post("/1.0/renew") { request, context in
            await self.respond(route: "renew", context) { requester in
                try await self.renew(request, context, requester)
            }
        }
        router.post("/1.0/revoke") { request, context in
            await self.respond(route: "revoke", context) { requester in
                try await self.revoke(request, context, requester)
            }
        }
        router.get("/roots.pem") { _, context in
            await self.respond(route: "roots", context) { _ in
                let chain = await self.ca.certificateChainDER
                return Self.pemResponse(chain.suffix(1))
            }
        }
        router.get("/intermediates.pem") { _, context in
            await self.respond(route: "intermediates", context) { _ in
                let chain = await self.ca.certificateChainDER
                return Self.pemResponse(chain.dropLast())
            }
        }
        router.get("/crl") { _, context in
            await self.respond(route: "crl", context) { _ in
                let der = try await self.currentCRL()
                return Response(
                    status: .ok, headers: [.contentType: "application/pkix-crl"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: der)))
            }
        }
        router.get("/health") { _, _ in
            await self.health()
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.text())))
        }

        let server: HTTPServerBuilder
        if let tls = configuration.tls {
            server = try .tls(.http1(), configuration: try await tlsConfiguration(tls))
        } else {
            server = .http1()
        }
        let port = self.port
        return Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                port.set(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
    }

    /// The listener's TLS: the service certificate, and optional client certificates (mutual TLS) verified
    /// against the client roots (default: the CA's own chain) with RFC 5280 rules. The handlers then accept a
    /// client certificate only when the store holds exactly it.
    private func tlsConfiguration(_ tls: CAServiceConfiguration.TLS) async throws -> TLSChannelConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(tls.certificateChainPEM)
            guard !chain.isEmpty else { throw CAServiceError.badRequest("no certificate") }
        } catch {
            throw CAServiceError.badRequest("the TLS certificate (--tls-cert) is not PEM certificates")
        }
        do {
            key = try NIOSSLPrivateKey(bytes: tls.privateKeyPEM, format: .pem)
        } catch {
            throw CAServiceError.badRequest("the TLS key (--tls-key) is not an unencrypted PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .optionalVerification
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw CAServiceError.badRequest("the TLS key (--tls-key) does not belong to the certificate (--tls-cert)")
        }
        let caChain = await ca.certificateChain
        var roots = caChain
        if let pem = tls.clientCertificateRootsPEM {
            do {
                roots = try CertificateParsing.certificates(fromPEMOrDER: pem)
            } catch {
                throw CAServiceError.badRequest("the client CA roots (--client-ca) are not PEM certificates")
            }
        }
        let trusted = roots
        return TLSChannelConfiguration(tlsConfiguration: configuration) { presented in
            await Self.verifyClient(presented, roots: trusted, intermediates: caChain)
        }
    }

    static func verifyClient(
        _ presented: [NIOSSLCertificate], roots: [Certificate], intermediates: [Certificate]
    ) async -> NIOSSLVerificationResult {
        let parsed = presented.compactMap { certificate -> Certificate? in
            guard let der = try? certificate.toDERBytes() else { return nil }
            return try? CertificateParsing.certificates(fromPEMOrDER: der).first
        }
        guard let leaf = parsed.first, parsed.count == presented.count else { return .failed }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
        }
        let result = await verifier.validate(
            leaf: leaf, intermediates: CertificateStore(intermediates + parsed.dropFirst()))
        if case .validCertificate = result { return .certificateVerified }
        return .failed
    }

    // MARK: - Responses

    /// Who asked: a provisioner or a client certificate's subject, for the log line of a refusal.
    final class Requester: Sendable {
        private let value = Mutex("anonymous")
        func set(_ text: String) { value.withLock { $0 = text } }
        var text: String { value.withLock { $0 } }
    }

    /// Runs a handler; a thrown error becomes a JSON error response, counted and logged with the requester.
    private func respond(
        route: String,
        _ context: CAServiceRequestContext,
        _ body: (Requester) async throws -> Response
    ) async -> Response {
        let requester = Requester()
        do {
            return try await body(requester)
        } catch {
            let failure = CAServiceError.from(error)
            metrics.refused(failure.reason)
            var metadata: Logger.Metadata = [
                "hpcs.ca.route": "\(route)",
                "hpcs.ca.requester": "\(requester.text)",
                "hpcs.ca.reason": "\(failure.reason)",
                "hpcs.http.status": "\(failure.status)",
                "hpcs.ca.message": "\(failure.message)",
            ]
            if failure.status >= 500, let cause = humanReadableCause(error) {
                metadata["hpcs.ca.cause"] = "\(cause)"
            }
            context.logger.log(level: failure.status >= 500 ? .error : .notice, "request refused", metadata: metadata)
            return Self.errorResponse(failure)
        }
    }

    private func humanReadableCause(_ error: any Error) -> String? {
        guard let error = error as? CertificateAuthorityError else { return nil }
        var text = error.message
        if let cause = error.cause { text += ": " + (humanReadableMessage(of: cause) ?? "failure") }
        return text
    }

    static func errorResponse(_ error: CAServiceError) -> Response {
        jsonResponse(status: error.status, ["status": error.status, "message": error.message])
    }

    static func jsonResponse(status: Int, _ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func pem(_ der: [UInt8]) -> String {
        "-----BEGIN CERTIFICATE-----\n"
            + Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END CERTIFICATE-----\n"
    }

    static func pemResponse(_ chain: some Sequence<[UInt8]>) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/x-pem-file"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: chain.map(pem).joined())))
    }

    /// The body as a JSON object with only `allowed` members, within the size limit; an empty body (or only white
    /// space) is an empty object when `emptyAllowed`.
    func jsonBody(_ request: Request, allowed: Set<String>, emptyAllowed: Bool = false) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw CAServiceError(
                status: 413, reason: .bodyTooLarge,
                message: "the request body is larger than \(configuration.maximumBodySize / 1024) KiB")
        }
        if emptyAllowed, buffer.readableBytesView.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            return [:]
        }
        // An object of strings (the sign body) is read without Foundation; anything else, and every refusal, by
        // JSONSerialization.
        let object: [String: Any]
        if let strings = buffer.withUnsafeReadableBytes(FlatJSON.stringObject) {
            object = strings
        } else if let parsed = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] {
            object = parsed
        } else {
            throw CAServiceError.badRequest("the request body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw CAServiceError.badRequest(
                "unknown member \(ProvisionerToken.printable(unknown)) in the request (expected "
                    + allowed.sorted().joined(separator: ", ") + ")")
        }
        return object
    }

    // MARK: - Tokens

    /// Verifies a one-time token for `path` (signature, claims), without consuming its id.
    func verifyToken(_ text: String, path: String, _ requester: Requester) async throws -> ProvisionerToken {
        let unverified = try ProvisionerToken.read(text)
        let name = ProvisionerToken.printable(unverified.issuer)
        requester.set("provisioner \(name)")
        let key = try await keyCache.key(named: unverified.issuer, lifetime: configuration.provisionerCacheLifetime) {
            try await self.metrics.database("provisioner") {
                try await self.store.provisioner(named: unverified.issuer)
            }
        }
        guard let key else {
            throw CAServiceError.unauthorized(.unknownProvisioner, "no provisioner \(name) is registered")
        }
        guard unverified.algorithm == key.algorithm, key.verifies(text) else {
            throw CAServiceError.unauthorized(
                .tokenSignature, "the token's signature does not verify with provisioner \(name)'s key")
        }
        return try ProvisionerToken.check(
            unverified,
            audiences: configuration.audiences(for: path, boundPort: (try? await port.wait()) ?? configuration.port),
            audiencePath: path,
            pathOnly: configuration.audiencePathOnly,
            now: Date(),
            clockSkew: configuration.clockSkew.timeInterval,
            maximumLifetime: configuration.maximumTokenLifetime.timeInterval)
    }

    /// The token's id as the store keeps it: past the token's expiry plus the skew, so an id is never forgotten
    /// while its token could pass.
    func storedID(of token: ProvisionerToken) -> OneTimeTokenID {
        OneTimeTokenID(
            provisioner: token.provisioner, id: token.tokenID,
            expiresAt: token.expiresAt.addingTimeInterval(configuration.clockSkew.timeInterval + 60))
    }

    static let tokenReplayed = CAServiceError.unauthorized(
        .tokenReplayed, "the token was already used (one-time token)")

    /// Consumes the token's id in the shared store (for a revocation): refused when any node accepted it before.
    func consume(_ token: ProvisionerToken) async throws {
        let id = storedID(of: token)
        let first = try await metrics.database("token") {
            try await store.consumeTokenID(id.id, provisioner: id.provisioner, expiresAt: id.expiresAt)
        }
        guard first else { throw Self.tokenReplayed }
    }

    // MARK: - Client certificates

    /// The certificate the client presented over mutual TLS (DER and fields), named as the requester; not yet
    /// checked against the store.
    func peerCertificate(
        _ context: CAServiceRequestContext, _ requester: Requester
    ) async throws -> ([UInt8], Certificate) {
        guard let der = await context.peerCertificateDER() else {
            throw CAServiceError.unauthorized(
                .clientCertificateRequired, "this request needs a client certificate (mutual TLS) issued by this CA")
        }
        guard let certificate = try? CertificateParsing.certificates(fromPEMOrDER: der).first else {
            throw CAServiceError.unauthorized(.clientCertificateUnknown, "the client certificate cannot be read")
        }
        requester.set("certificate \(ProvisionerToken.printable(String(describing: certificate.subject)))")
        return (der, certificate)
    }

    /// The certificate the client presented over mutual TLS, checked against the store: recorded exactly, not
    /// revoked, not expired.
    func clientCertificate(
        _ context: CAServiceRequestContext, _ requester: Requester
    ) async throws -> (Certificate, IssuedCertificateRecord) {
        let (der, certificate) = try await peerCertificate(context, requester)
        let serial = hex(certificate.serialNumber.bytes)
        let record = try await metrics.database("lookup") { try await store.certificate(serial: serial) }
        guard let record, record.certificateDER == der else {
            throw CAServiceError.unauthorized(
                .clientCertificateUnknown, "the client certificate (serial \(serial)) was not issued by this CA")
        }
        guard !record.isRevoked else {
            throw CAServiceError.forbidden(.revoked, "the client certificate (serial \(serial)) is revoked")
        }
        guard record.notValidAfter > Date() else {
            throw CAServiceError.unauthorized(.expired, "the client certificate (serial \(serial)) has expired")
        }
        return (certificate, record)
    }

    // MARK: - Sign, renew, revoke

    func sign(
        _ request: Request, _ context: CAServiceRequestContext, _ requester: Requester
    ) async throws -> Response {
        let body = try await jsonBody(request, allowed: ["csr", "ott"])
        guard let csrText = body["csr"] as? String, let tokenText = body["ott"] as? String else {
            throw CAServiceError.badRequest("the request needs \"csr\" (PEM) and \"ott\" (the one-time token)")
        }
        let token = try await verifyToken(tokenText, path: "/1.0/sign", requester)
        let csr = try Self.readCSR(csrText)
        try SubjectNames.check(csr: csr, token: token)
        // The token's id is consumed in the transaction that records the certificate (one durable write per
        // request); this node's own record of ids in use refuses a replay to it before the HSM signs.
        let id = storedID(of: token)
        guard recentTokenIDs.reserve(id) else { throw Self.tokenReplayed }
        let (profile, validity) = (configuration.profile, configuration.validity)
        let issued: IssuedCertificate
        do {
            issued = try await metrics.issuance("sign") {
                try await ca.sign(
                    csrWithCheckedSignature: csr, profile: profile, validity: validity, consumingToken: id)
            }
        } catch {
            // Not recorded, so not consumed (unless another node consumed it): the token may be presented again.
            if (error as? CertificateAuthorityError)?.code != .tokenAlreadyUsed { recentTokenIDs.release(id) }
            throw error
        }
        return issuedResponse(
            issued, context, "issued certificate", requester,
            ["hpcs.ca.subject": "\(ProvisionerToken.printable(String(describing: issued.certificate.subject)))"])
    }

    func renew(
        _ request: Request, _ context: CAServiceRequestContext, _ requester: Requester
    ) async throws -> Response {
        let (der, current) = try await peerCertificate(context, requester)
        let body = try await jsonBody(request, allowed: ["csr"], emptyAllowed: true)
        if let value = body["csr"] {
            // Optional, for step-ca clients that send one: it must hold the current key and subject.
            guard let csrText = value as? String else {
                throw CAServiceError.badRequest("\"csr\" must be a PEM certificate request (or leave the body empty)")
            }
            let csr = try Self.readCSR(csrText)
            guard csr.publicKey == current.publicKey else {
                throw CAServiceError.forbidden(.namesMismatch, "the CSR's key is not the current certificate's key")
            }
            guard csr.subject == current.subject else {
                throw CAServiceError.forbidden(.namesMismatch, "the CSR's subject is not the current certificate's")
            }
        }
        let (profile, validity) = (configuration.profile, configuration.validity)
        let issued = try await Self.renewalRefusals {
            try await metrics.issuance("renew") {
                try await ca.renew(certificatePEMOrDER: der, profile: profile, validity: validity)
            }
        }
        return issuedResponse(
            issued, context, "renewed certificate", requester,
            ["hpcs.ca.previous_serial": "\(hex(current.serialNumber.bytes))"])
    }

    /// Runs a renewal, turning the CA's refusals of the presented certificate into the client's errors: one this
    /// CA did not record is unknown (401), a revoked one forbidden (403), an expired one 401.
    static func renewalRefusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CertificateAuthorityError {
            switch error.code {
            case .certificateMismatch, .notFound:
                throw CAServiceError.unauthorized(.clientCertificateUnknown, error.message)
            case .certificateRevoked:
                throw CAServiceError.forbidden(.revoked, error.message)
            case .certificateExpired:
                throw CAServiceError.unauthorized(.expired, error.message)
            default:
                throw error
            }
        }
    }

    func revoke(
        _ request: Request, _ context: CAServiceRequestContext, _ requester: Requester
    ) async throws -> Response {
        let body = try await jsonBody(request, allowed: ["serial", "reasonCode", "reason", "ott", "passive"])
        guard let serialText = body["serial"] as? String, let serial = Self.normalizedSerial(serialText) else {
            throw CAServiceError.badRequest("the request needs \"serial\", the serial number in hex")
        }
        var reason = RevocationReason.unspecified
        if body["reasonCode"] != nil {
            // Read with a decoder, which tells a number from a JSON boolean (JSONSerialization does not).
            struct ReasonCode: Decodable { var reasonCode: Int }
            let data = try? JSONSerialization.data(withJSONObject: ["reasonCode": body["reasonCode"] ?? 0])
            let decoded = data.flatMap { try? JSONDecoder().decode(ReasonCode.self, from: $0) }
            guard let code = decoded?.reasonCode, !(body["reasonCode"] is String),
                [0, 1, 2, 3, 4, 5, 6, 9].contains(code)
            else {
                throw CAServiceError.badRequest(
                    "\"reasonCode\" must be an RFC 5280 reason code: 0 to 6 or 9 (8, removeFromCRL, is not a reason)")
            }
            reason = RevocationReason(rawValue: code)
        }
        if let tokenText = body["ott"] as? String {
            let token = try await verifyToken(tokenText, path: "/1.0/revoke", requester)
            guard Self.normalizedSerial(token.subject) == serial else {
                throw CAServiceError.forbidden(
                    .namesMismatch, "the token's subject (sub) is not the serial number \(serial)")
            }
            try await consume(token)
        } else if body["ott"] != nil {
            throw CAServiceError.badRequest("\"ott\" must be a string (the one-time token)")
        } else {
            let (_, record) = try await clientCertificate(context, requester)
            guard record.serialNumber == serial else {
                throw CAServiceError.forbidden(
                    .namesMismatch, "a client certificate revokes only itself, not serial \(serial)")
            }
        }
        _ = try await metrics.database("revoke") { try await ca.revoke(serialNumber: serial, reason: reason) }
        metrics.revoked.increment()
        context.logger.notice(
            "revoked certificate",
            metadata: [
                "hpcs.ca.requester": "\(requester.text)", "hpcs.ca.serial": "\(serial)",
                "hpcs.ca.reason": "\(reason)",
            ])
        do {
            _ = try await crlRefresher.regenerate(fresh: true)
        } catch {
            // The revocation stands (it is in the store); the next /crl or the periodic check signs the CRL.
            context.logger.error(
                "CRL not regenerated after a revocation",
                metadata: ["hpcs.ca.cause": "\(CAServiceError.from(error).message)"])
        }
        return Self.jsonResponse(status: 200, ["status": "ok"])
    }

    static func readCSR(_ text: String) throws -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateParsing.certificateSigningRequest(fromPEMOrDER: Array(text.utf8))
        } catch {
            throw CAServiceError(status: 400, reason: .csrInvalid, message: "\"csr\" is not a PEM certificate request")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CAServiceError(status: 400, reason: .csrInvalid, message: "the CSR signature does not verify")
        }
        return csr
    }

    /// The body of sign and renew, step-ca's shape: `{"ca": PEM, "certChain": [PEM, ...], "crt": PEM}`.
    ///
    /// Written as bytes: PEM holds only base64 digits, `-`, spaces, letters and line feeds, so a line feed (`\n`)
    /// is the only character to escape; the leaf's base64 goes straight into the response buffer, and the issuer
    /// part, the same for every certificate, is made once.
    struct IssuedBodyWriter: Sendable {
        /// The CA chain (the issuer first) the writer is for.
        let chain: [[UInt8]]
        /// `"<issuer>"`, the `ca` member.
        private let caText: [UInt8]
        /// `,"<issuer>",...`, the chain after the leaf in `certChain`.
        private let issuerText: [UInt8]

        init(chain: [[UInt8]]) {
            self.chain = chain
            let texts = chain.map { Self.jsonPEM($0) }
            caText = texts.first ?? Array(#""""#.utf8)
            issuerText = texts.flatMap { [UInt8(ascii: ",")] + $0 }
        }

        private static let begin = Array(#""-----BEGIN CERTIFICATE-----\n"#.utf8)
        private static let end = Array(#"\n-----END CERTIFICATE-----\n""#.utf8)

        /// The certificate `der` as PEM in a JSON string (quotes included, each line feed written `\n`).
        static func jsonPEM(_ der: [UInt8]) -> [UInt8] {
            var buffer = ByteBuffer()
            writeJSONPEM(der, to: &buffer)
            return Array(buffer.readableBytesView)
        }

        /// Writes ``jsonPEM(_:)`` of `der` to `buffer`: 64 base64 digits a line, as PEM has them.
        static func writeJSONPEM(_ der: [UInt8], to buffer: inout ByteBuffer) {
            let base64 = Data(der).base64EncodedData()
            buffer.reserveCapacity(buffer.writerIndex + base64.count + base64.count / 32 + begin.count + end.count)
            buffer.writeBytes(begin)
            base64.withUnsafeBytes { digits in
                var start = 0
                while start < digits.count {
                    let line = min(start + 64, digits.count)
                    if start > 0 { buffer.writeStaticString(#"\n"#) }
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: digits[start..<line]))
                    start = line
                }
            }
            buffer.writeBytes(end)
        }

        /// The body for the leaf `der` issued under ``chain``.
        func body(leaf der: [UInt8]) -> ByteBuffer {
            var leaf = ByteBuffer()
            Self.writeJSONPEM(der, to: &leaf)
            var buffer = ByteBuffer()
            buffer.reserveCapacity(2 * leaf.readableBytes + caText.count + issuerText.count + 32)
            buffer.writeStaticString(#"{"ca":"#)
            buffer.writeBytes(caText)
            buffer.writeStaticString(#","certChain":["#)
            buffer.writeImmutableBuffer(leaf)
            buffer.writeBytes(issuerText)
            buffer.writeStaticString(#"],"crt":"#)
            buffer.writeImmutableBuffer(leaf)
            buffer.writeStaticString("}")
            return buffer
        }
    }

    /// Counts and logs an issued certificate (`message`, the requester, the serial and `metadata`); returns
    /// ``issuedResponse(_:)``. `metadata` is made only when the log level writes the line (the subject's text
    /// costs more than the rest of the line).
    func issuedResponse(
        _ issued: IssuedCertificate, _ context: CAServiceRequestContext, _ message: Logger.Message,
        _ requester: Requester, _ metadata: @autoclosure () -> Logger.Metadata
    ) -> Response {
        metrics.issued.increment()
        context.logger.info(
            message,
            metadata: metadata().merging(
                ["hpcs.ca.requester": "\(requester.text)", "hpcs.ca.serial": "\(issued.serialNumber)"]
            ) { $1 })
        return issuedResponse(issued)
    }

    /// 201 with the issued chain (``IssuedBodyWriter``, made again when the CA chain changes).
    func issuedResponse(_ issued: IssuedCertificate) -> Response {
        let chain = Array(issued.chainDER.dropFirst())
        let writer = issuedBody.withLock { cached in
            if let cached, cached.chain == chain { return cached }
            let writer = IssuedBodyWriter(chain: chain)
            cached = writer
            return writer
        }
        return Response(
            status: .created, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: writer.body(leaf: issued.der)))
    }

    static func normalizedSerial(_ text: String) -> String? {
        let hex = text.lowercased().replacingOccurrences(of: ":", with: "")
        guard !hex.isEmpty, hex.count <= 40, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return hex
    }

    // MARK: - CRL

    /// The DER of the store's latest CRL, signed again first when it is missing or close to its `nextUpdate`.
    func currentCRL() async throws -> [UInt8] {
        if let stored = try await metrics.database("latest_crl", { try await store.latestCRL() }),
            stored.nextUpdate.timeIntervalSinceNow > configuration.crlRenewalMargin.timeInterval
        {
            return stored.der
        }
        return try await crlRefresher.regenerate()
    }

    func refreshCRLIfDue() async {
        do {
            _ = try await currentCRL()
        } catch {
            logger.error(
                "CRL refresh failed", metadata: ["hpcs.ca.cause": "\(CAServiceError.from(error).message)"])
        }
    }

    // MARK: - Health

    func health() async -> Response {
        let timeout = configuration.healthTimeout
        let client = self.client
        let store = self.store
        let metrics = self.metrics
        async let hsm = Self.check(timeout) {
            try await metrics.hsm("probe") { _ = try await client.generateRandom(count: 8) }
        }
        async let database = Self.check(timeout) {
            try await metrics.database("ping") { try await store.ping() }
        }
        let certificate: String
        do {
            let fields = try await ca.certificate()
            let now = Date()
            certificate =
                fields.notValidBefore <= now && now < fields.notValidAfter
                ? "ok" : "the CA certificate is outside its validity"
        } catch {
            certificate = "the CA has no certificate"
        }
        let checks = ["hsm": await hsm, "database": await database, "certificate": certificate]
        let failing = checks.filter { $0.value != "ok" }.keys.sorted()
        if failing.isEmpty {
            return Self.jsonResponse(status: 200, ["status": "ok", "checks": checks])
        }
        logger.error(
            "health check failed",
            metadata: checks.reduce(into: Logger.Metadata()) { $0["hpcs.ca.health.\($1.key)"] = "\($1.value)" })
        return Self.jsonResponse(
            status: 503,
            [
                "status": 503,
                "message": "unhealthy: " + failing.map { "\($0): \(checks[$0] ?? "")" }.joined(separator: "; "),
                "checks": checks,
            ])
    }

    /// "ok", or what failed: an error's message, or a timeout.
    static func check(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> Void) async -> String {
        let outcome = await withTimeout(timeout) {
            do {
                try await body()
                return "ok"
            } catch {
                return humanReadableMessage(of: error) ?? "failed"
            }
        }
        return outcome ?? "no answer within \(timeout)"
    }
}

/// Runs `body` in a task of its own; `nil` when it has not finished within `timeout` (it is then cancelled and
/// not waited for).
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    let gate = OnceGate<T?>()
    return await withCheckedContinuation { continuation in
        gate.arm(continuation)
        let work = Task {
            gate.resume(returning: await body())
        }
        Task {
            try? await Task.sleep(for: timeout)
            if gate.resume(returning: nil) { work.cancel() }
        }
    }
}

/// A continuation resumed once, by whichever side comes first.
final class OnceGate<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// Resumes with `value` unless already resumed; returns whether this call did.
    @discardableResult
    func resume(returning value: T) -> Bool {
        guard let waiting = continuation.withLock({ $0.take() }) else { return false }
        waiting.resume(returning: value)
        return true
    }
}

/// The port once the server listens, for ``CAService/boundPort()``.
final class PortBox: Sendable {
    private struct State {
        var port: Int?
        var failed = false
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }
    private let state = Mutex(State())

    func set(_ port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func fail() {
        let waiters = state.withLock { state in
            state.failed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume(throwing: CAServiceError.unavailable("the CA service is not listening"))
        }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = state.withLock { state in
                if let port = state.port { return .success(port) }
                if state.failed { return .failure(CAServiceError.unavailable("the CA service is not listening")) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// The token ids this node is issuing for or has issued for, until they expire: a replay to this node is refused
/// before the HSM signs. Only an early refusal: the store, shared by every node, decides
/// (``IssuanceStore/record(_:consumingToken:)``), so forgetting ids (past ``capacity``) costs nothing but an HSM
/// signature.
final class RecentTokenIDs: Sendable {
    private struct Key: Hashable {
        var provisioner: String
        var id: String
    }
    private let entries = Mutex<[Key: Date]>([:])
    static let capacity = 100_000

    /// Marks `token` in use; `false` when it already is.
    func reserve(_ token: OneTimeTokenID, now: Date = Date()) -> Bool {
        let key = Key(provisioner: token.provisioner, id: token.id)
        return entries.withLock { entries in
            if let until = entries[key], until > now { return false }
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value > now }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[key] = token.expiresAt
            return true
        }
    }

    /// Forgets `token` (its issuance failed before it was consumed).
    func release(_ token: OneTimeTokenID) {
        _ = entries.withLock { $0.removeValue(forKey: Key(provisioner: token.provisioner, id: token.id)) }
    }
}

/// Provisioners' parsed keys, by name, read from the store again once older than the configured lifetime
/// (``CAServiceConfiguration/provisionerCacheLifetime``), and whenever the stored key text changed. An unknown name
/// is not remembered: a provisioner added on any node is usable at once.
///
/// With a lifetime, the requests that find a name's entry missing or expired share one read of the store (begun
/// after the entry expired), instead of one read each: no burst of reads and new database connections every
/// lifetime. Without a cache (a zero lifetime) every request reads the store itself.
final class ProvisionerKeyCache: Sendable {
    private struct Entry {
        var text: String
        var key: ProvisionerKey
        var readAt: ContinuousClock.Instant
    }
    private struct Read {
        var task: Task<ProvisionerRecord?, any Error>
        var startedAt: ContinuousClock.Instant
    }
    private struct State {
        var entries: [String: Entry] = [:]
        var reads: [String: Read] = [:]
    }
    private enum Lookup {
        case cached(ProvisionerKey)
        case shared(Read)
        case own
    }
    private let state = Mutex(State())

    /// The key of the provisioner `name`, or `nil` when `read` (the store) has none.
    func key(
        named name: String, lifetime: Duration, read: @escaping @Sendable () async throws -> ProvisionerRecord?
    ) async throws -> ProvisionerKey? {
        let now = ContinuousClock.now
        let lookup = state.withLock { state -> Lookup in
            if let entry = state.entries[name], now - entry.readAt < lifetime { return .cached(entry.key) }
            guard lifetime > .zero else { return .own }
            if let shared = state.reads[name] { return .shared(shared) }
            let shared = Read(task: Task { try await read() }, startedAt: now)
            state.reads[name] = shared
            return .shared(shared)
        }
        let record: ProvisionerRecord?
        let readAt: ContinuousClock.Instant
        var sharedRead: Read?
        // The shared read is forgotten once its outcome is in the entries (a later request then finds the entry).
        defer {
            if let sharedRead {
                state.withLock { if $0.reads[name]?.task == sharedRead.task { $0.reads[name] = nil } }
            }
        }
        switch lookup {
        case .cached(let key):
            return key
        case .own:
            (record, readAt) = (try await read(), now)
        case .shared(let shared):
            sharedRead = shared
            (record, readAt) = (try await shared.task.value, shared.startedAt)
        }
        guard let record else {
            _ = state.withLock { $0.entries.removeValue(forKey: name) }
            return nil
        }
        if let entry = state.withLock({ $0.entries[name] }), entry.text == record.publicKey {
            state.withLock { $0.entries[name]?.readAt = max(entry.readAt, readAt) }
            return entry.key
        }
        let key: ProvisionerKey
        do {
            key = try await ProvisionerKey(text: record.publicKey)
        } catch {
            throw CAServiceError(
                status: 500, reason: .internalError,
                message: "provisioner \(ProvisionerToken.printable(record.name))'s stored key is unusable")
        }
        state.withLock { state in
            if state.entries.count > 1024 { state.entries.removeAll() }
            state.entries[name] = Entry(text: record.publicKey, key: key, readAt: readAt)
        }
        return key
    }
}

/// Signs CRLs one at a time on this node: concurrent requests for a new CRL share one signature.
actor CRLRefresher {
    private let ca: CertificateAuthority
    private let validity: Duration
    private var inFlight: Task<[UInt8], any Error>?

    init(ca: CertificateAuthority, validity: Duration) {
        self.ca = ca
        self.validity = validity
    }

    /// Signs a new CRL (stored as the latest for every node) and returns its DER. Joins one being signed, unless
    /// `fresh` (after a revocation: one that began before it may miss it), which waits for it and signs anew.
    func regenerate(fresh: Bool = false) async throws -> [UInt8] {
        while let inFlight {
            let value = try? await inFlight.value
            if !fresh, let value { return value }
            if self.inFlight == inFlight { self.inFlight = nil }
        }
        let (ca, validity) = (self.ca, self.validity)
        let task = Task { try await ca.generateCRL(validity: validity).der }
        inFlight = task
        defer { if inFlight == task { inFlight = nil } }
        return try await task.value
    }
}
