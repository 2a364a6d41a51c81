import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A state file keeps the mock's keys across restarts (`hpcs-tool mock kms --state-file`): every key with all its
/// versions and their material, its state, aliases and dates, and its instance id. Faults, tokens, recorded
/// requests and the clock offset are not kept. The file is JSON, written atomically (a temporary file in the same
/// folder, mode 0600, renamed over the old one) after every request that changed a key, before the answer is sent;
/// reading it is strict: an unknown field, a missing one, a bad value or another format is an error naming it.
///
/// The file holds the keys' material: it is a test fixture, like the mock itself.
extension KeyProtectMock {
    /// The `format` value of a state file.
    public static let stateFileFormat = "hpcs-kpmock-state/1"
    /// The largest state file that is read (16 MiB).
    public static let maximumStateFileSize = 16 << 20

    /// Replaces the mock's keys with those of the state file at `path`.
    ///
    /// - Throws: ``AdminError`` saying what is wrong: the file cannot be read or is too large, it is not JSON, its
    ///   format is not ``stateFileFormat``, a field is unknown, missing or of the wrong type or value.
    public func loadState(from path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AdminError("cannot read the state file \(path)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: Self.maximumStateFileSize + 1) ?? Data()
        } catch {
            throw AdminError("cannot read the state file \(path)")
        }
        guard data.count <= Self.maximumStateFileSize else {
            throw AdminError("the state file \(path) is larger than \(Self.maximumStateFileSize) bytes")
        }
        let keys = try Self.decodeState(data, path: path)
        state.withLock { $0.keys = keys }
        stateFile.withLock { $0?.lastWritten = data }
    }

    /// Writes the mock's keys to `path` now, atomically, and after every later change (until
    /// ``stopPersisting()``).
    public func persistState(to path: String) throws {
        stateFile.withLock { $0 = StateFileBinding(path: path, lastWritten: nil) }
        try saveStateIfChanged()
    }

    /// Stops writing the state file.
    public func stopPersisting() {
        stateFile.withLock { $0 = nil }
    }

    /// Writes the state file when one is bound and the keys differ from what was last written.
    func saveStateIfChanged() throws {
        try stateFile.withLock { binding in
            guard let current = binding else { return }
            let data = Self.encodeState(state.withLock { $0.keys })
            guard data != current.lastWritten else { return }
            try Self.writeAtomically(data, to: current.path)
            binding?.lastWritten = data
        }
    }

    // MARK: Encoding

