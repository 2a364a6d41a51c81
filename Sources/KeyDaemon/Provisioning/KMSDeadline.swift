import IAM

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
    try await withRealTimeLimit(limit, timeout: { KMSDeadlineExceeded() }, cancelsBody: true, body)
}
