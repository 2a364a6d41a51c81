import EP11
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("The C core's completion-queue thread as a task executor", .timeLimit(.minutes(2)))
struct CoreExecutorTests {
    var executor: any TaskExecutor { EP11Client.cgrpcTaskExecutor }

    /// An atomic that closures can share.
    final class Shared<Value: AtomicRepresentable & Sendable>: Sendable {
        let value: Atomic<Value>
        init(_ initial: Value) { value = Atomic(initial) }
    }

    @Test("a task preferring it runs there: its first step, after each answer and after a timer; without it, not")
    func runsOnTheQueueThread() async throws {
        try await withHTTP2Mock(.cgrpc) { client in
            try await withTaskExecutorPreference(executor) {
                #expect(EP11Client.isOnCompletionQueueThread)
                for count in 1...20 {
                    let bytes = try await client.generateRandom(count: count)
                    #expect(bytes.count == count)
                    #expect(EP11Client.isOnCompletionQueueThread)
                }
                // Resumed by the timer's thread: handed over with a wake-up.
                try await Task.sleep(for: .milliseconds(5))
                #expect(EP11Client.isOnCompletionQueueThread)
            }
            #expect(!EP11Client.isOnCompletionQueueThread)
            _ = try await client.generateRandom(count: 8)
            #expect(!EP11Client.isOnCompletionQueueThread)
        }
    }

    @Test("jobs handed over by many threads at once all run on it")
    func jobsFromOtherThreads() async throws {
        let ran = Shared(0)
        let executor = self.executor
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<250 {
                        await withTaskExecutorPreference(executor) {
                            if EP11Client.isOnCompletionQueueThread { ran.value.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
        }
        #expect(ran.value.load(ordering: .relaxed) == 2_000)
        // From a thread that is not Swift's.
        let fromThread = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread { [executor] in
                Task(executorPreference: executor) {
                    continuation.resume(returning: EP11Client.isOnCompletionQueueThread)
                }
            }
        }
        #expect(fromThread)
    }

    @Test("a task that keeps yielding on it does not hold up the calls of others")
    func yieldingTaskDoesNotStarveCalls() async throws {
        try await withHTTP2Mock(.cgrpc) { client in
            let stop = Shared(false)
            let spinner = Task(executorPreference: executor) {
                var spins = 0
                while !stop.value.load(ordering: .relaxed) {
                    await Task.yield()
                    spins += 1
                }
                return spins
            }
            defer { stop.value.store(true, ordering: .relaxed) }
            try await withTaskExecutorPreference(executor) {
                for _ in 0..<20 {
                    let bytes = try await client.generateRandom(count: 8)
                    #expect(bytes.count == 8)
                }
            }
            stop.value.store(true, ordering: .relaxed)
            #expect(await spinner.value > 0)
        }
    }

    @Test("cancelling a task on it cancels its call at once")
    func cancellation() async throws {
        let ((), elapsed) = try await Self.againstSilentServer(callTimeout: .seconds(60)) { configuration in
            try await withEP11Client(configuration) { client in
                let call = Task(executorPreference: executor) { try await client.generateRandom(count: 8) }
                try await Task.sleep(for: .milliseconds(200))
                call.cancel()
                let result = await call.result
                #expect(throws: EP11Error.self) { try result.get() }
            }
        }
        #expect(elapsed < .seconds(30))
    }

    @Test("a call on it to a server that never answers ends at its deadline")
    func deadline() async throws {
        let (error, elapsed) = try await Self.againstSilentServer(callTimeout: .milliseconds(600)) { configuration in
            try await #require(throws: EP11Error.self) {
                try await withTaskExecutorPreference(executor) {
                    try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
                }
            }
        }
        #expect(error.code == .timeout, "\(error)")
        #expect(elapsed >= .milliseconds(550), "ended before its deadline: \(elapsed)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }

    /// Runs `body` with a C-core client configuration (no retries) for a server that accepts and never answers;
    /// its result and how long it took.
    static func againstSilentServer<Result>(
        callTimeout: Duration,
        _ body: (EP11Client.Configuration) async throws -> Result
    ) async throws -> (Result, Duration) {
        let listener = try ConnectionCountingListener()
        var configuration = EP11Client.Configuration(
            host: "127.0.0.1", port: listener.port, transportSecurity: .plaintext)
        configuration.transport = .cgrpc
        configuration.timeouts = .init(call: callTimeout)
        configuration.retryPolicy = .none
        defer { withExtendedLifetime(listener) {} }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body(configuration)
        return (result, start.duration(to: clock.now))
    }

    @Test("1,000 concurrent calls from tasks on it all succeed there")
    func thousandConcurrentCalls() async throws {
        try await withHTTP2Mock(.cgrpc, ownEventLoops: true) { client in
            let results = try await withTaskExecutorPreference(executor) {
                try await withThrowingTaskGroup(of: (Int, Bool).self, returning: [(Int, Bool)].self) { group in
                    for index in 0..<1_000 {
                        group.addTask {
                            let count = try await client.generateRandom(count: 1 + index % 32).count
                            return (count, EP11Client.isOnCompletionQueueThread)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(results.map(\.0).sorted() == (0..<1_000).map { 1 + $0 % 32 }.sorted())
            #expect(results.allSatisfy { $0.1 })
        }
    }
}