    static func encodeState(_ keys: [MockKey]) -> Data {
        let file = PersistedState(
            format: stateFileFormat,
            keys: keys.map { key in
                PersistedKey(
                    id: key.id, instanceID: key.instanceID, name: key.name, aliases: key.aliases,
                    state: key.state.rawValue, extractable: key.extractable,
                    payload: key.payload.map { Data($0).base64EncodedString() },
                    created: key.created.timeIntervalSince1970, lastUpdate: key.lastUpdate.timeIntervalSince1970,
                    lastStateChange: key.lastStateChange.timeIntervalSince1970,
                    lastRotate: key.lastRotate?.timeIntervalSince1970,
                    deletionDate: key.deletionDate?.timeIntervalSince1970,
                    versions: key.versions.map { version in
                        PersistedVersion(
                            id: version.id, created: version.created.timeIntervalSince1970,
                            material: version.material.withUnsafeBytes { Data($0).base64EncodedString() })
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(file)) ?? Data()
    }

    static func decodeState(_ data: Data, path: String) throws -> [MockKey] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AdminError("the state file \(path) is not JSON")
        }
        guard let top = object as? [String: Any] else {
            throw AdminError("the state file \(path) is not a JSON object")
        }
        guard top["format"] as? String == stateFileFormat else {
            throw AdminError("the state file \(path) is not in the format \(stateFileFormat)")
        }
        try checkFields(top, allowed: PersistedState.fields, at: "state file")
        for (index, key) in (top["keys"] as? [Any] ?? []).enumerated() {
            guard let key = key as? [String: Any] else { throw AdminError("keys[\(index)] is not an object") }
            try checkFields(key, allowed: PersistedKey.fields, at: "keys[\(index)]")
            for (versionIndex, version) in (key["versions"] as? [Any] ?? []).enumerated() {
                guard let version = version as? [String: Any] else {
                    throw AdminError("keys[\(index)].versions[\(versionIndex)] is not an object")
                }
                try checkFields(
                    version, allowed: PersistedVersion.fields, at: "keys[\(index)].versions[\(versionIndex)]")
            }
        }
        let file: PersistedState
        do {
            file = try JSONDecoder().decode(PersistedState.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw AdminError("the state file \(path): \(fieldPath(context.codingPath)) has the wrong type or value")
        } catch let DecodingError.keyNotFound(key, context) {
            throw AdminError(
                "the state file \(path): \(fieldPath(context.codingPath + [key])) is missing")
        } catch {
            throw AdminError("the state file \(path) cannot be decoded")
        }
        var ids: Set<String> = []
        return try file.keys.enumerated().map { index, key in
            let field = "keys[\(index)]"
            guard !key.id.isEmpty, ids.insert(key.id).inserted else {
                throw AdminError("\(field).id is empty or appears twice")
            }
            guard UUID(uuidString: key.instanceID) != nil else { throw AdminError("\(field).instanceID is not a UUID") }
            guard let state = KeyState(rawValue: key.state) else {
                throw AdminError("\(field).state is not a key state")
            }
            guard !key.versions.isEmpty else { throw AdminError("\(field).versions is empty") }
            let versions = try key.versions.enumerated().map { versionIndex, version in
                guard let material = Data(base64Encoded: version.material), material.count == 32 else {
                    throw AdminError("\(field).versions[\(versionIndex)].material is not 32 bytes of base64")
                }
                return MockKeyVersion(
                    id: version.id, created: Date(timeIntervalSince1970: version.created),
                    material: SymmetricKey(data: material))
            }
            var payload: [UInt8]?
            if let text = key.payload {
                guard let bytes = Data(base64Encoded: text) else { throw AdminError("\(field).payload is not base64") }
                payload = Array(bytes)
            }
            return MockKey(
                id: key.id, instanceID: key.instanceID.lowercased(), name: key.name, aliases: key.aliases,
                state: state, extractable: key.extractable, payload: payload,
                created: Date(timeIntervalSince1970: key.created),
                lastUpdate: Date(timeIntervalSince1970: key.lastUpdate),
                lastStateChange: Date(timeIntervalSince1970: key.lastStateChange),
                lastRotate: key.lastRotate.map(Date.init(timeIntervalSince1970:)),
                deletionDate: key.deletionDate.map(Date.init(timeIntervalSince1970:)),
                versions: versions)
        }
    }

    private static func checkFields(_ object: [String: Any], allowed: Set<String>, at field: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            let shown = unknown.utf8.count <= 40 && unknown.allSatisfy { $0.isLetter || $0.isNumber } ? unknown : "?"
            throw AdminError("\(field) has an unknown field '\(shown)'")
        }
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "the document" : text
    }

    /// Writes `data` to a temporary file (0600) beside `path`, flushes it and renames it over `path`.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AdminError("cannot write the state file \(path)") }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return false }
                let count = write(descriptor, base + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AdminError("cannot write the state file \(path)")
        }
    }
}

/// Where the state is written and what was last written there.
struct StateFileBinding: Sendable {
    var path: String
    var lastWritten: Data?
}

private struct PersistedState: Codable {
    static let fields: Set<String> = ["format", "keys"]
    var format: String
    var keys: [PersistedKey]
}

private struct PersistedKey: Codable {
    static let fields: Set<String> = [
        "id", "instanceID", "name", "aliases", "state", "extractable", "payload", "created", "lastUpdate",
        "lastStateChange", "lastRotate", "deletionDate", "versions",
    ]
    var id: String
    var instanceID: String
    var name: String
    var aliases: [String]
    var state: Int
    var extractable: Bool
    var payload: String?
    var created: Double
    var lastUpdate: Double
    var lastStateChange: Double
    var lastRotate: Double?
    var deletionDate: Double?
    var versions: [PersistedVersion]
}

private struct PersistedVersion: Codable {
    static let fields: Set<String> = ["id", "created", "material"]
    var id: String
    var created: Double
    var material: String
}
