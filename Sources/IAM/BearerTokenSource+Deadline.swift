import Synchronization

/// No bearer token came within the time the caller had left; the caller reports it as its own timeout.
package struct BearerTokenTimeout: Error, Sendable {
    /// The time that was left.
    package var limit: Duration
}

extension BearerTokenSource {
    /// The token, or ``BearerTokenTimeout`` once `limit` of real time has passed, so that the deadline of a call
    /// covers the token exchange too. A token exchange that is late goes on in the background (an
    /// `IAMTokenProvider` bounds it by its own deadline) and serves the next call.
    package func bearerToken(within limit: Duration) async throws -> BearerToken {
        guard limit > .zero else { throw BearerTokenTimeout(limit: limit) }
        let race = TokenRace()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BearerToken, any Error>) in
                race.start(continuation)
                Task {
                    do {
                        race.finish(.success(try await self.bearerToken()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    race.finish(.failure(BearerTokenTimeout(limit: limit)))
                }
                race.attach(timer: timer)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}

/// Hands the first of a token fetch and a timer to a continuation, exactly once, then stops the timer.
private final class TokenRace: Sendable {
    private struct State {
        var continuation: CheckedContinuation<BearerToken, any Error>?
        var result: Result<BearerToken, any Error>?
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<BearerToken, any Error>) {
        let early = state.withLock { state -> Result<BearerToken, any Error>? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func attach(timer: Task<Void, Never>) {
        let done = state.withLock { state -> Bool in
            if state.result != nil { return true }
            state.timer = timer
            return false
        }
        if done { timer.cancel() }
    }

    func finish(_ result: Result<BearerToken, any Error>) {
        let (continuation, timer) = state.withLock {
            state -> (CheckedContinuation<BearerToken, any Error>?, Task<Void, Never>?) in
            guard state.result == nil else { return (nil, nil) }
            state.result = result
            defer {
                state.continuation = nil
                state.timer = nil
            }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
