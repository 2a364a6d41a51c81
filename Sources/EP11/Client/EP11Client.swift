import Foundation
public import GRPCCore
import GRPCProtobuf
import IAM
public import Logging
internal import NIOCore
import NIOPosix
import SwiftProtobuf
import Synchronization

/// A client for an EP11 HSM over GREP11 (HPCS, an on-premises GREP11 server, or `HSMMock`).
///
/// Every GREP11 RPC is an async method with typed arguments. Failures throw ``EP11Error``; the HSM's return value
/// is in ``EP11Error/returnValue``.
///
/// Run the client's connections while you use it, either scoped:
/// ```swift
/// try await withEP11Client(configuration) { client in
///     let key = try await client.generateKey(.aesKeyGen, template: [.valueLength(32), .encrypt(true), .decrypt(true)])
/// }
/// ```
/// or with ``run()`` in a task (or a service group) and ``beginGracefulShutdown()`` when done.
///
/// ## Several endpoints
///
/// With ``Configuration/failoverEndpoints`` the client keeps connections to every endpoint of
/// ``Configuration/endpoints`` and sends each call to one of them. A call starts at the endpoint that answered
/// last (at first, ``Configuration/host``). When the endpoint cannot be reached or serves nothing (connection
/// refused, host unreachable, a failed TLS handshake, gRPC `unavailable`), the call goes to the next endpoint in
/// order at once, wrapping around. Only when every endpoint has failed so in a row does the ``RetryPolicy`` apply:
/// the round counts as one attempt, and the next round starts after the policy's backoff if the last failure is
/// retryable. An HSM's answer (`CKR_*`), a refused credential and the deadline are not endpoint failures: they
/// end or retry the call where it is. One deadline (``Timeouts/call``) covers every endpoint, attempt and wait.
/// An endpoint that silently drops the connection attempt (no refusal) holds the call until its deadline; set
/// the deadline with that in mind.
///
/// ## Master-key rotation
///
/// See ``MasterKeyRotation``: a call whose key blob is under a master key the HSM no longer has can re-encipher
/// it and retry once.
///
/// ## Where a call runs
///
/// The operations are `nonisolated(nonsending)`: a call runs on its caller's executor (no switch to the global
/// executor on entry and back on return). Called from an actor, such as the main actor, the few microseconds of
/// building and encoding the request and decoding the answer run on that actor; the actor is free while the call
/// waits for the HSM, as it would be otherwise, and the answer resumes the caller there directly. Code that must
/// keep even that off its actor calls from a nonisolated function or a task of its own.
public final class EP11Client: Sendable {
    private let caller: any UnaryCaller
    private let tokenSource: (any BearerTokenSource)?
    private let timeouts: Timeouts
    private let retryPolicy: RetryPolicy
    private let masterKeyRotation: MasterKeyRotation
    private let logger: Logger
    /// `host:port` of the endpoint, for messages.
    private let target: String
    /// The further endpoints (``Configuration/failoverEndpoints``), each a client with its own connections.
    private let failover: [EP11Client]
    /// The endpoint (0: this one, then ``failover``) that answered last: calls start there.
    private let preferredEndpoint = Mutex(0)
    /// The clock deadlines are measured and backoffs waited on (``Configuration/clock``).
    private let clock: ErasedClock

