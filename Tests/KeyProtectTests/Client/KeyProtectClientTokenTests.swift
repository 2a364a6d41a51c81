import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import TestSupport
import Testing

@Suite("KeyProtectClient tokens")
struct KeyProtectClientTokenTests {
    @Test("the IAM token is cached and refreshed at 80% of its lifetime on the client's clock")
    func refreshOnManualClock() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(clock: clock)
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            #expect(fixture.mock.tokensIssued == 1)
            clock.advance(by: .seconds(2879))
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            #expect(fixture.mock.tokensIssued == 1)
            clock.advance(by: .seconds(1))
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            #expect(fixture.mock.tokensIssued == 2)
        }
    }

    @Test("a 401 for a revoked token fetches a new token and succeeds")
    func revokedToken() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(clock: ManualClock())
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            fixture.mock.revokeTokens()
            let metadata = try await client.metadata(keyID: fixture.rootKey.id)
            #expect(metadata.id == fixture.rootKey.id)
            #expect(fixture.mock.tokensIssued == 2)
            #expect(fixture.mock.recordedRequests.map(\.status) == [200, 401, 200])
        }
    }

    @Test("a token expired on the service's side is replaced after the 401")
    func expiredToken() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(clock: ManualClock())
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            fixture.mock.advanceTime(by: .seconds(3601))
            _ = try await client.metadata(keyID: fixture.rootKey.id)
            #expect(fixture.mock.tokensIssued == 2)
            #expect(fixture.mock.recordedRequests.map(\.status) == [200, 401, 200])
        }
    }

    @Test("IAM answering 503 surfaces as authenticationFailed")
    func iamDown() async throws {
        try await withMockKeyProtect { fixture in
            fixture.mock.injectFault(.init(.status(503), target: .iam))
            let error = try await #require(throws: KeyProtectError.self) {
                try await fixture.client().metadata(keyID: fixture.rootKey.id)
            }
            #expect(error.code == .authenticationFailed)
            #expect((error.cause as? IAMError)?.httpStatus == 503)
        }
    }
}
