import ArgumentParser
import CommandLineSupport
import KeyDaemonCLI

/// `hpcs-keyd`: the key daemon alone, for the server beside the data volume. The same `volume` and `keyd`
/// commands as `hpcs-tool`, without the mocks, the HSM client and the CA, so the process stays small.
@main
struct HPCSKeyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpcs-keyd",
        abstract: "The key daemon of a Hyper Protect data volume: provision, open, and watch the root key.",
        discussion: """
            `hpcs-keyd keyd run ...` is `hpcs-tool keyd run ...`; see `hpcs-keyd volume --help` and \
            `hpcs-keyd keyd run --help`. `keyd run` requires --power (systemd, container or log): there is no \
            default.

            Exit status: 0 success; 1 a failure; 2 to 5 a refused volume (see `volume --help`); 64 a mistake on \
            the command line; 75 and 76 the container restart and shutdown of `keyd run --power container`. With \
            --json a failure is an {"error": {"code", "message", "exitStatus"}} object on stdout (docs/cli.md).
            """,
        version: ToolVersion.current,
        subcommands: [VolumeCommand.self, KeydCommand.self]
    )

    /// Failures print as plain sentences with a stable code (`mainReportingErrors`), never with a type name.
    static func main() async { await mainReportingErrors(domains: [.keyDaemon, .volume]) }
}
