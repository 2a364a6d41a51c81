import Crypto
import Foundation
import IAM
import KeyDaemon
import KeyProtect
import KeyProtectMock
import Logging

let daemonTestAPIKey = "keyd-test-api-key-51d2"

/// A running Key Protect mock with root keys, and what the daemon's tests need around it.
struct KMSFixture: Sendable {
    let mock: KeyProtectMock
    let baseURL: String
    let instanceID = "9f1c2b7e-6a1d-4d1e-8b0c-1f5e3c2a9d40"

    /// A new Active root key; returns its CRN.
    func makeRootKey(name: String = "volume-root-key") -> String {
        mock.createRootKey(instanceID: instanceID, name: name).crn
    }

    /// The key id of the root key `crn` names (its last field).
    static func keyID(_ crn: String) -> String { String(crn.split(separator: ":").last ?? "") }

    func entry(crn: String, apiKey: String = daemonTestAPIKey) throws -> KMSEntry {
        KMSEntry(apiKey: APIKey(apiKey), crn: try CRN(parsing: crn), network: .public)
    }

    /// Fast retries (no jitter) on `clock`.
    static func configuration(attempts: Int = 3) -> KeyProtectClient.Configuration {
        .init(
            timeouts: .init(request: .seconds(5)),
            retryPolicy: .init(
                maximumAttempts: attempts, initialBackoff: .milliseconds(10), maximumBackoff: .seconds(1),
                backoffMultiplier: 2, jitter: 0, maximumRetryAfter: .seconds(2), deadline: .seconds(30))
        )
    }

    func service(for entry: KMSEntry, clock: some Clock<Duration> = ContinuousClock(), attempts: Int = 3) throws
        -> KeyProtectSeedService
    {
        try KeyProtectSeedService(
            entry: entry, kmsEndpoint: baseURL, iamEndpoint: baseURL,
            configuration: Self.configuration(attempts: attempts), clock: clock)
    }

    func services(for volume: VolumeConfiguration, clock: some Clock<Duration> = ContinuousClock(), attempts: Int = 3)
        throws -> [any SeedKeyService]
    {
        try volume.kms.map { try service(for: $0, clock: clock, attempts: attempts) }
    }

    /// An independent client (not the daemon's code path) for checking what the daemon stored.
    func checkingClient() throws -> KeyProtectClient {
        try KeyProtectClient(
            instance: .init(endpoint: baseURL, instanceID: instanceID),
            credentials: .apiKey(APIKey(daemonTestAPIKey), iam: .init(endpoint: baseURL, maximumAttempts: 1)))
    }

    /// What a keyfile unwraps to, found without the daemon's types: the keyfile must be the wrap ciphertext alone
    /// (base64 text, surrounding whitespace ignored); each root key of the mock is tried with a plain client.
    /// Returns the key that unwrapped it and the unwrap result (the seed, the version that had wrapped it).
    func unwrapKeyfile(_ keyfile: [UInt8]) async throws -> (key: KeyProtectMock.KeyInfo, result: UnwrapResult) {
        let text = String(decoding: keyfile, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, Data(base64Encoded: text) != nil else {
            throw FixtureError("the keyfile is not base64 text (\(keyfile.count) bytes)")
        }
        let client = try checkingClient()
        for key in mock.keys {
            if let result = try? await client.unwrap(text, keyID: key.id) { return (key, result) }
        }
        throw FixtureError("no root key of the mock unwraps the keyfile")
    }

    /// The passphrase a keyfile implies, computed without the daemon's types: unwrap the ciphertext with a plain
    /// client, hash env seed ‖ workload seed ‖ base64(data key).
    func expectedPassphrase(keyfile: [UInt8], envSeed: String, workloadSeed: String) async throws -> SecretBytes {
        let unwrapped = try await unwrapKeyfile(keyfile).result
        let third = Data(unwrapped.plaintext).base64EncodedString()
        return SecretBytes(utf8: hexSHA256(Array((envSeed + workloadSeed + third).utf8)))
    }

    /// The root key version that wrapped a keyfile, as the unwrap response says.
    func keyfileVersion(_ keyfile: [UInt8]?) async throws -> String? {
        guard let keyfile else { return nil }
        return try await unwrapKeyfile(keyfile).result.keyVersionID
    }

    /// The CRN of the root key that wrapped a keyfile.
    func keyfileCRN(_ keyfile: [UInt8]?) async throws -> String? {
        guard let keyfile else { return nil }
        return try await unwrapKeyfile(keyfile).key.crn
    }
}

func hexSHA256(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Runs `body` with a Key Protect mock on 127.0.0.1 that accepts ``daemonTestAPIKey``.
func withKMS<T: Sendable>(_ body: @Sendable (KMSFixture) async throws -> T) async throws -> T {
    let mock = KeyProtectMock(
        configuration: .init(apiKeys: [daemonTestAPIKey], minimumRotationInterval: .zero, enableDelay: .zero))
    return try await mock.withServer { baseURL in
        try await body(KMSFixture(mock: mock, baseURL: baseURL))
    }
}

/// A volume named `data` with fixed seeds and the given kms entries.
func testVolume(
    kms: [KMSEntry],
    envSeed: String = "env-seed-4411",
    workloadSeed: String = "workload-seed-8823",
    kmsTimeout: Duration = .seconds(600)
) -> VolumeConfiguration {
    VolumeConfiguration(
        name: "data", envSeed: SecretBytes(utf8: envSeed), workloadSeed: SecretBytes(utf8: workloadSeed), kms: kms,
        kmsTimeout: kmsTimeout)
}
