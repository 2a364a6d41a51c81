import Crypto
import Foundation
public import Logging
import Synchronization

/// An in-memory IBM Cloud IAM token endpoint and Key Protect v2 API, served over real HTTP by Hummingbird.
///
/// - IAM: `POST /identity/token` and `/oidc/token` exchange a configured API key for a JWT-shaped access token
///   (`iat`, `exp`, `iam_id`); any other key gets 400 `BXNIM0415E` as IAM answers. `POST /identity/introspect`
///   (form field `token`) answers `{"active": true, "exp": ...}` for a token it issued that is neither expired nor
///   revoked and `{"active": false}` otherwise (RFC 7662), so that the HSM mock can check bearer tokens.
/// - Key Protect: `/api/v2/keys/...` in both the `/actions/<action>` and the `?action=` form, any content type,
///   root keys with versions and states, the service's status codes and error bodies, real AES-256-GCM wrapping
///   bound to the key version and the additional authenticated data.
/// - Admin: the same operations in process (``createRootKey(instanceID:name:id:alias:state:extractable:payload:)``,
///   ``setState(_:keyID:)``, ``rotate(keyID:)``, ``injectFault(_:)``) and over HTTP under `/admin/...`
///   (unauthenticated: a test mock for loopback only).
///
/// ```swift
/// let mock = KeyProtectMock(configuration: .init(apiKeys: ["test-key"]))
/// let key = mock.createRootKey(instanceID: instance)
/// try await mock.withServer { baseURL in /* point the client at baseURL */ }
/// ```
///
/// Limits, so that a long-running standalone mock (`hpcs-tool mock kms`) stays bounded: Key Protect request bodies
/// of at most ``Configuration/maximumRequestBodySize`` (1 MiB; more, or JSON that does not decode, is 400
/// `BAD_BODY_ERR`), IAM and admin bodies of at most 64 KiB, and the latest 10,000 requests kept for
/// ``recordedRequests``. ``listenFailure(_:host:port:)`` says why a server could not listen (port in use, ...).
///
/// The mock shares no types with the client library: its wire types are its own, written from the API contract.
public final class KeyProtectMock: Sendable {
    /// How the mock behaves. Every field has a documented default.
    public struct Configuration: Sendable {
        /// Which `Content-Type` the KMS answers carry.
        public enum ContentTypes: Sendable, Hashable {
            /// The vendor types (`application/vnd.ibm.kms.key_action+json`, `...key+json`, `...key.version+json`,
            /// `...error+json`), as the service presumably sends them.
            case vendor
            /// `application/json` everywhere.
            case json
        }

        /// API keys IAM accepts. Default `["test-api-key"]`.
        public var apiKeys: [String]
        /// Lifetime of the access tokens IAM issues (`expires_in`). Default 3600 s.
        public var tokenLifetime: Duration
        /// Region in the keys' CRNs. Default `us-south`.
        public var region: String
        /// Service name in the keys' CRNs: `kms` or `hs-crypto`. Default `kms`.
        public var serviceName: String
        /// Account id in the keys' CRNs. Default `mock-account`.
        public var accountID: String
        /// A second rotation within this interval gets 409 `KEY_ROTATION_NOT_PERMITTED`; zero allows any.
        /// Default 1 hour, as the service. In-process ``rotate(keyID:)`` ignores it.
        public var minimumRotationInterval: Duration
        /// `enable` within this time after the last state change gets 409 `REQ_TOO_EARLY_ERR`. Default 30 s.
        public var enableDelay: Duration
        /// Default ``ContentTypes/vendor``.
        public var contentTypes: ContentTypes
        /// Larger request bodies are refused with 400 `BAD_BODY_ERR`. Default 1 MiB.
        public var maximumRequestBodySize: Int

        public init(
            apiKeys: [String] = ["test-api-key"],
            tokenLifetime: Duration = .seconds(3600),
            region: String = "us-south",
            serviceName: String = "kms",
            accountID: String = "mock-account",
            minimumRotationInterval: Duration = .seconds(3600),
            enableDelay: Duration = .seconds(30),
            contentTypes: ContentTypes = .vendor,
            maximumRequestBodySize: Int = 1 << 20
        ) {
            self.apiKeys = apiKeys
            self.tokenLifetime = tokenLifetime
            self.region = region
            self.serviceName = serviceName
            self.accountID = accountID
            self.minimumRotationInterval = minimumRotationInterval
            self.enableDelay = enableDelay
            self.contentTypes = contentTypes
            self.maximumRequestBodySize = maximumRequestBodySize
        }

