import Foundation
import KeyDaemon
import Synchronization

/// A ``VolumeDevice`` held in memory, for fast tests of the decision logic and the monitor. It behaves like the
/// real device in what the daemon can observe (partitions, keyfile, keyslots, volume key); the real-image tests
/// check the real tools.
final class InMemoryVolumeDevice: VolumeDevice {
    struct LUKSVolume {
        var keyslots: [SecretBytes]
        var volumeKey: SecretBytes
    }

    struct State {
        var partitions: [PartitionInfo] = []
        var metadataFormatted = false
        var keyfile: [UInt8]?
        var luks: [LUKSTarget: LUKSVolume] = [:]
        var operations: [String] = []
        var size: UInt64 = 1 << 30
        /// What the whole device holds when it is not blank, LUKS or partitioned (a filesystem, random bytes).
        var foreignContent: DeviceContent?
        /// What an unformatted metadata partition, or a data partition that is not LUKS, holds.
        var metadataContent: DeviceContent = .empty
        var dataContent: DeviceContent = .empty
    }

    let path: String
    let state = Mutex(State())

    init(path: String = "/dev/memory0") { self.path = path }

    var operations: [String] { state.withLock { $0.operations } }

    func partitions() async throws -> [PartitionInfo] { state.withLock { $0.partitions } }

    func size() async throws -> UInt64 { state.withLock { $0.size } }

    func content(of region: DeviceRegion) async throws -> DeviceContent {
        state.withLock { state in
            switch region {
            case .wholeDevice:
                if let foreign = state.foreignContent { return foreign }
                if !state.partitions.isEmpty { return .partitionTable("gpt") }
                return state.luks[.wholeDevice] != nil ? .luks : .empty
            case .metadataPartition:
                return state.metadataFormatted ? .foreign("an ext4 filesystem") : state.metadataContent
            case .dataPartition:
                return state.luks[.dataPartition] != nil ? .luks : state.dataContent
            }
        }
    }

    func createLayout(metadataSize: UInt64) async throws {
        state.withLock {
            $0.partitions = [
                PartitionInfo(number: 1, name: "metadata", offset: 1 << 20, size: metadataSize),
                PartitionInfo(number: 2, name: "data", offset: (1 << 20) + metadataSize, size: 64 << 20),
            ]
            $0.metadataFormatted = true
            $0.keyfile = nil
            $0.luks = [:]
            $0.operations.append("createLayout")
        }
    }

    func formatMetadata() async throws {
        state.withLock {
            $0.metadataFormatted = true
            $0.keyfile = nil
            $0.operations.append("formatMetadata")
        }
    }

    func metadataIsFormatted() async throws -> Bool { state.withLock { $0.metadataFormatted } }

    func readKeyfile() async throws -> [UInt8]? { state.withLock { $0.metadataFormatted ? $0.keyfile : nil } }

    func replaceKeyfile(_ contents: [UInt8]) async throws {
        state.withLock {
            $0.keyfile = contents
            $0.operations.append("replaceKeyfile")
        }
    }

    func isLUKS(_ target: LUKSTarget) async throws -> Bool { state.withLock { $0.luks[target] != nil } }

    func luksFormat(_ target: LUKSTarget, passphrase: SecretBytes, keyDerivation: LUKSKeyDerivation) async throws {
        var key = [UInt8](repeating: 0, count: 64)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        let volumeKey = SecretBytes(key)
        state.withLock {
            $0.luks[target] = LUKSVolume(keyslots: [passphrase], volumeKey: volumeKey)
            $0.operations.append("luksFormat(\(target))")
        }
    }

    func testPassphrase(_ target: LUKSTarget, passphrase: SecretBytes) async throws -> Bool {
        state.withLock { $0.luks[target]?.keyslots.contains(passphrase) ?? false }
    }

    func replacePassphrase(_ target: LUKSTarget, old: SecretBytes, new: SecretBytes, keyDerivation: LUKSKeyDerivation)
        async throws
    {
        try state.withLock {
            guard var volume = $0.luks[target], volume.keyslots.contains(old) else {
                throw FakeDeviceError.wrongPassphrase
            }
            volume.keyslots.append(new)
            volume.keyslots.removeAll { $0 == old && $0 != new }
            $0.luks[target] = volume
            $0.operations.append("replacePassphrase(\(target))")
        }
    }

    func open(_ target: LUKSTarget, passphrase: SecretBytes, mappingName: String) async throws -> ActivationResult {
        guard try await testPassphrase(target, passphrase: passphrase) else { throw FakeDeviceError.wrongPassphrase }
        return .skipped(reason: "in-memory device")
    }

    func volumeKey(_ target: LUKSTarget, passphrase: SecretBytes) async throws -> SecretBytes {
        try state.withLock {
            guard let volume = $0.luks[target], volume.keyslots.contains(passphrase) else {
                throw FakeDeviceError.wrongPassphrase
            }
            return volume.volumeKey
        }
    }
}

enum FakeDeviceError: Error {
    case wrongPassphrase
}
