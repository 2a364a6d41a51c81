#if canImport(CGRPC)
    import EP11
    import Glibc
#endif

/// One load measurement: `callers` tasks each keeping one `operation` in flight for `seconds` (after one call each
/// as warm-up); the calls made, the window, and the latency percentiles. Shared with Benchmarks/old-client, whose
/// driver links this file, so that the old build is measured by the same loop.
struct Measurement: Sendable {
    /// The call a caller repeats. It runs on the caller's executor (`nonisolated(nonsending)`), as a call written
    /// in the caller's own loop would: the harness adds no executor switch of its own to each call (on a task
    /// executor, each switch reads the task's status records under their lock).
    typealias Call = nonisolated(nonsending) @Sendable () async throws -> Void

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
        _ operation: @escaping Call
    ) async throws -> Measurement {
        try await withTaskExecutorPreference(executor) {
            try await measure(seconds: seconds, callers: callers, operation)
        }
    }

    private static func measure(
        seconds: Double,
        callers: Int,
        _ operation: @escaping Call
    ) async throws -> Measurement {
        // Warm-up: one call per caller.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<callers { group.addTask { try await operation() } }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let latencies = try await withThrowingTaskGroup(of: LatencyHistogram.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var samples = LatencyHistogram()
                    // Two clock reads per call, as the C++ client makes: the start, which is checked against the
                    // deadline, and the end.
                    while true {
                        let began = clock.now
                        guard began < deadline else { break }
                        try await operation()
                        samples.record(began.duration(to: clock.now))
                    }
                    return samples
                }
            }
            var all = LatencyHistogram()
            for try await samples in group { all.add(samples) }
            return all
        }
        let elapsed = start.duration(to: clock.now)
        return Measurement(
            operations: latencies.count,
            elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            p50Milliseconds: latencies.percentileMilliseconds(0.50),
            p99Milliseconds: latencies.percentileMilliseconds(0.99)
        )
    }
}

/// Call latencies in a fixed number of buckets (32 per power of two of nanoseconds, so a percentile is within about
/// 3 %), so that a long run's memory is the client's and not a list of every call's time: a list grew by 8 bytes
/// per call, 23 MB in a 180 s run at 16,000 calls/s, and sorting it at the end doubled that.
struct LatencyHistogram: Sendable {
    private static let subBuckets = 32
    private var counts = [Int](repeating: 0, count: 64 * 32)
    private(set) var count = 0

    mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(clamping: seconds) &* 1_000_000_000 &+ UInt64(clamping: attoseconds / 1_000_000_000)
        counts[Self.bucket(nanoseconds)] += 1
        count += 1
    }

    mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
    }

    /// Values below 32 ns have a bucket each; above, the bucket is the power of two and the next five bits.
    static func bucket(_ nanoseconds: UInt64) -> Int {
        guard nanoseconds >= UInt64(subBuckets) else { return Int(nanoseconds) }
        let shift = (63 - nanoseconds.leadingZeroBitCount) - 5
        let mantissa = Int(nanoseconds >> UInt64(shift)) - subBuckets
        return subBuckets + shift * subBuckets + mantissa
    }

    /// The middle of a bucket, in nanoseconds.
    static func middle(_ bucket: Int) -> Double {
        guard bucket >= subBuckets else { return Double(bucket) }
        let shift = (bucket - subBuckets) / subBuckets
        let lower =
            Double(subBuckets + (bucket - subBuckets) % subBuckets)
            * Double(sign: .plus, exponent: shift, significand: 1)
        return lower + Double(sign: .plus, exponent: shift, significand: 1) / 2
    }

    /// The latency below which a fraction `p` of the calls fell, as the sorted list's element at `count * p` was.
    func percentileMilliseconds(_ p: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = min(count - 1, Int((Double(count) * p).rounded(.down)))
        var seen = 0
        for (bucket, inBucket) in counts.enumerated() where inBucket > 0 {
            seen += inBucket
            if seen > rank { return Self.middle(bucket) / 1e6 }
        }
        return 0
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
