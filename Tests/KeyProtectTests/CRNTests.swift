import IAM
import KeyProtect
import KeyProtectMock
import Testing

@Suite("CRN")
struct CRNTests {
    @Test("parses a key CRN into its segments")
    func parse() throws {
        let crn = try CRN(
            parsing:
                "crn:v1:bluemix:public:hs-crypto:us-south:a/acct123:1f2e3d4c-0000-4000-8000-000000000001:key:02fd6835-6001-4482-a892-13bd2085f75d"
        )
        #expect(crn.service == .hyperProtectCrypto)
        #expect(crn.region == "us-south")
        #expect(crn.accountID == "acct123")
        #expect(crn.instanceID == "1f2e3d4c-0000-4000-8000-000000000001")
        #expect(crn.keyID == "02fd6835-6001-4482-a892-13bd2085f75d")
        #expect(crn.cloudType == "public")
        #expect(
            crn.description
                == "crn:v1:bluemix:public:hs-crypto:us-south:a/acct123:1f2e3d4c-0000-4000-8000-000000000001:key:02fd6835-6001-4482-a892-13bd2085f75d"
        )
        #expect(CRN(crn.description) == crn)
    }

    @Test("decodes a percent-encoded CRN")
    func percentEncoded() throws {
        let crn = try CRN(parsing: "crn%3Av1%3Abluemix%3Apublic%3Akms%3Aeu-de%3Aa%2Facct%3Ainst%3Akey%3Akid")
        #expect(crn.service == .keyProtect)
        #expect(crn.region == "eu-de")
        #expect(crn.keyID == "kid")
    }

    @Test(
        "refuses what is not a key CRN",
        arguments: [
            "", "crn", "not:a:crn:at:all:really:no:key:x",
            "crn:v1:bluemix:public:kms:us-south:a/acct:inst:bucket:k1",
            "crn:v1:bluemix:public:kms:us-south:a/acct:inst:key:",
            "crn:v1:bluemix:public:kms::a/acct:inst:key:k1",
            "crn:v1:bluemix:public:kms:us-south:a/acct::key:k1",
            "crn:v1:bluemix:public:kms:us-south:a/acct:inst:key",
        ])
    func invalid(_ text: String) {
        #expect(throws: KeyProtectError.invalidArgument) { try CRN(parsing: text) }
        #expect(CRN(text) == nil)
    }

    @Test("keeps colons inside the resource segment")
    func colonInResource() throws {
        let crn = try CRN(parsing: "crn:v1:bluemix:public:kms:us-south:a/acct:inst:key:a:b")
        #expect(crn.keyID == "a:b")
    }

    @Test("no endpoint for an unknown service or a region that is not a host label")
    func unknownService() throws {
        let other = try CRN(parsing: "crn:v1:bluemix:public:cloud-object-storage:us-south:a/acct:inst:key:k1")
        #expect(throws: KeyProtectError.invalidArgument) { try other.endpoint() }
        let evil = try CRN(parsing: "crn:v1:bluemix:public:kms:evil.com/x:a/acct:inst:key:k1")
        #expect(throws: KeyProtectError.invalidArgument) { try evil.endpoint() }
    }

    @Test(
        "a client built from the mock key's CRN with an endpoint override works, Standard or Dedicated",
        arguments: [(CRN.Network.private, CRN.Plan.standard), (.public, .dedicated)])
    func clientFromCRN(network: CRN.Network, plan: CRN.Plan) async throws {
        try await withMockKeyProtect { fixture in
            let crn = try CRN(parsing: fixture.rootKey.crn)
            #expect(crn.instanceID == fixture.instanceID)
            #expect(crn.keyID == fixture.rootKey.id)
            let client = try KeyProtectClient(
                instance: .init(crn: crn, network: network, plan: plan, endpoint: fixture.baseURL),
                credentials: .apiKey(APIKey(testAPIKey), iam: .init(endpoint: fixture.baseURL)))
            #expect(client.endpoint == fixture.baseURL)
            let dek = try await client.generateDataKey(keyID: crn.keyID)
            #expect(try await client.unwrap(dek.wrapped.ciphertext, keyID: crn.keyID).plaintext == dek.plaintext)
            let derived = try KeyProtectClient(
                instance: .init(crn: crn), credentials: .tokenSource(StaticTokenSource(BearerToken("t"))))
            #expect(derived.endpoint == "https://us-south.kms.cloud.ibm.com")
        }
    }
}
