import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Finds a Python interpreter that can import what an interop test needs: `$HPCS_PYTHON`, then the project's
/// venv at `.build-python/` (made by scripts/install-deps.sh), then `python3` on PATH.
package struct PythonInterpreter: Sendable, CustomStringConvertible {
    package var executable: String
    package var leadingArguments: [String]
    package var description: String { ([executable] + leadingArguments).joined(separator: " ") }

    package static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    /// The first candidate for which `python -c importCheck` succeeds, and why the others failed.
    package static func find(importCheck: String) -> (interpreter: PythonInterpreter?, reasons: [String]) {
        var candidates: [PythonInterpreter] = []
        if let configured = ProcessInfo.processInfo.environment["HPCS_PYTHON"], !configured.isEmpty {
            candidates.append(PythonInterpreter(executable: configured, leadingArguments: []))
        }
        let venv = repositoryRoot.appendingPathComponent(".build-python/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: venv) {
            candidates.append(PythonInterpreter(executable: venv, leadingArguments: []))
        }
        candidates.append(PythonInterpreter(executable: "/usr/bin/env", leadingArguments: ["python3"]))
        var reasons: [String] = []
        for candidate in candidates {
            do {
                let output = try ChildProcess.runBlocking(
                    candidate.executable, candidate.leadingArguments + ["-c", importCheck], timeout: .seconds(30))
                if output.status == 0 { return (candidate, reasons) }
                let last = output.text.split(separator: "\n").last.map(String.init) ?? "exit \(output.status)"
                reasons.append("\(candidate): \(last)")
            } catch {
                reasons.append("\(candidate): \(error)")
            }
        }
        return (nil, reasons)
    }
}

