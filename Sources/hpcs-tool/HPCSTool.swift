import ArgumentParser
import CertificateAuthority
import CommandLineSupport
import EP11
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
            may be a pipe: --api-key-file /dev/stdin or <(command). An output path that is a device, FIFO or \
            symbolic link is written through, never replaced.

            Exit status: 0 success; 1 a failure (the message says which); 64 a mistake on the command line; \
            `volume`, `keyd` and `contract validate` document their own. With --json a failure is an \
            {"error": {"code", "message", "exitStatus"}} object on stdout, its code stable (docs/cli.md).
            """,
        version: ToolVersion.current,
        subcommands: [
            Demo.self, EP11Command.self, KMSCommand.self, MockCommand.self, CACommand.self, ContractCommand.self,
            AttestationCommand.self, VolumeCommand.self, KeydCommand.self,
        ]
    )

    /// Failures print as plain sentences with a stable code (`mainReportingErrors`), never with a type name.
    static func main() async {
        await mainReportingErrors(domains: [.ep11, .certificateAuthority, .keyDaemon, .volume])
    }
}

extension ErrorDomain {
    /// The HSM client's errors (`ep11.*`: `ep11.transport-failure`, `ep11.ckr-signature-invalid`, ...).
    static let ep11 = ErrorDomain(EP11Error.self, prefix: "ep11") { $0.code.description }

    /// The CA's errors (`ca.*`: `ca.name-not-permitted`, `ca.not-initialized`, ...).
    static let certificateAuthority = ErrorDomain(CertificateAuthorityError.self, prefix: "ca") {
        $0.code.description
    }
}
