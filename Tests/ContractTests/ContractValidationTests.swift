import Foundation
import Testing

@testable import Contract

/// A full CCRT contract in the forms of schema 1.0.116, valid under IBM's rules: every volume form appears.
enum ValidationFixtures {
    static let instance = "5a0e1c2d-3b4f-4a6b-8c7d-9e0f1a2b3c4d"
    static let kmsCRN = "crn:v1:bluemix:public:kms:us-south:a/acct42:\(instance):key:02fd6835-6001-4482-a892-13bd2085f75d"
    static let hpcsCRN = "crn:v1:bluemix:public:hs-crypto:eu-de:a/acct42:\(instance):key:7b9e0f2a-1111-4222-8333-444455556666"
    static let secretSeed = "EnvSeed-Secret-0123456789"

    static let workload = """
        type: workload
        compose:
          archive: H4sIAAAAAAAAA+3OMQ6CQBAF0D3KnsB/
        env:
          LOG_LEVEL: info
        volumes:
          data:
            seed: "WorkloadSeed-0123456789"
            mount: /mnt/data
            filesystem: ext4
          uvdata:
            seed: "WorkloadSeed-9876543210"
            mount: /mnt/uv
            filesystem: xfs
        """

    static let kmsBlock = """
            kms:
              - apiKey: "entry-api-key-0123456789"
                crn: "\(kmsCRN)"
                type: public
              - apiKey: "entry-api-key-9876543210"
                crn: "\(hpcsCRN)"
                type: private

        """

    static let env = """
        type: env
        env:
          REGION: us-south
        volumes:
          data:
            seed: "\(secretSeed)"
            kmsTimeout: 20
            apiKey: "volume-lookup-api-key-01"
            volumeName: data-volume
            volumeID: "r006-4f2c1b"

        """ + kmsBlock + """
          uvdata:
            uv-secret-id: index-1
            uv-previous-secret-id: index-2
            grep11:
              address: "grep11.example.com:9876"
              clientCert: "Q0VSVA=="
              clientKey: "S0VZ"
              caCert: "Q0E="
              metadata:
                aesKeyBlob: "Qk9MQg=="
                previousaesKeyBlob: "***************"
        """

    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    static func contract(workload: String = workload, env: String = env, extra: String = "") -> String {
        "workload:\n\(indented(workload))\nenv:\n\(indented(env))\n\(extra)"
    }

    /// The env with one line replaced (`old` must occur once).
    static func env(replacing old: String, with new: String) -> String {
        precondition(env.components(separatedBy: old).count == 2, "not exactly once: \(old)")
        return env.replacingOccurrences(of: old, with: new)
    }

    static func workload(replacing old: String, with new: String) -> String {
        precondition(workload.components(separatedBy: old).count == 2, "not exactly once: \(old)")
        return workload.replacingOccurrences(of: old, with: new)
    }
}

@Suite("Contract validation: the CCRT contract schema 1.0.116 rules")
struct ContractValidationTests {
    typealias F = ValidationFixtures

    func validate(_ yaml: String, target: ContractValidation.Target = .confidentialComputing) throws
        -> ContractValidation
    {
        try ContractValidation.validate(yaml: yaml, target: target)
    }

    @Test("a full contract with every volume form is valid; forms hpcs-keyd refuses are notes")
    func validFullExample() throws {
        let report = try validate(F.contract())
        #expect(report.problems == [], "\(report.problems)")
        #expect(report.isValid)
        let notePaths = Set(report.notes.map(\.path))
        #expect(
            notePaths == [
                "env.volumes.uvdata.uv-secret-id", "env.volumes.uvdata.uv-previous-secret-id",
                "env.volumes.uvdata.grep11",
            ])
        #expect(report.notes.allSatisfy { $0.message.contains("not publicly specified") })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var contract: String
        var path: String
        var message: String
        var testDescription: String { name }

        /// The full contract with one env line replaced (`old` must occur once) breaks the rule at `path`.
        static func env(
            _ name: String, replacing old: String, with new: String, path: String, message: String
        ) -> Case {
            Case(name: name, contract: F.contract(env: F.env(replacing: old, with: new)), path: path, message: message)
        }

