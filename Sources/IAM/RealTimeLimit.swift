import Synchronization

/// Runs `body` for at most `limit` of real time: its result, or the error `timeout` makes once the limit has passed,
/// whichever comes first; when the caller is cancelled first, `CancellationError`. The answer comes at once, without
/// waiting for `body` to notice: when the limit or the cancellation comes first, `body` is cancelled if
/// `cancelsBody`, and otherwise goes on in the background (a token exchange that serves the next call).
///
/// The limit is real time on purpose: callers measure their deadlines on an injected clock and hand over what
/// remains; a test clock that jumps to the next sleeper's deadline would otherwise end every call at once.
package func withRealTimeLimit<T: Sendable>(
    _ limit: Duration,
    timeout: @escaping @Sendable () -> any Error,
    cancelsBody: Bool,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard limit > .zero else { throw timeout() }
    let race = FirstResult<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await body()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            if cancelsBody { race.cancelOnFinish(work) }
            race.cancelOnFinish(
                Task {
                    try? await Task.sleep(for: limit)
                    race.finish(.failure(timeout()))
                })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Hands the first result to a continuation, exactly once, then cancels the tasks it was given. A result that comes
/// before the continuation is installed (the caller was cancelled first) is kept for it; later results are dropped.
/// The one-shot wait of ``withRealTimeLimit(_:timeout:cancelsBody:_:)`` and of any race between an answer, a timer
/// and cancellation (EP11's HTTP/2 channel waits on it for a connection and for a close).
package final class FirstResult<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
        var pending: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Installs the continuation the first result goes to; resumes it at once when that result is already in.
    package func start(_ continuation: CheckedContinuation<T, any Error>) {
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

    /// Cancels `task` when the first result is in (at once when it already is).
    package func cancelOnFinish(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if !state.finished { state.tasks.append(task) }
            return state.finished
        }
        if finished { task.cancel() }
    }

    /// Hands `result` on if it is the first; otherwise drops it.
    package func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock {
            state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            let continuation = state.continuation
            state.continuation = nil
            if continuation == nil { state.pending = result }
            let tasks = state.tasks
            state.tasks = []
            return (continuation, tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
