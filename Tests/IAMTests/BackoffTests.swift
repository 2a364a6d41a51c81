import IAM
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("waits grow by the multiplier up to the maximum")
    func grows() {
        var backoff = RetryPolicy(initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(700)).waits()
        let waits = (0..<5).map { _ in backoff.nextWait() }
        #expect(
            waits == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700),
                .milliseconds(700),
            ])
    }

    @Test(
        "configurations that would trap or stall are kept in range",
        arguments: [Double.infinity, -.infinity, .nan, 1e300, 0, -3])
    func extremeMultipliers(multiplier: Double) {
        var backoff = RetryPolicy(
            initialBackoff: .seconds(1), maximumBackoff: .seconds(Int64.max), backoffMultiplier: multiplier
        ).waits()
        var last = Duration.zero
        for _ in 0..<200 { last = backoff.nextWait() }
        #expect(last > .zero)
        #expect(last <= .seconds(Int64.max))
    }

    @Test("jitter takes at most its fraction off a wait, and a bad random value takes nothing")
    func jitter() {
        var backoff = RetryPolicy(initialBackoff: .seconds(10), maximumBackoff: .seconds(10), jitter: 0.2).waits()
        #expect(backoff.nextWait(random: { 0 }) == .seconds(10))
        #expect(backoff.nextWait(random: { 0.5 }) == .seconds(9))
        #expect(backoff.nextWait(random: { .nan }) == .seconds(10))
        var wide = RetryPolicy(initialBackoff: .seconds(10), maximumBackoff: .seconds(10), jitter: 7).waits()
        #expect(wide.nextWait(random: { 0.5 }) == .seconds(5), "jitter above 1 counts as 1")
    }

    @Test("negative durations count as zero; a maximum below the first wait caps it")
    func negativeAndInverted() {
        var negative = RetryPolicy(initialBackoff: .seconds(-5), maximumBackoff: .seconds(-1)).waits()
        #expect(negative.nextWait() == .zero)
        var inverted = RetryPolicy(initialBackoff: .seconds(10), maximumBackoff: .seconds(3)).waits()
        #expect(inverted.nextWait() == .seconds(3))
    }
}
