import ArgumentParser
import CertificateAuthority
import CommandLineSupport
import EP11
import Foundation

struct EP11Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ep11",
        abstract: "EP11 operations on an HSM.",
        subcommands: [Random.self, Mechanisms.self]
    )

    struct Random: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Random bytes from the HSM (hex).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Number of bytes (1 to 4096).") var count = 32
        @OptionGroup(title: "Output") var output: OutputOptions

        func validate() throws {
            guard (1...4096).contains(count) else { throw ValidationError("--count must be 1 to 4096") }
        }

        func run() async throws {
            let bytes = try await connection.withClient { try await $0.generateRandom(count: count) }
            if output.json { printJSON(["random": hex(bytes)]) } else { print(hex(bytes)) }
        }
    }

    struct Mechanisms: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The mechanisms the HSM offers.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            let list = try await connection.withClient { try await $0.mechanismList() }
            let names = list.map { $0.name ?? "0x" + String($0.rawValue, radix: 16) }
            if output.json { printJSON(names) } else { names.forEach { print($0) } }
        }
    }
}
