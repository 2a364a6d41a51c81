import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// Exchanges an IBM Cloud API key for IAM access tokens, caches the token and refreshes it ahead of expiry.
///
/// Concurrent callers share one exchange: while a request to IAM is in flight, every caller awaits its result.
/// Time comes from an injected `Clock`, so tests drive expiry with a manual clock.
///
/// ```swift
/// let tokens = IAMTokenProvider(apiKey: APIKey(env["HPCS_API_KEY"]!))
/// let token = try await tokens.bearerToken()
/// ```
public actor IAMTokenProvider: BearerTokenSource {
    public struct Configuration: Sendable {
        /// IAM base URL; the token endpoint is `{endpoint}/identity/token`. Default `https://iam.cloud.ibm.com`.
        /// Plain `http` is accepted only to loopback (127.0.0.0/8, `::1`, `localhost`), and a user name or password
        /// in the URL never: the API key would travel in clear.
        public var endpoint: String
        /// A token is refreshed once this fraction of its lifetime has passed. Default 0.8 (as IBM's SDKs do).
        public var refreshAfterFraction: Double
        /// Time allowed for one request to IAM, measured in real time. Default 30 s.
        public var requestTimeout: Duration
        /// Attempts for one exchange when IAM answers 429 or 5xx or cannot be reached. A refused TLS certificate or
        /// a refused API key is never retried. Default 3.
        public var maximumAttempts: Int
        /// Wait before the second attempt; doubled for each further one. Default 200 ms.
        public var retryBackoff: Duration
        /// Bound on one exchange, all attempts and waits included: no attempt starts after it, and each attempt's
        /// timeout is cut to what is left of it. Default 30 s.
        public var deadline: Duration

        public init(
            endpoint: String = "https://iam.cloud.ibm.com",
            refreshAfterFraction: Double = 0.8,
            requestTimeout: Duration = .seconds(30),
            maximumAttempts: Int = 3,
            retryBackoff: Duration = .milliseconds(200),
            deadline: Duration = .seconds(30)
        ) {
            self.endpoint = endpoint
            self.refreshAfterFraction = refreshAfterFraction
            self.requestTimeout = requestTimeout
            self.maximumAttempts = maximumAttempts
            self.retryBackoff = retryBackoff
            self.deadline = deadline
        }

        public static var defaults: Configuration { Configuration() }
    }

    private struct CachedToken {
        var token: BearerToken
        /// Clock reading at which the token should be replaced.
        var refreshAt: Duration
        /// Clock reading at which the token expires.
        var expiresAt: Duration
    }

    private let apiKey: APIKey
    private let configuration: Configuration
    private let httpClient: HTTPClient
    private let clock: ErasedClock
    private let logger: Logger
    private var cached: CachedToken?
    private var inFlight: Task<CachedToken, any Error>?
    /// How many token exchanges reached IAM; for tests and diagnostics.
    public private(set) var exchangeCount = 0

    public init(
        apiKey: APIKey,
        configuration: Configuration = .defaults,
        httpClient: HTTPClient = .failFast,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "hpcs.iam", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.apiKey = apiKey
        self.configuration = configuration
        self.httpClient = httpClient
        self.clock = ErasedClock(clock)
        self.logger = logger
    }

    /// A valid token: the cached one while it is fresh, else a new one from IAM.
    public func bearerToken() async throws -> BearerToken {
        let now = clock.now
        if let cached, now < cached.refreshAt {
            return cached.token
        }
        if let inFlight {
            return try await inFlight.value.token
        }
        let task = Task { try await self.exchange() }
        inFlight = task
        defer { inFlight = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh.token
        } catch {
            // A token that is stale but not yet expired is still usable when IAM is briefly unavailable.
            if let cached, clock.now < cached.expiresAt, (error as? IAMError)?.code == .transportFailure {
                logger.debug("IAM refresh failed; using the cached token until it expires")
                return cached.token
            }
            throw error
        }
    }

    public func invalidate() {
        cached = nil
    }

    private func exchange() async throws -> CachedToken {
        let base =
            configuration.endpoint.hasSuffix("/") ? String(configuration.endpoint.dropLast()) : configuration.endpoint
        // Checked before anything is sent: the request carries the API key.
        let url = try HTTPEndpointPolicy.check(base, allowPlaintext: false, what: "IAM endpoint")
        let policy = RetryPolicy(
            maximumAttempts: configuration.maximumAttempts, initialBackoff: configuration.retryBackoff,
            maximumBackoff: configuration.deadline)
        let attempts = policy.attempts
        let deadline = CallDeadline(clock: clock, limit: configuration.deadline)
        var backoff = policy.waits()
        var attempt = 1
        while true {
            let remaining = deadline.remaining
            guard remaining > .zero else {
                throw IAMError(
                    code: .transportFailure,
                    message: "no token from IAM at \(Self.hostAndPort(url)) within \(configuration.deadline)")
            }
            do {
                return try await exchangeOnce(
                    base: base, url: url, timeout: min(configuration.requestTimeout, remaining))
            } catch let error as IAMError {
                guard error.isTransient, attempt < attempts else { throw Self.annotated(error, attempts: attempt) }
                let wait = backoff.nextWait()
                guard wait < deadline.remaining else {
                    throw Self.annotated(
                        error, attempts: attempt, note: "the deadline leaves no time for another attempt")
                }
                logger.debug("IAM token exchange failed; retrying", metadata: ["hpcs.iam.attempt": "\(attempt)"])
                try await clock.sleep(for: wait)
                attempt += 1
            }
        }
    }

    private static func annotated(_ error: IAMError, attempts: Int, note: String? = nil) -> IAMError {
        guard attempts > 1 || note != nil else { return error }
        var error = error
        var notes: [String] = []
        if attempts > 1 { notes.append("after \(attempts) attempts") }
        if let note { notes.append(note) }
        error.message += " (" + notes.joined(separator: "; ") + ")"
        return error
    }

    /// `host:port` of `url`, the port defaulted from the scheme; never the user part, path or query.
    package static func hostAndPort(_ url: URL) -> String {
        let host = url.host ?? ""
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        return "\(shown):\(port)"
    }

    private func exchangeOnce(base: String, url: URL, timeout: Duration) async throws -> CachedToken {
        var request = HTTPClientRequest(url: base + "/identity/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let body =
            "grant_type=" + formEncode("urn:ibm:params:oauth:grant-type:apikey") + "&apikey="
            + formEncode(apiKey.secretValue)
        request.body = .bytes(ByteBuffer(string: body))

        let startedAt = clock.now
        let response: HTTPClientResponse
        let bodyBuffer: ByteBuffer
        do {
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let amount = TimeAmount.nanoseconds(
                nanoseconds.overflow ? .max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
            response = try await httpClient.execute(request, timeout: amount, logger: logger)
            bodyBuffer = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw Self.transportError(error, url: url, timeout: timeout)
        }
        exchangeCount += 1
        let status = Int(response.status.code)
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: bodyBuffer)) as? [String: Any]

        guard (200..<300).contains(status) else {
            let serviceCode = json?["errorCode"] as? String
            let serviceMessage = (json?["errorMessage"] as? String) ?? "IAM answered HTTP \(status)"
            let code: IAMError.Code = (status == 400 || status == 401) ? .invalidAPIKey : .serviceError
            logger.debug("IAM rejected the token request", metadata: ["hpcs.iam.status": "\(status)"])
            throw IAMError(code: code, message: serviceMessage, httpStatus: status, serviceErrorCode: serviceCode)
        }
        guard let json, let accessToken = json["access_token"] as? String, !accessToken.isEmpty else {
            throw IAMError(code: .malformedResponse, message: "IAM response has no access_token", httpStatus: status)
        }
        let lifetimeSeconds: Int64
        if let expiresIn = json["expires_in"] as? NSNumber, expiresIn.int64Value > 0 {
            lifetimeSeconds = expiresIn.int64Value
        } else {
            throw IAMError(
                code: .malformedResponse, message: "IAM response has no positive expires_in", httpStatus: status)
        }
        let lifetime = Duration.seconds(min(lifetimeSeconds, 365 * 24 * 3600))
        let fraction = min(max(configuration.refreshAfterFraction, 0), 1)
        logger.debug("IAM token obtained", metadata: ["hpcs.iam.expires_in": "\(lifetimeSeconds)"])
        return CachedToken(
            token: BearerToken(accessToken),
            refreshAt: startedAt + lifetime * fraction,
            expiresAt: startedAt + lifetime
        )
    }
}

extension IAMTokenProvider {
    /// An ``IAMError/transportFailure`` that says why IAM could not be reached, e.g. `connection refused`, or that
    /// its certificate was refused (which is not retried).
    static func transportError(_ error: any Error, url: URL, timeout: Duration) -> IAMError {
        if error is CancellationError {
            return IAMError(code: .transportFailure, message: "the IAM token request was cancelled", cause: error)
        }
        let target = hostAndPort(url)
        if let failure = TransportFailure.diagnose(error) {
            var result = IAMError(
                code: .transportFailure, message: "could not reach IAM at \(target): \(failure.explanation)",
                cause: error)
            result.isRetryableTransportFailure = failure.isRetryable
            return result
        }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return IAMError(code: .transportFailure, message: "IAM at \(target) did not answer within \(timeout)")
        }
        if error is NIOTooManyBytesError {
            return IAMError(code: .malformedResponse, message: "the IAM answer is larger than 1 MiB")
        }
        return IAMError(code: .transportFailure, message: "could not reach IAM at \(target)", cause: error)
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
private func formEncode(_ value: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")
    let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    return encoded.replacingOccurrences(of: "%20", with: "+")
}