    /// A client for a GREP11 endpoint over HTTP/2, on the transport ``Configuration/transport`` names.
    public convenience init(configuration: Configuration, logger: Logger = EP11Client.noOpLogger) throws {
        if !configuration.failoverEndpoints.isEmpty {
            // One client per endpoint, each checked and connected as a client of that endpoint alone.
            var single = configuration
            single.failoverEndpoints = []
            let clients = try configuration.endpoints.map { endpoint in
                single.host = endpoint.host
                single.port = endpoint.port
                return try EP11Client(configuration: single, logger: logger)
            }
            self.init(caller: clients[0].caller, configuration: configuration, logger: logger, failover: clients[1...])
            return
        }
        if case .plaintext = configuration.transportSecurity.mode, configuration.authentication.tokenSource != nil {
            throw EP11Error(
                code: .invalidArgument,
                message: "refusing to send credentials over plaintext HTTP/2; use TLS or no authentication"
            )
        }
        let isIPLiteral = IPLiteral.isIPv4(configuration.host) || IPLiteral.isIPv6(configuration.host)
        if isIPLiteral, case .tls(let tls) = configuration.transportSecurity.mode,
            !tls.insecureSkipHostnameVerification, tls.serverNameCheck == .standard
        {
            // TLS sends no server name for an IP address, so the name in the certificate cannot be checked.
            throw EP11Error(
                code: .invalidArgument,
                message: "TLS to the IP address \(configuration.host) cannot verify the server name; "
                    + "connect by host name, choose the server name check host-or-host-and-port, "
                    + "or set insecureSkipHostnameVerification to rely on the chain alone"
            )
        }
        guard (1...65535).contains(configuration.port) else {
            throw EP11Error(code: .invalidArgument, message: "invalid GREP11 port \(configuration.port)")
        }
        let verifier = try Self.serverCertificateVerifier(configuration, isIPLiteral: isIPLiteral)
        switch configuration.transport.kind {
        case .cgrpc:
            let channel = try CoreChannel(
                host: configuration.host,
                port: configuration.port,
                isIPLiteral: isIPLiteral,
                security: configuration.transportSecurity,
                serverVerifier: verifier,
                instanceID: configuration.instanceID
            )
            let caller = Self.reportingRefusals(channel, verifier)
            self.init(caller: caller, configuration: configuration, logger: logger)
        case .nio:
            var tls: H2Channel.TLS?
            if case .tls(let settings) = configuration.transportSecurity.mode {
                tls = try Self.nioTLS(
                    settings, host: configuration.host, isIPLiteral: isIPLiteral, verifier: verifier)
            }
            let host = configuration.host
            let channel = H2Channel(
                settings: H2Channel.Settings(
                    host: host,
                    port: configuration.port,
                    isIPLiteral: isIPLiteral,
                    authority: IPLiteral.isIPv6(host)
                        ? "[\(host)]:\(configuration.port)" : "\(host):\(configuration.port)",
                    tls: tls,
                    maximumIdleTime: configuration.nio.maximumIdleTime > .zero
                        ? TimeAmount(configuration.nio.maximumIdleTime) : nil,
                    flushCoalescing: configuration.nio.flushCoalescing,
                    instanceID: configuration.instanceID),
                group: configuration.nioEventLoopGroup ?? MultiThreadedEventLoopGroup.singleton)
            self.init(caller: Self.reportingRefusals(channel, verifier), configuration: configuration, logger: logger)
        }
    }

    /// A client over any gRPC transport, e.g. an in-process transport to `HSMMock`. `configuration` supplies
    /// authentication, timeouts and retries; its host, port, transport security and transport are not used.
    public convenience init(
        transport: some ClientTransport,
        configuration: Configuration = Configuration(host: "in-process"),
        logger: Logger = EP11Client.noOpLogger
    ) {
        self.init(
            caller: GRPCCoreCaller(transport: transport, instanceID: configuration.instanceID),
            configuration: configuration, logger: logger)
    }

    private init(
        caller: any UnaryCaller, configuration: Configuration, logger: Logger, failover: ArraySlice<EP11Client> = []
    ) {
        self.caller = caller
        self.failover = Array(failover)
        self.clock = configuration.clock ?? ErasedClock(ContinuousClock())
        self.masterKeyRotation = configuration.masterKeyRotation
        self.tokenSource = configuration.authentication.tokenSource
        self.timeouts = configuration.timeouts
        self.retryPolicy = configuration.retryPolicy
        self.logger = logger
        let host = configuration.host
        self.target = host.contains(":") ? "[\(host)]:\(configuration.port)" : "\(host):\(configuration.port)"
    }

