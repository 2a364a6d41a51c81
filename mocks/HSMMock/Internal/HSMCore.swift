import COpenSSL
import EP11
import Foundation
import Synchronization

/// The mock HSM's behaviour, independent of gRPC: wire requests in, wire responses out, `HSMFailure` for every
/// refusal. Stateless between calls like a real EP11 HSM: keys and operation states travel in sealed blobs.
final class HSMCore: Sendable {
    struct MasterKeys: Sendable {
        var current: MasterKey
        var next: MasterKey?
    }

    let masterKeys: Mutex<MasterKeys>
    let sealer = BlobSealer()
    /// Blobs already opened under the current master key.
    let openedKeys = Mutex<[[UInt8]: (wrappingKeyID: [UInt8], key: AnyKey)]>([:])
    static let openedKeyCapacity = 4096
    /// Injected faults, the mechanism allow-list and call counts (``HSMMock/injectFault(_:)``).
    let faults = Mutex(FaultState())
    /// Upper bound for data accumulated in a multi-part state blob.
    static let maximumStateData = 4 << 20
    /// Upper bound for one GenerateRandom call.
    static let maximumRandomLength: UInt64 = 1 << 20

    init(masterKey: MasterKey) {
        self.masterKeys = Mutex(MasterKeys(current: masterKey, next: nil))
    }

    var currentMasterKey: MasterKey { masterKeys.withLock { $0.current } }

    /// Keys that open blobs: only the current one (a blob under another WKID is a mismatch).
    var openingKeys: [MasterKey] { masterKeys.withLock { [$0.current] } }

    // MARK: Key blobs

    enum AnyKey: Sendable {
        case secret(KeyObject)
        case `private`(KeyObject)
        case `public`(PublicKeyObject)
    }

    func rawBlob(_ blob: Grep11_KeyBlob, hasKey: Bool, role: String) throws(HSMFailure) -> [UInt8] {
        guard hasKey, let first = blob.keyBlobs.first, !first.isEmpty else {
            throw HSMFailure(.argumentsBad, "\(role) key missing")
        }
        guard first.count <= 64 * 1024 else { throw HSMFailure(.argumentsBad, "\(role) key blob too large") }
        return Array(first)
    }

    /// Opens a key blob: checks its WKID and integrity and decodes it. Opened blobs are cached by their bytes
    /// (a blob is immutable and self-authenticating, so the same bytes always open to the same key); the cache
    /// is emptied when the master key changes, so rotation semantics are unchanged.
    func openKey(_ bytes: [UInt8]) throws(HSMFailure) -> AnyKey {
        let current = currentMasterKey.identifier
        if let cached = openedKeys.withLock({ $0[bytes] }), cached.wrappingKeyID == current {
            return cached.key
        }
        let key: AnyKey
        if bytes.first == 0x30 {
            key = .public(try sealer.openPublicKey(bytes, keys: openingKeys))
        } else {
            let object = try KeyObject(serialized: try sealer.open(bytes, kind: .key, keys: openingKeys))
            key = object.objectClass == .privateKey ? .private(object) : .secret(object)
        }
        openedKeys.withLock { cache in
            if cache.count >= Self.openedKeyCapacity { cache.removeAll(keepingCapacity: true) }
            cache[bytes] = (current, key)
        }
        return key
    }

    func openKey(_ blob: Grep11_KeyBlob, hasKey: Bool, role: String) throws(HSMFailure) -> AnyKey {
        try openKey(try rawBlob(blob, hasKey: hasKey, role: role))
    }

    func sealKey(_ object: KeyObject) throws(HSMFailure) -> [UInt8] {
        try sealer.seal(object.serialized(), kind: .key, under: currentMasterKey)
    }

    func sealPublicKey(_ object: PublicKeyObject) throws(HSMFailure) -> [UInt8] {
        try sealer.sealPublicKey(object, under: currentMasterKey)
    }

    func wireBlob(_ bytes: [UInt8], attributes: AttributeTemplate) -> Grep11_KeyBlob {
        var blob = Grep11_KeyBlob()
        blob.keyBlobs = [Data(bytes)]
        blob.attributes = attributes.wire
        blob.keyBlobID = Data((try? SoftCrypto.digest(.sha256, bytes).prefix(16)).map { Array($0) } ?? [])
        blob.version = 0
        return blob
    }

    // MARK: Operation states

    enum Operation: UInt8 {
        case digest = 1, encrypt, decrypt, sign, verify
    }

    struct OperationStateObject {
        var operation: Operation
        var mechanism: Grep11_Mechanism
        var key: [UInt8]
        var buffer: [UInt8]
        var chainingValue: [UInt8]
        var updated: Bool

        func serialized() -> [UInt8] {
            var writer = ByteWriter()
            writer.write(operation.rawValue)
            writer.write((try? mechanism.serializedBytes()) ?? [UInt8]())
            writer.write(key)
            writer.write(buffer)
            writer.write(chainingValue)
            writer.write(updated)
            return writer.bytes
        }

