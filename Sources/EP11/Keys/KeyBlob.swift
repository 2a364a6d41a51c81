import Foundation
import SwiftProtobuf
import Synchronization

/// A key as the HSM hands it out: an opaque blob, encrypted under the HSM's master key (secret and private
/// keys), or a MACed SubjectPublicKeyInfo (public keys).
///
/// Store ``bytes`` and pass the blob back unchanged. The blob is useless without the HSM that made it, but treat
/// it with care all the same: `description` never prints it.
public struct KeyBlob: Sendable, Hashable, CustomStringConvertible {
    /// The raw EP11 blob (`KeyBlobs[0]` on the wire).
    public var bytes: [UInt8] { didSet { wireCache = WireCache() } }
    /// The key's attributes as the service reported them, when it did.
    public var attributes: AttributeTemplate { didSet { wireCache = WireCache() } }
    /// Service bookkeeping echoed back unchanged (`KeyBlobID`, `Version`, `TxID`).
    package var identifier: [UInt8] { didSet { wireCache = WireCache() } }
    package var version: Int64 { didSet { wireCache = WireCache() } }
    package var transactionID: [UInt8] { didSet { wireCache = WireCache() } }
    /// The encoded wire form of this value, made by the first call that sends it and shared by its copies; a
    /// changed field gives the value a new, empty cache (copies made before keep theirs).
    private var wireCache = WireCache()

    /// A blob from its stored bytes.
    public init(_ bytes: [UInt8], attributes: AttributeTemplate = AttributeTemplate()) {
        self.bytes = bytes
        self.attributes = attributes
        self.identifier = []
        self.version = 0
        self.transactionID = []
    }

    package init(
        bytes: [UInt8],
        attributes: AttributeTemplate,
        identifier: [UInt8],
        version: Int64,
        transactionID: [UInt8]
    ) {
        self.bytes = bytes
        self.attributes = attributes
        self.identifier = identifier
        self.version = version
        self.transactionID = transactionID
    }

    /// Whether the blob is a (MACed) public key. EP11 secret-key blobs never start with 0x30; SPKIs always do.
    public var isPublicKey: Bool { bytes.first == 0x30 }

    public var description: String {
        "KeyBlob(\(bytes.count) bytes, \(isPublicKey ? "public key" : "opaque"))"
    }

    public static func == (lhs: KeyBlob, rhs: KeyBlob) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

// MARK: - Wire form

extension KeyBlob {
    /// The key as a request carries it, encoded once per value: a key used for every call (a signing key) is not
    /// rebuilt and re-encoded per call (its attribute map of a few hundred bytes cost about 36 µs per call).
    ///
    /// The message holds the encoded fields as its unknown fields, which SwiftProtobuf writes back verbatim: a
    /// request carrying it encodes to the same bytes as one carrying ``fieldWire``. Assign it to a request field
    /// as it is; its own fields read as empty (``fieldWire`` has them).
    package var wire: Grep11_KeyBlob {
        return wireCache.form { Self.encoded(fieldWire) }
    }

    /// The key's fields as a wire message (built on every use).
    package var fieldWire: Grep11_KeyBlob {
        var blob = Grep11_KeyBlob()
        blob.keyBlobs = [Data(bytes)]
        blob.keyBlobID = Data(identifier)
        blob.version = version
        blob.txID = Data(transactionID)
        blob.attributes = attributes.wire
        return blob
    }

    /// `blob` with its fields encoded into its unknown fields; `blob` itself if it cannot be encoded (a proto3
    /// message without required fields always can).
    private static func encoded(_ blob: Grep11_KeyBlob) -> Grep11_KeyBlob {
        guard let bytes = try? blob.serializedBytes() as [UInt8],
            let fields = try? Google_Protobuf_Empty(serializedBytes: bytes)
        else { return blob }
        var shell = Grep11_KeyBlob()
        shell.unknownFields = fields.unknownFields
        return shell
    }

    /// One value's encoded wire form, made on first use. A class so that copies of the value share it.
    private final class WireCache: Sendable {
        private let cached = Mutex<Grep11_KeyBlob?>(nil)

        func form(_ make: () -> Grep11_KeyBlob) -> Grep11_KeyBlob {
            cached.withLock { cached in
                if let cached { return cached }
                let made = make()
                cached = made
                return made
            }
        }
    }
}

/// A public/private key pair made by the HSM.
public struct KeyPair: Sendable, Hashable {
    public var publicKey: KeyBlob
    public var privateKey: KeyBlob

    public init(publicKey: KeyBlob, privateKey: KeyBlob) {
        self.publicKey = publicKey
        self.privateKey = privateKey
    }
}

/// A key made by `generateKey`, `unwrapKey` or `deriveKey`, with the service's checksum.
///
/// `description` prints neither the blob nor the checksum (which for BIP32/SLIP-10 is the secret chain code).
public struct GeneratedKey: Sendable, Hashable, CustomStringConvertible {
    public var key: KeyBlob
    /// For secret keys: a 3-byte key check value followed by the 4-byte big-endian key length in bits.
    /// For BIP32/SLIP-10 derivation: the 32-byte chain code. Other mechanisms may put other data here.
    public var checksum: [UInt8]

    public init(key: KeyBlob, checksum: [UInt8]) {
        self.key = key
        self.checksum = checksum
    }

    /// The PKCS#11 key check value (the first 3 checksum bytes), if present.
    public var checkValue: [UInt8]? { checksum.count >= 3 ? Array(checksum.prefix(3)) : nil }

    /// The chain code of a BIP-32/SLIP-10 derivation (`CKM_IBM_BTC_DERIVE` returns it as the 32-byte checksum),
    /// to pass to the next step in ``BTCDeriveParameters/chainCode``; `nil` when the checksum is not 32 bytes.
    public var chainCode: [UInt8]? { checksum.count == BTCDeriveParameters.chainCodeByteCount ? checksum : nil }

    public var description: String { "GeneratedKey(\(key), checksum: \(checksum.count) bytes)" }

    /// The key length in bits from a 7-byte secret-key checksum, if present.
    public var keyBitCount: UInt32? {
        guard checksum.count == 7 else { return nil }
        return checksum[3...].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }
}

/// The opaque state of a multi-part operation (`*Init`, `*Update`). The service keeps nothing between calls:
/// pass each returned state to the next call.
public struct OperationState: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "OperationState(\(bytes.count) bytes)" }
}
