import Foundation
import IAM
import KeyDaemon
import KeyProtect
import KeyProtectMock
import TestSupport
import Testing

@Suite("KeyProtectSeedService: a refused KMS connection fails fast and says so")
struct SeedServiceFailFastTests {
    @Test("the daemon's KMS client does not redial a refused connection until the deadline")
    func refusedKMS() async throws {
        let port = try closedLoopbackPort()
        let iam = KeyProtectMock(configuration: .init(apiKeys: ["seed-service-api-key"]))
        try await iam.withServer(host: "127.0.0.1", port: 0) { iamURL in
            let crn =
                "crn:v1:bluemix:public:kms:us-south:a/0123456789abcdef:9f1c2b7e-6a1d-4d1e-8b0c-1f5e3c2a9d40:key:"
                + "1a2b3c4d-0000-4000-8000-000000000001"
            let entry = KMSEntry(apiKey: APIKey("seed-service-api-key"), crn: try CRN(parsing: crn), network: .public)
            let service = try KeyProtectSeedService(
                entry: entry, kmsEndpoint: "http://127.0.0.1:\(port)", iamEndpoint: iamURL,
                configuration: .init(retryPolicy: .init(initialBackoff: .milliseconds(100), deadline: .seconds(10))))
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: KeyProtectError.self) { try await service.status() }
            let elapsed = clock.now - start
            #expect(error.code == .transportFailure, "\(error)")
            #expect(error.message.contains("connection refused"), "\(error.message)")
            #expect(error.attempts >= 2, "refused is retried within the deadline")
            // A pool that redials until the deadline would end at 10 s with a timeout, not "connection refused".
            #expect(elapsed < .seconds(13), "took \(elapsed)")
            #expect(!String(describing: error).contains("seed-service-api-key"))
        }
    }
}
