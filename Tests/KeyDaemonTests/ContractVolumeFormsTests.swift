import Foundation
import IAM
import KeyDaemon
import KeyProtect
import TestSupport
import Testing

/// The volume forms of the CCRT contract schema 1.0.116 as the key daemon reads them: the lookup fields are
/// checked and kept, the forms whose behaviour IBM has not published are refused by name, and `plan: dedicated`
/// picks the Key Protect Dedicated endpoint.
@Suite("Key daemon: contract schema 1.0.116 volume forms and Key Protect Dedicated entries")
struct ContractVolumeFormsTests {
    static let workload = ConfigurationTests.workload
    static let instance = "9f1c2b7e-6a1d-4d1e-8b0c-1f5e3c2a9d40"
    static let kmsCRN = "crn:v1:bluemix:public:kms:us-east:a/acct42:\(instance):key:02fd6835-6001-4482-a892-13bd2085f75d"
    static let hpcsCRN = ConfigurationTests.crn

    static func env(_ extra: String) -> String {
        "volumes:\n  data:\n    seed: \"env seed\"\n" + extra
    }

    static func kmsEntry(crn: String = kmsCRN, plan: String? = nil) -> String {
        "    kms:\n      - apiKey: \"entry-api-key-1\"\n        crn: \"\(crn)\"\n"
            + (plan.map { "        plan: \($0)\n" } ?? "")
    }

