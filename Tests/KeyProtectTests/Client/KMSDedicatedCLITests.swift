import Foundation
import TestSupport
import Testing

/// `hpcs-tool kms --dedicated` on the built binary: the Dedicated host is derived from a kms CRN, an explicit
/// endpoint wins, and a contradiction (an HPCS CRN, no CRN) is refused before any connection.
@Suite("hpcs-tool kms --dedicated: derived endpoint, explicit override, refusals")
struct KMSDedicatedCLITests {
    static let tool = HPCSTool.path
    static let instance = "5a0e1c2d-3b4f-4a6b-8c7d-9e0f1a2b3c4d"
    static let kmsCRN = "crn:v1:bluemix:public:kms:eu-de:a/acct42:\(instance):key:7b9e0f2a-1111-4222-8333-444455556666"
    static let hpcsCRN = "crn:v1:bluemix:public:hs-crypto:eu-de:a/acct42:\(instance):key:7b9e0f2a-1111-4222-8333-444455556666"

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess.Output {
        try #require(HPCSTool.isBuilt, "no \(Self.tool): run swift build")
        return try await ChildProcess.run(Self.tool, arguments, environment: environment, timeout: .seconds(60))
    }

    @Test(
        "kms endpoint prints the endpoint each kind of CRN derives",
        arguments: [
            (["--crn", kmsCRN], "https://eu-de.kms.cloud.ibm.com"),
            (["--crn", kmsCRN, "--network", "private"], "https://private.eu-de.kms.cloud.ibm.com"),
            (["--crn", kmsCRN, "--dedicated"], "https://\(instance).api.eu-de.kms.appdomain.cloud"),
            (
                ["--crn", kmsCRN, "--dedicated", "--network", "private"],
                "https://\(instance).api.private.eu-de.kms.appdomain.cloud"
            ),
            (["--crn", hpcsCRN], "https://\(instance).api.eu-de.hs-crypto.appdomain.cloud"),
            (["--crn", kmsCRN, "--dedicated", "--kms-endpoint", "https://gw.example"], "https://gw.example"),
        ])
    func endpoints(arguments: [String], expected: String) async throws {
        let output = try await run(["kms", "endpoint"] + arguments)
        #expect(output.status == 0, "\(output.text)")
        // stdout and stderr are interleaved: the endpoint is one whole line of it.
        #expect(output.text.split(separator: "\n").map(String.init).contains(expected), "\(output.text)")
        #expect(!output.text.split(separator: "\n").contains { $0.hasPrefix("https://") && $0 != expected })
    }

    @Test("kms endpoint --json names the plan and where the endpoint came from")
    func endpointJSON() async throws {
        let output = try await run(["kms", "endpoint", "--crn", Self.kmsCRN, "--dedicated", "--json"])
        #expect(output.status == 0, "\(output.text)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [String: Any], "\(output.text)")
        #expect(object["plan"] as? String == "dedicated")
        #expect(object["instanceId"] as? String == Self.instance)
        #expect((object["source"] as? String)?.contains("Dedicated") == true)
    }

    @Test(
        "--dedicated is refused with an hs-crypto CRN (even with --kms-endpoint), without a CRN, and with --mock",
        arguments: [
            (["kms", "endpoint", "--crn", hpcsCRN, "--dedicated"], "hs-crypto"),
            (["kms", "key", "--crn", hpcsCRN, "--dedicated", "--kms-endpoint", "http://127.0.0.1:9"], "hs-crypto"),
            (
                ["kms", "key", "--dedicated", "--kms-endpoint", "http://127.0.0.1:9", "--instance-id", instance, "--key-id", "k"],
                "pass --crn"
            ),
            (["kms", "key", "--dedicated", "--mock"], "--mock excludes"),
            (["kms", "endpoint", "--crn", "crn:v1:bluemix:public:kms:eu-de", "--dedicated"], "--crn:"),
        ])
    func refusals(arguments: [String], message: String) async throws {
        let output = try await run(arguments, environment: ["HPCS_API_KEY": "api-key-secret-value"])
        #expect(output.status != 0)
        #expect(output.text.contains(message), "\(output.text)")
        #expect(!output.text.contains("api-key-secret-value"))
    }

    @Test("with --dedicated and --kms-endpoint the explicit endpoint is called: a key read from the mock")
    func explicitEndpointWins() async throws {
        try await withMockKeyProtect { fixture in
            let output = try await run(
                [
                    "kms", "key", "--crn", fixture.rootKey.crn, "--dedicated", "--kms-endpoint", fixture.baseURL,
                    "--iam-endpoint", fixture.baseURL, "--json",
                ],
                environment: ["HPCS_API_KEY": testAPIKey])
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains(fixture.rootKey.id), "\(output.text)")
        }
    }
}