        init(operation: Operation, mechanism: Grep11_Mechanism, key: [UInt8]) {
            self.operation = operation
            self.mechanism = mechanism
            self.key = key
            self.buffer = []
            self.chainingValue = []
            self.updated = false
        }

        init(serialized bytes: [UInt8]) throws(HSMFailure) {
            var reader = ByteReader(bytes)
            guard let operation = Operation(rawValue: try reader.readByte()) else { throw HSMFailure.malformed }
            self.operation = operation
            let mechanismBytes = try reader.readBytes()
            do { mechanism = try Grep11_Mechanism(serializedBytes: mechanismBytes) } catch {
                throw HSMFailure.malformed
            }
            key = try reader.readBytes()
            buffer = try reader.readBytes()
            chainingValue = try reader.readBytes()
            updated = try reader.readBool()
        }
    }

    func sealState(_ state: OperationStateObject) throws(HSMFailure) -> Data {
        Data(try sealer.seal(state.serialized(), kind: .state, under: currentMasterKey))
    }

    func openState(_ data: Data, expecting operation: Operation) throws(HSMFailure) -> OperationStateObject {
        guard !data.isEmpty else { throw HSMFailure(.operationNotInitialized, "state missing") }
        let bytes: [UInt8]
        do {
            bytes = try sealer.open(Array(data), kind: .state, keys: openingKeys)
        } catch {
            throw HSMFailure(
                error.returnValue == .ibmWKIDMismatch ? .ibmWKIDMismatch : .savedStateInvalid, "state blob rejected")
        }
        let state = try OperationStateObject(serialized: bytes)
        guard state.operation == operation else {
            throw HSMFailure(.operationNotInitialized, "state belongs to another operation")
        }
        return state
    }

    // MARK: Helpers

    static func digestAlgorithm(forHashMechanism raw: UInt64) -> DigestAlgorithm? {
        switch MechanismType(rawValue: raw) {
        case .sha1: .sha1
        case .sha224: .sha224
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        default: nil
        }
    }

    /// The digest of the MGF1 variant `raw` (a `CKG_MGF1_*` value), read from the vocabulary's MGF table
    /// (``MaskGenerationFunction/digest``); `nil` for an unknown variant or a digest the mock does not implement.
    static func mgfAlgorithm(_ raw: Int) -> DigestAlgorithm? {
        guard raw >= 0, let digest = MaskGenerationFunction(rawValue: UInt64(raw)).digest else { return nil }
        return digestAlgorithm(forHashMechanism: digest.rawValue)
    }

    /// The 7-byte EP11 checksum of a secret key: 3-byte check value and the 4-byte big-endian bit length.
    static func checksum(secret value: [UInt8], keyType: KeyType) -> [UInt8] {
        let checkValue: [UInt8]
        if keyType == .aes,
            let encrypted = try? SoftCrypto.aesECB(encrypt: true, key: value, data: [UInt8](repeating: 0, count: 16))
        {
            checkValue = Array(encrypted.prefix(3))
        } else if keyType == .des3, let des3 = try? SoftCrypto.des3CheckValue(value) {
            checkValue = des3
        } else {
            checkValue = Array(((try? SoftCrypto.digest(.sha1, value)) ?? [0, 0, 0]).prefix(3))
        }
        return checkValue + bitCountField(value.count &* 8)
    }

    /// The 4-byte big-endian key length in bits that ends every EP11 checksum.
    static func bitCountField(_ bits: Int) -> [UInt8] {
        let value = UInt32(truncatingIfNeeded: bits)
        return [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    static func curve(fromECParameters bytes: [UInt8]) throws(HSMFailure) -> NamedCurve {
        guard let curve = NamedCurve(ecParameters: bytes) else {
            throw HSMFailure(.curveNotSupported, "EC parameters name no supported curve")
        }
        return curve
    }

    static func engineCurve(_ curve: NamedCurve) -> ECCurve? {
        switch curve {
        case .p256: .p256
        case .p384: .p384
        case .p521: .p521
        case .secp256k1: .secp256k1
        default: nil
        }
    }

    /// Runs an engine call, turning its failure into the HSM's return value for the role.
    static func engine<T>(signature: Bool = false, decrypting: Bool = false, _ body: () throws -> T) throws(HSMFailure)
        -> T
    {
        do {
            return try body()
        } catch let error as SoftCryptoError {
            throw error.hsmFailure(signature: signature, decrypting: decrypting)
        } catch let error as HSMFailure {
            throw error
        } catch {
            throw HSMFailure(.generalError, "engine failure")
        }
    }
}

extension HSMFailure {
    /// The return value carried by a failure.
    var code: ReturnValue { returnValue }
}
