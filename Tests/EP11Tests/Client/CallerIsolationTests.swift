import EP11
import Foundation
import IAM
import Synchronization
import Testing

/// The client's operations run on their caller's executor (`nonisolated(nonsending)`): from an actor, the request
/// is built and the answer decoded on that actor, with no hop to the global pool on the way in and none back.
@Suite("An EP11 call runs on its caller's executor", .timeLimit(.minutes(2)))
struct CallerIsolationTests {
    /// A serial executor that runs its jobs on one thread of its own, so that a test can tell where code ran.
    final class OwnThreadExecutor: SerialExecutor, @unchecked Sendable {
        private let jobs = Mutex<[UnownedJob]>([])
        private let available = DispatchSemaphore(value: 0)
        /// The executor's thread; set before `init` returns, never changed.
        private(set) var thread: pthread_t

        init() {
            let started = DispatchSemaphore(value: 0)
            let thread = Mutex<pthread_t?>(nil)
            self.thread = pthread_self()
            Thread { [self] in
                thread.withLock { $0 = pthread_self() }
                started.signal()
                while true {
                    available.wait()
                    guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                    job.runSynchronously(on: asUnownedSerialExecutor())
                }
            }.start()
            started.wait()
            if let own = thread.withLock({ $0 }) { self.thread = own }
        }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            jobs.withLock { $0.append(job) }
            available.signal()
        }

        var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }
    }

    /// The caller: an actor on its own thread.
    actor Caller {
        static let executor = OwnThreadExecutor()
        nonisolated var unownedExecutor: UnownedSerialExecutor { Self.executor.asUnownedSerialExecutor() }

        /// One call; whether the caller's code after it runs on the actor's thread again.
        func random(_ client: EP11Client) async throws -> (count: Int, backOnThread: Bool) {
            let bytes = try await client.generateRandom(count: 16)
            return (bytes.count, Self.executor.isCurrent)
        }
    }

    /// A continuous clock that notes the thread of every reading: the client reads its clock when a call starts,
    /// to set the call's deadline, before anything suspends.
    struct ThreadNotingClock: Clock {
        final class Readings: Sendable {
            let threads = Mutex<[pthread_t]>([])
        }
        let readings = Readings()
        private let base = ContinuousClock()

        var now: ContinuousClock.Instant {
            readings.threads.withLock { $0.append(pthread_self()) }
            return base.now
        }
        var minimumResolution: Duration { base.minimumResolution }
        func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
            try await base.sleep(until: deadline, tolerance: tolerance)
        }
    }

    @Test(
        "called from an actor, the call starts on the actor's thread and returns to it",
        arguments: [
            EP11Client.Transport.cgrpc, .nio,
        ])
    func callStartsOnTheCallersExecutor(transport: EP11Client.Transport) async throws {
        let clock = ThreadNotingClock()
        try await withHTTP2Mock(transport, configure: { $0.clock = ErasedClock(clock) }) { client in
            let caller = Caller()
            for _ in 0..<3 {
                clock.readings.threads.withLock { $0.removeAll() }
                let (count, backOnThread) = try await caller.random(client)
                #expect(count == 16)
                #expect(backOnThread)
                let readings = clock.readings.threads.withLock { $0 }
                #expect(!readings.isEmpty, "the client did not read its clock")
                let elsewhere = readings.filter { pthread_equal($0, Caller.executor.thread) == 0 }
                #expect(elsewhere.isEmpty, "\(elsewhere.count) of \(readings.count) clock readings were off the actor")
            }
        }
    }
}