        /// The full contract with one workload line replaced (`old` must occur once) breaks the rule at `path`.
        static func workload(
            _ name: String, replacing old: String, with new: String, path: String, message: String
        ) -> Case {
            Case(
                name: name, contract: F.contract(workload: F.workload(replacing: old, with: new)), path: path,
                message: message)
        }
    }

    static let cases: [Case] = [
        .env(
            "kmsTimeout above 20", replacing: "kmsTimeout: 20", with: "kmsTimeout: 21",
            path: "env.volumes.data.kmsTimeout", message: "must be 0-20 (minutes)"),
        .env(
            "kmsTimeout negative", replacing: "kmsTimeout: 20", with: "kmsTimeout: -1",
            path: "env.volumes.data.kmsTimeout", message: "must be 0-20 (minutes)"),
        .env(
            "kmsTimeout as a quoted string", replacing: "kmsTimeout: 20", with: "kmsTimeout: \"10\"",
            path: "env.volumes.data.kmsTimeout", message: "must be a whole number of minutes (0-20)"),
        .env(
            "kmsTimeout as a fraction", replacing: "kmsTimeout: 20", with: "kmsTimeout: 2.5",
            path: "env.volumes.data.kmsTimeout", message: "must be a whole number of minutes (0-20)"),
        .env(
            "seed too short", replacing: "seed: \"\(F.secretSeed)\"", with: "seed: \"short-seed\"",
            path: "env.volumes.data.seed", message: "must be at least 15 characters"),
        .env(
            "seed with a space", replacing: "seed: \"\(F.secretSeed)\"", with: "seed: \"Env Seed 0123456789\"",
            path: "env.volumes.data.seed", message: "must be at least 15 characters"),
        .env(
            "seed as a number", replacing: "seed: \"\(F.secretSeed)\"", with: "seed: 1234567890123456",
            path: "env.volumes.data.seed", message: "must be a string"),
        .env(
            "previousSeed too short", replacing: "kmsTimeout: 20", with: "kmsTimeout: 20\n    previousSeed: \"old\"",
            path: "env.volumes.data.previousSeed", message: "must be at least 15 characters"),
        .env(
            "seed and uv-secret-id together",
            replacing: "uv-secret-id: index-1", with: "uv-secret-id: index-1\n    seed: \"AnotherSeed-0123456\"",
            path: "env.volumes.uvdata", message: "has both seed and uv-secret-id"),
        .env(
            "neither seed nor uv-secret-id",
            replacing: "    uv-secret-id: index-1\n    uv-previous-secret-id: index-2\n", with: "",
            path: "env.volumes.uvdata", message: "needs seed or uv-secret-id"),
        .env(
            "uv-secret-id out of range", replacing: "uv-secret-id: index-1", with: "uv-secret-id: index-9",
            path: "env.volumes.uvdata.uv-secret-id", message: "must be index-1 to index-8"),
        .env(
            "uv-previous-secret-id without uv-secret-id",
            replacing: "    uv-secret-id: index-1\n", with: "    seed: \"AnotherSeed-0123456\"\n",
            path: "env.volumes.uvdata.uv-previous-secret-id", message: "needs uv-secret-id"),
        .env(
            "apiKey too short", replacing: "apiKey: \"volume-lookup-api-key-01\"", with: "apiKey: \"short\"",
            path: "env.volumes.data.apiKey", message: "must be at least 10 characters"),
        .env(
            "volumeName empty", replacing: "volumeName: data-volume", with: "volumeName: \"\"",
            path: "env.volumes.data.volumeName", message: "must be at least 1 character"),
        .env(
            "volumeID too short", replacing: "volumeID: \"r006-4f2c1b\"", with: "volumeID: \"r6\"",
            path: "env.volumes.data.volumeID", message: "must be at least 3 characters"),
        .env(
            "volumeID as a number", replacing: "volumeID: \"r006-4f2c1b\"", with: "volumeID: 12345",
            path: "env.volumes.data.volumeID", message: "must be a string"),
        .env(
            "kms empty", replacing: F.kmsBlock, with: "    kms: []\n",
            path: "env.volumes.data.kms", message: "has 0 entries; 1 to 5 are allowed"),
        .env(
            "kms apiKey missing", replacing: "- apiKey: \"entry-api-key-0123456789\"\n        crn:", with: "- crn:",
            path: "env.volumes.data.kms[0].apiKey", message: "missing"),
        .env(
            "kms crn malformed",
            replacing: "crn: \"\(F.kmsCRN)\"", with: "crn: \"crn:v1:bluemix:public:kms:us-south\"",
            path: "env.volumes.data.kms[0].crn", message: "must be a root key CRN"),
        .env(
            "kms crn not naming a key", replacing: "crn: \"\(F.kmsCRN)\"",
            with: "crn: \"\(F.kmsCRN.replacingOccurrences(of: ":key:", with: ":bucket:"))\"",
            path: "env.volumes.data.kms[0].crn", message: "must be a root key CRN"),
        .env(
            "kms type neither public nor private", replacing: "type: private", with: "type: internal",
            path: "env.volumes.data.kms[1].type", message: "must be public or private"),
        .env(
            "kms plan is not in IBM's schema",
            replacing: "type: public", with: "type: public\n        plan: dedicated",
            path: "env.volumes.data.kms[0].plan", message: "unknown field"),
        .env(
            "grep11 address without a port",
            replacing: "address: \"grep11.example.com:9876\"", with: "address: \"grep11.example.com\"",
            path: "env.volumes.uvdata.grep11.address", message: "must be host:port"),
        .env(
            "grep11 clientCert not base64", replacing: "clientCert: \"Q0VSVA==\"", with: "clientCert: \"-----BEGIN\"",
            path: "env.volumes.uvdata.grep11.clientCert", message: "must be base64"),
        .env(
            "grep11 caCert missing", replacing: "      caCert: \"Q0E=\"\n", with: "",
            path: "env.volumes.uvdata.grep11.caCert", message: "missing"),
        .env(
            "grep11 aesKeyBlob missing", replacing: "        aesKeyBlob: \"Qk9MQg==\"\n", with: "",
            path: "env.volumes.uvdata.grep11.metadata.aesKeyBlob", message: "missing"),
        .env(
            "grep11 blob neither base64 nor masked",
            replacing: "previousaesKeyBlob: \"***************\"", with: "previousaesKeyBlob: \"**x**\"",
            path: "env.volumes.uvdata.grep11.metadata.previousaesKeyBlob", message: "must be base64, or asterisks"),
        .env(
            "grep11 unknown field", replacing: "address: \"grep11.example.com:9876\"",
            with: "address: \"grep11.example.com:9876\"\n      port: 9876",
            path: "env.volumes.uvdata.grep11.port", message: "unknown field"),
        .env(
            "unknown env volume field", replacing: "kmsTimeout: 20", with: "kmsTimeout: 20\n    mnt: /x",
            path: "env.volumes.data.mnt", message: "unknown field"),
        .env(
            "mount in env (only workload has it)",
            replacing: "kmsTimeout: 20", with: "kmsTimeout: 20\n    mount: /mnt/data",
            path: "env.volumes.data.mount", message: "unknown field"),
        .workload(
            "kms in workload", replacing: "mount: /mnt/uv", with: "mount: /mnt/uv\n    kms: []",
            path: "workload.volumes.uvdata.kms", message: "unknown field"),
        .workload(
            "workload volume without seed", replacing: "    seed: \"WorkloadSeed-9876543210\"\n", with: "",
            path: "workload.volumes.uvdata.seed", message: "missing"),
        .workload(
            "workload mount not absolute", replacing: "mount: /mnt/data", with: "mount: mnt/data",
            path: "workload.volumes.data.mount", message: "must be an absolute path"),
        .workload(
            "workload filesystem unknown", replacing: "filesystem: xfs", with: "filesystem: zfs",
            path: "workload.volumes.uvdata.filesystem", message: "must be xfs, ext4 or btrfs"),
        .workload(
            "volume name with capitals", replacing: "  uvdata:", with: "  UVData:",
            path: "workload.volumes", message: "name does not match ^[a-z_][a-z0-9-_]*$ (the name is not shown)"),
        .env(
            "section type missing", replacing: "type: env\n", with: "",
            path: "env.type", message: "missing; must be env"),
        .workload(
            "workload type wrong", replacing: "type: workload", with: "type: env",
            path: "workload.type", message: "must be workload"),
        .workload(
            "workload with compose and play",
            replacing: "env:\n  LOG_LEVEL", with: "play:\n  resources: []\nenv:\n  LOG_LEVEL",
            path: "workload", message: "exactly one of compose, play or confidential-containers"),
        .workload(
            "compose archive not base64",
            replacing: "archive: H4sIAAAAAAAAA+3OMQ6CQBAF0D3KnsB/", with: "archive: \"not base64!\"",
            path: "workload.compose.archive", message: "must be base64 of a .tgz"),
        .env(
            "environment variable value not a string", replacing: "REGION: us-south", with: "REGION: [a]",
            path: "env.env.REGION", message: "must be a string"),
        .env(
            "environment variable name invalid", replacing: "REGION: us-south", with: "1REGION: x",
            path: "env.env", message: "a variable name does not match"),
        Case(
            name: "env missing", contract: "workload:\n\(F.indented(F.workload))\n",
            path: "env", message: "missing"),
        Case(
            name: "signature not base64", contract: F.contract(extra: "envWorkloadSignature: \"not*base64\"\n"),
            path: "envWorkloadSignature", message: "must be base64"),
        Case(
            name: "attestation key not PEM", contract: F.contract(extra: "attestationPublicKey: \"QUJD\"\n"),
            path: "attestationPublicKey", message: "must be a PEM public key"),
    ]

    @Test("each broken rule is reported with its path", arguments: cases)
    func refusals(_ testCase: Case) throws {
        let report = try validate(testCase.contract)
        #expect(!report.isValid)
        let matching = report.problems.filter { $0.path == testCase.path && $0.message.contains(testCase.message) }
        #expect(matching.count == 1, "\(report.problems)")
        // One broken rule, one problem (the whole contract is otherwise valid).
        #expect(report.problems.count == 1, "\(report.problems)")
        for finding in report.problems + report.notes {
            #expect(!finding.description.contains("Secret-0123"))
            #expect(!finding.description.contains("entry-api-key"))
        }
    }

    @Test("hpcs-keyd rules: unpublished forms are problems, kms plan is allowed and checked, volumes must pair")
    func keyDaemonTarget() throws {
        let report = try validate(F.contract(), target: .keyDaemon)
        #expect(
            Set(report.problems.map(\.path)) == [
                "env.volumes.uvdata.uv-secret-id", "env.volumes.uvdata.uv-previous-secret-id",
                "env.volumes.uvdata.grep11",
            ])
        #expect(report.problems.allSatisfy { $0.message.hasPrefix("hpcs-keyd refuses it") })

        let twoSeeds = F.contract(
            workload: F.workload(
                replacing: "  uvdata:\n    seed: \"WorkloadSeed-9876543210\"\n    mount: /mnt/uv\n    filesystem: xfs", with: ""),
            env: F.env(replacing: "type: public", with: "type: public\n        plan: dedicated")
                .components(separatedBy: "  uvdata:")[0])
        #expect(try validate(twoSeeds, target: .keyDaemon).problems == [])
        let ccrt = try validate(twoSeeds)
        #expect(ccrt.problems.map(\.path) == ["env.volumes.data.kms[0].plan"])

        let hpcsDedicated = twoSeeds.replacingOccurrences(
            of: "type: private", with: "type: private\n          plan: dedicated")
        let refused = try validate(hpcsDedicated, target: .keyDaemon)
        #expect(refused.problems.map(\.path) == ["env.volumes.data.kms[1].plan"])
        #expect(refused.problems.first?.message.contains("hs-crypto") == true)

        let badPlan = twoSeeds.replacingOccurrences(of: "plan: dedicated", with: "plan: kyok")
        #expect(try validate(badPlan, target: .keyDaemon).problems.map(\.description) == [
            "env.volumes.data.kms[0].plan: must be standard or dedicated"
        ])

        let previous = F.contract(
            workload: F.workload(replacing: "mount: /mnt/data", with: "mount: /mnt/data\n    previousSeed: \"OlderSeed-0123456789\""))
        #expect(try validate(previous, target: .keyDaemon).problems.contains { $0.path == "workload.volumes.data.previousSeed" })
        #expect(try validate(previous).notes.contains { $0.path == "workload.volumes.data.previousSeed" })

        let unpaired = F.contract(workload: F.workload(replacing: "  uvdata:", with: "  other:"))
        #expect(try validate(unpaired, target: .keyDaemon).problems.contains { $0.path == "workload.volumes.uvdata" })
        #expect(try validate(unpaired).notes.contains { $0.path == "workload.volumes.uvdata" })
    }

    @Test("an encrypted section is a note without the key, and checked with it")
    func encryptedSections() async throws {
        let fixtures = try await Fixtures.shared()
        let encryptor = try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.crt"), prefix: .contractBasic)
        let broken = F.env(replacing: "kmsTimeout: 20", with: "kmsTimeout: 99")
        let token = try encryptor.encrypt(Array(broken.utf8))
        let contract = "workload:\n\(F.indented(F.workload))\nenv: \(token)\n"

        let unopened = try validate(contract)
        #expect(unopened.isValid)
        #expect(unopened.notes.contains { $0.path == "env" && $0.message.contains("encrypted") })

        let decryptor = try fixtures.decryptor()
        let opened = try ContractValidation.validate(yaml: contract, decryptor: decryptor)
        #expect(opened.problems.map(\.description) == ["env.volumes.data.kmsTimeout: must be 0-20 (minutes)"])

        let wrongKey = try ContractDecryptor(privateKeyPEM: fixtures.text("other.key"))
        let refused = try ContractValidation.validate(yaml: contract, decryptor: wrongKey)
        #expect(refused.problems.map(\.path) == ["env"])
    }

    @Test("a plaintext section given as a YAML string is checked like a map")
    func stringSection() throws {
        let contract = "workload: |\n\(F.indented(F.workload))\nenv: |\n\(F.indented(F.env(replacing: "type: public", with: "type: pub")))\n"
        #expect(try validate(contract).problems.map(\.path) == ["env.volumes.data.kms[0].type"])
    }

    @Test("a signature, a PEM signing key and a PEM attestation key in their schema forms are valid")
    func signatureForms() async throws {
        let fixtures = try await Fixtures.shared()
        let pem = try fixtures.text("signer.pub")
        let certificate = try fixtures.text("signer.crt")
        let signature = Data(repeating: 7, count: 512).base64EncodedString()
        let wrapped = stride(from: 0, to: signature.count, by: 64).map { offset -> String in
            let start = signature.index(signature.startIndex, offsetBy: offset)
            let end = signature.index(start, offsetBy: min(64, signature.count - offset))
            return String(signature[start..<end])
        }.joined(separator: "\r\n      ")
        for signingKey in [pem, certificate, Data(pem.utf8).base64EncodedString()] {
            let env = F.env + "\nsigningKey: |-\n" + F.indented(signingKey)
            let contract = F.contract(
                env: env,
                extra: "envWorkloadSignature: \"\(wrapped)\"\nattestationPublicKey: |\n\(F.indented(pem))\n")
            let report = try validate(contract)
            #expect(report.problems == [], "\(report.problems)")
        }
        let badKey = F.contract(env: F.env + "\nsigningKey: \"-----BEGIN PUBLIC KEY----- nope\"")
        #expect(try validate(badKey).problems.map(\.path) == ["env.signingKey"])
    }

    @Test("text that is not YAML cannot be checked at all")
    func unreadable() {
        #expect(throws: ContractError.malformedContract) { try ContractValidation.validate(yaml: "env: [\n  - broken") }
        #expect(throws: ContractError.malformedContract) {
            try ContractValidation.validate(yaml: String(repeating: "a", count: (1 << 20) + 1))
        }
    }

    @Test("a document that is not a map is one problem")
    func notAMap() throws {
        #expect(try validate("- a\n- b\n").problems.map(\.path) == ["contract"])
    }
}

