import Foundation
import IAM
import KeyProtect
import TestSupport
import Testing

@testable import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A port on 127.0.0.1: `.closed` refuses connections (a listener that was closed), `.silent` accepts them in the
/// kernel's backlog and never answers (TestSupport's listeners).
final class LoopbackEndpoint: Sendable {
    enum Kind { case closed, silent }

    let port: Int
    private let listener: ConnectionCountingListener?

    init(_ kind: Kind) throws {
        switch kind {
        case .closed:
            listener = nil
            port = try closedLoopbackPort()
        case .silent:
            let listener = try ConnectionCountingListener()
            self.listener = listener
            port = listener.port
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }
}

@Suite("kmsTimeout: one deadline over every KMS call of a provisioning run")
struct KMSDeadlineTests {
    /// A provisioned in-memory volume, then a provisioner whose only kms entry points at `endpoint`.
    func provisioner(
        kms: KMSFixture, endpoint: String, kmsTimeout: Duration, apiKey: String = daemonTestAPIKey,
        useMock: Bool = false
    ) async throws -> VolumeProvisioner {
        let scenarios = DecisionTableScenarios(factory: InMemoryDevices(), kms: kms)
        let crn = kms.makeRootKey()
        let (device, _) = try await scenarios.provisioned(testVolume(kms: [try kms.entry(crn: crn)]))
        let volume = testVolume(kms: [try kms.entry(crn: crn, apiKey: apiKey)], kmsTimeout: kmsTimeout)
        // The client's defaults (5 attempts, a 120 s deadline, 30 s per request), as the daemon runs them.
        let service = try KeyProtectSeedService(
            entry: volume.kms[0], kmsEndpoint: useMock ? kms.baseURL : endpoint,
            iamEndpoint: useMock ? kms.baseURL : endpoint)
        return VolumeProvisioner(
            volume: volume, device: device, services: [service],
            options: .init(keyDerivation: .pbkdf2(iterations: 1000), retryInterval: .seconds(1)))
    }

    @Test(
        "a KMS that refuses connections, or accepts and never answers, ends the run at kmsTimeout, to the second",
        arguments: [LoopbackEndpoint.Kind.closed, .silent])
    func unreachableEndsAtTimeout(_ kind: LoopbackEndpoint.Kind) async throws {
        try await withKMS { kms in
            let endpoint = try LoopbackEndpoint(kind)
            let provisioner = try await provisioner(kms: kms, endpoint: endpoint.url, kmsTimeout: .seconds(3))
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: KeyDaemonError.self) { try await provisioner.provision() }
            let elapsed = clock.now - start
            #expect(error.code == .kmsUnavailable, "\(error)")
            #expect(error.message.contains("kmsTimeout"))
            // Before: one unwrap call alone took the client's retries (up to 120 s) or its 30 s request timeout.
            #expect(elapsed >= .milliseconds(2900), "ended after \(elapsed)")
            #expect(elapsed < .seconds(5), "ended after \(elapsed)")
            withExtendedLifetime(endpoint) {}
        }
    }

    @Test("at boot, a KMS that never answers shuts the server down at kmsTimeout, not after the client's retries")
    func monitorAtBootEndsAtTimeout() async throws {
        let endpoint = try LoopbackEndpoint(.silent)
        let crn =
            "crn:v1:bluemix:public:kms:us-south:a/0123456789abcdef:9f1c2b7e-6a1d-4d1e-8b0c-1f5e3c2a9d40:key:"
            + "1a2b3c4d-0000-4000-8000-000000000001"
        let entry = KMSEntry(apiKey: APIKey(daemonTestAPIKey), crn: try CRN(parsing: crn), network: .public)
        let volume = testVolume(kms: [entry], kmsTimeout: .seconds(2))
        let service = try KeyProtectSeedService(entry: entry, kmsEndpoint: endpoint.url, iamEndpoint: endpoint.url)
        let power = RecordingPowerControl()
        let monitor = KeyMonitor(
            volume: volume, device: InMemoryVolumeDevice(), service: service, power: power, interval: .seconds(60))
        let clock = ContinuousClock()
        let start = clock.now
        let ending = try await monitor.monitor()
        let elapsed = clock.now - start
        #expect(ending == .shutdownRequested)
        #expect(power.actions == [.shutdown])
        #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(5), "ended after \(elapsed)")
        withExtendedLifetime(endpoint) {}
    }

    @Test("an API key IAM rejects is not retried until kmsTimeout: the run is refused at once")
    func rejectedAPIKeyFailsFast() async throws {
        try await withKMS { kms in
            let provisioner = try await provisioner(
                kms: kms, endpoint: kms.baseURL, kmsTimeout: .seconds(60), apiKey: "not-the-api-key-0000",
                useMock: true)
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: KeyDaemonError.self) { try await provisioner.provision() }
            #expect(error.code == .refused, "\(error)")
            #expect(error.refusal == .unwrapFailed)
            #expect(!error.description.contains("not-the-api-key"))
            #expect(clock.now - start < .seconds(10), "took \(clock.now - start)")
        }
    }

    @Test("what cannot change on retry is not retried; outages and throttling are")
    func transientClassification() {
        #expect(VolumeProvisioner.isTransient(KeyProtectError(code: .transportFailure, message: "")))
        #expect(VolumeProvisioner.isTransient(KeyProtectError(code: .rateLimited, message: "")))
        #expect(VolumeProvisioner.isTransient(KeyProtectError(code: .serverError, message: "")))
        #expect(VolumeProvisioner.isTransient(KMSDeadlineExceeded()))
        #expect(!VolumeProvisioner.isTransient(KeyProtectError(code: .badRequest, message: "")))
        #expect(!VolumeProvisioner.isTransient(KeyProtectError(code: .forbidden, message: "")))
        #expect(!VolumeProvisioner.isTransient(KeyProtectError(code: .notFound, message: "")))
        #expect(!VolumeProvisioner.isTransient(KeyProtectError(code: .unprocessable, message: "")))
    }

    @Test("the real-time limit returns at the limit without waiting for a call that ignores cancellation")
    func limitDoesNotWaitForTheCall() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: KMSDeadlineExceeded.self) {
            try await withRealTimeLimit(.milliseconds(300)) { () async throws -> Int in
                // Ignores cancellation for 3 s.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3) { continuation.resume() }
                }
                return 1
            }
        }
        #expect(clock.now - start < .seconds(2))
        #expect(try await withRealTimeLimit(.seconds(5)) { 42 } == 42)
    }
}
