public import IAM

extension KeyProtectClient {
    /// The service instance a ``KeyProtectClient`` talks to: the KMS base URL and the instance GUID.
    public struct Instance: Sendable, Hashable {
        /// The KMS base URL, e.g. `https://us-south.kms.cloud.ibm.com` or a mock's `http://127.0.0.1:PORT`
        /// (a trailing `/api/v2` is dropped). Plain http only to loopback unless
        /// ``Configuration/insecureAllowPlainHTTP``; never a user name or password in the URL.
        public var endpoint: String
        /// The service instance GUID, sent as `Bluemix-Instance`.
        public var instanceID: String

        /// The instance `instanceID` at `endpoint`.
        public init(endpoint: String, instanceID: String) {
            self.endpoint = endpoint
            self.instanceID = instanceID
        }

        /// The instance a key CRN names, at the endpoint the CRN implies unless `endpoint` overrides it.
        ///
        /// - Parameters:
        ///   - crn: the root key's CRN; gives the instance id and, with `network` and `plan`, the endpoint.
        ///   - network: the public or private endpoint.
        ///   - plan: `.dedicated` for a Key Protect Dedicated instance (a `kms` CRN cannot say so itself): the
        ///     endpoint becomes `https://<instance>.api.<region>.kms.appdomain.cloud`. See
        ///     ``CRN/endpoint(network:plan:)``.
        ///   - endpoint: an explicit KMS base URL; it wins over the derived one (a `.dedicated` plan is still
        ///     checked against the CRN).
        /// - Throws: ``KeyProtectError/invalidArgument`` for `plan: .dedicated` with a CRN that is not `kms`, or
        ///   a CRN no endpoint can be derived from when none is given.
        public init(
            crn: CRN, network: CRN.Network = .public, plan: CRN.Plan = .standard, endpoint: String? = nil
        ) throws {
            try crn.check(plan: plan)
            self.init(endpoint: try endpoint ?? crn.endpoint(network: network, plan: plan), instanceID: crn.instanceID)
        }
    }

    /// Where a ``KeyProtectClient``'s bearer tokens come from.
    public struct Credentials: Sendable {
        enum Source: Sendable {
            case tokenSource(any BearerTokenSource)
            case apiKey(APIKey, IAMTokenProvider.Configuration)
        }

        let source: Source

        /// Tokens from `source`, e.g. an `IAMTokenProvider` shared with other clients.
        public static func tokenSource(_ source: any BearerTokenSource) -> Credentials {
            Credentials(source: .tokenSource(source))
        }

        /// Tokens that an `IAMTokenProvider` obtains for `apiKey` with the IAM settings `iam`, sharing the
        /// client's HTTP client, clock and logger.
        public static func apiKey(_ apiKey: APIKey, iam: IAMTokenProvider.Configuration = .defaults) -> Credentials {
            Credentials(source: .apiKey(apiKey, iam))
        }
    }

    /// How a ``KeyProtectClient`` talks to the service. Every field has a documented default.
    public struct Configuration: Sendable {
        /// Time limits.
        public struct Timeouts: Sendable {
            /// Time allowed for one attempt, from sending the request to the last byte of the answer,
            /// measured in real time. Default 30 s (as IBM's Go client).
            public var request: Duration

            public init(request: Duration = .seconds(30)) {
                self.request = request
            }

            public static var defaults: Timeouts { Timeouts() }
        }

        /// Which failures are retried, how often and how long to wait.
        ///
        /// Retried: HTTP 429 for every call (the service did not act on the request); HTTP 5xx other than 501,
        /// timeouts, refused and broken connections only for calls that are safe to repeat (get key, metadata,
        /// versions, wrap, unwrap, rewrap), never for rotate, enable or disable. A refused TLS certificate is never
        /// retried. All attempts end by ``deadline``. A 401 is retried once with a fresh token
        /// when ``retryUnauthorizedWithFreshToken`` is set. Waits come from the clock given to the client.
        @dynamicMemberLookup
        public struct RetryPolicy: Sendable {
            /// Attempts and backoff, in the retry model all the clients share; its fields read and write as this
            /// policy's own (`policy.maximumAttempts`). Defaults here: 5 attempts (IBM's Go client: 1 + 4), waits
            /// from 1 s doubling up to 30 s, 0.2 of each wait random.
            public var backoff: IAM.RetryPolicy
            /// A `Retry-After` header is honoured up to this wait; beyond it the call fails. Default 60 s.
            public var maximumRetryAfter: Duration
            /// Bound on one call, all attempts and waits included, the bearer token's fetch too; nil for none.
            /// Default 30 s.
            public var deadline: Duration?
            /// Whether a 401 is retried once after asking the token source for a new token. Default true.
            public var retryUnauthorizedWithFreshToken: Bool

