import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import Testing

@Suite("KeyProtectClient errors")
struct KeyProtectClientErrorTests {
    enum Setup: String, CaseIterable, Sendable {
        case unknownKey, destroyedKey, suspendedKey, preActivationKey, purgedKey
    }

    struct StateCase: Sendable, CustomTestStringConvertible {
        var setup: Setup
        var code: KeyProtectError.Code
        var status: Int
        var reason: String?
        var testDescription: String { "\(setup) -> \(status)" }
    }

    static let stateCases: [StateCase] = [
        .init(setup: .unknownKey, code: .notFound, status: 404, reason: "KEY_NOT_FOUND_ERR"),
        .init(setup: .purgedKey, code: .notFound, status: 404, reason: "KEY_NOT_FOUND_ERR"),
        .init(setup: .destroyedKey, code: .keyDeleted, status: 410, reason: "KEY_DELETED_ERR"),
        .init(setup: .suspendedKey, code: .conflict, status: 409, reason: "KEY_ACTION_INVALID_STATE_ERR"),
        .init(setup: .preActivationKey, code: .conflict, status: 409, reason: "KEY_ACTION_INVALID_STATE_ERR"),
    ]

    @Test(
        "wrap on a missing, purged, destroyed or inactive key maps to the service's status and reason",
        arguments: stateCases)
    func keyStateErrors(_ testCase: StateCase) async throws {
        try await withMockKeyProtect { fixture in
            var keyID = fixture.rootKey.id
            switch testCase.setup {
            case .unknownKey: keyID = UUID().uuidString.lowercased()
            case .purgedKey: try fixture.mock.purge(keyID: keyID)
            case .destroyedKey: try fixture.mock.setState(.destroyed, keyID: keyID)
            case .suspendedKey: try fixture.mock.setState(.suspended, keyID: keyID)
            case .preActivationKey: try fixture.mock.setState(.preActivation, keyID: keyID)
            }
            let client = try fixture.client()
            let error = try await #require(throws: KeyProtectError.self) {
                try await client.wrap([1, 2, 3], keyID: keyID)
            }
            #expect(error.code == testCase.code)
            #expect(error.httpStatus == testCase.status)
            #expect(error.reasonCode == testCase.reason)
            #expect(error.attempts == 1)
            #expect(error.correlationID == fixture.mock.recordedRequests.last?.correlationID)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("a destroyed key still answers metadata, with state Destroyed")
    func destroyedMetadata() async throws {
        try await withMockKeyProtect { fixture in
            try fixture.mock.setState(.destroyed, keyID: fixture.rootKey.id)
            let metadata = try await fixture.client().metadata(keyID: fixture.rootKey.id)
            #expect(metadata.state == .destroyed)
            #expect(metadata.deleted)
        }
    }

    @Test("a deactivated key unwraps but does not wrap")
    func deactivated() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let wrapped = try await client.wrap([4, 4], keyID: fixture.rootKey.id)
            try fixture.mock.setState(.deactivated, keyID: fixture.rootKey.id)
            #expect(try await client.unwrap(wrapped.ciphertext, keyID: fixture.rootKey.id).plaintext == [4, 4])
            await #expect(throws: KeyProtectError.conflict) { try await client.wrap([1], keyID: fixture.rootKey.id) }
        }
    }

    @Test("a token the service rejects is 401 unauthorized, after one retry with a fresh token")
    func badToken() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(token: "not.a-valid.token")
            let error = try await fixture.metadataError(through: client)
            #expect(error.code == .unauthorized)
            #expect(error.httpStatus == 401)
            #expect(error.message.hasPrefix("Unauthorized"))
            #expect(fixture.requestCount == 2)
            #expect(!String(describing: error).contains("not.a-valid.token"))
        }
    }

    @Test("an instance header that is not a UUID is 400 bad request")
    func badInstance() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(instanceID: "not-a-uuid")
            let error = try await fixture.metadataError(through: client)
            #expect(error.code == .badRequest)
            #expect(error.message.contains("Bluemix-Instance"))
            #expect(fixture.requestCount == 1)
        }
    }

    @Test("a key in another instance is not found")
    func otherInstance() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(instanceID: UUID().uuidString)
            await #expect(throws: KeyProtectError.notFound) { try await client.metadata(keyID: fixture.rootKey.id) }
        }
    }

    /// A key action the service limits in time.
    enum KeyAction: String, Sendable {
        case rotate, disable, enable

        func perform(with client: KeyProtectClient, keyID: String) async throws {
            switch self {
            case .rotate: try await client.rotate(keyID: keyID)
            case .disable: try await client.disable(keyID: keyID)
            case .enable: try await client.enable(keyID: keyID)
            }
        }
    }

    /// `second` right after `first` is refused 409 with the service's `reason`, and succeeds after `wait`; the key
    /// then has `versions` versions.
    @Test(
        "a second rotation within the hour or an enable within 30 s of disable is 409, allowed again later",
        arguments: [
            (KeyAction.rotate, KeyAction.rotate, "KEY_ROTATION_NOT_PERMITTED", Duration.seconds(3601), 3),
            (.disable, .enable, "REQ_TOO_EARLY_ERR", .seconds(31), 1),
        ])
    func actionTooSoon(first: KeyAction, second: KeyAction, reason: String, wait: Duration, versions: Int)
        async throws
    {
        try await withMockKeyProtect(configuration: .init(apiKeys: [testAPIKey])) { fixture in
            let client = try fixture.client()
            let keyID = fixture.rootKey.id
            try await first.perform(with: client, keyID: keyID)
            let error = try await #require(throws: KeyProtectError.self) {
                try await second.perform(with: client, keyID: keyID)
            }
            #expect(error.code == .conflict)
            #expect(error.reasonCode == reason)
            fixture.mock.advanceTime(by: wait)
            try await second.perform(with: client, keyID: keyID)
            let key = try #require(fixture.mock.key(keyID))
            #expect(key.versionIDs.count == versions)
            #expect(key.state == .active)
        }
    }

    struct BadAnswer: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var body: String
        var code: KeyProtectError.Code
        var testDescription: String { name }
    }

    static let badAnswers: [BadAnswer] = [
        .init(name: "not JSON", status: 200, body: "<html>oops</html>", code: .malformedResponse),
        .init(name: "truncated JSON", status: 200, body: #"{"plaintext":"AAAA"#, code: .malformedResponse),
        .init(
            name: "wrong types", status: 200, body: #"{"plaintext":5,"keyVersion":{"id":7}}"#, code: .malformedResponse),
        .init(name: "no plaintext", status: 200, body: #"{"keyVersion":{"id":"v"}}"#, code: .malformedResponse),
        .init(name: "plaintext not base64", status: 200, body: #"{"plaintext":"@@@"}"#, code: .malformedResponse),
        .init(name: "empty 200", status: 200, body: "", code: .malformedResponse),
        .init(name: "JSON null", status: 200, body: "null", code: .malformedResponse),
        .init(name: "non-JSON 500", status: 500, body: "Internal Server Error", code: .serverError),
        .init(name: "odd status", status: 302, body: "", code: .unexpectedStatus),
        .init(
            name: "error body with wrong types", status: 404, body: #"{"resources":[{"errorMsg":42}]}"#, code: .notFound
        ),
    ]

    @Test("a malformed answer is a typed error, never a crash", arguments: badAnswers)
    func malformedAnswers(_ answer: BadAnswer) async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(retryPolicy: .none)
            let wrapped = try await client.wrap([1], keyID: fixture.rootKey.id)
            fixture.mock.injectFault(
                .init(.raw(status: answer.status, contentType: "application/json", body: Array(answer.body.utf8))))
            let error = try await #require(throws: KeyProtectError.self) {
                try await client.unwrap(wrapped.ciphertext, keyID: fixture.rootKey.id)
            }
            #expect(error.code == answer.code)
        }
    }

    @Test(
        "malformed metadata answers are typed errors",
        arguments: [
            #"{"resources":[]}"#, #"{"metadata":{}}"#, #"{"resources":[{"id":"x","state":"Active"}]}"#,
            #"{"resources":[{"state":1}]}"#, #"[1,2,3]"#,
        ])
    func malformedMetadata(_ body: String) async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(retryPolicy: .none)
            fixture.mock.injectFault(.init(.raw(status: 200, contentType: "application/json", body: Array(body.utf8))))
            await #expect(throws: KeyProtectError.malformedResponse) {
                try await client.metadata(keyID: fixture.rootKey.id)
            }
        }
    }

    @Test("an answer larger than the limit is refused")
    func oversized() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(retryPolicy: .none, maximumResponseBodySize: 1024)
            let huge = #"{"resources":[{"id":""# + String(repeating: "x", count: 4096) + #"","state":1}]}"#
            fixture.mock.injectFault(.init(.raw(status: 200, contentType: "application/json", body: Array(huge.utf8))))
            let error = try await fixture.metadataError(through: client)
            #expect(error.code == .malformedResponse)
            #expect(try await client.metadata(keyID: fixture.rootKey.id).id == fixture.rootKey.id)
        }
    }

    @Test("a bad API key is authenticationFailed with IAM's error as the cause, and the key never prints")
    func badAPIKey() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client(apiKey: "wrong-api-key-secret")
            let error = try await fixture.metadataError(through: client)
            #expect(error.code == .authenticationFailed)
            let cause = try #require(error.cause as? IAMError)
            #expect(cause.code == .invalidAPIKey)
            #expect(cause.serviceErrorCode == "BXNIM0415E")
            #expect(!String(describing: error).contains("wrong-api-key-secret"))
            #expect(fixture.requestCount == 0)
        }
    }

    @Test("bad arguments and settings are refused before anything is sent")
    func badArguments() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            await #expect(throws: KeyProtectError.invalidArgument) {
                try await client.wrap([], keyID: fixture.rootKey.id)
            }
            await #expect(throws: KeyProtectError.invalidArgument) {
                try await client.unwrap("", keyID: fixture.rootKey.id)
            }
            await #expect(throws: KeyProtectError.invalidArgument) { try await client.metadata(keyID: "") }
            #expect(fixture.requestCount == 0)
            let tokens = StaticTokenSource(BearerToken("t"))
            #expect(throws: KeyProtectError.invalidConfiguration) {
                try KeyProtectClient(
                    instance: .init(endpoint: "ftp://x", instanceID: fixture.instanceID),
                    credentials: .tokenSource(tokens))
            }
            #expect(throws: KeyProtectError.invalidConfiguration) {
                try KeyProtectClient(
                    instance: .init(endpoint: fixture.baseURL, instanceID: "a\r\nb"), credentials: .tokenSource(tokens))
            }
        }
    }

    @Test("equality compares the code only; description carries status, reason and correlation id")
    func errorShape() {
        let error = KeyProtectError(
            code: .conflict,
            message: "Conflict: Key is not in a valid state",
            httpStatus: 409,
            reasons: [.init(code: "KEY_ACTION_INVALID_STATE_ERR")],
            correlationID: "c0ffee"
        )
        #expect(error == .conflict)
        #expect(error != .notFound)
        #expect(
            error.description
                == #"KeyProtectError.conflict: "Conflict: Key is not in a valid state" (HTTP 409) [KEY_ACTION_INVALID_STATE_ERR] (correlation id: c0ffee)"#
        )
    }
}
