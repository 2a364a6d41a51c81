import AsyncHTTPClient
import Foundation
public import IAM
public import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client for the Key Protect / Hyper Protect Crypto Services KMS API (v2) of one service instance.
///
/// ```swift
/// let crn = try CRN(parsing: rootKeyCRN)
/// let client = try KeyProtectClient(
///     instance: try .init(crn: crn), credentials: .apiKey(APIKey(env["HPCS_API_KEY"] ?? "")))
/// let dek = try await client.generateDataKey(keyID: crn.keyID)
/// // store dek.wrapped; later:
/// let unwrapped = try await client.unwrap(dek.wrapped.ciphertext, keyID: crn.keyID)
/// if let newer = unwrapped.rewrapped { /* the root key was rotated: store newer */ }
/// ```
///
/// Every call sends `Authorization: Bearer <token>`, `Bluemix-Instance` and a fresh `Correlation-Id`, which a
/// ``KeyProtectError`` carries. Transient failures are retried per ``Configuration/RetryPolicy``, waiting on the
/// clock the client was given.
public final class KeyProtectClient: Sendable {
    /// The base URL of the KMS API (without `/api/v2`).
    public let endpoint: String
    /// The service instance GUID, sent as `Bluemix-Instance`.
    public let instanceID: String
    public let configuration: Configuration

    /// `host:port` of the endpoint, for messages.
    private let target: String
    private let tokenSource: any BearerTokenSource
    private let httpClient: HTTPClient
    private let clock: ErasedClock
    private let logger: Logger

    /// A client for one service instance.
    ///
    /// ```swift
    /// let client = try KeyProtectClient(
    ///     instance: try .init(crn: crn, network: .private),
    ///     credentials: .apiKey(APIKey(env["HPCS_API_KEY"] ?? "")))
    /// ```
    ///
    /// - Parameters:
    ///   - instance: where the instance is and its GUID (``Instance``), given directly or derived from a key CRN.
    ///   - credentials: where bearer tokens come from (``Credentials``): an API key exchanged with IAM by an
    ///     `IAMTokenProvider` that shares this client's HTTP client, clock and logger, or a token source.
    ///   - configuration: timeouts, retries, key ring and limits.
    ///   - httpClient: the HTTP client the calls (and the IAM exchange) go through.
    ///   - clock: the clock retries wait on; `ContinuousClock` in production, a manual clock in tests.
    ///   - logger: receives debug messages with `hpcs.keyprotect.*` metadata; never tokens or key material.
    /// - Throws: ``KeyProtectError/invalidConfiguration`` for an endpoint that is not an http(s) URL, has userinfo,
    ///   or is plain http to a host that is not loopback (unless ``Configuration/insecureAllowPlainHTTP``), or an
    ///   instance id or key ring that cannot be sent as a header.
    public init(
        instance: Instance,
        credentials: Credentials,
        configuration: Configuration = .defaults,
        httpClient: HTTPClient = .failFast,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "hpcs.keyprotect", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        var base = instance.endpoint
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/api/v2") { base.removeLast("/api/v2".count) }
        let url: URL
        do {
            url = try HTTPEndpointPolicy.check(
                base, allowPlaintext: configuration.insecureAllowPlainHTTP, what: "KMS endpoint")
        } catch {
            throw KeyProtectError(code: .invalidConfiguration, message: error.message)
        }
        let instanceID = instance.instanceID
        guard !instanceID.isEmpty, Self.isHeaderSafe(instanceID) else {
            throw KeyProtectError(code: .invalidConfiguration, message: "the instance id cannot be sent as a header")
        }
        if let ring = configuration.keyRing, ring.isEmpty || !Self.isHeaderSafe(ring) {
            throw KeyProtectError(code: .invalidConfiguration, message: "the key ring cannot be sent as a header")
        }
        guard configuration.retryPolicy.backoff.isValid, configuration.maximumResponseBodySize > 0 else {
            throw KeyProtectError(
                code: .invalidConfiguration,
                message: "maximumAttempts and maximumResponseBodySize must be positive"
            )
        }
        self.endpoint = base
        self.target = IAMTokenProvider.hostAndPort(url)
        self.instanceID = instanceID
        switch credentials.source {
        case .tokenSource(let source):
            self.tokenSource = source
        case .apiKey(let apiKey, let iamConfiguration):
            self.tokenSource = IAMTokenProvider(
                apiKey: apiKey, configuration: iamConfiguration, httpClient: httpClient, clock: clock, logger: logger)
        }
        self.configuration = configuration
        self.httpClient = httpClient
        self.clock = ErasedClock(clock)
        self.logger = logger
    }

