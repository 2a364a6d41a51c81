import Foundation
import TestSupport
import Testing

@testable import Contract

@Suite("Contracts: bounded YAML (size, aliases, nesting)")
struct BoundedYAMLTests {
    /// The 755-byte kind of contract from issue 13: nine levels of nine aliases, a billion "lol"s once expanded.
    static let billionLaughs: String = {
        var text = "workload: plain workload\nenv:\n"
        text += "  l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...8 {
            text +=
                "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",")
                + "]\n"
        }
        return text
    }()

    /// Runs `body`, which must throw a ContractError within a second; returns it.
    func failsFast(_ body: () throws -> Void) throws -> ContractError {
        let clock = ContinuousClock()
        var thrown: ContractError?
        let elapsed = clock.measure {
            thrown = #expect(throws: ContractError.self) { try body() }
        }
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        return try #require(thrown)
    }

    @Test("a billion-laughs contract fails within a second, naming the alias limit")
    func billionLaughsContract() throws {
        #expect(Self.billionLaughs.utf8.count < 1000)
        let error = try failsFast { _ = try HyperProtectContract.parse(yaml: Self.billionLaughs) }
        #expect(error.code == .malformedContract)
        #expect(error.message.hasPrefix("the contract uses more than 32 YAML aliases"), "\(error.message)")
    }

    @Test("nested aliases used as mapping keys fail before Yams hashes them")
    func aliasKeys() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x]\n"
        for level in 1...7 {
            text +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 8).joined(separator: ", ")
                + "]\n"
        }
        text += "? *a7\n: value\nworkload: w\nenv: e\n"
        let error = try failsFast { _ = try HyperProtectContract.parse(yaml: text) }
        #expect(error.message.contains("aliases"))
    }

    @Test("32 aliases that expand past 100,000 nodes fail, naming the node limit")
    func expansionLimit() throws {
        var text = "workload: w\nenv:\n  a0: &a0 [x, x]\n"
        for level in 1...16 {
            text += "  a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]\n"
        }
        let error = try failsFast { _ = try HyperProtectContract.parse(yaml: text) }
        #expect(error.message == "the contract expands to more than 100000 YAML nodes through its aliases (*name)")
    }

    @Test("a large string repeated through aliases fails, naming the 4 MiB limit")
    func expandedTextLimit() throws {
        let block = String(repeating: "b", count: 200_000)
        let text =
            "workload: w\nenv:\n  big: &big \(block)\n  copies: ["
            + Array(repeating: "*big", count: 30).joined(separator: ", ") + "]\n"
        let error = try failsFast { _ = try HyperProtectContract.parse(yaml: text) }
        #expect(error.message.contains("4 MiB"), "\(error.message)")
    }

    @Test("a contract over 1 MiB is refused before parsing")
    func sizeLimit() throws {
        let text = "workload: w\nenv: " + String(repeating: "e", count: 1 << 20) + "\n"
        let error = try failsFast { _ = try HyperProtectContract.parse(yaml: text) }
        #expect(
            error.message == "the contract is \(text.utf8.count) bytes; at most 1048576 bytes (1 MiB) of YAML are read")
    }

    @Test("collections nested 5,000 deep (flow or block) fail fast as invalid YAML, without deep recursion")
    func nestingLimit() throws {
        for nested in [
            String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
            "\n  " + String(repeating: "- ", count: 5000) + "x",
        ] {
            let error = try failsFast { _ = try HyperProtectContract.parse(yaml: "workload: w\nenv: " + nested + "\n") }
            #expect(error.message.hasPrefix("the contract is not valid YAML (line"), "\(error.message)")
        }
    }

    @Test("the builder refuses a billion-laughs env section the same way")
    func builderSection() async throws {
        let fixtures = try await Fixtures.shared()
        let builder = try ContractBuilder(encryptionCertificatePEM: fixtures.text("enc.crt"))
        var env = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            env +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",")
                + "]\n"
        }
        let error = try failsFast { _ = try builder.build(workload: "w", env: env) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasPrefix("the env section uses more than 32 YAML aliases"), "\(error.message)")
    }

    @Test("a contract with a few ordinary aliases still parses, and its map section keeps the values")
    func ordinaryAliasesStillWork() throws {
        let text = """
            workload: plain workload
            env:
              type: env
              shared: &shared hello
              copy: *shared

            """
        let contract = try HyperProtectContract.parse(yaml: text)
        let env = try contract.sectionText(of: .env, decryptor: nil)
        #expect(env.contains("copy:") && env.contains("hello"))
        #expect(try contract.sectionText(of: .workload, decryptor: nil) == "plain workload")
    }
}

@Suite("hpcs-tool contract: bounded input, plain messages")
struct ContractCLIBoundsTests {
    static let tool = HPCSTool.path

    @Test(
        "contract verify and checksums refuse a billion-laughs contract within seconds, in a plain sentence",
        arguments: [["verify"], ["checksums"]])
    func billionLaughs(arguments: [String]) async throws {
        try #require(HPCSTool.isBuilt, "no \(Self.tool): run swift build")
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await runProcess(
            Self.tool, ["contract"] + arguments + ["-"], stdin: Array(BoundedYAMLTests.billionLaughs.utf8),
            timeout: .seconds(20))
        #expect(clock.now - start < .seconds(10))
        #expect(result.status != 0)
        #expect(result.stderr.contains("the contract uses more than 32 YAML aliases"), "\(result.stderr)")
        #expect(!result.stderr.contains("ContractError"), "\(result.stderr)")
    }
}
