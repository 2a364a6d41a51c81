import Foundation
import Hummingbird

/// The admin HTTP API under `/admin` (JSON in and out, no authentication: loopback tests only).
///
/// | request | effect |
/// | --- | --- |
/// | `GET /admin/keys` | all keys |
/// | `POST /admin/keys` `{"instanceID", "name"?, "id"?, "alias"?, "state"?, "extractable"?}` | create a key (201) |
/// | `GET /admin/keys/{id}` | one key |
/// | `POST /admin/keys/{id}/state` `{"state": 2}` | set its state |
/// | `POST /admin/keys/{id}/rotate` | add a version, ignoring the rotation interval |
/// | `DELETE /admin/keys/{id}` | purge it (404 from then on) |
/// | `POST /admin/faults` `{"action": "delay"/"status"/"drop"/"truncate", "milliseconds"?, "status"?, "retryAfterSeconds"?, "target"?: "keyProtect"/"iam"/"all", "times"?}` | inject a fault |
/// | `DELETE /admin/faults` | clear faults |
/// | `POST /admin/apikeys` `{"apiKey"}` | accept another API key |
/// | `POST /admin/tokens/revoke` | invalidate every token issued so far |
/// | `POST /admin/time` `{"advanceSeconds"}` | move the mock's clock forward |
/// | `GET /admin/stats` | `{"tokensIssued", "keyProtectRequests"}` |
extension KeyProtectMock {
    private struct CreateKeyBody: Decodable {
        var instanceID: String
        var name: String?
        var id: String?
        var alias: String?
        var state: Int?
        var extractable: Bool?
    }
    private struct StateBody: Decodable { var state: Int }
    private struct FaultBody: Decodable {
        var action: String
        var milliseconds: Int?
        var status: Int?
        var retryAfterSeconds: Int?
        var target: Fault.Target?
        var times: Int?
    }
    private struct APIKeyBody: Decodable { var apiKey: String }
    private struct TimeBody: Decodable { var advanceSeconds: Int }
    private struct Stats: Encodable {
        var tokensIssued: Int
        var keyProtectRequests: Int
    }

    func handleAdmin(_ request: Request) async throws -> Response {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else {
            return adminError(413, "body too large")
        }
        let body = Data(buffer: buffer)
        let segments = request.uri.path.split(separator: "/").dropFirst().map {
            String($0).removingPercentEncoding ?? String($0)
        }
        do {
            switch (request.method, segments.count) {
            case (.get, 1) where segments[0] == "keys":
                return Self.plainJSONResponse(status: 200, keys)
            case (.post, 1) where segments[0] == "keys":
                let spec = try JSONDecoder().decode(CreateKeyBody.self, from: body)
                guard UUID(uuidString: spec.instanceID) != nil else {
                    return adminError(400, "instanceID must be a UUID")
                }
                guard let state = KeyState(rawValue: spec.state ?? 1) else { return adminError(400, "unknown state") }
                let created = createRootKey(
                    instanceID: spec.instanceID,
                    name: spec.name ?? "mock-root-key",
                    id: spec.id,
                    alias: spec.alias,
                    state: state,
                    extractable: spec.extractable ?? false
                )
                return Self.plainJSONResponse(status: 201, created)
            case (.get, 2) where segments[0] == "keys":
                guard let found = key(segments[1]) else { return adminError(404, "no such key") }
                return Self.plainJSONResponse(status: 200, found)
            case (.delete, 2) where segments[0] == "keys":
                try purge(keyID: segments[1])
                return Response(status: .noContent)
            case (.post, 3) where segments[0] == "keys" && segments[2] == "state":
                let spec = try JSONDecoder().decode(StateBody.self, from: body)
                guard let state = KeyState(rawValue: spec.state) else { return adminError(400, "unknown state") }
                try setState(state, keyID: segments[1])
                return Self.plainJSONResponse(status: 200, key(segments[1]))
            case (.post, 3) where segments[0] == "keys" && segments[2] == "rotate":
                try rotate(keyID: segments[1])
                return Self.plainJSONResponse(status: 200, key(segments[1]))
            case (.post, 1) where segments[0] == "faults":
                let spec = try JSONDecoder().decode(FaultBody.self, from: body)
                let action: Fault.Action
                switch spec.action {
                case "delay": action = .delay(.milliseconds(max(spec.milliseconds ?? 0, 0)))
                case "status": action = .status(spec.status ?? 503, retryAfterSeconds: spec.retryAfterSeconds)
                case "drop": action = .dropConnection
                case "truncate": action = .truncatedBody
                default: return adminError(400, "unknown fault action")
                }
                injectFault(Fault(action, target: spec.target ?? .keyProtect, times: spec.times ?? 1))
                return Response(status: .noContent)
            case (.delete, 1) where segments[0] == "faults":
                clearFaults()
                return Response(status: .noContent)
            case (.post, 1) where segments[0] == "apikeys":
                addAPIKey(try JSONDecoder().decode(APIKeyBody.self, from: body).apiKey)
                return Response(status: .noContent)
            case (.post, 2) where segments[0] == "tokens" && segments[1] == "revoke":
                revokeTokens()
                return Response(status: .noContent)
            case (.post, 1) where segments[0] == "time":
                let spec = try JSONDecoder().decode(TimeBody.self, from: body)
                advanceTime(by: .seconds(min(max(spec.advanceSeconds, 0), 100 * 365 * 86_400)))
                return Response(status: .noContent)
            case (.get, 1) where segments[0] == "stats":
                let stats = Stats(tokensIssued: tokensIssued, keyProtectRequests: keyProtectRequestCount)
                return Self.plainJSONResponse(status: 200, stats)
            default:
                return adminError(404, "no such admin endpoint")
            }
        } catch let error as AdminError {
            return adminError(404, error.message)
        } catch {
            return adminError(400, "the body is not the expected JSON")
        }
    }

    private func adminError(_ status: Int, _ message: String) -> Response {
        Self.plainJSONResponse(status: status, ["error": message])
    }
}
