import IAM
import TestSupport
import Testing

@Suite("RetryPolicy: the retry model the clients share")
struct RetryPolicyTests {
    @Test("defaults: 3 attempts, waits from 100 ms doubling up to 2 s, no jitter; none is one attempt")
    func defaults() {
        let policy = RetryPolicy.defaults
        #expect(policy.maximumAttempts == 3)
        #expect(policy.initialBackoff == .milliseconds(100))
        #expect(policy.maximumBackoff == .seconds(2))
        #expect(policy.backoffMultiplier == 2)
        #expect(policy.jitter == 0)
        #expect(RetryPolicy() == policy)
        #expect(RetryPolicy.none == RetryPolicy(maximumAttempts: 1))
    }

    @Test("the waits follow the policy's fields")
    func waits() {
        var waits = RetryPolicy(
            maximumAttempts: 9, initialBackoff: .seconds(1), maximumBackoff: .seconds(5), backoffMultiplier: 3,
            jitter: 0.5
        ).waits()
        #expect(waits.nextWait(random: { 0 }) == .seconds(1))
        #expect(waits.nextWait(random: { 0 }) == .seconds(3))
        #expect(waits.nextWait(random: { 0.5 }) == .seconds(3.75), "jitter takes up to half of the capped 5 s")
    }

    @Test("fewer than one attempt is invalid and counts as one", arguments: [0, -1, Int.min])
    func attempts(maximumAttempts: Int) {
        let policy = RetryPolicy(maximumAttempts: maximumAttempts)
        #expect(!policy.isValid)
        #expect(policy.attempts == 1)
        #expect(RetryPolicy.none.isValid)
        #expect(RetryPolicy(maximumAttempts: 7).attempts == 7)
    }

    @Test("a call's deadline is measured on the client's clock, from when the call began")
    func deadline() {
        let clock = ManualClock()
        clock.advance(by: .seconds(100))
        let deadline = CallDeadline(clock: ErasedClock(clock), limit: .seconds(30))
        #expect(deadline.remaining == .seconds(30))
        clock.advance(by: .seconds(25))
        #expect(deadline.remaining == .seconds(5))
        #expect(!deadline.hasPassed)
        clock.advance(by: .seconds(5))
        #expect(deadline.hasPassed)
        #expect(deadline.limit == .seconds(30))
    }
}