            /// - Parameters:
            ///   - maximumAttempts: attempts in all, the first included; 1 turns retries off. Default 5.
            ///   - initialBackoff: wait before the first retry. Default 1 s.
            ///   - maximumBackoff: upper bound of the exponential backoff. Default 30 s.
            ///   - backoffMultiplier: factor by which the wait grows after each retry. Default 2. Kept within
            ///     1...100; a value that is not finite counts as 2.
            ///   - jitter: fraction of each wait that is random, to spread out clients retrying together (0 = none,
            ///     1 = anywhere between zero and the full wait). Default 0.2.
            ///   - maximumRetryAfter: see ``maximumRetryAfter``.
            ///   - deadline: see ``deadline``.
            ///   - retryUnauthorizedWithFreshToken: see ``retryUnauthorizedWithFreshToken``.
            public init(
                maximumAttempts: Int = 5,
                initialBackoff: Duration = .seconds(1),
                maximumBackoff: Duration = .seconds(30),
                backoffMultiplier: Double = 2,
                jitter: Double = 0.2,
                maximumRetryAfter: Duration = .seconds(60),
                deadline: Duration? = .seconds(30),
                retryUnauthorizedWithFreshToken: Bool = true
            ) {
                self.backoff = IAM.RetryPolicy(
                    maximumAttempts: maximumAttempts, initialBackoff: initialBackoff, maximumBackoff: maximumBackoff,
                    backoffMultiplier: backoffMultiplier, jitter: jitter)
                self.maximumRetryAfter = maximumRetryAfter
                self.deadline = deadline
                self.retryUnauthorizedWithFreshToken = retryUnauthorizedWithFreshToken
            }

            /// A field of ``backoff`` (`maximumAttempts`, `initialBackoff`, `maximumBackoff`,
            /// `backoffMultiplier`, `jitter`), read and written as this policy's own.
            public subscript<Value>(dynamicMember field: WritableKeyPath<IAM.RetryPolicy, Value>) -> Value {
                get { backoff[keyPath: field] }
                set { backoff[keyPath: field] = newValue }
            }

            public static var defaults: RetryPolicy { RetryPolicy() }
            /// One attempt, no retries (a 401 is still retried once with a fresh token).
            public static var none: RetryPolicy { RetryPolicy(maximumAttempts: 1) }
        }

        public var timeouts: Timeouts
        public var retryPolicy: RetryPolicy
        /// The key ring sent as `X-Kms-Key-Ring`; nil sends none (the service uses `default`). Default nil.
        public var keyRing: String?
        /// Larger answers are refused as ``KeyProtectError/malformedResponse``. Default 1 MiB.
        public var maximumResponseBodySize: Int
        /// Accept a plain `http` endpoint on a host that is not loopback, for a trusted network: every call then
        /// carries the bearer token in clear. Default false: plain http only to 127.0.0.0/8, `::1` or `localhost`.
        /// A user name or password in the endpoint URL is refused either way.
        public var insecureAllowPlainHTTP: Bool

        public init(
            timeouts: Timeouts = .defaults,
            retryPolicy: RetryPolicy = .defaults,
            keyRing: String? = nil,
            maximumResponseBodySize: Int = 1 << 20,
            insecureAllowPlainHTTP: Bool = false
        ) {
            self.timeouts = timeouts
            self.retryPolicy = retryPolicy
            self.keyRing = keyRing
            self.maximumResponseBodySize = maximumResponseBodySize
            self.insecureAllowPlainHTTP = insecureAllowPlainHTTP
        }

        public static var defaults: Configuration { Configuration() }
    }
}
