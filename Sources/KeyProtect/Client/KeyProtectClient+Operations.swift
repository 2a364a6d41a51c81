import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension KeyProtectClient {
    /// The `Content-Type` the API documents for key actions.
    static let keyActionContentType = "application/vnd.ibm.kms.key_action+json"
    /// The service's limit on each additional authenticated data string.
    public static let maximumAADLength = 255

    // MARK: Wrap, unwrap, rewrap

    /// Wraps `plaintext` (a data encryption key) with the root key `keyID`.
    ///
    /// - Parameters:
    ///   - plaintext: the key to wrap; not empty.
    ///   - keyID: the root key's id or alias.
    ///   - additionalAuthenticatedData: strings (each at most 255 characters) the unwrap must repeat. The service
    ///     does not store them.
    /// - Returns: the wrapped key and the root key version that wrapped it.
    public func wrap(
        _ plaintext: [UInt8],
        keyID: String,
        additionalAuthenticatedData: [String] = []
    ) async throws -> WrappedKey {
        guard !plaintext.isEmpty else {
            throw KeyProtectError(code: .invalidArgument, message: "the plaintext to wrap is empty")
        }
        let body = Wire.KeyActionRequest(
            plaintext: Data(plaintext).base64EncodedString(),
            aad: try Self.checkedAAD(additionalAuthenticatedData)
        )
        let answer = try await perform(action("wrap", keyID: keyID, body: try Self.encode(body), idempotent: true))
        let decoded = try Self.decode(Wire.KeyActionResponse.self, from: answer)
        guard let ciphertext = decoded.ciphertext, !ciphertext.isEmpty else {
            throw Self.malformed("the wrap answer has no ciphertext", answer)
        }
        return WrappedKey(ciphertext: ciphertext, keyVersionID: decoded.keyVersion?.id)
    }

    /// Asks the service to generate a data encryption key (32 bytes on Key Protect) and wrap it with `keyID`
    /// (a wrap without plaintext).
    public func generateDataKey(keyID: String, additionalAuthenticatedData: [String] = []) async throws
        -> GeneratedDataKey
    {
        let body = Wire.KeyActionRequest(aad: try Self.checkedAAD(additionalAuthenticatedData))
        let answer = try await perform(action("wrap", keyID: keyID, body: try Self.encode(body), idempotent: true))
        let decoded = try Self.decode(Wire.KeyActionResponse.self, from: answer)
        guard let ciphertext = decoded.ciphertext, !ciphertext.isEmpty else {
            throw Self.malformed("the wrap answer has no ciphertext", answer)
        }
        guard let encoded = decoded.plaintext, let plaintext = Data(base64Encoded: encoded), !plaintext.isEmpty else {
            throw Self.malformed("the wrap answer has no base64 plaintext", answer)
        }
        return GeneratedDataKey(
            plaintext: Array(plaintext),
            wrapped: WrappedKey(ciphertext: ciphertext, keyVersionID: decoded.keyVersion?.id)
        )
    }

    /// Sends `ciphertext` (not empty) to the key action `verb` (`unwrap`, `rewrap`) of the root key `keyID` and
    /// decodes the answer.
    private func ciphertextAction(
        _ verb: String, _ ciphertext: String, keyID: String, additionalAuthenticatedData: [String]
    ) async throws -> (Answer, Wire.KeyActionResponse) {
        guard !ciphertext.isEmpty else {
            throw KeyProtectError(code: .invalidArgument, message: "the ciphertext to \(verb) is empty")
        }
        let body = Wire.KeyActionRequest(ciphertext: ciphertext, aad: try Self.checkedAAD(additionalAuthenticatedData))
        let answer = try await perform(action(verb, keyID: keyID, body: try Self.encode(body), idempotent: true))
        return (answer, try Self.decode(Wire.KeyActionResponse.self, from: answer))
    }

    /// Unwraps `ciphertext` with the root key `keyID`.
    ///
    /// When the ciphertext was wrapped by an older version of the root key, the result's
    /// ``UnwrapResult/rewrapped`` holds the key wrapped by the latest version: store it.
    public func unwrap(
        _ ciphertext: String,
        keyID: String,
        additionalAuthenticatedData: [String] = []
    ) async throws -> UnwrapResult {
        let (answer, decoded) = try await ciphertextAction(
            "unwrap", ciphertext, keyID: keyID, additionalAuthenticatedData: additionalAuthenticatedData)
        guard let encoded = decoded.plaintext, let plaintext = Data(base64Encoded: encoded) else {
            throw Self.malformed("the unwrap answer has no base64 plaintext", answer)
        }
        var rewrapped: WrappedKey?
        if let newCiphertext = decoded.ciphertext, !newCiphertext.isEmpty {
            rewrapped = WrappedKey(ciphertext: newCiphertext, keyVersionID: decoded.rewrappedKeyVersion?.id)
        }
        return UnwrapResult(plaintext: Array(plaintext), keyVersionID: decoded.keyVersion?.id, rewrapped: rewrapped)
    }

    /// Re-wraps `ciphertext` with the latest version of the root key `keyID`, without exposing the plaintext.
    public func rewrap(
        _ ciphertext: String,
        keyID: String,
        additionalAuthenticatedData: [String] = []
    ) async throws -> RewrapResult {
        let (answer, decoded) = try await ciphertextAction(
            "rewrap", ciphertext, keyID: keyID, additionalAuthenticatedData: additionalAuthenticatedData)
        guard let newCiphertext = decoded.ciphertext, !newCiphertext.isEmpty else {
            throw Self.malformed("the rewrap answer has no ciphertext", answer)
        }
        return RewrapResult(
            wrapped: WrappedKey(ciphertext: newCiphertext, keyVersionID: decoded.rewrappedKeyVersion?.id),
            previousKeyVersionID: decoded.keyVersion?.id
        )
    }

    // MARK: Key lifecycle

    /// Rotates the root key `keyID`: a new version becomes the one that wraps. Not retried after a 5xx or a broken
    /// connection (a repeat could rotate twice); the service allows one rotation per hour.
    public func rotate(keyID: String) async throws {
        _ = try await perform(action("rotate", keyID: keyID, body: nil, idempotent: false))
    }

    /// Enables a Suspended key (back to Active). The service refuses within 30 s of the last state change.
    public func enable(keyID: String) async throws {
        _ = try await perform(action("enable", keyID: keyID, body: nil, idempotent: false))
    }

    /// Disables an Active key (to Suspended): wrap and unwrap are refused until it is enabled.
    public func disable(keyID: String) async throws {
        _ = try await perform(action("disable", keyID: keyID, body: nil, idempotent: false))
    }

    // MARK: Reading keys

    /// The key `keyID` with its payload when it is a standard key (`GET /keys/{id}`).
    public func key(keyID: String) async throws -> KeyProtectKey {
        let answer = try await perform(
            Call(operation: "getKey", method: .GET, path: try Self.keyPath(keyID), idempotent: true)
        )
        let key = try Self.firstResource(Wire.Key.self, from: answer)
        var payload: [UInt8]?
        if let encoded = key.payload {
            guard let bytes = Data(base64Encoded: encoded) else {
                throw Self.malformed("the key's payload is not base64", answer)
            }
            payload = Array(bytes)
        }
        return KeyProtectKey(metadata: KeyMetadata(wire: key), payload: payload)
    }

    /// State, latest version and dates of the key `keyID`, never its material (`GET /keys/{id}/metadata`).
    public func metadata(keyID: String) async throws -> KeyMetadata {
        let answer = try await perform(
            Call(
                operation: "getKeyMetadata", method: .GET, path: try Self.keyPath(keyID) + "/metadata", idempotent: true
            )
        )
        return KeyMetadata(wire: try Self.firstResource(Wire.Key.self, from: answer))
    }

    /// The versions of the root key `keyID`, newest first.
    ///
    /// - Parameters:
    ///   - keyID: the root key's id.
    ///   - limit: how many versions at most (the service's default when `nil`).
    ///   - offset: how many of the newest versions to skip.
    ///   - allKeyStates: without it, the service answers 409 for a key that is not Active.
    public func versions(keyID: String, limit: Int? = nil, offset: Int? = nil, allKeyStates: Bool = false)
        async throws -> [KeyVersion]
    {
        var call = Call(
            operation: "getKeyVersions", method: .GET, path: try Self.keyPath(keyID) + "/versions", idempotent: true)
        if let limit { call.query.append(("limit", String(limit))) }
        if let offset { call.query.append(("offset", String(offset))) }
        if allKeyStates { call.query.append(("allKeyStates", "true")) }
        let answer = try await perform(call)
        let collection = try Self.decode(Wire.Collection<Wire.VersionRef>.self, from: answer)
        return try (collection.resources ?? []).map { ref in
            guard let id = ref.id, !id.isEmpty else { throw Self.malformed("a key version has no id", answer) }
            return KeyVersion(id: id, creationDate: WireDate.parse(ref.creationDate))
        }
    }

    // MARK: Helpers

    private func action(_ name: String, keyID: String, body: [UInt8]?, idempotent: Bool) throws -> Call {
        Call(
            operation: name,
            method: .POST,
            path: try Self.keyPath(keyID) + "/actions/" + name,
            body: body,
            contentType: body == nil ? nil : Self.keyActionContentType,
            idempotent: idempotent
        )
    }

    static func keyPath(_ keyID: String) throws -> String {
        guard !keyID.isEmpty, keyID.utf8.count <= 512 else {
            throw KeyProtectError(code: .invalidArgument, message: "the key id is empty or too long")
        }
        return "/keys/" + percentEncode(keyID)
    }

    static func checkedAAD(_ aad: [String]) throws -> [String]? {
        guard !aad.isEmpty else { return nil }
        for item in aad where item.count > maximumAADLength {
            throw KeyProtectError(
                code: .invalidArgument,
                message: "each additional authenticated data string may have at most \(maximumAADLength) characters"
            )
        }
        return aad
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw KeyProtectError(
                code: .invalidArgument, message: "the request body could not be encoded", cause: error)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from answer: Answer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: answer.body))
        } catch {
            throw KeyProtectError(
                code: .malformedResponse,
                message: "the answer (HTTP \(answer.status)) is not the expected JSON",
                httpStatus: answer.status,
                correlationID: answer.correlationID,
                cause: error
            )
        }
    }

    static func firstResource<T: Decodable>(_ type: T.Type, from answer: Answer) throws -> T {
        let collection = try decode(Wire.Collection<T>.self, from: answer)
        guard let first = collection.resources?.first else {
            throw malformed("the answer's resources are empty", answer)
        }
        return first
    }

    static func malformed(_ message: String, _ answer: Answer) -> KeyProtectError {
        KeyProtectError(
            code: .malformedResponse,
            message: message,
            httpStatus: answer.status,
            correlationID: answer.correlationID
        )
    }
}
