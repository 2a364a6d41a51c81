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
        var merged = ProcessInfo.processInfo.environment
        // The mock is on loopback: never through a proxy.
        merged["NO_PROXY"] = "127.0.0.1,localhost,::1"
        merged["no_proxy"] = "127.0.0.1,localhost,::1"
        merged["PYTHONDONTWRITEBYTECODE"] = "1"
        for (name, value) in environment { merged[name] = value }
        let child = try Spawned(executable, arguments, environment: merged)
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