    /// A logger that discards everything; the default.
    public static let noOpLogger = Logger(label: "hpcs.ep11", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs the client's connections until ``beginGracefulShutdown()``. Calls made before `run()` wait for it.
    public func run() async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for endpoint in failover {
                    group.addTask { try await endpoint.caller.run() }
                }
                try await caller.run()
                try await group.waitForAll()
            }
        } catch {
            throw EP11Error(code: .transportFailure, message: "GREP11 connections stopped", cause: error)
        }
    }

    /// Lets calls in flight finish, then stops ``run()``.
    public func beginGracefulShutdown() {
        caller.beginGracefulShutdown()
        for endpoint in failover { endpoint.caller.beginGracefulShutdown() }
    }

    // MARK: - Calling

    /// Runs one RPC with authentication metadata, the overall deadline, retries and, for a request that carries
    /// key blobs (`keys`), master-key rotation (``Configuration/masterKeyRotation``).
    ///
    /// The deadline is one instant for all attempts, the backoff between them, the IAM token wait and a rewrap
    /// with its retry. Each attempt gets what is left of it: the C core takes it as the call's own deadline; on
    /// the grpc-swift-2 path the process's ``DeadlineScheduler`` cancels an attempt that outlives it (no timer
    /// task per call). It runs on the caller's executor (`nonisolated(nonsending)`), as its attempts and the
    /// transport's call do: no executor switch on entry to and return from each layer. `keys` is evaluated only
    /// when the HSM refuses a key as under another master key, so a call builds no list of fields.
    nonisolated(nonsending) package func perform<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        keys: @autoclosure () -> [KeyBlobField<Method.Input>] = []
    ) async throws -> Method.Output {
        let deadline = CallDeadline(clock: clock, limit: timeouts.call)
        do {
            return try await attempts(method, request, deadline: deadline)
        } catch let error as EP11Error where error.returnValue == .ibmWKIDMismatch {
            let keys = keys()
            guard !keys.isEmpty, let rewrap = masterKeyRotation.rewrap else { throw error }
            let retried = try await rewrapKeys(
                of: request, keys, rewrap, method: Method.name, deadline: deadline)
            do {
                return try await attempts(method, retried, deadline: deadline)
            } catch let again as EP11Error where again.returnValue == .ibmWKIDMismatch {
                throw EP11Error(
                    code: again.code,
                    message: "\(Method.name): the key blob is still under another master key after re-enciphering "
                        + "it; the endpoint that rewrapped it has a different next master key than this one's current",
                    detail: again.detail, cause: again)
            }
        }
    }

    /// Re-enciphers every key blob `request` carries under the next master key (``MasterKeyRotation``), hands
    /// each new blob to the caller, and returns the request with the new blobs.
    nonisolated(nonsending) private func rewrapKeys<Input>(
        of request: Input,
        _ keys: [KeyBlobField<Input>],
        _ rewrap: MasterKeyRotation.Rewrap,
        method: String,
        deadline: CallDeadline
    ) async throws -> Input {
        var request = request
        let rewrapper = rewrap.client ?? self
        for field in keys {
            guard let old = field.read(request), !old.bytes.isEmpty else { continue }
            var rewrapRequest = Grep11_RewrapKeyBlobRequest()
            rewrapRequest.wrappedKeyBytes = Data(old.bytes)
            rewrapRequest.wrappedKey = old.wire
            let response: Grep11_RewrapKeyBlobResponse
            do {
                response = try await rewrapper.attempts(
                    Grep11_Crypto.Method.RewrapKeyBlob.self, rewrapRequest, deadline: deadline)
            } catch let error as EP11Error {
                throw EP11Error(
                    code: error.code,
                    message: "\(method): the key blob is under another master key, and re-enciphering it failed: "
                        + error.message,
                    detail: error.detail, isRetryable: false, cause: error)
            }
            let new = try KeyBlob(
                returnedBy: "RewrapKeyBlob", wire: response.rewrappedKey, fallbackBytes: response.rewrappedKeyBytes)
            logger.debug(
                "GREP11 key blob re-enciphered under the next master key",
                metadata: ["hpcs.ep11.method": "\(method)"])
            try await rewrap.onRewrapped(old, new)
            field.write(&request, new)
        }
        return request
    }

    /// The attempts of one call until `deadline`: authentication, retries with backoff.
    nonisolated(nonsending) private func attempts<Method: GREP11UnaryMethod>(
        _ method: Method.Type,
        _ request: Method.Input,
        deadline: CallDeadline
    ) async throws -> Method.Output {
        let name = Method.name
        let limit = deadline.limit
        let attempts = retryPolicy.attempts
        // Built at the first failure: a call that succeeds at once never needs it.
        var backoff: Backoff?
        var refreshedToken = false
        var attempt = 1
        var lastFailure: EP11Error?
        let endpointCount = 1 + failover.count
        var endpoint = endpointCount > 1 ? preferredEndpoint.withLock { $0 } : 0
        // Endpoints that failed to answer since the last backoff.
        var unreachable = 0
        while true {
            // The clock is read once per attempt here (and once more after a token exchange), not by each check.
            var remaining = deadline.remaining
            guard remaining > .zero else {
                throw Self.deadlinePassed(name, limit, after: lastFailure)
            }
            var authorization: String?
            if let tokenSource {
                do {
                    // The call's deadline covers the token exchange too.
                    let token = try await tokenSource.bearerToken(within: remaining)
                    authorization = token.authorizationHeaderValue
                } catch is BearerTokenTimeout {
                    throw EP11Error(
                        code: .timeout,
                        message: "\(name): no IAM token came within the call's deadline (\(limit))")
                } catch {
                    let reason = (error as? IAMError).map { ": " + $0.message } ?? ""
                    throw EP11Error(
                        code: .unauthenticated, message: "could not obtain an IAM token" + reason, cause: error)
                }
                // The deadline covers the token exchange too: what is left of it bounds the call itself.
                remaining = deadline.remaining
                guard remaining > .zero else {
                    throw Self.deadlinePassed(name, limit, after: lastFailure)
                }
            }
            let (caller, target) =
                endpoint == 0 ? (caller, target) : (failover[endpoint - 1].caller, failover[endpoint - 1].target)
            do {
                let response = try await caller.call(
                    method, request, authorization: authorization, timeout: remaining)
                if endpointCount > 1 { preferredEndpoint.withLock { $0 = endpoint } }
                return response
            } catch {
                var mapped: EP11Error
                if error is DeadlineScheduler.DeadlinePassed {
                    mapped = Self.deadlinePassed(name, limit, after: lastFailure)
                } else {
                    mapped = Self.mapError(error, method: name, target: target)
                }
                if mapped.code == .unauthenticated, let tokenSource, !refreshedToken {
                    // The token may have been revoked or expired early: fetch a new one once.
                    refreshedToken = true
                    await tokenSource.invalidate()
                    continue
                }
                if endpointCount > 1, Self.isEndpointFailure(mapped), !Task.isCancelled {
                    // This endpoint cannot be reached: the next one at once; after a round of all, the backoff.
                    endpoint = (endpoint + 1) % endpointCount
                    unreachable += 1
                    if unreachable < endpointCount {
                        lastFailure = mapped
                        logger.debug(
                            "GREP11 endpoint unreachable; trying the next",
                            metadata: ["hpcs.ep11.method": "\(name)", "hpcs.ep11.endpoint": "\(target)"])
                        continue
                    }
                    unreachable = 0
                    mapped.message = "none of the \(endpointCount) GREP11 endpoints answered; last: " + mapped.message
                }
                guard mapped.isRetryable, attempt < attempts else { throw mapped }
                lastFailure = mapped
                logger.debug(
                    "GREP11 call failed; retrying",
                    metadata: ["hpcs.ep11.method": "\(name)", "hpcs.ep11.attempt": "\(attempt)"]
                )
                var waits = backoff ?? retryPolicy.waits()
                let wait = min(waits.nextWait(), deadline.remaining)
                backoff = waits
                if wait > .zero { try await deadline.clock.sleep(for: wait) }
                attempt += 1
            }
        }
    }

    /// Whether a call failed because its endpoint could not be reached or served nothing (refused, unreachable,
    /// TLS handshake failure, gRPC `unavailable`): another endpoint may answer. An HSM's answer (`CKR_*`), a
    /// deadline and a refused credential are not.
    static func isEndpointFailure(_ error: EP11Error) -> Bool {
        error.code == .transportFailure && error.returnValue == nil
    }

    /// The deadline passed; the last retryable failure, if any, says why the attempts before it failed.
    private static func deadlinePassed(_ method: String, _ limit: Duration, after failure: EP11Error?) -> EP11Error {
        EP11Error(
            code: .timeout,
            message: "\(method) did not complete within \(limit)"
                + (failure.map { "; last attempt: \($0.message)" } ?? ""),
            cause: failure
        )
    }

    /// Turns a gRPC failure into an ``EP11Error``: the `Grep11Error` detail when the HSM answered, else a
    /// transport-level code.
    package static func mapError(_ error: any Error, method: String, target: String? = nil) -> EP11Error {
        if let error = error as? EP11Error { return error }
        guard let rpcError = error as? RPCError else {
            if error is CancellationError {
                return EP11Error(code: .transportFailure, message: "\(method) was cancelled", cause: error)
            }
            return EP11Error(code: .transportFailure, message: "\(method) failed", cause: error)
        }
        if let status = try? rpcError.unpackGoogleRPCStatus() {
            let details = status.details.compactMap(\.any).filter { $0.typeURL.hasSuffix("/grep11.Grep11Error") }
            if let any = details.first, let detail = try? Grep11_Grep11Error(serializedBytes: any.value) {
                return EP11Error(
                    returnValue: ReturnValue(rawValue: detail.code),
                    detail: detail.detail,
                    isRetryable: detail.retry
                )
            }
        }
        switch rpcError.code {
        case .unauthenticated, .permissionDenied:
            return EP11Error(code: .unauthenticated, message: rpcError.message, cause: rpcError)
        case .deadlineExceeded:
            return EP11Error(code: .timeout, message: "\(method) did not complete in time", cause: rpcError)
        case .unavailable:
            let place = target.map { " at \($0)" } ?? ""
            if let failure = Self.transportFailure(in: rpcError) {
                // A refused certificate or another TLS failure fails the same way on every attempt: not retryable.
                return EP11Error(
                    code: .transportFailure,
                    message: "cannot reach the GREP11 service\(place): \(failure.explanation)",
                    isRetryable: failure.isRetryable,
                    cause: rpcError
                )
            }
            return EP11Error(
                code: .transportFailure,
                message: "GREP11 service\(place) unavailable",
                isRetryable: true,
                cause: rpcError
            )
        case .resourceExhausted:
            // gRPC uses the code both for a quota (worth a retry) and for a message over the size limit (the same
            // message is refused every time).
            let lowered = rpcError.message.lowercased()
            if lowered.contains("payload size") || lowered.contains("too large") {
                return EP11Error(
                    code: .invalidArgument,
                    message: "\(method): the message is larger than the service accepts (\(rpcError.message))",
                    cause: rpcError)
            }
            return EP11Error(code: .transportFailure, message: rpcError.message, isRetryable: true, cause: rpcError)
        default:
            // A status without a Grep11Error detail; a real server puts the CKR name in the message.
            if let value = ReturnValue(name: rpcError.message) {
                return EP11Error(returnValue: value)
            }
            return EP11Error(
                code: .malformedResponse, message: "\(method): \(rpcError.code): \(rpcError.message)", cause: rpcError)
        }
    }

    /// The connection failure under a gRPC `unavailable` error: the transport wraps it in one or two `RPCError`s.
    static func transportFailure(in error: RPCError) -> TransportFailure? {
        var next: (any Error)? = error.cause
        for _ in 0..<8 {
            guard let current = next else { return nil }
            if let failure = (current as? CoreCallFailure)?.transportFailure { return failure }
            if let failure = TransportFailure.diagnose(current) { return failure }
            next = (current as? RPCError)?.cause
        }
        return nil
    }
}

