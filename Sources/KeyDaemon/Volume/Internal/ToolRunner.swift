import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of a tool.
struct ToolRequest: Sendable {
    /// Absolute path of the executable.
    var executable: String
    /// Arguments after the executable's name. Never a secret.
    var arguments: [String]
    /// Bytes written to the child's stdin, which is then closed. The only road for a passphrase.
    var standardInput: [UInt8] = []
    /// A file the child sees as descriptor 3 (`/dev/fd/3`): a second secret, a keyfile to store.
    var descriptor3: MemoryFile? = nil
    /// After this the child is killed (SIGKILL) and the result says `timedOut`.
    var timeout: Duration
    /// At most this much of stdout is kept; the rest is read and dropped, and the result says so.
    var standardOutputLimit: Int = 8 << 20
}

/// What a tool did.
struct ToolResult: Sendable {
    /// The exit status, or 128 + the number of the signal that ended the child.
    var status: Int32
    /// Stdout, up to the request's limit. May hold data (a keyfile, luksDump JSON): never log it.
    var standardOutput: [UInt8]
    /// The last ``ToolRunner/standardErrorLimit`` bytes of stderr.
    var standardError: [UInt8]
    var timedOut: Bool
    var standardOutputTruncated: Bool

    var succeeded: Bool { status == 0 && !timedOut }

    func standardErrorContains(_ text: String) -> Bool {
        String(decoding: standardError, as: UTF8.self).contains(text)
    }
}

/// Starts tools with `posix_spawn` and waits for them on a thread of their own.
///
/// This is the project's one hand-written process runner; everything else runs children through swift-subprocess.
/// It stays because `cryptsetup luksAddKey` and `debugfs` read a second input from descriptor 3 (an in-memory file
/// holding a passphrase or a keyfile), and swift-subprocess 1.0 cannot pass an inherited descriptor at a chosen
/// number: on Linux it closes every descriptor above 2 in the child (`closefrom(3)`) and has no pre-spawn hook
/// (`PlatformOptions.preSpawnProcessConfigurator` exists only on Darwin).
///
/// The child gets: stdin from a pipe fed with the request's bytes, stdout and stderr on pipes, the request's
/// memory file as descriptor 3, nothing else (every descriptor this layer opens is close-on-exec), an empty signal
/// mask with the common signals at their defaults, and a minimal environment (`PATH`, `LC_ALL=C` so messages are
/// stable) rather than the daemon's own, which may hold an API key.
enum ToolRunner {
    static let standardErrorLimit = 16 * 1024

