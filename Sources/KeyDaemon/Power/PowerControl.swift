import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the key daemon does when a volume's key is gone: restart or shut the server down.
///
/// - ``SystemPowerControl``: production on a Hyper Protect server: `systemctl reboot` / `systemctl poweroff`.
/// - ``ContainerPowerControl``: the daemon runs as a container's main process; it exits with
///   ``ContainerPowerControl/restartExitCode`` (75) or ``ContainerPowerControl/shutdownExitCode`` (76) and the
///   orchestrator's restart policy does the rest.
/// - ``RecordingPowerControl``: tests; remembers what was asked.
public protocol PowerControl: Sendable {
    /// Restart the server: the key was disabled, deleted, or unreachable for longer than `kmsTimeout`.
    func restart(reason: String) async
    /// Shut the server down: at boot the key stayed unusable for `kmsTimeout`.
    func shutdown(reason: String) async
}

/// What a ``PowerControl`` was asked to do.
public enum PowerAction: String, Sendable, Hashable {
    case restart
    case shutdown
}

/// `systemctl reboot` and `systemctl poweroff`.
public struct SystemPowerControl: PowerControl {
    public var systemctl: String

    public init(systemctl: String = "/usr/bin/systemctl") {
        self.systemctl = systemctl
    }

    public func restart(reason: String) async { await run(["reboot"]) }
    public func shutdown(reason: String) async { await run(["poweroff"]) }

    /// Runs systemctl through the key daemon's tool runner, as the disk tools are run: a minimal environment (not
    /// the daemon's, which may hold an API key), default signal dispositions, a bounded wait, and no thread of the
    /// cooperative pool blocked while systemctl runs.
    private func run(_ arguments: [String]) async {
        // Nothing else can be done if it fails: the daemon's caller sees the action in the log and stops the volume.
        _ = try? await ToolRunner.run(ToolRequest(executable: systemctl, arguments: arguments, timeout: .seconds(120)))
    }
}

/// Exits the process with a distinct code per action (documented; stable).
public struct ContainerPowerControl: PowerControl {
    /// Exit code asking the orchestrator to restart the container (EX_TEMPFAIL).
    public static let restartExitCode: Int32 = 75
    /// Exit code asking the orchestrator to leave the container stopped (EX_PROTOCOL).
    public static let shutdownExitCode: Int32 = 76

    public init() {}

    public func restart(reason: String) async { exit(Self.restartExitCode) }
    public func shutdown(reason: String) async { exit(Self.shutdownExitCode) }
}

/// Records the actions instead of performing them.
public final class RecordingPowerControl: PowerControl {
    private let recorded = Mutex<[(action: PowerAction, reason: String)]>([])

    public init() {}

    public func restart(reason: String) async { recorded.withLock { $0.append((.restart, reason)) } }
    public func shutdown(reason: String) async { recorded.withLock { $0.append((.shutdown, reason)) } }

    /// The actions asked for so far, in order.
    public var actions: [PowerAction] { recorded.withLock { $0.map(\.action) } }
    /// The reasons given, in order.
    public var reasons: [String] { recorded.withLock { $0.map(\.reason) } }
}
