import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// Starts a child process with its stdout on a pipe and stderr discarded, with an empty signal mask and SIGALRM at
/// its default (`SpawnAttributes`, which the key daemon's tool runner uses too).
enum Spawn {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The child's pid and the read end of its stdout; the caller closes the descriptor and reaps the child.
    static func start(_ executable: String, _ arguments: [String]) throws -> (pid: pid_t, stdout: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = SpawnAttributes.withSignalsReset(toDefault: [SIGALRM]) { attributes in
            posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        }
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw Failure(description: "cannot start \(executable)")
        }
        return (pid, fds[0])
    }

    /// Runs a child to completion; its exit status and stdout (at most `limit` bytes kept).
    static func run(_ executable: String, _ arguments: [String], limit: Int = 1 << 20) throws -> (
        status: Int32, stdout: [UInt8]
    ) {
        let (pid, stdout) = try start(executable, arguments)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(stdout, &buffer, buffer.count)
            if count <= 0 { break }
            if output.count < limit { output += buffer[0..<min(count, limit - output.count)] }
        }
        close(stdout)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return ((status >> 8) & 0xFF, output)
    }
}