        public static var defaults: Configuration { Configuration() }
    }

    /// Key states, with the service's integer values.
    public enum KeyState: Int, Sendable, Hashable, CaseIterable, Codable {
        case preActivation = 0
        case active = 1
        case suspended = 2
        case deactivated = 3
        case destroyed = 5
    }

    /// A snapshot of a key as the mock holds it (without key material).
    public struct KeyInfo: Sendable, Hashable, Codable {
        public var id: String
        public var instanceID: String
        public var name: String
        public var aliases: [String]
        public var state: KeyState
        public var extractable: Bool
        public var crn: String
        /// Version ids, newest first.
        public var versionIDs: [String]
        /// The latest version's id.
        public var currentVersionID: String { versionIDs.first ?? "" }
    }

    /// A fault to inject into the next matching requests.
    public struct Fault: Sendable, Hashable {
        public enum Action: Sendable, Hashable {
            /// Wait this long (real time), then answer normally.
            case delay(Duration)
            /// Answer with this status and a service-style error body; with `Retry-After: <seconds>` if given.
            case status(Int, retryAfterSeconds: Int? = nil)
            /// Close the connection without answering.
            case dropConnection
            /// Send the head announcing a body, part of the body, then close the connection.
            case truncatedBody
            /// Answer with exactly this status, content type and body (e.g. malformed or oversized JSON).
            case raw(status: Int, contentType: String?, body: [UInt8])
        }

        /// Which requests a fault applies to.
        public enum Target: String, Sendable, Hashable, Codable {
            /// `/api/v2/...`
            case keyProtect
            /// `/identity/token` and `/oidc/token`
            case iam
            /// both
            case all
        }

        public var action: Action
        public var target: Target
        /// How many requests it applies to; nil until ``KeyProtectMock/clearFaults()``.
        public var times: Int?

        public init(_ action: Action, target: Target = .keyProtect, times: Int? = 1) {
            self.action = action
            self.target = target
            self.times = times
        }
    }

