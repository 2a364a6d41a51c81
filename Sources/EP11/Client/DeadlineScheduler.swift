import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Enforces call deadlines for the grpc-swift-2 path without a timer per call.
///
/// grpc-swift-2's per-call `CallOptions.timeout` races every call against a `Task.sleep` child; on Linux a
/// cancelled sleep keeps its memory until its deadline passes, so memory grew with call rate x timeout (127 MB to
/// 622 MB at 10,700 calls/s with the 30 s default). Here each call only registers its deadline in a table (a lock
/// and a dictionary insert, and a removal when it ends); one thread per process sleeps until the earliest
/// registered deadline and cancels the calls that are overdue. The thread is woken early only when a call's
/// deadline is earlier than the wake-up it planned, which a client with one call timeout rarely causes: its
/// deadlines arrive in order. Nothing of a finished call survives it.
package final class DeadlineScheduler: @unchecked Sendable {
    /// The process's scheduler; its thread starts with the first registration.
    package static let shared = DeadlineScheduler()

    private struct Entry {
        var deadline: ContinuousClock.Instant
        var cancel: @Sendable () -> Void
    }

    // Guarded by `mutex`.
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 0
    private var plannedWake: ContinuousClock.Instant?
    private var lastTimeout: Duration = .seconds(30)
    private var threadStarted = false
    private var firedCount = 0

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// A scheduler of its own (tests); clients share ``shared``.
    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// Calls registered and not yet finished or cancelled; for tests (memory must not grow with finished calls).
    package var outstandingCount: Int { locked { entries.count } }

    /// How many calls were cancelled at their deadline so far.
    package var firedTotal: Int { locked { firedCount } }

    /// Runs `operation` in a task of its own and cancels that task at `deadline`; a failure after the deadline
    /// fired is reported as ``DeadlinePassed``. Cancelling the calling task cancels the operation too.
    ///
    /// The task starts at once on the caller's thread (`Task.immediate`) and runs until the operation first
    /// suspends (for a call: until the request is written), so a call costs no hop to another thread before it is
    /// sent; only the cancellation needs the task (cancelling the caller's own task would leave the caller
    /// cancelled after a timeout).
    package func run<Result: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        // An immediate task does not inherit the caller's cancellation, and the handler that passes it on is
        // installed only once the task first suspends: a caller cancelled already must not start the call.
        try Task.checkCancellation()
        let task = Task.immediate { try await operation() }
        let id = register(deadline: deadline) { task.cancel() }
        do {
            let result = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            unregister(id)
            return result
        } catch {
            let stillPending = unregister(id)
            if !stillPending { throw DeadlinePassed() }
            throw error
        }
    }

    /// The deadline passed before the call ended; the call was cancelled.
    package struct DeadlinePassed: Error {}

    private func register(deadline: ContinuousClock.Instant, cancel: @escaping @Sendable () -> Void) -> UInt64 {
        let now = ContinuousClock.now
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        nextID &+= 1
        let id = nextID
        entries[id] = Entry(deadline: deadline, cancel: cancel)
        let timeout = now.duration(to: deadline)
        if timeout > .zero { lastTimeout = timeout }
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in self.loop() }
            thread.name = "hpcs.ep11.deadlines"
            thread.start()
        } else if let plannedWake, deadline < plannedWake {
            pthread_cond_signal(condition)
        }
        return id
    }

    /// Removes a call's entry; false when its deadline already fired.
    @discardableResult
    private func unregister(_ id: UInt64) -> Bool {
        locked { entries.removeValue(forKey: id) != nil }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private func loop() {
        pthread_mutex_lock(mutex)
        while true {
            let now = ContinuousClock.now
            var due: [@Sendable () -> Void] = []
            var earliest: ContinuousClock.Instant?
            for (id, entry) in entries {
                if entry.deadline <= now {
                    due.append(entry.cancel)
                    entries.removeValue(forKey: id)
                } else if earliest.map({ entry.deadline < $0 }) ?? true {
                    earliest = entry.deadline
                }
            }
            firedCount += due.count
            // With nothing registered, wake after one typical call timeout: a new call's deadline is later, so
            // registering it needs no signal.
            let wake = earliest ?? now.advanced(by: lastTimeout)
            plannedWake = wake
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for cancel in due { cancel() }
                pthread_mutex_lock(mutex)
                continue
            }
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let wait = now.duration(to: wake).components
            let seconds = max(0, wait.seconds)
            let nanoseconds = max(0, wait.attoseconds / 1_000_000_000)
            deadline.tv_sec += Int(clamping: seconds)
            deadline.tv_nsec += Int(nanoseconds)
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
    }
}
