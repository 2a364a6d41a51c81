import CGRPC
import Foundation
import Synchronization

/// The completion queue every C-core call of the process reports to, drained by dedicated threads, which are also
/// a task executor (``EP11Client/cgrpcTaskExecutor``).
///
/// `grpc_completion_queue_next` blocks, so it runs on its own threads, never on the Swift cooperative pool. Each
/// call's batch is tagged with its retained ``CoreCall``; the thread that takes the event takes the reference back
/// and resumes the task waiting for it. There is no thread per call, and a call that completed leaves nothing
/// behind.
///
/// A task that prefers this executor (`withTaskExecutorPreference`) resumes on the queue thread that took its
/// answer: its job is queued there while the thread handles the completion and runs right after it, so the task
/// decodes the answer and starts its next call with no wake-up of another thread, as the C++ callback API does. A
/// job enqueued by another thread is handed over with a wake-up: an empty batch on a call of a lame channel, whose
/// tag the core puts on the queue at once (grpc.h); the thread that takes it runs them. A thread runs the jobs
/// queued when it looks, then polls the core again without blocking before it runs the next ones, so a task that
/// keeps yielding does not hold up completions, and a job never runs inside another (no stack growth).
///
/// One thread always drains the queue. The others (``helperCount``) help only while tasks run here and two calls
/// or more are in flight: a second thread waiting in the core costs a hand-over between the two per answer, which
/// doubles a single caller's wake-ups, while many callers gain more from a second thread running their tasks.
final class CoreCompletionQueue: TaskExecutor, @unchecked Sendable {
    /// The process's queue; its threads start on first use and live as long as the process, like the C core's own.
    static let shared = CoreCompletionQueue()

    /// The threads besides the first: with it, as many as the C++ callback API's (half the cores, 2 to 16).
    static let helperCount = min(16, max(2, ProcessInfo.processInfo.activeProcessorCount / 2)) - 1

    /// `grpc_completion_queue*`, immutable after init.
    let queue: OpaquePointer

    /// Jobs enqueued by other threads, and whether a wake-up is on its way to the queue.
    private let handedOver = Mutex(HandOver())
    /// A call on a lame channel (both live as long as the process): an empty batch on it is a wake-up.
    private let wakeCall: OpaquePointer
    /// Each queue thread's ``Drainer``, as a thread-specific value (none on other threads).
    private let drainerKey: pthread_key_t
    /// The calls started and not yet taken off the queue.
    private let inFlight = Atomic<Int>(0)
    /// Whether any job ran here: until then the helpers have nothing to run and stay parked.
    private let executorUsed = Atomic<Bool>(false)
    private let helpers: [Helper]
    private let parkedHelpers = Atomic<Int>(0)

    private struct HandOver {
        var jobs: [UnownedJob] = []
        var wakePending = false
    }

    /// One queue thread's own jobs: those enqueued on it, and the batch it is running. Touched by that thread only.
    private final class Drainer {
        var queued: [UnownedJob] = []
        var running: [UnownedJob] = []
    }

    /// A thread that drains the queue only while ``shouldHelp``; parked on its semaphore otherwise.
    private final class Helper: Sendable {
        let parked = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    private init() {
        _ = CoreRuntime.initialised
        // Only when the C core is out of memory.
        guard let queue = grpc_completion_queue_create_for_next(nil) else {
            preconditionFailure("grpc_completion_queue_create_for_next failed")
        }
        guard let lame = grpc_lame_client_channel_create("hpcs.ep11.wake-up", GRPC_STATUS_UNAVAILABLE, "wake-up"),
            let wakeCall = grpc_channel_create_call(
                lame, nil, hpcs_grpc_propagate_defaults(), queue, grpc_slice_from_static_string("/wake-up"), nil,
                gpr_inf_future(GPR_CLOCK_MONOTONIC), nil)
        else {
            preconditionFailure("the gRPC core could not create the completion queue's wake-up call")
        }
        var key = pthread_key_t()
        guard pthread_key_create(&key, nil) == 0 else {
            preconditionFailure("pthread_key_create failed")
        }
        self.queue = queue
        self.wakeCall = wakeCall
        self.drainerKey = key
        self.helpers = (0..<Self.helperCount).map { _ in Helper() }
        Thread { [self] in self.drain(Drainer(), helper: nil) }.start()
        for helper in helpers {
            Thread { [self] in self.drain(Drainer(), helper: helper) }.start()
        }
    }

