extension EP11Client {
    /// The thread of the C-core transport's completion queue, as a task executor: a task that prefers it resumes
    /// where the C core delivered its answer, with no hop to another thread.
    ///
    /// With ``Transport/cgrpc`` every answer arrives on one thread per process, which by default resumes the
    /// waiting task on the global concurrent executor: one thread wake-up and switch per call. A task running with
    /// this executor preferred instead resumes on that thread right after the answer, decodes it, and starts its
    /// next call there, as the C++ callback API does. That saves latency and CPU for a loop of calls:
    ///
    /// ```swift
    /// try await withEP11Client(configuration) { client in
    ///     try await withTaskExecutorPreference(EP11Client.cgrpcTaskExecutor) {
    ///         for digest in digests { signatures.append(try await client.sign(digest, key: key, mechanism: .ecdsa)) }
    ///     }
    /// }
    /// ```
    ///
    /// The thread is shared by every C-core call of the process, and it runs nothing else while it runs your code:
    /// keep the work between calls short, and never block it (a lock held across a wait, a semaphore, `sleep`,
    /// synchronous file or network I/O), or every call of the process stalls until it is free. Move heavy work to
    /// another executor. A job enqueued from another thread (a task's first step, a resumption from a timer or
    /// from another task) costs one wake-up of the thread. Cancellation and deadlines end calls as they do
    /// without it. The NIO transport's calls run on it too, but gain nothing from it.
    public static var cgrpcTaskExecutor: any TaskExecutor { CoreCompletionQueue.shared }

    /// Whether the calling code runs on the C-core transport's completion-queue thread (for tests).
    package static var isOnCompletionQueueThread: Bool { CoreCompletionQueue.shared.isQueueThread }
}
