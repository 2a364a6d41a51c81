public import AsyncHTTPClient
import Foundation
import IAM
public import KeyProtect
public import Logging

/// The state of a volume's root key as the monitor sees it.
public struct RootKeyStatus: Sendable, Hashable {
    public var state: KeyState
    /// The id of the key's latest version; a change means the key was rotated.
    public var latestVersionID: String?

    public init(state: KeyState, latestVersionID: String?) {
        self.state = state
        self.latestVersionID = latestVersionID
    }
}

/// What the key daemon needs of one `kms` entry: make, wrap, unwrap and rewrap the third seed, and read the root
/// key's state. ``KeyProtectSeedService`` is the real one.
public protocol SeedKeyService: Sendable {
    /// The root key's CRN, for messages (the keyfile does not name it).
    var crnText: String { get }
    /// A new seed from the KMS ("wrap without plaintext"): the seed and its wrapped form.
    func generateSeed() async throws -> (seed: SecretBytes, wrapped: WrappedSeed)
    /// Wraps a seed obtained elsewhere (another entry) under this root key.
    func wrap(_ seed: SecretBytes) async throws -> WrappedSeed
    /// Unwraps; `keyVersionID` is the root key version that had wrapped it (the unwrap response's `keyVersion`),
    /// and `rewrapped` is set when the KMS also rewrapped it under the key's latest version.
    func unwrap(_ wrapped: WrappedSeed) async throws -> (
        seed: SecretBytes, keyVersionID: String?, rewrapped: WrappedSeed?
    )
    /// Rewraps under the key's latest version without exposing the seed.
    func rewrap(_ wrapped: WrappedSeed) async throws -> WrappedSeed
    /// The root key's state and latest version.
    func status() async throws -> RootKeyStatus
}

/// A ``SeedKeyService`` over the Key Protect / HPCS KMS API, one per `kms` entry, each with its own IAM token cache.
///
/// The third seed is the base64 text of the data key as the KMS returns it (see ``LUKSPassphrase``).
public struct KeyProtectSeedService: SeedKeyService {
    public let entry: KMSEntry
    public let client: KeyProtectClient

    public var crnText: String { entry.crn.description }

    /// - Parameters:
    ///   - entry: the contract's `kms` entry.
    ///   - kmsEndpoint: overrides the endpoint derived from the CRN, `type` and `plan` (a mock, a private gateway);
    ///     the explicit endpoint wins.
    ///   - iamEndpoint: the IAM base URL; `https://iam.cloud.ibm.com` by default.
    ///   - configuration: the Key Protect client's retries and deadline.
    ///   - httpClient: the HTTP client; `failFast` (no redial of a refused connection, no redirects) by default.
    ///   - clock: the clock of back-off waits and deadlines.
    ///   - logger: the Key Protect client's log; silent by default.
    public init(
        entry: KMSEntry,
        kmsEndpoint: String? = nil,
        iamEndpoint: String = "https://iam.cloud.ibm.com",
        configuration: KeyProtectClient.Configuration = .defaults,
        httpClient: HTTPClient = .failFast,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "hpcs.keyd", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.entry = entry
        self.client = try KeyProtectClient(
            instance: .init(endpoint: try kmsEndpoint ?? entry.derivedEndpoint(), instanceID: entry.crn.instanceID),
            credentials: .apiKey(entry.apiKey, iam: .init(endpoint: iamEndpoint)),
            configuration: configuration, httpClient: httpClient, clock: clock, logger: logger)
    }

    public func generateSeed() async throws -> (seed: SecretBytes, wrapped: WrappedSeed) {
        let key = try await client.generateDataKey(keyID: entry.crn.keyID)
        return (Self.seedText(key.plaintext), wrappedSeed(key.wrapped))
    }

    public func wrap(_ seed: SecretBytes) async throws -> WrappedSeed {
        guard let dataKey = Data(base64Encoded: Data(seed.bytes)) else {
            throw KeyDaemonError(code: .seedMismatch, message: "the seed is not the base64 text of a data key")
        }
        let wrapped = try await client.wrap(Array(dataKey), keyID: entry.crn.keyID)
        return wrappedSeed(wrapped)
    }

    public func unwrap(_ wrapped: WrappedSeed) async throws -> (
        seed: SecretBytes, keyVersionID: String?, rewrapped: WrappedSeed?
    ) {
        let result = try await client.unwrap(wrapped.ciphertext, keyID: entry.crn.keyID)
        return (Self.seedText(result.plaintext), result.keyVersionID, result.rewrapped.map(wrappedSeed))
    }

    public func rewrap(_ wrapped: WrappedSeed) async throws -> WrappedSeed {
        let result = try await client.rewrap(wrapped.ciphertext, keyID: entry.crn.keyID)
        return wrappedSeed(result.wrapped)
    }

    public func status() async throws -> RootKeyStatus {
        let metadata = try await client.metadata(keyID: entry.crn.keyID)
        return RootKeyStatus(state: metadata.state, latestVersionID: metadata.keyVersion?.id)
    }

    private func wrappedSeed(_ key: WrappedKey) -> WrappedSeed {
        WrappedSeed(ciphertext: key.ciphertext, keyVersionID: key.keyVersionID)
    }

    private static func seedText(_ dataKey: [UInt8]) -> SecretBytes {
        SecretBytes(utf8: Data(dataKey).base64EncodedString())
    }
}