    static func refusal(env: String, workload: String = workload) throws -> KeyDaemonError {
        let error = try #require(throws: KeyDaemonError.self) {
            try KeyDaemonConfiguration.parse(env: env, workload: workload)
        }
        #expect(error.code == .invalidConfiguration)
        return error
    }

    @Test("volumeName, volumeID and apiKey are checked and kept; the API key never prints")
    func lookupFields() throws {
        let env = Self.env(
            "    volumeName: data-volume-1\n    volumeID: \"r006-1b2c\"\n    apiKey: \"lookup-api-key-0123\"\n")
        let volume = try KeyDaemonConfiguration.parse(env: env, workload: Self.workload).volume(named: "data")
        #expect(volume.volumeName == "data-volume-1")
        #expect(volume.volumeID == "r006-1b2c")
        #expect(volume.lookupAPIKey?.secretValue == "lookup-api-key-0123")
        #expect(!"\(volume)".contains("lookup-api-key"))
        #expect(!String(reflecting: volume.lookupAPIKey).contains("lookup-api-key"))
        let plain = try KeyDaemonConfiguration.parse(env: Self.env(""), workload: Self.workload).volume(named: nil)
        #expect(plain.volumeName == nil && plain.volumeID == nil && plain.lookupAPIKey == nil)
    }

    @Test(
        "lookup fields out of the schema's bounds are refused by name, without their value",
        arguments: [
            ("    volumeName: \"\"\n", "env.volumes.data.volumeName: must be at least 1 character"),
            ("    volumeName: 42\n", "env.volumes.data.volumeName: must be a string"),
            ("    volumeID: \"ab\"\n", "env.volumes.data.volumeID: must be at least 3 characters"),
            ("    volumeID: [a, b, c]\n", "env.volumes.data.volumeID: must be a string"),
            ("    apiKey: \"short-key\"\n", "env.volumes.data.apiKey: must be at least 10 characters"),
            ("    apiKey: 12345678901\n", "env.volumes.data.apiKey: must be a string"),
        ])
    func lookupFieldBounds(extra: String, message: String) throws {
        let error = try Self.refusal(env: Self.env(extra))
        #expect(error.message == message)
        #expect(!error.message.contains("short-key"))
    }

    @Test(
        "forms with unpublished behaviour are refused, naming the field and the reason",
        arguments: [
            (
                "    grep11:\n      address: \"grep11.example.com:9876\"\n", "env.volumes.data.grep11",
                "GREP11"
            ),
            ("    uv-secret-id: index-1\n", "env.volumes.data.uv-secret-id", "Ultravisor"),
            ("    uv-previous-secret-id: index-2\n", "env.volumes.data.uv-previous-secret-id", "Ultravisor"),
            ("    previousSeed: \"an-older-seed-1234\"\n", "env.volumes.data.previousSeed", "re-keys"),
        ])
    func unsupportedForms(extra: String, field: String, reason: String) throws {
        let error = try Self.refusal(env: Self.env(extra))
        #expect(error.message.hasPrefix(field + ": not supported by hpcs-keyd"), "\(error.message)")
        #expect(error.message.contains(reason))
        #expect(error.message.contains("not publicly specified"))
        #expect(!error.message.contains("an-older-seed"))
    }

    @Test("uv-secret-id in place of seed is refused for what it is, not as a missing seed")
    func uvSecretInsteadOfSeed() throws {
        let error = try Self.refusal(env: "volumes:\n  data:\n    uv-secret-id: index-3\n")
        #expect(error.message.hasPrefix("env.volumes.data.uv-secret-id: not supported"))
    }

    @Test("previousSeed in workload is refused by name too")
    func previousSeedInWorkload() throws {
        let workload = "volumes:\n  data:\n    seed: \"workload seed\"\n    previousSeed: \"older-workload-seed\"\n"
        let error = try Self.refusal(env: Self.env(""), workload: workload)
        #expect(error.message.hasPrefix("workload.volumes.data.previousSeed: not supported by hpcs-keyd"))
    }

    @Test(
        "env-only fields in workload are refused",
        arguments: ["apiKey: \"lookup-api-key-0123\"", "volumeName: v1", "volumeID: abc", "grep11: {}"])
    func envOnlyInWorkload(line: String) throws {
        let workload = "volumes:\n  data:\n    seed: \"workload seed\"\n    \(line)\n"
        let error = try Self.refusal(env: Self.env(""), workload: workload)
        let key = String(line.prefix(while: { $0 != ":" }))
        #expect(error.message == "workload.volumes.data.\(key): belongs in the env section (the deployer's), not in workload")
    }

    @Test("a kms entry without plan is Standard; plan: dedicated derives the instance host")
    func planField() throws {
        let standard = try KeyDaemonConfiguration.parse(env: Self.env(Self.kmsEntry()), workload: Self.workload)
            .volume(named: "data").kms[0]
        #expect(standard.plan == .standard)
        #expect(try standard.derivedEndpoint() == "https://us-east.kms.cloud.ibm.com")

        let dedicated = try KeyDaemonConfiguration.parse(
            env: Self.env(Self.kmsEntry(plan: "dedicated")), workload: Self.workload
        ).volume(named: "data").kms[0]
        #expect(dedicated.plan == .dedicated)
        #expect(try dedicated.derivedEndpoint() == "https://\(Self.instance).api.us-east.kms.appdomain.cloud")
        #expect("\(dedicated)".contains("plan: dedicated"))

        var privateEntry = dedicated
        privateEntry.network = .private
        #expect(try privateEntry.derivedEndpoint() == "https://\(Self.instance).api.private.us-east.kms.appdomain.cloud")

        let explicitStandard = try KeyDaemonConfiguration.parse(
            env: Self.env(Self.kmsEntry(plan: "standard")), workload: Self.workload
        ).volume(named: "data").kms[0]
        #expect(explicitStandard.plan == .standard)
    }

    @Test("plan: dedicated with an hs-crypto CRN is refused: HPCS has no Key Protect plan")
    func planWithHPCS() throws {
        let error = try Self.refusal(env: Self.env(Self.kmsEntry(crn: Self.hpcsCRN, plan: "dedicated")))
        #expect(error.message.hasPrefix("env.volumes.data.kms[0].plan: "))
        #expect(error.message.contains("hs-crypto"))
    }

    @Test("a plan other than standard or dedicated is refused without echoing it", arguments: ["Dedicated", "kyok", "1"])
    func badPlan(_ value: String) throws {
        let error = try Self.refusal(env: Self.env(Self.kmsEntry(plan: value)))
        #expect(error.message == "env.volumes.data.kms[0].plan: must be standard or dedicated")
    }

    @Test("a Dedicated entry with the explicit endpoint override reaches the mock (the override wins)")
    func dedicatedEntryAgainstMock() async throws {
        try await withKMS { kms in
            var entry = try kms.entry(crn: kms.makeRootKey())
            entry.plan = .dedicated
            let service = try kms.service(for: entry)
            #expect(service.client.endpoint == kms.baseURL)
            let (seed, wrapped) = try await service.generateSeed()
            #expect(try await service.unwrap(wrapped).seed == seed)
            // Without the override the same entry would call its own Dedicated host.
            #expect(try entry.derivedEndpoint().hasSuffix(".api.us-south.kms.appdomain.cloud"))
        }
    }
}