    static let environment: [String] = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL=C",
        "LANG=C",
    ]

    static func run(_ request: ToolRequest) async throws(VolumeError) -> ToolResult {
        try await runOffCooperativePool { () throws(VolumeError) -> ToolResult in
            try runOnCurrentThread(request)
        }
    }

    /// Blocks SIGPIPE on the calling thread for good: only call it on a thread that ends afterwards.
    private static func runOnCurrentThread(_ request: ToolRequest) throws(VolumeError) -> ToolResult {
        // A child that exits before reading all of stdin must not kill us with SIGPIPE: block it on this thread
        // (the signal a failed write raises is directed at the writing thread, stays pending, and dies with it)
        // and take EPIPE instead.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        let input = try SystemSupport.makePipe()
        let output: (read: Int32, write: Int32)
        do {
            output = try SystemSupport.makePipe()
        } catch {
            close(input.read)
            close(input.write)
            throw error
        }
        let errors: (read: Int32, write: Int32)
        do {
            errors = try SystemSupport.makePipe()
        } catch {
            [input.read, input.write, output.read, output.write].forEach { close($0) }
            throw error
        }

        let pid: pid_t
        do {
            pid = try spawn(request, stdin: input.read, stdout: output.write, stderr: errors.write)
        } catch {
            [input.read, input.write, output.read, output.write, errors.read, errors.write].forEach { close($0) }
            throw error
        }
        close(input.read)
        close(output.write)
        close(errors.write)

        return exchange(
            request, pid: pid, stdinWrite: input.write, stdoutRead: output.read, stderrRead: errors.read)
    }

    private static func spawn(
        _ request: ToolRequest, stdin: Int32, stdout: Int32, stderr: Int32
    ) throws(VolumeError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let file = request.descriptor3 {
            posix_spawn_file_actions_adddup2(&actions, file.descriptor, 3)
        }

        let argv = ([request.executable] + request.arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = SpawnAttributes.withSignalsReset(
            toDefault: [SIGPIPE, SIGALRM, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2]
        ) { attributes in
            posix_spawn(&pid, request.executable, &actions, &attributes, argv, envp)
        }
        guard result == 0 else {
            let name = (request.executable as NSString).lastPathComponent
            if result == ENOENT || result == EACCES || result == ENOEXEC {
                throw VolumeError(
                    code: .toolMissing,
                    message: "cannot start \(request.executable): \(SystemSupport.errorText(result))",
                    tool: name,
                    debianPackage: VolumeTools.Tool(rawValue: name)?.debianPackage
                )
            }
            throw VolumeError(
                code: .ioFailed, message: "cannot start \(request.executable): \(SystemSupport.errorText(result))",
                tool: name)
        }
        return pid
    }

    /// Feeds stdin, drains stdout and stderr, enforces the timeout, reaps the child.
    private static func exchange(
        _ request: ToolRequest, pid: pid_t, stdinWrite: Int32, stdoutRead: Int32, stderrRead: Int32
    ) -> ToolResult {
        for fd in [stdinWrite, stdoutRead, stderrRead] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let start = SystemSupport.monotonicNanoseconds()
        let deadline = start &+ SystemSupport.nanoseconds(of: request.timeout)
        var drainDeadline = UInt64.max
        var killed = false

        var stdinOpen = true
        var stdoutOpen = true
        var stderrOpen = true
        var written = 0
        var standardOutput: [UInt8] = []
        var standardError: [UInt8] = []
        var truncated = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        func closeStdin() {
            if stdinOpen {
                close(stdinWrite)
                stdinOpen = false
            }
        }
        if request.standardInput.isEmpty { closeStdin() }

        while stdoutOpen || stderrOpen {
            let now = SystemSupport.monotonicNanoseconds()
            if !killed, now >= deadline {
                kill(pid, SIGKILL)
                killed = true
                closeStdin()
                drainDeadline = now &+ 2_000_000_000
            }
            // Something that inherited our pipes (a grandchild) may keep them open after the kill: stop there.
            if killed, now >= drainDeadline { break }
            let limit = killed ? drainDeadline : deadline
            let waitMilliseconds = Int32(clamping: max(1, (limit &- min(limit, now)) / 1_000_000))

            var fds = [
                pollfd(fd: stdinOpen ? stdinWrite : -1, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: stdoutOpen ? stdoutRead : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stderrOpen ? stderrRead : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), min(waitMilliseconds, 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }

            if stdinOpen, fds[0].revents != 0 {
                if fds[0].revents & Int16(POLLOUT) != 0 {
                    let count = request.standardInput.withUnsafeBytes { raw in
                        write(stdinWrite, raw.baseAddress.map { $0 + written }, raw.count - written)
                    }
                    if count > 0 {
                        written += count
                        if written >= request.standardInput.count { closeStdin() }
                    } else if count < 0, errno != EAGAIN, errno != EINTR {
                        closeStdin()  // EPIPE: the child does not want the rest
                    }
                } else {
                    closeStdin()  // POLLERR / POLLHUP: the read end is gone
                }
            }
            if stdoutOpen, fds[1].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(stdoutRead, $0.baseAddress, $0.count) }
                if count > 0 {
                    let room = max(0, request.standardOutputLimit - standardOutput.count)
                    if count > room { truncated = true }
                    standardOutput.append(contentsOf: buffer[0..<min(count, room)])
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(stdoutRead)
                    stdoutOpen = false
                }
            }
            if stderrOpen, fds[2].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(stderrRead, $0.baseAddress, $0.count) }
                if count > 0 {
                    standardError.append(contentsOf: buffer[0..<count])
                    if standardError.count > standardErrorLimit {
                        standardError.removeFirst(standardError.count - standardErrorLimit)
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(stderrRead)
                    stderrOpen = false
                }
            }
        }
        closeStdin()
        if stdoutOpen { close(stdoutRead) }
        if stderrOpen { close(stderrRead) }

        // The child closed its output; it may still be running. Reap it, killing it at the deadline.
        var status: Int32 = 0
        var pause = 1
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 {
                if errno == EINTR { continue }
                status = 0x7F  // no status to be had (ECHILD): report it as "ended by signal 127"
                break
            }
            if !killed, SystemSupport.monotonicNanoseconds() >= deadline {
                kill(pid, SIGKILL)
                killed = true
            }
            SystemSupport.sleep(milliseconds: pause)
            pause = min(pause * 2, 20)
        }
        let exitStatus: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return ToolResult(
            status: exitStatus,
            standardOutput: standardOutput,
            standardError: standardError,
            timedOut: killed,
            standardOutputTruncated: truncated
        )
    }
}

/// `posix_spawn` attributes for a child that must not inherit this process's signal state: a child of a Swift
/// process otherwise starts with the runtime's blocked signals (`openssl speed`, which times itself with SIGALRM,
/// would never stop) and with whatever dispositions the parent set.
package enum SpawnAttributes {
    /// Calls `body` with attributes that give the child an empty signal mask and `signals` at their default
    /// dispositions; the attributes are destroyed when `body` returns.
    package static func withSignalsReset<Result, Failure: Error>(
        toDefault signals: [Int32],
        _ body: (inout posix_spawnattr_t) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in signals {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return try body(&attributes)
    }
}
