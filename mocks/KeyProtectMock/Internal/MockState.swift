import Crypto
import Foundation

/// One version of a root key: its AES-256 key and when it was made.
struct MockKeyVersion: Sendable {
    var id: String
    var created: Date
    var material: SymmetricKey
}

/// A key as the mock holds it.
struct MockKey: Sendable {
    var id: String
    var instanceID: String
    var name: String
    var aliases: [String]
    var state: KeyProtectMock.KeyState
    var extractable: Bool
    /// Standard keys only.
    var payload: [UInt8]?
    var created: Date
    var lastUpdate: Date
    var lastStateChange: Date
    var lastRotate: Date?
    var deletionDate: Date?
    /// Oldest first; the last is the current version.
    var versions: [MockKeyVersion]

    var current: MockKeyVersion? { versions.last }

    mutating func rotate(now: Date) -> String {
        let version = MockKeyVersion(
            id: UUID().uuidString.lowercased(), created: now, material: SymmetricKey(size: .bits256))
        versions.append(version)
        lastRotate = now
        lastUpdate = now
        return version.id
    }
}

/// Everything the mock keeps, guarded by one mutex.
struct MockState: Sendable {
    var apiKeys: [String]
    var keys: [MockKey] = []
    var faults: [KeyProtectMock.Fault] = []
    var tokenGeneration = 0
    var tokensIssued = 0
    var timeOffset: Duration = .zero
    var recorded: [KeyProtectMock.RecordedRequest] = []
    /// Key Protect requests seen since start (or the last clear), including those no longer in `recorded`.
    var recordedTotal = 0

    /// The most requests kept in `recorded`: a long-running standalone mock must not grow without bound. When
    /// full, the oldest half is dropped (amortised constant work per request).
    static let maximumRecordedRequests = 10_000

    init(apiKeys: [String]) {
        self.apiKeys = apiKeys
    }

    /// Records a Key Protect request, keeping at most ``maximumRecordedRequests`` of the latest.
    mutating func record(_ request: KeyProtectMock.RecordedRequest) {
        recordedTotal += 1
        if recorded.count >= Self.maximumRecordedRequests {
            recorded.removeFirst(Self.maximumRecordedRequests / 2)
        }
        recorded.append(request)
    }

    mutating func createKey(
        instanceID: String,
        name: String,
        id: String?,
        aliases: [String],
        state: KeyProtectMock.KeyState,
        extractable: Bool,
        payload: [UInt8]?,
        now: Date
    ) -> MockKey {
        let key = MockKey(
            id: id ?? UUID().uuidString.lowercased(),
            instanceID: instanceID.lowercased(),
            name: name,
            aliases: aliases,
            state: state,
            extractable: extractable,
            payload: extractable ? (payload ?? Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })) : nil,
            created: now,
            lastUpdate: now,
            lastStateChange: now,
            versions: [
                MockKeyVersion(id: UUID().uuidString.lowercased(), created: now, material: SymmetricKey(size: .bits256))
            ]
        )
        keys.append(key)
        return key
    }

    /// Index of the key with this id or alias in `instanceID`.
    func find(_ idOrAlias: String, instanceID: String) -> Int? {
        let instance = instanceID.lowercased()
        return keys.firstIndex { $0.instanceID == instance && ($0.id == idOrAlias || $0.aliases.contains(idOrAlias)) }
    }

    /// Index of the key with this id or alias in any instance.
    func findAnywhere(_ idOrAlias: String) -> Int? {
        keys.firstIndex { $0.id == idOrAlias || $0.aliases.contains(idOrAlias) }
    }

    /// Takes the first fault that applies to `target`, counting it down.
    mutating func takeFault(for target: KeyProtectMock.Fault.Target) -> KeyProtectMock.Fault.Action? {
        guard let index = faults.firstIndex(where: { $0.target == .all || $0.target == target }) else { return nil }
        let action = faults[index].action
        if let times = faults[index].times {
            if times <= 1 { faults.remove(at: index) } else { faults[index].times = times - 1 }
        }
        return action
    }
}
