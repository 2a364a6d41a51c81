import Synchronization

/// `kmsTimeout` ran out while a KMS call was still waiting for an answer.
struct KMSDeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "no answer before the end of kmsTimeout" }
}

/// Runs `body` for at most `limit` of real time. When the limit passes first, `body`'s task is cancelled and this
/// throws ``KMSDeadlineExceeded`` at once, without waiting for `body` to notice: an HTTP client that is still
/// retrying a refused connection must not hold the daemon past `kmsTimeout`.
///
/// The limit is real time on purpose: the provisioner measures `kmsTimeout` on its injected clock and hands over
/// what remains of it; a test clock that jumps to the next sleeper's deadline would otherwise end every call at once.
func withRealTimeLimit<T: Sendable>(
    _ limit: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard limit > .zero else { throw KMSDeadlineExceeded() }
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation)
            race.add(
                Task {
                    do {
                        race.finish(.success(try await body()))
                    } catch {
                        race.finish(.failure(error))
                    }
                })
            race.add(
                Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled { race.finish(.failure(KMSDeadlineExceeded())) }
                })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of several tasks to finish resumes the continuation; the others are cancelled.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
        var pending: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            guard let pending = state.pending else {
                state.continuation = continuation
                return nil
            }
            state.pending = nil
            return pending
        }
        if let early { continuation.resume(with: early) }
    }

    func add(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if !state.finished { state.tasks.append(task) }
            return state.finished
        }
        if finished { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock {
            state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            let continuation = state.continuation
            state.continuation = nil
            if continuation == nil { state.pending = result }  // cancelled before the continuation was installed
            let tasks = state.tasks
            state.tasks = []
            return (continuation, tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
