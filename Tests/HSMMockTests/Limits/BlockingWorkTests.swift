import EP11
import Foundation
import HSMMock
import Synchronization
import Testing

/// Key generation blocks a thread for milliseconds to seconds. The mock runs it on a bounded pool, so that many
/// concurrent callers queue for those threads instead of each getting a new one.
@Suite("HSM mock: blocking work runs on a bounded pool")
struct BlockingWorkTests {
    /// The threads of this process now (Linux: the entries of /proc/self/task).
    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    @Test("64 concurrent RSA key-pair generations do not mean 64 more threads")
    func boundedThreads() async throws {
        let baseline = Self.threadCount()
        try #require(baseline > 0, "no /proc/self/task on this system")
        let sampling = Sampling(baseline)
        let sampler = Task.detached {
            while !sampling.done.load(ordering: .relaxed) {
                let now = Self.threadCount()
                sampling.peak.withLock { $0 = Swift.max($0, now) }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        let mock = try HSMMock()
        let generated = try await mock.withClient { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<64 {
                    group.addTask {
                        let pair = try await client.generateKeyPair(
                            .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(1024)], privateKeyTemplate: [])
                        return pair.publicKey.bytes.count
                    }
                }
                var count = 0
                for try await size in group where size > 0 { count += 1 }
                return count
            }
        }
        sampling.done.store(true, ordering: .relaxed)
        await sampler.value
        #expect(generated == 64)
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateKeyPair.self)) == 64)
        // A thread per call would add about 64; the pool adds at most one per core (other suites running in
        // parallel in this process may add a few threads of their own).
        let added = sampling.peak.withLock { $0 } - baseline
        #expect(added < 32, "\(added) threads were added during 64 concurrent key generations")
    }
}

/// The peak thread count seen by the sampling task, and its stop flag.
private final class Sampling: Sendable {
    let peak: Mutex<Int>
    let done = Atomic<Bool>(false)

    init(_ baseline: Int) { peak = Mutex(baseline) }
}