    /// What the mock saw of one Key Protect request (never the token itself).
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        public var query: String?
        public var instanceHeader: String?
        public var correlationID: String?
        public var contentType: String?
        public var hadAuthorization: Bool
        /// The HTTP status the mock answered with (0 when the connection was dropped).
        public var status: Int
    }

    /// Errors of the in-process admin functions.
    public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { "KeyProtectMock.AdminError: \(message)" }
    }

    public let configuration: Configuration
    let logger: Logger
    let state: Mutex<MockState>
    /// Signs the mock's access tokens (HMAC-SHA256); fresh per mock.
    let tokenSigningKey = SymmetricKey(size: .bits256)
    /// Tokens whose signature already verified, with their claims (bounded). Expiry and revocation are still
    /// checked on every request; only the signature check and the claim decoding are saved.
    let verifiedTokens = Mutex<[String: MockTokens.Claims]>([:])
    /// The state file the keys are written to after each change (``persistState(to:)``), if any.
    let stateFile = Mutex<StateFileBinding?>(nil)

    public init(
        configuration: Configuration = .defaults,
        logger: Logger = Logger(label: "hpcs.keyprotect-mock", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(MockState(apiKeys: configuration.apiKeys))
    }

    // MARK: In-process admin

    /// Creates a key in `instanceID`: a root key unless `extractable`, Active unless `state` says otherwise.
    @discardableResult
    public func createRootKey(
        instanceID: String,
        name: String = "mock-root-key",
        id: String? = nil,
        alias: String? = nil,
        state keyState: KeyState = .active,
        extractable: Bool = false,
        payload: [UInt8]? = nil
    ) -> KeyInfo {
        let now = self.now()
        return state.withLock { state in
            let key = state.createKey(
                instanceID: instanceID,
                name: name,
                id: id,
                aliases: alias.map { [$0] } ?? [],
                state: keyState,
                extractable: extractable,
                payload: payload,
                now: now
            )
            return info(key)
        }
    }

    /// The key `keyID` (id or alias, in any instance), or nil.
    public func key(_ keyID: String) -> KeyInfo? {
        state.withLock { state in state.findAnywhere(keyID).map { info(state.keys[$0]) } }
    }

    /// All keys.
    public var keys: [KeyInfo] {
        state.withLock { state in state.keys.map { info($0) } }
    }

    /// Moves the key to `newState` regardless of the service's transition rules.
    public func setState(_ newState: KeyState, keyID: String) throws {
        let now = self.now()
        try state.withLock { state in
            guard let index = state.findAnywhere(keyID) else { throw AdminError("no key \(keyID)") }
            state.keys[index].state = newState
            state.keys[index].lastUpdate = now
            state.keys[index].lastStateChange = now
            if newState == .destroyed { state.keys[index].deletionDate = now }
        }
    }

    /// Adds a version to the key regardless of the rotation interval; returns the new version's id.
    @discardableResult
    public func rotate(keyID: String) throws -> String {
        let now = self.now()
        return try state.withLock { state in
            guard let index = state.findAnywhere(keyID) else { throw AdminError("no key \(keyID)") }
            return state.keys[index].rotate(now: now)
        }
    }

    /// Removes the key: the API answers 404 for it from now on.
    public func purge(keyID: String) throws {
        try state.withLock { state in
            guard let index = state.findAnywhere(keyID) else { throw AdminError("no key \(keyID)") }
            state.keys.remove(at: index)
        }
    }

    /// Queues a fault; faults apply in the order they were injected.
    public func injectFault(_ fault: Fault) {
        state.withLock { $0.faults.append(fault) }
    }

    /// Removes every queued fault.
    public func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// Makes IAM accept another API key.
    public func addAPIKey(_ apiKey: String) {
        state.withLock { $0.apiKeys.append(apiKey) }
    }

    /// Makes every token issued so far invalid (the API answers 401 to them).
    public func revokeTokens() {
        state.withLock { $0.tokenGeneration += 1 }
    }

    /// Moves the mock's clock forward: tokens expire, rotation and enable limits lapse.
    public func advanceTime(by duration: Duration) {
        state.withLock { $0.timeOffset += duration }
    }

    /// Tokens IAM has issued.
    public var tokensIssued: Int { state.withLock { $0.tokensIssued } }

    /// The Key Protect requests seen so far, oldest first: the latest 5,000 to 10,000 of them once more were made
    /// (a long-running mock keeps a bounded record).
    public var recordedRequests: [RecordedRequest] { state.withLock { $0.recorded } }

    /// The number of Key Protect requests seen so far, including those no longer in ``recordedRequests``.
    public var keyProtectRequestCount: Int { state.withLock { $0.recordedTotal } }

    /// Forgets the recorded requests.
    public func clearRecordedRequests() {
        state.withLock {
            $0.recorded.removeAll()
            $0.recordedTotal = 0
        }
    }

    // MARK: Internals

    /// The mock's wall clock: real time plus ``advanceTime(by:)``.
    func now() -> Date {
        let offset = state.withLock { $0.timeOffset }
        let (seconds, attoseconds) = offset.components
        return Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The mock's clock in whole seconds since 1970, clamped so that it never traps.
    func epochSeconds() -> Int64 {
        let seconds = now().timeIntervalSince1970
        guard seconds.isFinite else { return 0 }
        return Int64(min(max(seconds, 0), 1e15))
    }

    func crn(for key: MockKey) -> String {
        "crn:v1:bluemix:public:\(configuration.serviceName):\(configuration.region):a/\(configuration.accountID):"
            + "\(key.instanceID):key:\(key.id)"
    }

    func info(_ key: MockKey) -> KeyInfo {
        KeyInfo(
            id: key.id,
            instanceID: key.instanceID,
            name: key.name,
            aliases: key.aliases,
            state: key.state,
            extractable: key.extractable,
            crn: crn(for: key),
            versionIDs: key.versions.reversed().map(\.id)
        )
    }
}
