import ArgumentParser
import KeyDaemonCLI

@main
struct HPCSTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpcs-tool",
        abstract: "IBM Hyper Protect Crypto Services from the command line: EP11 over GREP11, and mock servers.",
        discussion: """
            With no --endpoint (or GREP11_ADDRESS), commands run against an HSM mock started in process.
            Secrets come from the environment (HPCS_API_KEY) or files (--api-key-file), never from flags.
            """,
        subcommands: [
            Demo.self, EP11Command.self, KMSCommand.self, MockCommand.self, CACommand.self, ContractCommand.self,
            AttestationCommand.self, VolumeCommand.self, KeydCommand.self,
        ]
    )
}
