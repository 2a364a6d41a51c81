import EP11
import Testing

@Suite("DeadlineScheduler: the call runs in a task of its own, which alone the deadline cancels")
struct DeadlineSchedulerTests {
    @Test("after a deadline fires, the caller is not left cancelled and its next call succeeds")
    func callerNotCancelledByTheDeadline() async throws {
        let scheduler = DeadlineScheduler()
        let clock = ContinuousClock()
        await #expect(throws: DeadlineScheduler.DeadlinePassed.self) {
            try await scheduler.run(until: clock.now.advanced(by: .milliseconds(100))) {
                try await Task.sleep(for: .seconds(60))
            }
        }
        #expect(!Task.isCancelled)
        let value = try await scheduler.run(until: clock.now.advanced(by: .seconds(30))) {
            try await Task.sleep(for: .milliseconds(10))
            return 42
        }
        #expect(value == 42)
        #expect(scheduler.outstandingCount == 0)
    }

    @Test("cancelling the caller cancels the operation, before and after its first suspension")
    func callerCancellationReachesTheOperation() async throws {
        let scheduler = DeadlineScheduler()
        let clock = ContinuousClock()
        let start = clock.now
        let call = Task {
            try await scheduler.run(until: clock.now.advanced(by: .seconds(60))) {
                try await Task.sleep(for: .seconds(60))
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(start.duration(to: clock.now) < .seconds(30))
        // Already cancelled when it starts: the operation sees it at once.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await scheduler.run(until: clock.now.advanced(by: .seconds(60))) {
                try Task.checkCancellation()
                return 1
            }
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(scheduler.outstandingCount == 0)
        #expect(scheduler.firedTotal == 0)
    }

    @Test("the operation carries the caller's task-local values")
    func taskLocals() async throws {
        let scheduler = DeadlineScheduler()
        let seen = try await Probe.$value.withValue(7) {
            try await scheduler.run(until: ContinuousClock.now.advanced(by: .seconds(30))) {
                let before = Probe.value
                try await Task.sleep(for: .milliseconds(1))
                return before * 10 + Probe.value
            }
        }
        #expect(seen == 77)
    }

    enum Probe {
        @TaskLocal static var value = 0
    }
}
