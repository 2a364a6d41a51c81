import AsyncHTTPClient
import Foundation
import KeyProtectMock
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// Raw HTTP against the mock, checking the wire contract itself (not through the client).
@Suite("KeyProtectMock wire contract")
struct KeyProtectMockTests {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    static func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: buffer))
    }

    static func token(_ baseURL: String, path: String = "/identity/token", apiKey: String = testAPIKey) async throws
        -> Answer
    {
        try await send(
            .POST,
            baseURL + path,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic Yng6Yng=")],
            body: "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=\(apiKey)&response_type=cloud_iam"
        )
    }

    static func bearer(_ baseURL: String) async throws -> String {
        let answer = try await token(baseURL)
        return try #require(answer.json?["access_token"] as? String)
    }

    /// The headers of a Key Protect call on `fixture`'s instance with a fresh bearer token, then `extra`.
    static func authorized(_ fixture: MockFixture, adding extra: [(String, String)] = []) async throws
        -> [(String, String)]
    {
        let token = try await bearer(fixture.baseURL)
        return [("Authorization", "Bearer \(token)"), ("Bluemix-Instance", fixture.instanceID)] + extra
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    @Test(
        "IAM issues JWT-shaped tokens with iat, exp and iam_id on both token paths",
        arguments: ["/identity/token", "/oidc/token"])
    func iamTokens(path: String) async throws {
        try await withMockKeyProtect { fixture in
            let answer = try await Self.token(fixture.baseURL, path: path)
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 3600)
            #expect(json["refresh_token"] is String)
            let token = try #require(json["access_token"] as? String)
            let segments = token.split(separator: ".")
            #expect(segments.count == 3)
            let header = try #require(Self.base64URLDecode(segments[0]))
            #expect((try JSONSerialization.jsonObject(with: header) as? [String: Any])?["alg"] as? String == "RS256")
            let payloadData = try #require(Self.base64URLDecode(segments[1]))
            let payload = try #require(try JSONSerialization.jsonObject(with: payloadData) as? [String: Any])
            let iat = try #require(payload["iat"] as? Int)
            let exp = try #require(payload["exp"] as? Int)
            #expect(exp - iat == 3600)
            #expect(json["expiration"] as? Int == exp)
            #expect((payload["iam_id"] as? String)?.isEmpty == false)
            #expect(fixture.mock.tokensIssued == 1)
        }
    }

    @Test("IAM rejects an unknown API key as IAM does: 400 BXNIM0415E")
    func iamBadKey() async throws {
        try await withMockKeyProtect { fixture in
            let answer = try await Self.token(fixture.baseURL, apiKey: "nope")
            #expect(answer.status == 400)
            #expect(answer.json?["errorCode"] as? String == "BXNIM0415E")
            #expect(answer.json?["errorMessage"] as? String == "Provided API key could not be found.")
            #expect(answer.json?["context"] is [String: Any])
            #expect(fixture.mock.tokensIssued == 0)
        }
    }

    @Test(
        "the ?action= form and any content type work; rotate accepts a JSON null body and answers 204",
        arguments: [
            nil, "application/vnd.ibm.kms.key_action_wrap+json", "application/json", "text/plain",
        ])
    func actionForms(contentType: String?) async throws {
        try await withMockKeyProtect { fixture in
            var headers = try await Self.authorized(fixture)
            if let contentType { headers.append(("Content-Type", contentType)) }
            let keyURL = fixture.baseURL + "/api/v2/keys/" + fixture.rootKey.id
            let wrap = try await Self.send(.POST, keyURL + "?action=wrap", headers: headers, body: "{}")
            #expect(wrap.status == 200)
            #expect(wrap.headers.first(name: "Content-Type") == "application/vnd.ibm.kms.key_action+json")
            let ciphertext = try #require(wrap.json?["ciphertext"] as? String)
            let plaintext = try #require(wrap.json?["plaintext"] as? String)
            #expect(Data(base64Encoded: plaintext)?.count == 32)
            #expect((wrap.json?["keyVersion"] as? [String: Any])?["id"] as? String == fixture.rootKey.currentVersionID)

            let unwrap = try await Self.send(
                .POST,
                keyURL + "/actions/unwrap",
                headers: headers,
                body: #"{"ciphertext":"\#(ciphertext)"}"#
            )
            #expect(unwrap.json?["plaintext"] as? String == plaintext)

            let rotate = try await Self.send(.POST, keyURL + "?action=rotate", headers: headers, body: "null")
            #expect(rotate.status == 204)
            #expect(rotate.body.isEmpty)
            let empty = try await Self.send(.POST, keyURL + "/actions/wrap", headers: headers)
            #expect(empty.status == 200)
        }
    }

    @Test("errors have the service's body shape and content type; the correlation id is echoed")
    func errorBodies() async throws {
        try await withMockKeyProtect { fixture in
            let token = try await Self.bearer(fixture.baseURL)
            let headers = [
                ("Authorization", "Bearer \(token)"), ("Bluemix-Instance", fixture.instanceID),
                ("Correlation-Id", "corr-1"),
            ]
            let keyURL = fixture.baseURL + "/api/v2/keys/" + fixture.rootKey.id
            let noBody = try await Self.send(.POST, keyURL + "/actions/unwrap", headers: headers)
            #expect(noBody.status == 400)
            #expect(noBody.headers.first(name: "Content-Type") == "application/vnd.ibm.kms.error+json")
            #expect(noBody.headers.first(name: "Correlation-Id") == "corr-1")
            let metadata = try #require(noBody.json?["metadata"] as? [String: Any])
            #expect(metadata["collectionType"] as? String == "application/vnd.ibm.kms.error+json")
            let resource = try #require((noBody.json?["resources"] as? [[String: Any]])?.first)
            #expect((resource["errorMsg"] as? String)?.hasPrefix("Bad Request") == true)
            let reason = try #require((resource["reasons"] as? [[String: Any]])?.first)
            #expect(reason["code"] as? String == "NO_BODY_ERR")
            #expect(reason["status"] as? Int == 400)
            #expect(reason["moreInfo"] is String)

            let badJSON = try await Self.send(.POST, keyURL + "/actions/unwrap", headers: headers, body: "{nope")
            #expect(
                ((badJSON.json?["resources"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]])?.first?[
                    "code"] as? String == "BAD_BODY_ERR")
            let wrongType = try await Self.send(
                .POST, keyURL + "/actions/wrap", headers: headers, body: #"{"plaintext":7}"#)
            #expect(wrongType.status == 400)
            let notBase64 = try await Self.send(
                .POST, keyURL + "/actions/wrap", headers: headers, body: #"{"plaintext":"@@"}"#)
            #expect(notBase64.status == 400)
            let unknownAction = try await Self.send(.POST, keyURL + "?action=explode", headers: headers)
            #expect(unknownAction.status == 400)

            let unauthorized = try await Self.send(.GET, keyURL, headers: [("Bluemix-Instance", fixture.instanceID)])
            #expect(unauthorized.status == 401)
            let unauthorizedResource = (unauthorized.json?["resources"] as? [[String: Any]])?.first
            #expect((unauthorizedResource?["errorMsg"] as? String)?.hasPrefix("Unauthorized") == true)
            let forged = token.dropLast(4) + "AAAA"
            let forgedAnswer = try await Self.send(
                .GET,
                keyURL,
                headers: [("Authorization", "Bearer \(forged)"), ("Bluemix-Instance", fixture.instanceID)]
            )
            #expect(forgedAnswer.status == 401)
        }
    }

    @Test("content types switch to application/json when configured")
    func jsonContentTypes() async throws {
        try await withMockKeyProtect(configuration: .init(apiKeys: [testAPIKey], contentTypes: .json)) { fixture in
            let answer = try await Self.send(
                .GET,
                fixture.baseURL + "/api/v2/keys/" + fixture.rootKey.id + "/metadata",
                headers: try await Self.authorized(fixture)
            )
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "Content-Type") == "application/json")
            let resource = try #require((answer.json?["resources"] as? [[String: Any]])?.first)
            #expect(resource["state"] as? Int == 1)
            #expect(resource["payload"] == nil)
            #expect(resource["lastRotateDate"] == nil)
        }
    }

    @Test("keys are created through the API and listed")
    func createAndList() async throws {
        try await withMockKeyProtect { fixture in
            let headers = try await Self.authorized(fixture)
            let created = try await Self.send(
                .POST,
                fixture.baseURL + "/api/v2/keys",
                headers: headers + [("Content-Type", "application/vnd.ibm.kms.key+json")],
                body:
                    #"{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"new-root","extractable":false}]}"#
            )
            #expect(created.status == 201)
            let id = try #require((created.json?["resources"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(fixture.mock.key(id)?.name == "new-root")
            let list = try await Self.send(.GET, fixture.baseURL + "/api/v2/keys", headers: headers)
            #expect((list.json?["resources"] as? [[String: Any]])?.count == 2)
            let count = try await Self.send(.HEAD, fixture.baseURL + "/api/v2/keys", headers: headers)
            #expect(count.headers.first(name: "Key-Total") == "2")
            let deleted = try await Self.send(.DELETE, fixture.baseURL + "/api/v2/keys/" + id, headers: headers)
            #expect(deleted.status == 204)
            #expect(fixture.mock.key(id)?.state == .destroyed)
        }
    }

    @Test("the admin HTTP API creates keys, changes state, rotates and injects faults")
    func adminAPI() async throws {
        try await withMockKeyProtect { fixture in
            /// A call of the admin API at `path`, a JSON `body` with its content type.
            func admin(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> Answer {
                try await Self.send(
                    method, fixture.baseURL + "/admin" + path,
                    headers: body == nil ? [] : [("Content-Type", "application/json")], body: body)
            }
            let created = try await admin(
                .POST, "/keys", body: #"{"instanceID":"\#(fixture.instanceID)","name":"admin-key","state":2}"#)
            #expect(created.status == 201)
            let id = try #require(created.json?["id"] as? String)
            #expect(fixture.mock.key(id)?.state == .suspended)

            let state = try await admin(.POST, "/keys/\(id)/state", body: #"{"state":1}"#)
            #expect(state.status == 200)
            #expect(fixture.mock.key(id)?.state == .active)
            let rotated = try await admin(.POST, "/keys/\(id)/rotate")
            #expect((rotated.json?["versionIDs"] as? [String])?.count == 2)

            let fault = try await admin(
                .POST, "/faults", body: #"{"action":"status","status":429,"retryAfterSeconds":3,"times":1}"#)
            #expect(fault.status == 204)
            let limited = try await Self.send(
                .GET, fixture.baseURL + "/api/v2/keys/\(id)", headers: try await Self.authorized(fixture))
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") == "3")

            let iamFault = try await admin(.POST, "/faults", body: #"{"action":"status","status":500,"target":"iam"}"#)
            #expect(iamFault.status == 204)
            #expect(try await Self.token(fixture.baseURL).status == 500)
            #expect(try await Self.token(fixture.baseURL).status == 200)

            let purge = try await admin(.DELETE, "/keys/\(id)")
            #expect(purge.status == 204)
            #expect(fixture.mock.key(id) == nil)
            let stats = try await admin(.GET, "/stats")
            #expect(stats.json?["tokensIssued"] as? Int == 2)
            let missing = try await admin(.POST, "/keys/nope/rotate")
            #expect(missing.status == 404)
        }
    }
}
