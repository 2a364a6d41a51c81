/// When a failed call is tried again: how many attempts in all and how long to wait between them. The one retry
/// model of the EP11, Key Protect and IAM clients (EP11's `EP11Client.RetryPolicy` is this type; Key Protect's
/// policy holds one and adds what only HTTP has).
///
/// The wait before the second attempt is ``initialBackoff``; each further wait is the one before it times
/// ``backoffMultiplier``, at most ``maximumBackoff``, less a random part of up to ``jitter`` of it. Whatever the
/// fields hold, a policy cannot trap or stall a call: fewer than one attempt counts as one, a multiplier that is not
/// finite counts as 2 and is kept within 1...100, jitter is kept within 0...1 (not finite: none), and negative
/// durations count as zero.
///
/// Which failures are retried, and the deadline all attempts and waits share, are each client's own; waits are
/// slept on the clock the client was given, so tests drive them with a manual clock.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, including the first; 1 disables retries. Default 3.
    public var maximumAttempts: Int
    /// Wait before the second attempt. Default 100 ms.
    public var initialBackoff: Duration
    /// Upper bound for one wait. Default 2 s.
    public var maximumBackoff: Duration
    /// Growth of the wait per attempt. Default 2. Kept within 1...100; a value that is not finite counts as 2.
    public var backoffMultiplier: Double
    /// Fraction of each wait that is random, to spread out clients retrying together (0 = none, 1 = anywhere
    /// between zero and the full wait). Default 0.
    public var jitter: Double

    public init(
        maximumAttempts: Int = 3, initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(2),
        backoffMultiplier: Double = 2, jitter: Double = 0
    ) {
        (self.initialBackoff, self.maximumBackoff) = (initialBackoff, maximumBackoff)
        (self.maximumAttempts, self.backoffMultiplier, self.jitter) = (maximumAttempts, backoffMultiplier, jitter)
    }

    /// 3 attempts, waits from 100 ms doubling up to 2 s, no jitter.
    public static var defaults: RetryPolicy { RetryPolicy() }
    /// A single attempt.
    public static var none: RetryPolicy { RetryPolicy(maximumAttempts: 1) }

    /// Whether ``maximumAttempts`` allows at least one attempt; a client that refuses such a configuration
    /// (rather than making one attempt) checks this.
    public var isValid: Bool { maximumAttempts >= 1 }

    /// The attempts a call makes: ``maximumAttempts``, at least one.
    package var attempts: Int { max(1, maximumAttempts) }

    /// The waits between one call's attempts, in order.
    package func waits() -> Backoff { Backoff(self) }
}

/// The waits between one call's attempts under a ``RetryPolicy``: exponential backoff.
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

    /// The waits of `policy`: the first is its initial backoff; a maximum below it makes every wait the maximum.
    package init(_ policy: RetryPolicy) {
        let maximum = max(policy.maximumBackoff, .zero)
        self.maximum = maximum
        self.next = min(max(policy.initialBackoff, .zero), maximum)
        let multiplier = policy.backoffMultiplier
        self.multiplier = multiplier.isFinite ? min(max(multiplier, 1), 100) : 2
        self.jitter = policy.jitter.isFinite ? min(max(policy.jitter, 0), 1) : 0
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

/// One call's deadline on a client's clock: it covers every attempt, backoff wait and token fetch of the call. The
/// EP11, Key Protect and IAM clients each measure their deadline with one, so that tests drive it with a manual clock.
package struct CallDeadline: Sendable {
    /// The clock the deadline is measured and backoffs are waited on.
    package let clock: ErasedClock
    /// The call's time limit, for messages.
    package let limit: Duration
    /// When the call started, as the clock's time since it was captured.
    private let start: Duration

    /// A deadline `limit` from now on `clock`.
    package init(clock: ErasedClock, limit: Duration) {
        self.clock = clock
        self.limit = limit
        self.start = clock.now
    }

    /// What is left of the limit; zero or less once it has passed.
    package var remaining: Duration { limit - (clock.now - start) }
    /// Whether the limit has passed.
    package var hasPassed: Bool { remaining <= .zero }
}
