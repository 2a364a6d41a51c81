import ArgumentParser
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
            `hpcs-keyd keyd run --help`. `keyd run` requires --power (systemd, container or log): there is no default.
            """,
        subcommands: [VolumeCommand.self, KeydCommand.self]
    )

    /// Library errors print as plain sentences, never with a type name (`mainPrintingPlainErrors`).
    static func main() async { await mainPrintingPlainErrors() }
}
