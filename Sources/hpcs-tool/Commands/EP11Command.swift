import ArgumentParser
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
        @Flag(help: "JSON output.") var json = false

        func validate() throws {
            guard (1...4096).contains(count) else { throw ValidationError("--count must be 1 to 4096") }
        }

        func run() async throws {
            let bytes = try await connection.withClient { try await $0.generateRandom(count: count) }
            print(json ? #"{"random":"\#(hex(bytes))"}"# : hex(bytes))
        }
    }

    struct Mechanisms: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The mechanisms the HSM offers.")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "JSON output.") var json = false

        func run() async throws {
            let list = try await connection.withClient { try await $0.mechanismList() }
            if json {
                let names = list.map { "\"\($0.name ?? String($0.rawValue, radix: 16))\"" }
                print("[\(names.joined(separator: ","))]")
            } else {
                for mechanism in list { print(mechanism.name ?? "0x" + String(mechanism.rawValue, radix: 16)) }
            }
        }
    }
}
