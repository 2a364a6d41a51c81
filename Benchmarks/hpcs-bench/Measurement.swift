#if canImport(CGRPC)
    import EP11
    import Glibc
#endif

/// One load measurement: `callers` tasks each keeping one `operation` in flight for `seconds` (after one call each
/// as warm-up); the calls made, the window, and the latency percentiles. Shared with Benchmarks/old-client, whose
/// driver links this file, so that the old build is measured by the same loop.
struct Measurement: Sendable {
    var operations: Int
    var elapsed: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double
    var opsPerSecond: Double { elapsed > 0 ? Double(operations) / elapsed : 0 }

    /// With `executor`, the callers (and the warm-up) run with it as their preferred task executor; by default
    /// ``preferredExecutor``.
    static func run(
        seconds: Double,
        callers: Int,
        executor: (any TaskExecutor)? = preferredExecutor,
        _ operation: @escaping @Sendable () async throws -> Void
    ) async throws -> Measurement {
        try await withTaskExecutorPreference(executor) {
            try await measure(seconds: seconds, callers: callers, operation)
        }
    }

    private static func measure(
        seconds: Double,
        callers: Int,
        _ operation: @escaping @Sendable () async throws -> Void
    ) async throws -> Measurement {
        // Warm-up: one call per caller.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<callers { group.addTask { try await operation() } }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var samples: [Double] = []
                    // Two clock reads per call, as the C++ client makes: the start, which is checked against the
                    // deadline, and the end.
                    while true {
                        let began = clock.now
                        guard began < deadline else { break }
                        try await operation()
                        let duration = began.duration(to: clock.now)
                        samples.append(
                            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all
        }
        let elapsed = start.duration(to: clock.now)
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))
            return sorted[index]
        }
        return Measurement(
            operations: sorted.count,
            elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            p50Milliseconds: percentile(0.50),
            p99Milliseconds: percentile(0.99)
        )
    }
}

#if canImport(CGRPC)
    extension Measurement {
        /// `HPCS_BENCH_CGRPC_EXECUTOR=1`: the C-core transport's completion-queue thread
        /// (`EP11Client.cgrpcTaskExecutor`), so that a caller resumes where its answer arrived; otherwise none (the
        /// global concurrent executor).
        static var preferredExecutor: (any TaskExecutor)? {
            guard let value = getenv("HPCS_BENCH_CGRPC_EXECUTOR"), String(cString: value) == "1" else { return nil }
            return EP11Client.cgrpcTaskExecutor
        }
    }
#else
    // The old build (Benchmarks/old-client) has no C-core transport.
    extension Measurement {
        static var preferredExecutor: (any TaskExecutor)? { nil }
    }
#endif
