import Foundation
import KeyDaemon
import TestSupport
import Testing

@Suite("Volume configuration from the contract's env and workload")
struct ConfigurationTests {
    static let crn =
        "crn:v1:bluemix:public:hs-crypto:us-south:a/acct42:1f2e3d4c-0000-4000-8000-00000000abcd:key:02fd6835-6001-4482-a892-13bd2085f75d"

    static let workload = """
        volumes:
          data:
            seed: "workload seed"
            mount: /mnt/data
            filesystem: ext4
        """

    static func env(kms: String = "", timeout: String = "") -> String {
        """
        volumes:
          data:
            seed: "env seed"
        \(timeout)
        \(kms)
        """
    }

    static func kmsList(_ count: Int, crn: String = crn, type: String = "public") -> String {
        "    kms:\n"
            + (0..<count).map { index in
                "      - apiKey: \"key-\(index)\"\n        crn: \"\(crn)\"\n        type: \(type)\n"
            }.joined()
    }

    @Test("a full volume parses: seeds, up to five entries, timeout in minutes, mount and filesystem")
    func parsesAFullVolume() throws {
        let env = Self.env(kms: Self.kmsList(5, type: "private"), timeout: "    kmsTimeout: 7")
        let configuration = try KeyDaemonConfiguration.parse(env: env, workload: Self.workload)
        let volume = try configuration.volume(named: nil)
        #expect(volume.name == "data")
        #expect(volume.envSeed == SecretBytes(utf8: "env seed"))
        #expect(volume.workloadSeed == SecretBytes(utf8: "workload seed"))
        #expect(volume.kms.count == 5)
        #expect(
            volume.kms.allSatisfy { $0.network == .private && $0.crn.keyID == "02fd6835-6001-4482-a892-13bd2085f75d" })
        #expect(volume.kms.map(\.apiKey.secretValue) == ["key-0", "key-1", "key-2", "key-3", "key-4"])
        #expect(volume.kmsTimeout == .seconds(7 * 60))
        #expect(volume.mount == "/mnt/data")
        #expect(volume.filesystem == "ext4")
    }

    @Test("without kms it is a two-seed volume with the default timeout of 10 minutes")
    func twoSeedVolume() throws {
        let volume = try KeyDaemonConfiguration.parse(env: Self.env(), workload: Self.workload).volume(named: "data")
        #expect(!volume.usesKMS)
        #expect(volume.kmsTimeout == .seconds(600))
    }

    @Test(
        "invalid configurations are refused with the field named",
        arguments: [
            (env(kms: kmsList(6)), workload, "env.volumes.data.kms"),
            (env(kms: "    kms: []"), workload, "env.volumes.data.kms"),
            (env(kms: kmsList(1, crn: "crn:v1:bluemix:public:kms:us-south")), workload, "env.volumes.data.kms[0].crn"),
            (env(kms: kmsList(2, type: "internal")), workload, "env.volumes.data.kms[0].type"),
            (env(timeout: "    kmsTimeout: 1001"), workload, "env.volumes.data.kmsTimeout"),
            (env(timeout: "    kmsTimeout: -1"), workload, "env.volumes.data.kmsTimeout"),
            (env(timeout: "    kmsTimeout: soon"), workload, "env.volumes.data.kmsTimeout"),
            ("volumes:\n  data:\n    kmsTimeout: 3\n", workload, "env.volumes.data.seed"),
            (env(), "volumes:\n  data:\n    mount: /mnt\n", "workload.volumes.data.seed"),
            (env(), "volumes:\n  data:\n    seed: \"\"\n", "workload.volumes.data.seed"),
            (env(), "volumes:\n  other:\n    seed: x\n", "workload.volumes"),
            ("volumes:\n  data:\n    seed: a\n  more:\n    seed: b\n", workload, "workload.volumes"),
            (env(), "volumes:\n  data:\n    seed: x\n    kms: []\n", "workload.volumes.data.kms"),
            (env(), "volumes: [1, 2]\n", "workload.volumes"),
            ("volumes:\n  data:\n    seed: x\n    sed: y\n", workload, "env.volumes.data.sed"),
            ("not: [valid", workload, "env"),
            ("just a string", workload, "env"),
            (env(), "{}", "workload.volumes"),
            (env(kms: "    kms:\n      - crn: \"\(crn)\"\n"), workload, "env.volumes.data.kms[0].apiKey"),
        ])
    func refusesInvalidConfiguration(env: String, workload: String, field: String) throws {
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: env, workload: workload)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.hasPrefix(field + ":"), "\(error.message)")
    }

    @Test("no error or description shows a seed or an API key")
    func errorsCarryNoSecrets() throws {
        let env = """
            volumes:
              data:
                seed: "top-secret-env-seed"
                kms:
                  - apiKey: "top-secret-api-key"
                    crn: "not-a-crn"
            """
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: env, workload: Self.workload)
        }
        #expect(!"\(error)".contains("top-secret"))
        let good = try KeyDaemonConfiguration.parse(env: Self.env(kms: Self.kmsList(1)), workload: Self.workload)
        let volume = try good.volume(named: "data")
        let printed = "\(volume) \(volume.kms) \(volume.envSeed) \(String(reflecting: volume.workloadSeed))"
        #expect(!printed.contains("env seed") && !printed.contains("workload seed") && !printed.contains("key-0"))
    }

    @Test("a YAML error names the line without echoing the document")
    func yamlErrorsDoNotEcho() throws {
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(
                env: "volumes:\n  data:\n    seed: \"secret-seed-x\n", workload: Self.workload)
        }
        #expect(!error.message.contains("secret-seed-x"))
    }
}