    private static func isHeaderSafe(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }
}

// MARK: - Request execution

extension KeyProtectClient {
    /// One logical call: sent once, or several times under the retry policy.
    struct Call {
        var operation: String
        var method: HTTPMethod
        /// Path below `/api/v2`, already percent-encoded.
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]?
        var contentType: String?
        /// Whether repeating the call after a 5xx, a timeout or a broken connection is safe.
        var idempotent: Bool
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
        var correlationID: String
    }

    /// Sends `call` under the retry policy and returns the first 2xx answer.
    func perform(_ call: Call) async throws -> Answer {
        let policy = configuration.retryPolicy
        let correlationID = UUID().uuidString.lowercased()
        let deadline = policy.deadline.map { CallDeadline(clock: clock, limit: $0) }
        var attempt = 0
        var backoff = policy.backoff.waits()
        var refreshedToken = false
        var metadata: Logger.Metadata = [
            "hpcs.keyprotect.operation": "\(call.operation)",
            "hpcs.keyprotect.correlation_id": "\(correlationID)",
        ]
        while true {
            attempt += 1
            metadata["hpcs.keyprotect.attempt"] = "\(attempt)"
            var timeout = configuration.timeouts.request
            if let deadline {
                let remaining = deadline.remaining
                guard remaining > .zero else {
                    throw KeyProtectError(
                        code: .timeout,
                        message: "the call's deadline passed before attempt \(attempt)",
                        correlationID: correlationID,
                        attempts: attempt - 1
                    )
                }
                timeout = min(timeout, remaining)
            }

            let token: BearerToken
            do {
                token = try await bearerToken(within: deadline?.remaining)
            } catch is CancellationError {
                throw CancellationError()
            } catch var error as KeyProtectError {
                error.correlationID = correlationID
                error.attempts = attempt
                throw error
            } catch {
                let reason = (error as? IAMError).map { ": " + $0.message } ?? ""
                throw KeyProtectError(
                    code: .authenticationFailed,
                    message: "no bearer token could be obtained" + reason,
                    correlationID: correlationID,
                    attempts: attempt,
                    cause: error
                )
            }

            var failure: KeyProtectError
            var retryAfter: Duration?
            do {
                let answer = try await sendOnce(call, token: token, correlationID: correlationID, timeout: timeout)
                metadata["hpcs.keyprotect.status"] = "\(answer.status)"
                if (200..<300).contains(answer.status) {
                    logger.debug("Key Protect call succeeded", metadata: metadata)
                    return answer
                }
                failure = Self.serviceError(from: answer, attempts: attempt)
                retryAfter = Self.retryAfter(answer.headers)
            } catch var error as KeyProtectError {
                error.correlationID = correlationID
                error.attempts = attempt
                failure = error
            }
            logger.debug(
                "Key Protect call failed",
                metadata: metadata.merging(["hpcs.keyprotect.error": "\(failure.code)"]) { $1 })

            if failure.code == .unauthorized, policy.retryUnauthorizedWithFreshToken, !refreshedToken {
                // The token may have expired or been revoked since it was cached: ask for a new one, once.
                refreshedToken = true
                await tokenSource.invalidate()
                attempt -= 1
                continue
            }
            guard attempt < policy.maximumAttempts, isRetryable(failure, call: call) else { throw failure }

            var wait: Duration
            if let retryAfter {
                guard retryAfter <= policy.maximumRetryAfter else {
                    failure.message += " (Retry-After exceeds the policy's maximum)"
                    throw failure
                }
                wait = retryAfter
            } else {
                wait = backoff.nextWait()
            }
            if let deadline, wait >= deadline.remaining {
                failure.message += " (the call's deadline leaves no time for another attempt)"
                throw failure
            }
            logger.debug("Key Protect call retrying", metadata: metadata)
            try await clock.sleep(for: wait)
        }
    }

    private func isRetryable(_ error: KeyProtectError, call: Call) -> Bool {
        if error.code == .rateLimited { return true }
        return call.idempotent && error.isTransient
    }

    /// One attempt, bounded by `timeout` of real time from sending the request to the end of the answer.
    private func sendOnce(_ call: Call, token: BearerToken, correlationID: String, timeout: Duration) async throws
        -> Answer
    {
        var url = endpoint + "/api/v2" + call.path
        if !call.query.isEmpty {
            url += "?" + call.query.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = call.method
        request.headers.add(name: "Authorization", value: token.authorizationHeaderValue)
        request.headers.add(name: "Bluemix-Instance", value: instanceID)
        request.headers.add(name: "Correlation-Id", value: correlationID)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "swift-hpcs")
        if let ring = configuration.keyRing { request.headers.add(name: "X-Kms-Key-Ring", value: ring) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: call.contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let prepared = request
        let limit = configuration.maximumResponseBodySize
        let client = httpClient
        let logger = logger
        let target = target
        let nanoseconds = Self.nanoseconds(timeout)

        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(
                        prepared,
                        deadline: .now() + .nanoseconds(nanoseconds),
                        logger: logger
                    )
                    let body = try await response.body.collect(upTo: limit)
                    return Answer(
                        status: Int(response.status.code),
                        headers: response.headers,
                        body: body,
                        correlationID: correlationID
                    )
                } catch {
                    throw Self.transportError(error, target: target, timeout: timeout)
                }
            }
            group.addTask {
                // A backstop for an answer whose body stalls: HTTPClient's own deadline covers the head only.
                // It fires a little after that deadline, so that HTTPClient reports its own cause when it can.
                try? await Task.sleep(for: timeout + .milliseconds(50))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                if Task.isCancelled { throw CancellationError() }
                throw KeyProtectError(code: .timeout, message: "no complete answer within \(timeout)")
            }
            return answer
        }
    }

    private static func transportError(_ error: any Error, target: String, timeout: Duration) -> any Error {
        if error is CancellationError { return error }
        if error is NIOTooManyBytesError {
            return KeyProtectError(code: .malformedResponse, message: "the answer exceeds the maximum body size")
        }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                return KeyProtectError(code: .timeout, message: "no complete answer within \(timeout)", cause: error)
            }
            if error == .cancelled, Task.isCancelled { return CancellationError() }
        }
        if let failure = TransportFailure.diagnose(error) {
            return KeyProtectError(
                code: failure.isRetryable ? .transportFailure : .tlsFailure,
                message: "could not reach the KMS at \(target): \(failure.explanation)",
                cause: error
            )
        }
        return KeyProtectError(
            code: .transportFailure,
            message: "the connection to the KMS at \(target) failed before a complete answer",
            cause: error
        )
    }

    /// The bearer token, or ``KeyProtectError/timeout`` once `limit` (real time) has passed; nil waits as long as
    /// the token source takes. A late token exchange goes on in the background and serves the next call.
    private func bearerToken(within limit: Duration?) async throws -> BearerToken {
        guard let limit else { return try await tokenSource.bearerToken() }
        do {
            return try await tokenSource.bearerToken(within: limit)
        } catch is BearerTokenTimeout {
            throw KeyProtectError(code: .timeout, message: "no bearer token came within the call's deadline")
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let capped = min(max(seconds, 0), 86_400 * 365)
        return capped * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Builds the error for a non-2xx answer from the service's error body, if it has a readable one.
    static func serviceError(from answer: Answer, attempts: Int) -> KeyProtectError {
        var message = "Key Protect answered HTTP \(answer.status)"
        var reasons: [KeyProtectError.Reason] = []
        if let collection = try? JSONDecoder().decode(
            Wire.Collection<Wire.ErrorResource>.self,
            from: Data(buffer: answer.body)
        ), let resource = collection.resources?.first {
            if let text = resource.errorMsg, !text.isEmpty { message = String(text.prefix(512)) }
            reasons = (resource.reasons ?? []).compactMap { reason in
                reason.code.map {
                    KeyProtectError.Reason(
                        code: String($0.prefix(128)),
                        message: reason.message.map { String($0.prefix(512)) },
                        target: reason.target?.name
                    )
                }
            }
        }
        return KeyProtectError(
            code: .forStatus(answer.status),
            message: message,
            httpStatus: answer.status,
            reasons: reasons,
            correlationID: answer.correlationID,
            attempts: attempts
        )
    }

    /// `Retry-After` as delta-seconds or an HTTP date; nil when absent or unreadable.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int64(value) {
            return seconds >= 0 ? .seconds(min(seconds, 86_400 * 365)) : nil
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        let seconds = date.timeIntervalSinceNow
        guard seconds.isFinite else { return nil }
        return .milliseconds(Int64(min(max(seconds, 0), 86_400 * 365) * 1000))
    }

    /// Percent-encodes a path segment or query value (RFC 3986 unreserved characters stay).
    static func percentEncode(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
