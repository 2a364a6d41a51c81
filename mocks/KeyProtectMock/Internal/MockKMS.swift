import Crypto
import Foundation
import Hummingbird

/// The Key Protect v2 API.
extension KeyProtectMock {
    private static let keyActionType = "application/vnd.ibm.kms.key_action+json"
    private static let keyType = "application/vnd.ibm.kms.key+json"
    private static let versionType = "application/vnd.ibm.kms.key.version+json"

    func handleKMS(_ request: Request) async -> Response {
        do {
            return try await routeKMS(request)
        } catch let error as MockServiceError {
            return errorResponse(error)
        } catch {
            return errorResponse(.badBody)
        }
    }

    private func routeKMS(_ request: Request) async throws -> Response {
        try authorize(request)
        guard let instanceText = request.headers.value(named: "bluemix-instance"),
            let instance = UUID(uuidString: instanceText.trimmingCharacters(in: .whitespaces))
        else { throw MockServiceError.badInstanceHeader }
        let instanceID = instance.uuidString.lowercased()

        let segments = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v2", segments[2] == "keys" else {
            throw MockServiceError(status: 404, message: "Not Found: no such resource", reasons: [])
        }
        let rest = Array(segments.dropFirst(3))
        var request = request
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: configuration.maximumRequestBodySize))
        } catch {
            throw MockServiceError.badBody
        }
        let query = request.uri.queryParameters
        let method = request.method

        switch (method, rest.count) {
        case (.post, 0):
            return try createKey(instanceID: instanceID, body: body, prefer: request.headers.value(named: "prefer"))
        case (.get, 0), (.head, 0):
            return listKeys(instanceID: instanceID, head: method == .head)
        case (.get, 1):
            return try keyAnswer(rest[0], instanceID: instanceID, withPayload: true)
        case (.post, 1):
            guard let action = query["action"].map(String.init), !action.isEmpty else {
                throw MockServiceError.invalidField("action", "one of wrap, unwrap, rewrap, rotate, enable, disable")
            }
            return try performAction(action, keyID: rest[0], instanceID: instanceID, body: body)
        case (.delete, 1):
            return try deleteKey(rest[0], instanceID: instanceID, prefer: request.headers.value(named: "prefer"))
        case (.get, 2) where rest[1] == "metadata":
            return try keyAnswer(rest[0], instanceID: instanceID, withPayload: false)
        case (.get, 2) where rest[1] == "versions":
            return try versionsAnswer(
                rest[0],
                instanceID: instanceID,
                allKeyStates: query["allKeyStates"] == "true",
                limit: query["limit"].flatMap { Int($0) },
                offset: query["offset"].flatMap { Int($0) },
                totalCount: query["totalCount"] == "true"
            )
        case (.post, 3) where rest[1] == "actions":
            return try performAction(rest[2], keyID: rest[0], instanceID: instanceID, body: body)
        default:
            throw MockServiceError(status: 404, message: "Not Found: no such resource", reasons: [])
        }
    }

    /// Checks `Authorization: Bearer <token>`: signed by this mock, not expired, not revoked.
    private func authorize(_ request: Request) throws {
        guard let header = request.headers.value(named: "authorization") else { throw MockServiceError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw MockServiceError.unauthorized }
        guard activeClaims(forToken: String(parts[1])) != nil else { throw MockServiceError.unauthorized }
    }

    /// The claims of `token` when this mock issued it and it is neither expired nor revoked; nil otherwise.
    func activeClaims(forToken token: String) -> MockTokens.Claims? {
        let claims: MockTokens.Claims
        if let cached = verifiedTokens.withLock({ $0[token] }) {
            claims = cached
        } else {
            guard let verified = MockTokens.verify(token, key: tokenSigningKey) else { return nil }
            verifiedTokens.withLock { cache in
                if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
                cache[token] = verified
            }
            claims = verified
        }
        let now = epochSeconds()
        let generation = state.withLock { $0.tokenGeneration }
        guard claims.exp > now, claims.kpmock_gen == generation else { return nil }
        return claims
    }

    // MARK: Actions

    private func performAction(_ action: String, keyID: String, instanceID: String, body: [UInt8]) throws -> Response {
        let parsed = try parseActionBody(body)
        let now = now()
        switch action {
        case "wrap":
            return try wrap(keyID: keyID, instanceID: instanceID, body: parsed)
        case "unwrap", "rewrap":
            return try unwrapOrRewrap(action, keyID: keyID, instanceID: instanceID, body: parsed)
        case "rotate":
            try state.withLock { state in
                let index = try findUsable(
                    &state, keyID, instanceID: instanceID, action: action, allowed: [.active, .deactivated])
                guard !state.keys[index].extractable else { throw MockServiceError.rootKeyRequired }
                if let last = state.keys[index].lastRotate,
                    now.timeIntervalSince(last) < seconds(configuration.minimumRotationInterval)
                {
                    throw MockServiceError.rotationNotPermitted
                }
                _ = state.keys[index].rotate(now: now)
            }
            return noContent()
        case "enable":
            try state.withLock { state in
                let index = try findUsable(&state, keyID, instanceID: instanceID, action: action, allowed: [.suspended])
                if now.timeIntervalSince(state.keys[index].lastStateChange) < seconds(configuration.enableDelay) {
                    throw MockServiceError.tooEarly
                }
                state.keys[index].state = .active
                state.keys[index].lastStateChange = now
                state.keys[index].lastUpdate = now
            }
            return noContent()
        case "disable":
            try state.withLock { state in
                let index = try findUsable(&state, keyID, instanceID: instanceID, action: action, allowed: [.active])
                state.keys[index].state = .suspended
                state.keys[index].lastStateChange = now
                state.keys[index].lastUpdate = now
            }
            return noContent()
        default:
            throw MockServiceError.invalidField("action", "one of wrap, unwrap, rewrap, rotate, enable, disable")
        }
    }

    private func wrap(keyID: String, instanceID: String, body: MockActionBody?) throws -> Response {
        let aad = try checkedAAD(body?.aad)
        var generated: [UInt8]?
        let plaintext: [UInt8]
        if let text = body?.plaintext {
            guard let decoded = Data(base64Encoded: text), !decoded.isEmpty else {
                throw MockServiceError.invalidField("plaintext", "a base64 encoded key")
            }
            plaintext = Array(decoded)
        } else {
            plaintext = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            generated = plaintext
        }
        let answer = try state.withLock { state in
            let index = try findUsable(&state, keyID, instanceID: instanceID, action: "wrap", allowed: [.active])
            let key = state.keys[index]
            guard !key.extractable else { throw MockServiceError.rootKeyRequired }
            guard let version = key.current else { throw MockServiceError.unprocessableCiphertext }
            let ciphertext = try MockWrapping.wrap(plaintext, keyID: key.id, version: version, aad: aad)
            return MockActionAnswer(
                plaintext: generated.map { Data($0).base64EncodedString() },
                ciphertext: ciphertext,
                keyVersion: MockVersionRef(id: version.id, creationDate: nil)
            )
        }
        return jsonResponse(status: 200, contentType: Self.keyActionType, body: MockJSON.encode(answer))
    }

    private func unwrapOrRewrap(_ action: String, keyID: String, instanceID: String, body: MockActionBody?) throws
        -> Response
    {
        guard let body else { throw MockServiceError.noBody }
        guard let ciphertext = body.ciphertext, !ciphertext.isEmpty else { throw MockServiceError.badCiphertext }
        let aad = try checkedAAD(body.aad)
        let answer = try state.withLock { state in
            let index = try findUsable(
                &state, keyID, instanceID: instanceID, action: action, allowed: [.active, .deactivated])
            let key = state.keys[index]
            guard !key.extractable else { throw MockServiceError.rootKeyRequired }
            guard let current = key.current else { throw MockServiceError.unprocessableCiphertext }
            let envelope: MockEnvelope
            do { envelope = try MockWrapping.envelope(of: ciphertext) } catch { throw MockServiceError.badCiphertext }
            guard let used = key.versions.first(where: { $0.id == envelope.handle }) else {
                throw MockServiceError.badCiphertext
            }
            let plaintext: [UInt8]
            do {
                plaintext = try MockWrapping.unwrap(envelope, keyID: key.id, version: used, aad: aad)
            } catch MockWrapping.Failure.unprocessable {
                throw MockServiceError.unprocessableCiphertext
            } catch {
                throw MockServiceError.badCiphertext
            }
            let usedRef = MockVersionRef(id: used.id, creationDate: nil)
            let currentRef = MockVersionRef(id: current.id, creationDate: nil)
            if action == "rewrap" {
                return MockActionAnswer(
                    ciphertext: try MockWrapping.wrap(plaintext, keyID: key.id, version: current, aad: aad),
                    keyVersion: usedRef,
                    rewrappedKeyVersion: currentRef
                )
            }
            var answer = MockActionAnswer(plaintext: Data(plaintext).base64EncodedString(), keyVersion: usedRef)
            if used.id != current.id {
                answer.ciphertext = try MockWrapping.wrap(plaintext, keyID: key.id, version: current, aad: aad)
                answer.rewrappedKeyVersion = currentRef
            }
            return answer
        }
        return jsonResponse(status: 200, contentType: Self.keyActionType, body: MockJSON.encode(answer))
    }

    /// The key's index, if its state allows `action`: 404 when absent, 410 when Destroyed, 409 otherwise.
    private func findUsable(
        _ state: inout MockState,
        _ keyID: String,
        instanceID: String,
        action: String,
        allowed: Set<KeyState>
    ) throws -> Int {
        guard let index = state.find(keyID, instanceID: instanceID) else { throw MockServiceError.notFound }
        let keyState = state.keys[index].state
        if allowed.contains(keyState) { return index }
        if keyState == .destroyed { throw MockServiceError.deleted(action: action) }
        throw MockServiceError.invalidState(action: action)
    }

    /// `nil` for an empty body, `null` or whitespace; the decoded body otherwise; 400 `BAD_BODY_ERR` for anything
    /// that is not a JSON object of the expected types.
    private func parseActionBody(_ body: [UInt8]) throws -> MockActionBody? {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text == "null" { return nil }
        guard let parsed = try? JSONDecoder().decode(MockActionBody.self, from: Data(body)) else {
            throw MockServiceError.badBody
        }
        return parsed
    }

    private func checkedAAD(_ aad: [String]?) throws -> [String] {
        let aad = aad ?? []
        guard aad.allSatisfy({ $0.count <= 255 }) else {
            throw MockServiceError.invalidField("aad", "an array of strings of at most 255 characters each")
        }
        return aad
    }

    // MARK: Keys

    private func keyAnswer(_ keyID: String, instanceID: String, withPayload: Bool) throws -> Response {
        let item = try state.withLock { state in
            guard let index = state.find(keyID, instanceID: instanceID) else { throw MockServiceError.notFound }
            return self.resource(for: state.keys[index], withPayload: withPayload)
        }
        return keyCollection([item], status: 200)
    }

    private func resource(for key: MockKey, withPayload: Bool) -> MockKeyResource {
        let current = key.current
        return MockKeyResource(
            id: key.id,
            name: key.name,
            aliases: key.aliases.isEmpty ? nil : key.aliases,
            state: key.state.rawValue,
            extractable: key.extractable,
            crn: crn(for: key),
            creationDate: MockDate.format(key.created),
            lastUpdateDate: MockDate.format(key.lastUpdate),
            lastRotateDate: key.lastRotate.map(MockDate.format),
            keyVersion: MockVersionRef(
                id: current?.id ?? "", creationDate: current.map { MockDate.format($0.created) }),
            deleted: key.state == .destroyed,
            deletionDate: key.deletionDate.map(MockDate.format),
            payload: withPayload && key.state != .destroyed ? key.payload.map { Data($0).base64EncodedString() } : nil
        )
    }

    private func keyCollection(_ resources: [MockKeyResource], status: Int) -> Response {
        let body = MockCollection(
            metadata: MockCollectionMetadata(collectionType: Self.keyType, collectionTotal: resources.count),
            resources: resources
        )
        return jsonResponse(status: status, contentType: Self.keyType, body: MockJSON.encode(body))
    }

    private func versionsAnswer(
        _ keyID: String,
        instanceID: String,
        allKeyStates: Bool,
        limit: Int?,
        offset: Int?,
        totalCount: Bool
    ) throws -> Response {
        let (page, total) = try state.withLock { state in
            let index: Int
            if allKeyStates {
                guard let found = state.find(keyID, instanceID: instanceID) else { throw MockServiceError.notFound }
                index = found
            } else {
                index = try findUsable(
                    &state, keyID, instanceID: instanceID, action: "list versions", allowed: [.active])
            }
            let all = state.keys[index].versions.reversed().map {
                MockVersionRef(id: $0.id, creationDate: MockDate.format($0.created))
            }
            let start = min(max(offset ?? 0, 0), all.count)
            let count = min(max(limit ?? 200, 0), all.count - start)
            return (Array(all[start..<(start + count)]), all.count)
        }
        let body = MockCollection(
            metadata: MockCollectionMetadata(
                collectionType: Self.versionType,
                collectionTotal: page.count,
                totalCount: totalCount ? total : nil
            ),
            resources: page
        )
        return jsonResponse(status: 200, contentType: Self.versionType, body: MockJSON.encode(body))
    }

    private func createKey(instanceID: String, body: [UInt8], prefer: String?) throws -> Response {
        guard !body.isEmpty else { throw MockServiceError.noBody }
        guard let parsed = try? JSONDecoder().decode(MockCreateBody.self, from: Data(body)),
            let spec = parsed.resources?.first
        else { throw MockServiceError.badBody }
        guard let name = spec.name, !name.isEmpty, name.count <= 90 else {
            throw MockServiceError.invalidField("name", "a string of 2 to 90 characters")
        }
        var payload: [UInt8]?
        if let text = spec.payload {
            guard let decoded = Data(base64Encoded: text), !decoded.isEmpty else {
                throw MockServiceError.invalidField("payload", "a base64 encoded key")
            }
            payload = Array(decoded)
        }
        let now = now()
        let created = state.withLock { state in
            let key = state.createKey(
                instanceID: instanceID,
                name: name,
                id: nil,
                aliases: spec.aliases ?? [],
                state: .active,
                extractable: spec.extractable ?? false,
                payload: payload,
                now: now
            )
            return self.resource(for: key, withPayload: false)
        }
        if prefer?.contains("return=minimal") == true { return Response(status: .created) }
        return keyCollection([created], status: 201)
    }

    private func listKeys(instanceID: String, head: Bool) -> Response {
        let resources = state.withLock { state in
            state.keys.filter { $0.instanceID == instanceID && $0.state != .destroyed }
                .map { self.resource(for: $0, withPayload: false) }
        }
        if head {
            var response = Response(status: .ok)
            if let name = HTTPFields.Element.Name("Key-Total") { response.headers[name] = String(resources.count) }
            return response
        }
        return keyCollection(resources, status: 200)
    }

    private func deleteKey(_ keyID: String, instanceID: String, prefer: String?) throws -> Response {
        let now = now()
        let deleted = try state.withLock { state in
            let index = try findUsable(
                &state,
                keyID,
                instanceID: instanceID,
                action: "delete",
                allowed: [.preActivation, .active, .suspended, .deactivated]
            )
            state.keys[index].state = .destroyed
            state.keys[index].deletionDate = now
            state.keys[index].lastUpdate = now
            state.keys[index].lastStateChange = now
            return self.resource(for: state.keys[index], withPayload: false)
        }
        if prefer?.contains("return=representation") == true { return keyCollection([deleted], status: 200) }
        return noContent()
    }

    private func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
