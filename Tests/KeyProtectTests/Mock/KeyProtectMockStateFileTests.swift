import Foundation
import Testing

@testable import KeyProtectMock

/// `mock kms --state-file`: the keys (versions, material, state) survive a restart; the file is read strictly.
@Suite("KeyProtectMock state file")
struct KeyProtectMockStateFileTests {
    typealias Wire = KeyProtectMockTests

    static func withFolder<T>(_ body: (String) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kp-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try await body(folder)
    }

    static func action(_ fixture: MockFixture, key: String, _ action: String, body: String) async throws
        -> Wire.Answer
    {
        try await Wire.send(
            .POST, fixture.baseURL + "/api/v2/keys/\(key)/actions/\(action)",
            headers: try await Wire.authorized(fixture, adding: [("Content-Type", "application/json")]),
            body: body)
    }

    @Test("a wrap, rotation and disable made over HTTP survive in a new mock that loads the file; mode 0600")
    func survivesRestart() async throws {
        try await Self.withFolder { folder in
            let path = folder + "/state.json"
            let plaintext = Data([UInt8].pattern(32)).base64EncodedString()
            let (ciphertext, keyID, instanceID) = try await withMockKeyProtect { fixture in
                try fixture.mock.persistState(to: path)
                let wrapped = try await Self.action(
                    fixture, key: fixture.rootKey.id, "wrap", body: #"{"plaintext":"\#(plaintext)"}"#)
                #expect(wrapped.status == 200)
                let rotated = try await Self.action(fixture, key: fixture.rootKey.id, "rotate", body: "{}")
                #expect(rotated.status == 204 || rotated.status == 200)
                let disabled = try await Self.action(fixture, key: fixture.rootKey.id, "disable", body: "{}")
                #expect(disabled.status == 204 || disabled.status == 200)
                return (
                    try #require(wrapped.json?["ciphertext"] as? String), fixture.rootKey.id, fixture.instanceID
                )
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"])

            let restarted = KeyProtectMock(configuration: .init(apiKeys: [testAPIKey], enableDelay: .zero))
            try restarted.loadState(from: path)
            let key = try #require(restarted.key(keyID))
            #expect(key.state == .suspended)
            #expect(key.versionIDs.count == 2)
            #expect(key.instanceID == instanceID)
            try restarted.setState(.active, keyID: keyID)
            try await restarted.withServer { baseURL in
                let fixture = MockFixture(mock: restarted, baseURL: baseURL, instanceID: instanceID, rootKey: key)
                let unwrapped = try await Self.action(
                    fixture, key: keyID, "unwrap", body: #"{"ciphertext":"\#(ciphertext)"}"#)
                #expect(unwrapped.status == 200)
                #expect(unwrapped.json?["plaintext"] as? String == plaintext)
            }
        }
    }

    @Test(
        "a state file with an unknown, missing or bad field, or another format, is refused with the field named",
        arguments: [
            (#"{"format":"hpcs-kpmock-state/1","keys":[],"extra":1}"#, "unknown field 'extra'"),
            (#"{"format":"other/1","keys":[]}"#, "not in the format hpcs-kpmock-state/1"),
            (#"{"format":"hpcs-kpmock-state/1"}"#, "keys is missing"),
            ("not json", "is not JSON"),
            (
                #"{"format":"hpcs-kpmock-state/1","keys":[{"id":"k","instanceID":"0b5c2f4e-6a51-4d0c-9b7e-3f1c2a9d8e70","#
                    + #""name":"n","aliases":[],"state":1,"extractable":false,"created":0,"lastUpdate":0,"#
                    + #""lastStateChange":0,"versions":[{"id":"v","created":0,"material":"AAAA"}]}]}"#,
                "keys[0].versions[0].material is not 32 bytes"
            ),
            (
                #"{"format":"hpcs-kpmock-state/1","keys":[{"id":"k","instanceID":"x","name":"n","aliases":[],"#
                    + #""state":1,"extractable":false,"created":0,"lastUpdate":0,"lastStateChange":0,"versions":[],"#
                    + #""secret":"s"}]}"#,
                "keys[0] has an unknown field 'secret'"
            ),
        ])
    func strict(document: String, expected: String) async throws {
        try await Self.withFolder { folder in
            let path = folder + "/state.json"
            try document.write(toFile: path, atomically: true, encoding: .utf8)
            let mock = KeyProtectMock()
            let original = mock.createRootKey(instanceID: UUID().uuidString)
            do {
                try mock.loadState(from: path)
                Issue.record("loaded \(document)")
            } catch let error as KeyProtectMock.AdminError {
                #expect(error.message.contains(expected), "\(error.message)")
            }
            #expect(mock.keys.map(\.id) == [original.id], "a refused file leaves the keys as they were")
        }
    }
}