@Suite("Contract validation: the schema's patterns, as linear loops")
struct SchemaPatternTests {
    @Test(
        "base64 with whitespace between groups of four",
        arguments: [
            ("", true), ("QUJD", true), ("QUJDRA==", true), ("QUJDREU=", true), ("QUJD REVG\r\n R0g=", true),
            ("QUJDRA=", false), ("QUJD=", false), (" QUJD", false), ("QU JD", false), ("QUJDRA==QUJD", false),
            ("QUJDRA== ", false), ("QUJ", false), ("QUJD*", false), ("QUJDRA===", false),
        ])
    func base64(_ text: String, _ expected: Bool) {
        #expect(Schema.isBase64WithWhitespace(text) == expected)
    }

    @Test(
        "PEM blocks",
        arguments: [
            ("-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n", true),
            ("-----BEGIN PUBLIC KEY-----\r\n    QUJDRA==\r\n    -----END PUBLIC KEY-----\r\n    ", true),
            ("-----BEGIN PUBLIC KEY-----QUJD\n-----END PUBLIC KEY-----", false),
            ("-----BEGIN PUBLIC KEY-----\nQUJD-----END PUBLIC KEY-----", false),
            ("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----", false),
            ("x-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----", false),
            ("-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----", true),
            ("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----", false),
        ])
    func pem(_ text: String, _ expected: Bool) {
        #expect(Schema.isPEM(text, label: "PUBLIC KEY") == expected)
    }