@Suite("The LUKS passphrase")
struct PassphraseTests {
    /// `printf %s <text> | sha256sum`, run for real.
    static func sha256sum(_ text: String) async throws -> String {
        let result = try await ChildProcess.capture(
            "/usr/bin/env", ["sha256sum"], standardInput: Array(text.utf8), timeout: .seconds(30))
        return result.standardOutputText.split(separator: " ").first.map(String.init) ?? ""
    }

    @Test("two seeds: the hex SHA-256 of env seed then workload seed, as sha256sum computes it")
    func twoSeeds() async throws {
        let passphrase = LUKSPassphrase.derive(
            envSeed: SecretBytes(utf8: "seed1"), workloadSeed: SecretBytes(utf8: "seed2"), thirdSeed: nil)
        #expect(String(decoding: passphrase.bytes, as: UTF8.self) == (try await Self.sha256sum("seed1seed2")))
        #expect(passphrase.count == 64)
    }

    @Test("three seeds: env, workload, then the third seed's base64 text; the order matters")
    func threeSeeds() async throws {
        let third = "q83vEjRWeJA+/w=="
        let passphrase = LUKSPassphrase.derive(
            envSeed: SecretBytes(utf8: "é env"), workloadSeed: SecretBytes(utf8: "wörk"),
            thirdSeed: SecretBytes(utf8: third))
        #expect(String(decoding: passphrase.bytes, as: UTF8.self) == (try await Self.sha256sum("é envwörk" + third)))
        let swapped = LUKSPassphrase.derive(
            envSeed: SecretBytes(utf8: "wörk"), workloadSeed: SecretBytes(utf8: "é env"),
            thirdSeed: SecretBytes(utf8: third))
        #expect(swapped != passphrase)
        #expect("\(passphrase)" == "SecretBytes(redacted, 64 bytes)")
    }
}

@Suite("Volume configuration: bounded input and no echoed secrets")
struct ConfigurationLimitsTests {
    static let workload = ConfigurationTests.workload

    /// `count` volumes named v0, v1, ... with a seed each.
    static func volumes(_ count: Int) -> String {
        "volumes:\n" + (0..<count).map { "  v\($0):\n    seed: \"seed \($0)\"\n" }.joined()
    }

    @Test("an API key typed into a kms entry's type field is not echoed")
    func typeFieldIsNotEchoed() throws {
        let apiKey = "Zx9Qv3TpL0aB7cD2eF4gH6iJ8kL1mN3o"
        let env = ConfigurationTests.env(kms: ConfigurationTests.kmsList(1, type: apiKey))
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: env, workload: Self.workload)
        }
        #expect(error.message == "env.volumes.data.kms[0].type: must be public or private")
        #expect(!"\(error)".contains(apiKey.prefix(6)))
    }

    @Test("an unknown key that may be a secret is not named; a misspelled field name is")
    func unknownKeysThatMayBeSecrets() throws {
        let secretKey = "s3cr3t-seed-value-42"
        let env = "volumes:\n  data:\n    seed: x\n    \(secretKey): y\n"
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: env, workload: Self.workload)
        }
        #expect(!error.message.contains("s3cr3t"))
        #expect(error.message.hasPrefix("env.volumes.data: has an unknown field"))
        let misspelled = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(
                env: "volumes:\n  data:\n    seed: x\n    mnt: y\n", workload: Self.workload)
        }
        #expect(misspelled.message == "env.volumes.data.mnt: unknown field")
    }

    @Test("an invalid volume name is not echoed")
    func invalidVolumeNameNotEchoed() throws {
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(
                env: "volumes:\n  \"secret seed!\":\n    seed: x\n", workload: Self.workload)
        }
        #expect(error.message.hasPrefix("env.volumes: a volume name must be"))
        #expect(!error.message.contains("secret"))
    }

    @Test("at most 32 volumes: 32 parse, 33 are refused naming the limit, 20,000 fail fast")
    func volumeCap() throws {
        let maximum = KeyDaemonConfiguration.maximumVolumes
        #expect(maximum == 32)
        let parsed = try KeyDaemonConfiguration.parse(env: Self.volumes(maximum), workload: Self.volumes(maximum))
        #expect(parsed.volumes.count == maximum)
        #expect(Set(parsed.volumes.map(\.name)).count == maximum)

        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: Self.volumes(33), workload: Self.volumes(33))
        }
        #expect(error.message == "env.volumes: names 33 volumes; at most 32 are allowed")

        let many = Self.volumes(20_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: KeyDaemonError.self) { try KeyDaemonConfiguration.parse(env: many, workload: many) }
        }
        #expect(elapsed < .seconds(5), "20,000 volumes took \(elapsed)")
    }

    @Test("nested aliases (billion laughs) in a section fail within a second, naming the limit")
    func billionLaughs() throws {
        var env = "lol: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...8 {
            env +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        env += "volumes: *l8\n"
        let clock = ContinuousClock()
        var thrown: KeyDaemonError?
        let elapsed = clock.measure {
            thrown = #expect(throws: KeyDaemonError.self) {
                try KeyDaemonConfiguration.parse(env: env, workload: Self.workload)
            }
        }
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        let message = try #require(thrown?.message)
        #expect(message.hasPrefix("env: uses more than 32 YAML aliases"), "\(message)")
    }

    @Test("a section over 1 MiB is refused before it is parsed")
    func sizeCap() throws {
        let big = "volumes:\n  data:\n    seed: \"" + String(repeating: "a", count: 1 << 20) + "\"\n"
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: big, workload: Self.workload)
        }
        #expect(error.message.hasPrefix("env: is "))
        #expect(error.message.contains("1 MiB"))
    }
}
