import Testing

@testable import EP11

@Suite("The C core's process-wide set-up")
struct CoreRuntimeTests {
    @Test("Abseil's mutex deadlock detection (on in Debian's build, a global lock-order graph per lock) is off")
    func deadlockDetectionIsOff() {
        // False when the setter is missing from the Abseil under libgrpc (a new inline namespace, say): then every
        // C-core call pays for the lock-order graph again, and the setter's name needs adding.
        #expect(CoreRuntime.withoutDeadlockDetection)
    }
}