/// Recognises IP address literals, which get an address target instead of DNS (and no TLS server name). They are
/// read with `inet_pton`, as the connection will be: shorthand such as `127.1` is a name, not an address.
package enum IPLiteral {
    /// The 4 bytes of an IPv4 or the 16 of an IPv6 address literal (without brackets), or `nil` for anything else.
    package static func octets(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func isIPv4(_ host: String) -> Bool { octets(host)?.count == 4 }

    static func isIPv6(_ host: String) -> Bool { octets(host)?.count == 16 }
}

/// Runs an ``EP11Client`` for the duration of `body`, then shuts it down.
///
/// `body` runs on the caller's actor (`isolation`), so it may touch the caller's state.
public func withEP11Client<Result: Sendable>(
    _ configuration: EP11Client.Configuration,
    logger: Logger = EP11Client.noOpLogger,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (EP11Client) async throws -> Result
) async throws -> Result {
    let client = try EP11Client(configuration: configuration, logger: logger)
    return try await withEP11Client(client, isolation: isolation, body)
}

/// Runs an existing ``EP11Client`` for the duration of `body`, then shuts it down.
///
/// The shutdown is graceful but bounded: when `body` has returned, connections get
/// ``EP11Client/shutdownGracePeriod`` to close; one that never will (a server that accepted the connection but never completed the HTTP/2 handshake) is
/// then closed at once, so leaving the scope cannot hang.
public func withEP11Client<Result: Sendable>(
    _ client: EP11Client,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (EP11Client) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self, returning: Result.self, isolation: isolation) { group in
        group.addTask { try await client.run() }
        let result: Result
        do {
            result = try await body(client)
        } catch {
            client.beginGracefulShutdown()
            group.cancelAll()
            throw error
        }
        client.beginGracefulShutdown()
        group.addTask { try? await Task.sleep(for: EP11Client.shutdownGracePeriod) }
        // Whichever ends first: the connections closing, or the grace period; then nothing is waited for.
        _ = try? await group.next()
        group.cancelAll()
        return result
    }
}

extension EP11Client {
    /// How long ``withEP11Client(_:isolation:_:)`` lets connections close after its body returns before closing them at once.
    public static let shutdownGracePeriod: Duration = .seconds(5)
}