    @Test("CRNs by the schema's pattern")
    func crns() {
        #expect(Schema.rootKeyCRNService(ValidationFixtures.kmsCRN) == "kms")
        #expect(Schema.rootKeyCRNService("crn:v12:staging:dedicated:hs-crypto:r:s:i:key:a:b") == "hs-crypto")
        for bad in [
            "crn:v1:bluemix:public:kms:us-south:a/acct::key:k1", "crn:1:bluemix:public:kms:r:s:i:key:k",
            "crn:v1:ibm:public:kms:r:s:i:key:k", "crn:v1:bluemix:private:kms:r:s:i:key:k",
            "crn:v1:bluemix:public:kms:r:s:i:key:", "crn:v1:bluemix:public:kms:r:s:i:key:k\nx",
            "crn:v1:bluemix:public:kms:r:s:i:keys:k",
        ] {
            #expect(Schema.rootKeyCRNService(bad) == nil, "\(bad)")
        }
    }

    @Test("other patterns: seed, mount, host:port, archive base64, volume names")
    func others() {
        #expect(Schema.isSeed("abcdefghij!@#12"))
        #expect(!Schema.isSeed("abcdefghij!@#1"))
        #expect(!Schema.isSeed("abcdefghij!@#12 "))
        #expect(!Schema.isSeed("abcdefghij!@#12é"))
        #expect(Schema.isMountPoint("/mnt/data") && Schema.isMountPoint("/a"))
        #expect(!Schema.isMountPoint("/") && !Schema.isMountPoint("/mnt//x") && !Schema.isMountPoint("/mnt/"))
        #expect(Schema.isHostAndPort("192.168.1.100:9876") && Schema.isHostAndPort("grep11:1"))
        #expect(!Schema.isHostAndPort("host:123456") && !Schema.isHostAndPort(":9876") && !Schema.isHostAndPort("a..b:1"))
        #expect(!Schema.isHostAndPort("[::1]:9876"))
        #expect(Schema.isArchiveBase64("ab-+/c==") && !Schema.isArchiveBase64("ab====") && !Schema.isArchiveBase64("a=b"))
        #expect(Schema.isVolumeName("data_1-x") && Schema.isVolumeName("_v"))
        #expect(!Schema.isVolumeName("Data") && !Schema.isVolumeName("1data") && !Schema.isVolumeName("da.ta"))
    }
}
