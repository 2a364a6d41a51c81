import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import TestSupport
import Testing

@Suite("KeyProtectClient retries, timeouts and broken connections")
struct KeyProtectClientRetryTests {
    @Test("5xx answers are retried with exponential backoff on the client's clock")
    func serverErrorsBackoff() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(
                retryPolicy: MockFixture.retryPolicy(initialBackoff: .seconds(1)),
                clock: clock
            )
            fixture.mock.injectFault(.init(.status(503), times: 3))
            let metadata = try await clock.drive { try await client.metadata(keyID: fixture.rootKey.id) }
            #expect(metadata.state == .active)
            #expect(fixture.mock.recordedRequests.map(\.status) == [503, 503, 503, 200])
            #expect(clock.requestedSleeps == [.seconds(1), .seconds(2), .seconds(4)])
            let ids = Set(fixture.mock.recordedRequests.compactMap(\.correlationID))
            #expect(ids.count == 1, "all attempts of one call share its correlation id")
        }
    }

    @Test("429 with Retry-After waits exactly that long")
    func retryAfterHonoured() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(clock: clock)
            fixture.mock.injectFault(.init(.status(429, retryAfterSeconds: 7), times: 2))
            let wrapped = try await clock.drive { try await client.wrap([1, 2], keyID: fixture.rootKey.id) }
            #expect(wrapped.keyVersionID == fixture.rootKey.currentVersionID)
            #expect(clock.requestedSleeps == [.seconds(7), .seconds(7)])
        }
    }

    @Test("a 429 storm ends after maximumAttempts with rateLimited")
    func rateLimitStorm() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(retryPolicy: MockFixture.retryPolicy(maximumAttempts: 4), clock: clock)
            fixture.mock.injectFault(.init(.status(429, retryAfterSeconds: 1), times: nil))
            let error = try await #require(throws: KeyProtectError.self) {
                try await clock.drive { try await client.metadata(keyID: fixture.rootKey.id) }
            }
            #expect(error.code == .rateLimited)
            #expect(error.httpStatus == 429)
            #expect(error.attempts == 4)
            #expect(fixture.requestCount == 4)
            #expect(clock.requestedSleeps == [.seconds(1), .seconds(1), .seconds(1)])
        }
    }

    @Test("a Retry-After beyond the policy's maximum fails at once")
    func retryAfterTooLong() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(clock: clock)
            fixture.mock.injectFault(.init(.status(429, retryAfterSeconds: 3600)))
            let error = try await #require(throws: KeyProtectError.self) {
                try await clock.drive { try await client.metadata(keyID: fixture.rootKey.id) }
            }
            #expect(error.code == .rateLimited)
            #expect(error.attempts == 1)
            #expect(clock.requestedSleeps.isEmpty)
        }
    }

    @Test("the deadline bounds all attempts and waits together")
    func deadline() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(
                retryPolicy: MockFixture.retryPolicy(
                    maximumAttempts: 10, initialBackoff: .seconds(4), deadline: .seconds(10)),
                clock: clock
            )
            fixture.mock.injectFault(.init(.status(500), times: nil))
            let error = try await #require(throws: KeyProtectError.self) {
                try await clock.drive { try await client.metadata(keyID: fixture.rootKey.id) }
            }
            // t=0 fails, wait 4 s; t=4 fails, a wait of 8 s would pass the 10 s deadline.
            #expect(error.code == .serverError)
            #expect(error.attempts == 2)
            #expect(clock.requestedSleeps == [.seconds(4)])
        }
    }

    @Test("rotate, enable and disable are not repeated after a 5xx, but are after a 429")
    func nonIdempotent() async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(clock: clock)
            fixture.mock.injectFault(.init(.status(503)))
            await #expect(throws: KeyProtectError.serverError) {
                try await clock.drive { try await client.rotate(keyID: fixture.rootKey.id) }
            }
            #expect(fixture.requestCount == 1)
            fixture.mock.injectFault(.init(.status(429, retryAfterSeconds: 2)))
            try await clock.drive { try await client.rotate(keyID: fixture.rootKey.id) }
            #expect(fixture.mock.key(fixture.rootKey.id)?.versionIDs.count == 2)
            #expect(fixture.mock.recordedRequests.map(\.status) == [503, 429, 204])
        }
    }

    @Test("501 and 4xx are never retried", arguments: [501, 400, 403, 404, 409, 410, 422])
    func notRetried(status: Int) async throws {
        try await withMockKeyProtect { fixture in
            let clock = ManualClock()
            let client = try fixture.client(clock: clock)
            fixture.mock.injectFault(.init(.status(status), times: nil))
            let error = try await #require(throws: KeyProtectError.self) {
                try await clock.drive { try await client.metadata(keyID: fixture.rootKey.id) }
            }
            #expect(error.httpStatus == status)
            #expect(error.attempts == 1)
            #expect(fixture.requestCount == 1)
        }
    }

    @Test("a dropped connection is a transport failure, retried for safe calls")
    func droppedConnection() async throws {
        try await withMockKeyProtect { fixture in
            let once = try fixture.client(retryPolicy: .none)
            fixture.mock.injectFault(.init(.dropConnection))
            let error = try await #require(throws: KeyProtectError.self) {
                try await once.metadata(keyID: fixture.rootKey.id)
            }
            #expect(error.code == .transportFailure)
            #expect(error.isTransient)

            let retrying = try fixture.client()
            fixture.mock.injectFault(.init(.dropConnection, times: 2))
            let unwrapped = try await retrying.generateDataKey(keyID: fixture.rootKey.id)
            #expect(unwrapped.plaintext.count == 32)
        }
    }

    @Test("a body cut short is a transport failure")
    func truncatedBody() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(retryPolicy: .none)
            fixture.mock.injectFault(.init(.truncatedBody))
            await #expect(throws: KeyProtectError.transportFailure) {
                try await client.metadata(keyID: fixture.rootKey.id)
            }
        }
    }

    @Test("a slow answer times out per attempt; the retry gets through")
    func timeouts() async throws {
        try await withMockKeyProtect { fixture in
            let once = try fixture.client(retryPolicy: .none, timeout: .milliseconds(150))
            // The answer is held back far longer than the timeout, so a client that waited for it is caught
            // however busy the machine is.
            fixture.mock.injectFault(.init(.delay(.seconds(20))))
            let started = ContinuousClock.now
            let error = try await #require(throws: KeyProtectError.self) {
                try await once.metadata(keyID: fixture.rootKey.id)
            }
            #expect(error.code == .timeout)
            #expect(ContinuousClock.now - started < .seconds(15))
            fixture.mock.clearFaults()

            // The attempt after the slow one must fit in the per-attempt timeout on a busy machine: 1 s, not 150 ms.
            let retrying = try fixture.client(timeout: .seconds(1))
            fixture.mock.injectFault(.init(.delay(.seconds(5))))
            #expect(try await retrying.metadata(keyID: fixture.rootKey.id).id == fixture.rootKey.id)
        }
    }

    @Test("an unreachable endpoint is a transport failure that says the connection was refused")
    func unreachable() async throws {
        let port = try closedLoopbackPort()
        let client = try tokenClient(
            "http://127.0.0.1:\(port)",
            configuration: .init(timeouts: .init(request: .milliseconds(300)), retryPolicy: .none))
        let error = try await #require(throws: KeyProtectError.self) { try await client.metadata(keyID: "k") }
        // The default HTTP client does not redial a refused connection until the request deadline.
        #expect(error.code == .transportFailure)
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(error.httpStatus == nil)
    }
}
