import IAM
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("waits grow by the multiplier up to the maximum")
    func grows() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(700), multiplier: 2)
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
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(Int64.max), multiplier: multiplier)
        var last = Duration.zero
        for _ in 0..<200 { last = backoff.nextWait() }
        #expect(last > .zero)
        #expect(last <= .seconds(Int64.max))
    }

    @Test("jitter takes at most its fraction off a wait, and a bad random value takes nothing")
    func jitter() {
        var backoff = Backoff(initial: .seconds(10), maximum: .seconds(10), multiplier: 2, jitter: 0.2)
        #expect(backoff.nextWait(random: { 0 }) == .seconds(10))
        #expect(backoff.nextWait(random: { 0.5 }) == .seconds(9))
        #expect(backoff.nextWait(random: { .nan }) == .seconds(10))
        var wide = Backoff(initial: .seconds(10), maximum: .seconds(10), multiplier: 2, jitter: 7)
        #expect(wide.nextWait(random: { 0.5 }) == .seconds(5), "jitter above 1 counts as 1")
    }

    @Test("negative durations count as zero; a maximum below the first wait caps it")
    func negativeAndInverted() {
        var negative = Backoff(initial: .seconds(-5), maximum: .seconds(-1), multiplier: 2)
        #expect(negative.nextWait() == .zero)
        var inverted = Backoff(initial: .seconds(10), maximum: .seconds(3), multiplier: 2)
        #expect(inverted.nextWait() == .seconds(3))
    }
}