    /// The tag of a wake-up: this object's address, which no ``CoreCall`` shares.
    private var wakeTag: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// The calling thread's ``Drainer`` when it is a queue thread.
    private var currentDrainer: Drainer? {
        pthread_getspecific(drainerKey).map { Unmanaged<Drainer>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Whether the calling thread is one of the queue's.
    var isQueueThread: Bool { pthread_getspecific(drainerKey) != nil }

    /// Whether the helpers should drain the queue too: tasks run here, and more than one call is in flight.
    private var shouldHelp: Bool {
        inFlight.load(ordering: .sequentiallyConsistent) >= 2 && executorUsed.load(ordering: .relaxed)
    }

    /// Counts a call whose batch is about to start; wakes the parked helpers when it is the second in flight.
    func callStarting() {
        let count = inFlight.add(1, ordering: .sequentiallyConsistent).newValue
        guard count >= 2, parkedHelpers.load(ordering: .sequentiallyConsistent) > 0,
            executorUsed.load(ordering: .relaxed)
        else { return }
        for helper in helpers
        where helper.parked.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged
        {
            parkedHelpers.subtract(1, ordering: .sequentiallyConsistent)
            helper.wake.signal()
        }
    }

    /// Uncounts a call whose batch did not start.
    func callNotStarted() {
        inFlight.subtract(1, ordering: .relaxed)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if let drainer = currentDrainer {
            drainer.queued.append(job)
            return
        }
        if !executorUsed.load(ordering: .relaxed) { executorUsed.store(true, ordering: .relaxed) }
        let wake = handedOver.withLock { state -> Bool in
            state.jobs.append(job)
            defer { state.wakePending = true }
            return !state.wakePending
        }
        if wake {
            // An empty batch puts its tag on the queue at once; it fails only for a bad argument.
            let started = grpc_call_start_batch(wakeCall, nil, 0, wakeTag, nil)
            precondition(started == GRPC_CALL_OK, "the completion queue's wake-up was refused (\(started.rawValue))")
        }
    }

    /// A queue thread: takes events and runs the jobs they queue here. A helper parks while it should not help, and
    /// waits in the core at most 10 ms at a time, so that it notices when to park.
    private func drain(_ drainer: Drainer, helper: Helper?) {
        hpcs_set_thread_name("ep11-grpc-cq")
        pthread_setspecific(drainerKey, Unmanaged.passUnretained(drainer).toOpaque())
        let executor = asUnownedTaskExecutor()
        while true {
            let deadline: gpr_timespec
            if !drainer.queued.isEmpty {
                // With jobs waiting, only look for a completion that is there already.
                deadline = gpr_inf_past(GPR_CLOCK_MONOTONIC)
            } else if let helper {
                if !shouldHelp {
                    park(helper)
                    continue
                }
                deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(10, GPR_TIMESPAN))
            } else {
                deadline = gpr_inf_future(GPR_CLOCK_MONOTONIC)
            }
            let event = grpc_completion_queue_next(queue, deadline, nil)
            switch event.type {
            case GRPC_OP_COMPLETE:
                guard let tag = event.tag else { break }
                if tag == wakeTag {
                    handedOver.withLock { state in
                        state.wakePending = false
                        drainer.queued += state.jobs
                        state.jobs.removeAll(keepingCapacity: true)
                    }
                } else {
                    inFlight.subtract(1, ordering: .relaxed)
                    // Resuming the task queues its job on this thread when it prefers this executor.
                    Unmanaged<CoreCall>.fromOpaque(tag).takeRetainedValue().complete()
                }
            case GRPC_QUEUE_SHUTDOWN:
                return
            default:
                break
            }
            guard !drainer.queued.isEmpty else { continue }
            swap(&drainer.queued, &drainer.running)
            for job in drainer.running { job.runSynchronously(on: executor) }
            drainer.running.removeAll(keepingCapacity: true)
        }
    }

    /// Parks `helper` until ``callStarting()`` wakes it (at once when it should help after all).
    private func park(_ helper: Helper) {
        helper.parked.store(true, ordering: .sequentiallyConsistent)
        parkedHelpers.add(1, ordering: .sequentiallyConsistent)
        if shouldHelp,
            helper.parked.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged
        {
            parkedHelpers.subtract(1, ordering: .sequentiallyConsistent)
            return
        }
        // Woken, or to consume the wake-up of the caller that unparked it meanwhile.
        helper.wake.wait()
    }
}
