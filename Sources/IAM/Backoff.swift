/// Exponential backoff between attempts: the one model of waiting that the EP11, Key Protect and IAM clients share.
///
/// Each ``nextWait(random:)`` returns the wait before the next attempt and grows the one after it by the
/// multiplier, up to the maximum. Whatever a configuration holds, the arithmetic cannot trap: the multiplier is
/// taken as 2 when it is not finite and kept within 1...100, jitter within 0...1, negative durations count as zero,
/// and growth is computed in floating point and capped at the maximum before it becomes a `Duration` again
/// (`Duration * Double` traps when the product leaves its range).
package struct Backoff: Sendable {
    private var next: Duration
    private let maximum: Duration
    private let multiplier: Double
    private let jitter: Double

    /// - Parameters:
    ///   - initial: the first wait.
    ///   - maximum: the longest wait; a maximum below `initial` makes every wait `maximum`.
    ///   - multiplier: growth per attempt.
    ///   - jitter: the fraction of each wait that is random (0 = none, 1 = anywhere from zero to the full wait).
    package init(initial: Duration, maximum: Duration, multiplier: Double, jitter: Double = 0) {
        let maximum = max(maximum, .zero)
        self.maximum = maximum
        self.next = min(max(initial, .zero), maximum)
        self.multiplier = multiplier.isFinite ? min(max(multiplier, 1), 100) : 2
        self.jitter = jitter.isFinite ? min(max(jitter, 0), 1) : 0
    }

    /// The wait before the next attempt. `random` yields a value in `0..<1` (injected by tests).
    package mutating func nextWait(random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        let current = next
        let grown = Self.seconds(current) * multiplier
        next = grown >= Self.seconds(maximum) ? maximum : .seconds(grown)
        guard jitter > 0 else { return current }
        let draw = random()
        let fraction = draw.isFinite ? min(max(draw, 0), 1) : 0
        return .seconds(Self.seconds(current) * (1 - jitter * fraction))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