/// Runs a child process on its own thread (never on the cooperative pool), with an empty signal mask and a
/// watchdog; output is stdout and stderr merged.
package enum ChildProcess {
    package struct Output: Sendable {
        package var status: Int32
        /// Standard output and standard error, interleaved.
        package var text: String
        package var timedOut: Bool
    }

    package struct LaunchError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Runs the process and waits for it on a thread of its own: blocking a dispatch worker instead would starve
    /// the cooperative pool (on Linux both share a pool of about one thread per core), and with it the mock server.
    package static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try runBlocking(executable, arguments, environment: environment, timeout: timeout)
                    })
            }
            thread.start()
        }
    }

    package static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration
    ) throws -> Output {
        let child = try Spawned(executable, arguments, environment: mergedEnvironment(environment))
        let watch = Watch(child.pid)
        let watchdog = DispatchWorkItem { watch.terminateIfRunning() }
        let (seconds, attoseconds) = timeout.components
        DispatchQueue.global().asyncAfter(
            deadline: .now() + Double(seconds) + Double(attoseconds) / 1e18, execute: watchdog)
        let data = child.readAll()
        let status = watch.reap()
        watchdog.cancel()
        return Output(status: status, text: String(decoding: data, as: UTF8.self), timedOut: watch.timedOut)
    }

    private static func mergedEnvironment(_ environment: [String: String]) -> [String: String] {
        var merged = ProcessInfo.processInfo.environment
        // The mock is on loopback: never through a proxy.
        merged["NO_PROXY"] = "127.0.0.1,localhost,::1"
        merged["no_proxy"] = "127.0.0.1,localhost,::1"
        merged["PYTHONDONTWRITEBYTECODE"] = "1"
        for (name, value) in environment { merged[name] = value }
        return merged
    }

    /// Starts a server process that prints `listening on port N` (as `hpcs-tool mock hsm` does), runs `body` with
    /// that port, then stops the child with SIGTERM (SIGKILL after 10 s) and reaps it. Its output is read and the
    /// child waited for on a thread of its own, never on the cooperative pool. `body` also gets a function that
    /// returns the child's output so far.
    package static func withListeningServer<Result: Sendable>(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        startupTimeout: Duration = .seconds(60),
        _ body: (_ port: Int, _ output: @Sendable () -> String) async throws -> Result
    ) async throws -> Result {
        let child = try Spawned(executable, arguments, environment: mergedEnvironment(environment))
        let watch = Watch(child.pid)
        let server = ServerChild()
        let readyMarker = Array("listening on port ".utf8)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = read(child.readEnd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                server.append(buffer[0..<count], marker: readyMarker)
            }
            close(child.readEnd)
            server.exited(status: watch.reap())
        }
        thread.start()
        let startup = DispatchWorkItem { if !server.isReady { watch.terminateIfRunning() } }
        let (seconds, attoseconds) = startupTimeout.components
        DispatchQueue.global().asyncAfter(
            deadline: .now() + Double(seconds) + Double(attoseconds) / 1e18, execute: startup)
        let port: Int
        do {
            port = try await server.port()
        } catch {
            _ = await server.exitStatus()
            throw error
        }
        startup.cancel()
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(port, { server.text }))
        } catch {
            result = .failure(error)
        }
        watch.signalIfRunning(SIGTERM)
        let hardStop = DispatchWorkItem { watch.terminateIfRunning() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: hardStop)
        _ = await server.exitStatus()
        hardStop.cancel()
        return try result.get()
    }

    /// Output, readiness and exit of a server child, shared between its reader thread and the test.
    private final class ServerChild: Sendable {
        private struct State {
            var output: [UInt8] = []
            var port: Int?
            var portWaiter: CheckedContinuation<Int, any Error>?
            var status: Int32?
            var exitWaiters: [CheckedContinuation<Int32, Never>] = []
        }
        private let state = Mutex(State())

        var isReady: Bool { state.withLock { $0.port != nil } }
        var text: String { state.withLock { String(decoding: $0.output, as: UTF8.self) } }

        func append(_ bytes: ArraySlice<UInt8>, marker: [UInt8]) {
            state.withLock { state in
                state.output.append(contentsOf: bytes)
                guard state.port == nil, let port = Self.findPort(state.output, marker: marker) else { return }
                state.port = port
                state.portWaiter?.resume(returning: port)
                state.portWaiter = nil
            }
        }

        static func findPort(_ output: [UInt8], marker: [UInt8]) -> Int? {
            guard output.count >= marker.count else { return nil }
            for start in 0...(output.count - marker.count)
            where output[start..<(start + marker.count)].elementsEqual(marker) {
                let digits = output[(start + marker.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
                let end = start + marker.count + digits.count
                // Only a complete line counts, so a port is never read half-written.
                guard end < output.count, output[end] == 0x0A else { return nil }
                return Int(String(decoding: digits, as: UTF8.self))
            }
            return nil
        }

        func exited(status: Int32) {
            state.withLock { state in
                state.status = status
                if state.port == nil {
                    let text = String(decoding: state.output, as: UTF8.self)
                    state.portWaiter?.resume(
                        throwing: LaunchError(description: "the server exited (\(status)) before listening:\n\(text)"))
                    state.portWaiter = nil
                }
                for waiter in state.exitWaiters { waiter.resume(returning: status) }
                state.exitWaiters = []
            }
        }

        func port() async throws -> Int {
            try await withCheckedThrowingContinuation { continuation in
                state.withLock { state in
                    if let port = state.port {
                        continuation.resume(returning: port)
                    } else if let status = state.status {
                        let text = String(decoding: state.output, as: UTF8.self)
                        continuation.resume(
                            throwing: LaunchError(
                                description: "the server exited (\(status)) before listening:\n\(text)"))
                    } else {
                        state.portWaiter = continuation
                    }
                }
            }
        }

        func exitStatus() async -> Int32 {
            await withCheckedContinuation { continuation in
                state.withLock { state in
                    if let status = state.status {
                        continuation.resume(returning: status)
                    } else {
                        state.exitWaiters.append(continuation)
                    }
                }
            }
        }
    }

    /// A child started with posix_spawn, its stdout and stderr on one pipe, stdin from /dev/null, and an empty
    /// signal mask (a Swift process blocks some signals, and a child would inherit that).
    private struct Spawned {
        let pid: pid_t
        let readEnd: Int32

        init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw LaunchError(description: "pipe failed") }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            posix_spawnattr_setsigmask(&attributes, &emptyMask)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            close(fds[1])
            guard result == 0 else {
                close(fds[0])
                throw LaunchError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
            }
            self.pid = pid
            self.readEnd = fds[0]
        }

        /// Everything the child writes, until it closes its end.
        func readAll() -> Data {
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                data.append(contentsOf: buffer[0..<count])
            }
            close(readEnd)
            return data
        }
    }

    /// Kills the child on timeout, but never after it was reaped (its pid could then be someone else's).
    private final class Watch: Sendable {
        let pid: pid_t
        private let state = Mutex<(reaped: Bool, timedOut: Bool)>((false, false))
        init(_ pid: pid_t) { self.pid = pid }

        var timedOut: Bool { state.withLock { $0.timedOut } }

        func signalIfRunning(_ signal: Int32) {
            state.withLock { state in
                guard !state.reaped else { return }
                kill(pid, signal)
            }
        }

        func terminateIfRunning() {
            state.withLock { state in
                guard !state.reaped else { return }
                state.timedOut = true
                kill(pid, SIGKILL)
            }
        }

        /// Waits for the child to exit and reaps it; its exit status, or 128 + the signal that ended it.
        func reap() -> Int32 {
            var info = siginfo_t()
            // Wait without reaping first, so the watchdog can still kill this pid safely.
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
            var status: Int32 = 0
            state.withLock { state in
                state.reaped = true
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            }
            if status & 0x7F == 0 { return (status >> 8) & 0xFF }
            return 128 + (status & 0x7F)
        }
    }
}
