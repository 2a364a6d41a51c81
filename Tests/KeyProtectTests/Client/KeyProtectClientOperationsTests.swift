import Foundation
import IAM
import KeyProtect
import KeyProtectMock
import Testing

@Suite("KeyProtectClient operations against the mock")
struct KeyProtectClientOperationsTests {
    @Test("wrap then unwrap returns the plaintext and the version that wrapped it")
    func wrapUnwrap() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let plaintext = [UInt8].pattern(32)
            let wrapped = try await client.wrap(plaintext, keyID: fixture.rootKey.id)
            #expect(wrapped.keyVersionID == fixture.rootKey.currentVersionID)
            #expect(!wrapped.ciphertext.isEmpty)
            let unwrapped = try await client.unwrap(wrapped.ciphertext, keyID: fixture.rootKey.id)
            #expect(unwrapped.plaintext == plaintext)
            #expect(unwrapped.keyVersionID == fixture.rootKey.currentVersionID)
            #expect(unwrapped.rewrapped == nil)
        }
    }

    @Test("a key alias works wherever a key id does")
    func alias() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let wrapped = try await client.wrap([1, 2, 3], keyID: "test-alias")
            let unwrapped = try await client.unwrap(wrapped.ciphertext, keyID: fixture.rootKey.id)
            #expect(unwrapped.plaintext == [1, 2, 3])
            #expect(try await client.metadata(keyID: "test-alias").id == fixture.rootKey.id)
        }
    }

    @Test("wrap without plaintext generates a 32-byte data key that unwraps to the same bytes")
    func generateDataKey() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let dek = try await client.generateDataKey(keyID: fixture.rootKey.id)
            #expect(dek.plaintext.count == 32)
            #expect(dek.wrapped.keyVersionID == fixture.rootKey.currentVersionID)
            let again = try await client.generateDataKey(keyID: fixture.rootKey.id)
            #expect(again.plaintext != dek.plaintext)
            let unwrapped = try await client.unwrap(dek.wrapped.ciphertext, keyID: fixture.rootKey.id)
            #expect(unwrapped.plaintext == dek.plaintext)
            #expect(!String(describing: dek).contains(Data(dek.plaintext).base64EncodedString()))
        }
    }

    @Test("additional authenticated data binds the ciphertext: the same AAD unwraps, another is a 400")
    func additionalAuthenticatedData() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let aad = ["volume:data", "host:abc"]
            let wrapped = try await client.wrap(
                [9, 9, 9, 9], keyID: fixture.rootKey.id, additionalAuthenticatedData: aad)
            let unwrapped = try await client.unwrap(
                wrapped.ciphertext,
                keyID: fixture.rootKey.id,
                additionalAuthenticatedData: aad
            )
            #expect(unwrapped.plaintext == [9, 9, 9, 9])

            for wrong in [[], ["volume:data"], ["volume:data", "host:xyz"]] {
                let error = try await #require(throws: KeyProtectError.self) {
                    try await client.unwrap(
                        wrapped.ciphertext, keyID: fixture.rootKey.id, additionalAuthenticatedData: wrong)
                }
                #expect(error.code == .badRequest)
                #expect(error.httpStatus == 400)
                #expect(error.reasonCode == "INVALID_FIELD_ERR")
                #expect(error.reasons.first?.target == "ciphertext")
            }
            await #expect(throws: KeyProtectError.invalidArgument) {
                try await client.wrap(
                    [1], keyID: fixture.rootKey.id, additionalAuthenticatedData: [String(repeating: "a", count: 256)])
            }
        }
    }

    @Test("a ciphertext wrapped by one root key does not unwrap with another")
    func otherKey() async throws {
        try await withMockKeyProtect { fixture in
            let other = fixture.mock.createRootKey(instanceID: fixture.instanceID, name: "other")
            let client = try fixture.client()
            let wrapped = try await client.wrap([5, 5], keyID: fixture.rootKey.id)
            await #expect(throws: KeyProtectError.badRequest) {
                try await client.unwrap(wrapped.ciphertext, keyID: other.id)
            }
            await #expect(throws: KeyProtectError.badRequest) {
                try await client.unwrap("bm90IGEgY2lwaGVydGV4dA==", keyID: fixture.rootKey.id)
            }
        }
    }

    @Test("rotation adds a version; metadata, versions, unwrap and rewrap all follow it")
    func rotation() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let keyID = fixture.rootKey.id
            let before = try await client.metadata(keyID: keyID)
            #expect(before.state == .active)
            #expect(before.keyVersion?.id == fixture.rootKey.currentVersionID)
            #expect(before.lastRotateDate == nil)
            #expect(before.crn == fixture.rootKey.crn)

            let plaintext = [UInt8].pattern(32, seed: 3)
            let old = try await client.wrap(plaintext, keyID: keyID, additionalAuthenticatedData: ["a"])
            try await client.rotate(keyID: keyID)

            let after = try await client.metadata(keyID: keyID)
            let newVersion = try #require(after.keyVersion?.id)
            #expect(newVersion != before.keyVersion?.id)
            #expect(after.lastRotateDate != nil)
            #expect(fixture.mock.key(keyID)?.currentVersionID == newVersion)

            let versions = try await client.versions(keyID: keyID)
            #expect(versions.map(\.id) == [newVersion, fixture.rootKey.currentVersionID])
            #expect(versions.allSatisfy { $0.creationDate != nil })

            let unwrapped = try await client.unwrap(old.ciphertext, keyID: keyID, additionalAuthenticatedData: ["a"])
            #expect(unwrapped.plaintext == plaintext)
            #expect(unwrapped.keyVersionID == fixture.rootKey.currentVersionID)
            let rewrapped = try #require(unwrapped.rewrapped)
            #expect(rewrapped.keyVersionID == newVersion)
            let fresh = try await client.unwrap(rewrapped.ciphertext, keyID: keyID, additionalAuthenticatedData: ["a"])
            #expect(fresh.plaintext == plaintext)
            #expect(fresh.keyVersionID == newVersion)
            #expect(fresh.rewrapped == nil)

            let rewrap = try await client.rewrap(old.ciphertext, keyID: keyID, additionalAuthenticatedData: ["a"])
            #expect(rewrap.previousKeyVersionID == fixture.rootKey.currentVersionID)
            #expect(rewrap.wrapped.keyVersionID == newVersion)
            let viaRewrap = try await client.unwrap(
                rewrap.wrapped.ciphertext, keyID: keyID, additionalAuthenticatedData: ["a"])
            #expect(viaRewrap.plaintext == plaintext)
            #expect(viaRewrap.rewrapped == nil)
        }
    }

    @Test("disable suspends the key, enable makes it Active again")
    func disableEnable() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let keyID = fixture.rootKey.id
            let wrapped = try await client.wrap([1, 2], keyID: keyID)
            try await client.disable(keyID: keyID)
            #expect(try await client.metadata(keyID: keyID).state == .suspended)
            #expect(fixture.mock.key(keyID)?.state == .suspended)
            let error = try await #require(throws: KeyProtectError.self) {
                try await client.unwrap(wrapped.ciphertext, keyID: keyID)
            }
            #expect(error.code == .conflict)
            #expect(error.reasonCode == "KEY_ACTION_INVALID_STATE_ERR")
            await #expect(throws: KeyProtectError.conflict) { try await client.disable(keyID: keyID) }

            try await client.enable(keyID: keyID)
            #expect(try await client.metadata(keyID: keyID).state == .active)
            #expect(try await client.unwrap(wrapped.ciphertext, keyID: keyID).plaintext == [1, 2])
            await #expect(throws: KeyProtectError.conflict) { try await client.enable(keyID: keyID) }
        }
    }

    @Test("get key returns a standard key's payload and never a root key's")
    func getKey() async throws {
        try await withMockKeyProtect { fixture in
            let material = [UInt8].pattern(32, seed: 11)
            let standard = fixture.mock.createRootKey(
                instanceID: fixture.instanceID,
                name: "standard",
                extractable: true,
                payload: material
            )
            let client = try fixture.client()
            let key = try await client.key(keyID: standard.id)
            #expect(key.payload == material)
            #expect(key.metadata.extractable)
            #expect(key.metadata.name == "standard")
            #expect(!String(describing: key).contains(Data(material).base64EncodedString()))

            let root = try await client.key(keyID: fixture.rootKey.id)
            #expect(root.payload == nil)
            #expect(root.metadata.extractable == false)
            #expect(root.metadata.aliases == ["test-alias"])
            #expect(root.metadata.creationDate != nil)

            let error = try await #require(throws: KeyProtectError.self) {
                try await client.wrap([1], keyID: standard.id)
            }
            #expect(error.reasonCode == "KEY_ROOT_REQ_ERR")
        }
    }

    @Test("versions of a non-Active key need allKeyStates")
    func versionsOfSuspendedKey() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            try fixture.mock.setState(.suspended, keyID: fixture.rootKey.id)
            await #expect(throws: KeyProtectError.conflict) { try await client.versions(keyID: fixture.rootKey.id) }
            let versions = try await client.versions(keyID: fixture.rootKey.id, allKeyStates: true)
            #expect(versions.map(\.id) == [fixture.rootKey.currentVersionID])
        }
    }

    @Test("every call sends the bearer token, the instance, the documented content type and a fresh correlation id")
    func headers() async throws {
        try await withMockKeyProtect { fixture in
            let client = try fixture.client()
            let wrapped = try await client.wrap([1], keyID: fixture.rootKey.id)
            _ = try await client.unwrap(wrapped.ciphertext, keyID: fixture.rootKey.id)
            try await client.rotate(keyID: fixture.rootKey.id)
            let seen = fixture.mock.recordedRequests
            #expect(
                seen.map(\.path) == [
                    "/api/v2/keys/\(fixture.rootKey.id)/actions/wrap",
                    "/api/v2/keys/\(fixture.rootKey.id)/actions/unwrap",
                    "/api/v2/keys/\(fixture.rootKey.id)/actions/rotate",
                ])
            #expect(seen.map(\.status) == [200, 200, 204])
            #expect(seen.allSatisfy { $0.hadAuthorization && $0.instanceHeader == fixture.instanceID })
            #expect(seen[0].contentType == "application/vnd.ibm.kms.key_action+json")
            #expect(seen[2].contentType == nil)
            let ids = seen.compactMap(\.correlationID)
            #expect(ids.count == 3)
            #expect(Set(ids).count == 3)
        }
    }
}
