import Foundation
import Testing

@testable import KeyProtectMock

/// The mock's documented request limits: 1 MiB Key Protect bodies, 64 KiB IAM bodies; deep JSON is a 400, not a crash.
@Suite("KeyProtectMock request limits")
struct KeyProtectMockLimitsTests {
    typealias Wire = KeyProtectMockTests

    @Test("a Key Protect body over 1 MiB, and JSON nested 200,000 deep, are 400 BAD_BODY_ERR; the mock keeps serving")
    func keyProtectBodies() async throws {
        try await withMockKeyProtect { fixture in
            let headers = try await Wire.authorized(
                fixture, adding: [("Content-Type", "application/vnd.ibm.kms.key_action_wrap+json")])
            let keyURL = fixture.baseURL + "/api/v2/keys/" + fixture.rootKey.id + "/actions/wrap"
            let large = #"{"plaintext":""# + String(repeating: "A", count: (1 << 20) + 16) + #""}"#
            let tooLarge = try await Wire.send(.POST, keyURL, headers: headers, body: large)
            #expect(tooLarge.status == 400)
            #expect(String(decoding: tooLarge.body, as: UTF8.self).contains("BAD_BODY_ERR"))

            let deep =
                #"{"plaintext":"# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
                + "}"
            let nested = try await Wire.send(.POST, keyURL, headers: headers, body: deep)
            #expect(nested.status == 400)

            let wrap = try await Wire.send(.POST, keyURL, headers: headers, body: "{}")
            #expect(wrap.status == 200)
        }
    }

    @Test("an IAM token request body over 64 KiB is refused with BXNIM0109E")
    func iamBodies() async throws {
        try await withMockKeyProtect { fixture in
            let answer = try await Wire.send(
                .POST, fixture.baseURL + "/identity/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: "grant_type=x&apikey=" + String(repeating: "k", count: 70_000))
            #expect(answer.status == 400)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("BXNIM0109E"))
        }
    }

    @Test("a long-running mock keeps at most 10,000 recorded requests, the latest ones, and still counts them all")
    func recordedRequestsAreBounded() {
        var state = MockState(apiKeys: [])
        for index in 0..<25_000 {
            state.record(
                KeyProtectMock.RecordedRequest(
                    method: "GET", path: "/api/v2/keys/\(index)", query: nil, instanceHeader: nil, correlationID: nil,
                    contentType: nil, hadAuthorization: true, status: 200))
        }
        #expect(state.recordedTotal == 25_000)
        #expect(state.recorded.count <= MockState.maximumRecordedRequests)
        #expect(state.recorded.count >= MockState.maximumRecordedRequests / 2)
        #expect(state.recorded.last?.path == "/api/v2/keys/24999")
    }
}
