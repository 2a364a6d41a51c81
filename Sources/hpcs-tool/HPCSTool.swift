import ArgumentParser
import KeyDaemonCLI

@main
struct HPCSTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hpcs-tool",
        abstract: "IBM Hyper Protect Crypto Services from the command line: EP11 over GREP11, and mock servers.",
        discussion: """
            Commands talk to the endpoint you configure (--endpoint or GREP11_ADDRESS; --crn or --kms-endpoint for \
            kms); without one they fail. --mock runs a command against a throwaway mock started in process instead; \
            `demo` uses those mocks by default.
            Secrets come from the environment (HPCS_API_KEY) or files (--api-key-file), never from flags; a file \
            may be a pipe: --api-key-file /dev/stdin or <(command).
            An output path that is a device, FIFO or symbolic link is written through, never replaced.
            """,
        subcommands: [
            Demo.self, EP11Command.self, KMSCommand.self, MockCommand.self, CACommand.self, ContractCommand.self,
            AttestationCommand.self, VolumeCommand.self, KeydCommand.self,
        ]
    )

    /// Library errors print as plain sentences, never with a type name (`mainPrintingPlainErrors`).
    static func main() async { await mainPrintingPlainErrors() }
}
