import IAM
import KeyProtect
import KeyProtectMock
import Testing

@Suite("Key Protect Dedicated: the endpoint derived from a kms CRN with plan dedicated")
struct DedicatedEndpointTests {
    static let instance = "5a0e1c2d-3b4f-4a6b-8c7d-9e0f1a2b3c4d"

    static func crn(service: String, region: String = "eu-de", instance: String = instance) throws -> CRN {
        try CRN(
            parsing:
                "crn:v1:bluemix:public:\(service):\(region):a/acct42:\(instance):key:7b9e0f2a-1111-4222-8333-444455556666"
        )
    }

    /// One kind of CRN in one region, with the endpoint expected on each network.
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: String
        var service: String
        var plan: CRN.Plan
        var region = "eu-de"
        var instance = DedicatedEndpointTests.instance
        var publicEndpoint: String
        var privateEndpoint: String
        var testDescription: String { "\(kind) in \(region)" }
    }

    @Test(
        "each kind of CRN gets its endpoint on the public and the private network",
        arguments: [
            Case(
                kind: "Standard Key Protect", service: "kms", plan: .standard,
                publicEndpoint: "https://eu-de.kms.cloud.ibm.com",
                privateEndpoint: "https://private.eu-de.kms.cloud.ibm.com"),
            Case(
                kind: "Key Protect Dedicated", service: "kms", plan: .dedicated,
                publicEndpoint: "https://\(instance).api.eu-de.kms.appdomain.cloud",
                privateEndpoint: "https://\(instance).api.private.eu-de.kms.appdomain.cloud"),
            Case(
                kind: "HPCS", service: "hs-crypto", plan: .standard,
                publicEndpoint: "https://\(instance).api.eu-de.hs-crypto.appdomain.cloud",
                privateEndpoint: "https://\(instance).api.private.eu-de.hs-crypto.appdomain.cloud"),
            Case(
                kind: "Standard Key Protect", service: "kms", plan: .standard, region: "us-east", instance: "inst-1",
                publicEndpoint: "https://us-east.kms.cloud.ibm.com",
                privateEndpoint: "https://private.us-east.kms.cloud.ibm.com"),
            Case(
                kind: "HPCS", service: "hs-crypto", plan: .standard, region: "us-east", instance: "inst-1",
                publicEndpoint: "https://inst-1.api.us-east.hs-crypto.appdomain.cloud",
                privateEndpoint: "https://inst-1.api.private.us-east.hs-crypto.appdomain.cloud"),
        ])
    func endpoints(_ testCase: Case) throws {
        let crn = try Self.crn(service: testCase.service, region: testCase.region, instance: testCase.instance)
        let expectations: [(CRN.Network, String)] = [
            (.public, testCase.publicEndpoint), (.private, testCase.privateEndpoint),
        ]
        for (network, expected) in expectations {
            #expect(try crn.endpoint(network: network, plan: testCase.plan) == expected)
            if testCase.plan == .standard {
                // Standard is the default plan.
                #expect(try crn.endpoint(network: network) == expected)
            }
        }
    }

    @Test("the default plan is Standard: a kms CRN alone never yields the Dedicated host")
    func defaultIsStandard() throws {
        let crn = try Self.crn(service: "kms")
        #expect(try crn.endpoint() == "https://eu-de.kms.cloud.ibm.com")
        #expect(CRN.Plan(rawValue: "dedicated") == .dedicated)
        #expect(CRN.Plan(rawValue: "Dedicated") == nil)
    }

    @Test("dedicated with an hs-crypto CRN is refused, naming HPCS as the reason")
    func dedicatedWithHPCS() throws {
        let crn = try Self.crn(service: "hs-crypto")
        let error = try #require(throws: KeyProtectError.self) { try crn.endpoint(plan: .dedicated) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("hs-crypto"))
        #expect(error.message.contains("Key Protect plan"))
        #expect(throws: KeyProtectError.invalidArgument) { try crn.check(plan: .dedicated) }
        try crn.check(plan: .standard)
    }

    @Test("dedicated with another service is refused")
    func dedicatedWithOtherService() throws {
        let crn = try Self.crn(service: "cloud-object-storage")
        let error = try #require(throws: KeyProtectError.self) { try crn.endpoint(plan: .dedicated) }
        #expect(error.message.contains("cloud-object-storage"))
    }

    @Test(
        "an instance or region that is not a host label cannot steer the Dedicated host",
        arguments: [
            ("eu-de", "evil.example.com"), ("eu-de", "INSTANCE"), ("eu-de", "-abc"), ("eu-de", "a/b"),
            ("eu.de", instance), ("EU-DE", instance), ("eu-de#", instance),
        ])
    func hostInjection(region: String, instance: String) throws {
        let crn = try Self.crn(service: "kms", region: region, instance: instance)
        #expect(throws: KeyProtectError.invalidArgument) { try crn.endpoint(plan: .dedicated) }
    }

    @Test(
        "a malformed CRN is refused before any plan applies",
        arguments: [
            "crn:v1:bluemix:public:kms:eu-de:a/acct:\(instance):key",
            "crn:v1:bluemix:public:kms:eu-de:a/acct::key:k1",
            "crn:v1:bluemix:public:kms:eu-de:a/acct:\(instance):instance:k1",
            "https://\(instance).api.eu-de.kms.appdomain.cloud",
        ])
    func malformed(_ text: String) {
        #expect(throws: KeyProtectError.invalidArgument) { try CRN(parsing: text) }
    }

    @Test("a client for a Dedicated CRN derives the instance host; an explicit endpoint wins")
    func clientEndpoint() async throws {
        let tokens = StaticTokenSource(BearerToken("t"))
        let crn = try Self.crn(service: "kms")
        let derived = try KeyProtectClient(
            instance: .init(crn: crn, plan: .dedicated), credentials: .tokenSource(tokens))
        #expect(derived.endpoint == "https://\(Self.instance).api.eu-de.kms.appdomain.cloud")
        #expect(derived.instanceID == Self.instance)
        let privateDerived = try KeyProtectClient(
            instance: .init(crn: crn, network: .private, plan: .dedicated), credentials: .tokenSource(tokens))
        #expect(privateDerived.endpoint == "https://\(Self.instance).api.private.eu-de.kms.appdomain.cloud")
        let explicit = try KeyProtectClient(
            instance: .init(crn: crn, plan: .dedicated, endpoint: "https://kms.gateway.example/"),
            credentials: .tokenSource(tokens))
        #expect(explicit.endpoint == "https://kms.gateway.example")

        let hpcs = try Self.crn(service: "hs-crypto")
        // The plan contradicts the CRN: refused even with an explicit endpoint, which would make it moot.
        #expect(throws: KeyProtectError.invalidArgument) {
            try KeyProtectClient(
                instance: .init(crn: hpcs, plan: .dedicated, endpoint: "https://kms.gateway.example"),
                credentials: .tokenSource(tokens))
        }
    }
}
