/// A `Clock<Duration>` with its instant type erased: time is measured as the duration since the clock was
/// captured. Lets non-generic types take any clock (`ContinuousClock` in production, a manual clock in tests).
package struct ErasedClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.sleeper = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }

    /// Time since the clock was captured.
    package var now: Duration { elapsed() }

    /// Sleeps for `duration` on the underlying clock.
    package func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }
}
