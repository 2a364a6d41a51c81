import Foundation
import Subprocess
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

/// Runs child processes for tests through swift-subprocess, which starts them with an empty signal mask and default
/// signal dispositions, closes every descriptor but 0, 1 and 2 in the child, and waits for them and reads their
/// output asynchronously (a process descriptor and epoll on its own thread), so that no thread of the cooperative
/// pool blocks on a child. A watchdog kills a child (SIGKILL, through its process descriptor) after `timeout`.
package enum ChildProcess {
    /// What ``run(_:_:environment:timeout:)`` saw: standard output and standard error merged.
    package struct Output: Sendable {
        package var status: Int32
        /// Standard output and standard error, interleaved.
        package var text: String
        package var timedOut: Bool
    }

    /// What ``capture(_:_:standardInput:workingDirectory:environment:mergingStandardError:timeout:)`` saw.
    package struct Captured: Sendable {
        /// The exit status, or 128 + the number of the signal that ended the child.
        package var status: Int32
        /// Standard output (with standard error interleaved when merged).
        package var standardOutput: [UInt8]
        /// Standard error; empty when merged into standard output.
        package var standardError: [UInt8]
        package var timedOut: Bool
        /// The child's process id (it has exited and been reaped).
        package var processID: pid_t

        package var standardOutputText: String { String(decoding: standardOutput, as: UTF8.self) }
        package var standardErrorText: String { String(decoding: standardError, as: UTF8.self) }
    }

    package struct LaunchError: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    /// Runs the process to its end (or `timeout`), with standard input empty; its output is standard output and
    /// standard error merged.
    package static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration
    ) async throws -> Output {
        let captured = try await capture(
            executable, arguments, environment: environment, mergingStandardError: true, timeout: timeout)
        return Output(status: captured.status, text: captured.standardOutputText, timedOut: captured.timedOut)
    }

    /// Runs `script` with `/bin/sh -c` as ``run(_:_:environment:timeout:)`` does (60 s unless told).
    package static func shell(_ script: String, timeout: Duration = .seconds(60)) async throws -> Output {
        try await run("/bin/sh", ["-c", script], timeout: timeout)
    }

    /// ``run(_:_:environment:timeout:)`` for synchronous code (trait conditions, `defer`), which cannot await:
    /// Foundation's `Process` (empty signal mask in the child), waited for with `waitUntilExit`. Never call it from
    /// async code, where it would hold a thread of the cooperative pool for the child's lifetime.
    package static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = mergedEnvironment(environment)
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw LaunchError(description: "cannot start \(executable): \(error.localizedDescription)")
        }
        let timedOut = Atomic<Bool>(false)
        let watchdog = DispatchWorkItem {
            guard process.isRunning else { return }
            timedOut.store(true, ordering: .releasing)
            kill(process.processIdentifier, SIGKILL)
        }
        let (seconds, attoseconds) = timeout.components
        DispatchQueue.global().asyncAfter(
            deadline: .now() + Double(seconds) + Double(attoseconds) / 1e18, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Output(
            status: status, text: String(decoding: data, as: UTF8.self), timedOut: timedOut.load(ordering: .acquiring))
    }

    /// Runs the process to its end (or `timeout`) with `standardInput` on its stdin (then closed), in
    /// `workingDirectory`, and keeps its outputs apart unless `mergingStandardError`.
    package static func capture(
        _ executable: String,
        _ arguments: [String],
        standardInput: [UInt8] = [],
        workingDirectory: String? = nil,
        environment: [String: String] = [:],
        mergingStandardError: Bool = false,
        timeout: Duration
    ) async throws -> Captured {
        let configuration = Configuration(
            executable: .path(.init(executable)),
            arguments: Arguments(arguments),
            environment: .custom(subprocessEnvironment(environment)),
            workingDirectory: workingDirectory.map { .init($0) }
        )
        let output = ByteCollector()
        let errors = ByteCollector()
        let watchdog = Watchdog()
        let status: TerminationStatus
        let processID: pid_t
        do {
            if mergingStandardError {
                let result = try await Subprocess.run(
                    configuration, input: .array(standardInput), output: .sequence, error: .combinedWithOutput
                ) { execution in
                    try await watchdog.supervise(timeout: timeout, kill: { try? execution.send(signal: .kill) }) {
                        try await output.collect(execution.standardOutput)
                    }
                }
                (status, processID) = (result.terminationStatus, result.processIdentifier.value)
            } else {
                let result = try await Subprocess.run(
                    configuration, input: .array(standardInput), output: .sequence, error: .sequence
                ) { execution in
                    try await watchdog.supervise(timeout: timeout, kill: { try? execution.send(signal: .kill) }) {
                        async let standardError: Void = errors.collect(execution.standardError)
                        try await output.collect(execution.standardOutput)
                        try await standardError
                    }
                }
                (status, processID) = (result.terminationStatus, result.processIdentifier.value)
            }
        } catch let error as SubprocessError {
            throw LaunchError(description: "cannot run \(executable): \(error)")
        }
        return Captured(
            status: exitStatus(status), standardOutput: output.bytes, standardError: errors.bytes,
            timedOut: watchdog.fired, processID: processID)
    }

    /// The parent's environment, with loopback never through a proxy (the mocks are on loopback) and no Python
    /// bytecode written into the repository, then `environment` on top.
    private static func mergedEnvironment(_ environment: [String: String]) -> [String: String] {
        var merged = ProcessInfo.processInfo.environment
        merged["NO_PROXY"] = "127.0.0.1,localhost,::1"
        merged["no_proxy"] = "127.0.0.1,localhost,::1"
        merged["PYTHONDONTWRITEBYTECODE"] = "1"
        for (name, value) in environment { merged[name] = value }
        return merged
    }

    private static func subprocessEnvironment(_ environment: [String: String]) -> [Environment.Key: String] {
        var keys: [Environment.Key: String] = [:]
        for (name, value) in mergedEnvironment(environment) {
            if let key = Environment.Key(rawValue: name) { keys[key] = value }
        }
        return keys
    }

    /// The exit status, or 128 + the signal that ended the child (as a shell reports it).
    private static func exitStatus(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    /// Starts a server process that prints `listening on port N` (as `hpcs-tool mock hsm` does), runs `body` with
    /// that port, then stops the child with SIGTERM (SIGKILL after 10 s) and waits for it. `body` also gets a
    /// function that returns the child's output (stdout and stderr merged) so far. A child that is not listening
    /// after `startupTimeout` is killed, and the call throws with its output.
    package static func withListeningServer<Result: Sendable>(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        startupTimeout: Duration = .seconds(60),
        _ body: (_ port: Int, _ output: @Sendable () -> String) async throws -> Result
    ) async throws -> Result {
        let configuration = Configuration(
            executable: .path(.init(executable)),
            arguments: Arguments(arguments),
            environment: .custom(subprocessEnvironment(environment))
        )
        let server = ServerOutput()
        let execution = try await Subprocess.run(
            configuration, input: .none, output: .sequence, error: .combinedWithOutput
        ) { execution -> Swift.Result<Result, any Error> in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await server.read(execution.standardOutput) }
                group.addTask {
                    try? await Task.sleep(for: startupTimeout)
                    if !Task.isCancelled, server.port == nil { try? execution.send(signal: .kill) }
                }
                let result: Swift.Result<Result, any Error>
                do {
                    result = .success(try await body(try await server.listeningPort(), { server.text }))
                } catch {
                    result = .failure(error)
                }
                try? execution.send(signal: .terminate)
                group.addTask {
                    try? await Task.sleep(for: .seconds(10))
                    if !Task.isCancelled { try? execution.send(signal: .kill) }
                }
                // The output ends when the child (and any child of its holding the pipe) has exited.
                await server.waitUntil { $0.ended }
                group.cancelAll()
                return result
            }
        }
        return try execution.closureResult.get()
    }

    /// Bytes read from a child's output, appended by one reader and read once it is done.
    private final class ByteCollector: Sendable {
        private let storage = Mutex<[UInt8]>([])
        var bytes: [UInt8] { storage.withLock { $0 } }

        func collect(_ sequence: SubprocessOutputSequence) async throws {
            for try await buffer in sequence {
                buffer.withUnsafeBytes { chunk in storage.withLock { $0.append(contentsOf: chunk) } }
            }
        }
    }

    /// Kills a child that outlives its timeout, and remembers that it did.
    private final class Watchdog: Sendable {
        private let state = Atomic<Bool>(false)
        var fired: Bool { state.load(ordering: .acquiring) }

        /// Runs `readers` (which end when the child closes its output) beside a timer that calls `kill` after
        /// `timeout`; the timer is cancelled once the readers are done.
        func supervise(
            timeout: Duration,
            kill: @escaping @Sendable () -> Void,
            readers: @escaping @Sendable () async throws -> Void
        ) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    self.state.store(true, ordering: .releasing)
                    kill()
                }
                try await readers()
                group.cancelAll()
            }
        }
    }

    /// Output, readiness and exit of a server child, shared between its reader and the test.
    private final class ServerOutput: Sendable {
        struct State {
            var output: [UInt8] = []
            var port: Int?
            var ended = false
            var waiters: [CheckedContinuation<Void, Never>] = []
        }
        private let state = Mutex(State())
        private static let marker = Array("listening on port ".utf8)

        var text: String { state.withLock { String(decoding: $0.output, as: UTF8.self) } }
        var port: Int? { state.withLock { $0.port } }

        func read(_ sequence: SubprocessOutputSequence) async {
            do {
                for try await buffer in sequence {
                    buffer.withUnsafeBytes { chunk in
                        update { state in
                            state.output.append(contentsOf: chunk)
                            if state.port == nil { state.port = Self.findPort(state.output) }
                        }
                    }
                }
            } catch {
                // A read error ends the output like end of file; the child is then stopped and waited for.
            }
            update { $0.ended = true }
        }

        /// Applies `change` and wakes every waiter, which then checks its own condition again.
        private func update(_ change: (inout State) -> Void) {
            let woken = state.withLock { state in
                change(&state)
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in woken { waiter.resume() }
        }

        func waitUntil(_ condition: (State) -> Bool) async {
            while !state.withLock({ condition($0) }) {
                await withCheckedContinuation { continuation in
                    let now = state.withLock { state in
                        if condition(state) { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
        }

        /// The port once the server listens; throws with its output when it exited (or was killed) before.
        func listeningPort() async throws -> Int {
            await waitUntil { $0.port != nil || $0.ended }
            return try state.withLock { state in
                if let port = state.port { return port }
                let text = String(decoding: state.output, as: UTF8.self)
                throw LaunchError(description: "the server exited before listening:\n\(text)")
            }
        }

        static func findPort(_ output: [UInt8]) -> Int? {
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
    }
}
