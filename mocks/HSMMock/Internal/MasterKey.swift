import COpenSSL
import EP11

/// One HSM wrapping key ("master key"): a 256-bit AES key and its 16-byte id (WKID), which every blob carries.
struct MasterKey: Sendable {
    let keyBytes: [UInt8]
    let identifier: [UInt8]
    /// Key for the MAC on public-key blobs, derived from the wrapping key.
    let macKey: [UInt8]

    init(keyBytes: [UInt8]) throws {
        guard keyBytes.count == 32 else { throw HSMFailure(.argumentsBad, "a master key is 32 bytes") }
        self.keyBytes = keyBytes
        self.identifier = Array(try SoftCrypto.digest(.sha256, Array("hpcs-mock-wkid".utf8) + keyBytes).prefix(16))
        self.macKey = try SoftCrypto.hmac(.sha256, key: keyBytes, data: Array("hpcs-mock-spki-mac".utf8))
    }

    static func random() throws -> MasterKey {
        try MasterKey(keyBytes: SoftCrypto.randomBytes(32))
    }
}

/// Seals and opens the mock's blobs.
///
/// Secret/private key blob and state blob layout (never starts with 0x30, like EP11 blobs):
/// `session(32, zero) ‖ WKID(16) ‖ kind(1) ‖ version(2) = 0x1234 ‖ nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)`,
/// where the GCM additional data is everything before the nonce.
///
/// Public key blob (MACed SPKI): `SPKI ‖ OCTET STRING(WKID) ‖ OCTET STRING(session, 32 zero bytes) ‖
/// OCTET STRING(salt, 8) ‖ OCTET STRING(mode, 8) ‖ OCTET STRING(attributes) ‖ OCTET STRING(HMAC-SHA256, 32)`,
/// the MAC over everything before it.
struct BlobSealer: Sendable {
    enum Kind: UInt8 {
        case key = 1
        case state = 2
    }

    static let headerCount = 32 + 16 + 1 + 2
    static let version: [UInt8] = [0x12, 0x34]

    func seal(_ payload: [UInt8], kind: Kind, under master: MasterKey) throws(HSMFailure) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 32)
        header += master.identifier
        header.append(kind.rawValue)
        header += Self.version
        do {
            let nonce = try SoftCrypto.randomBytes(12)
            let (ciphertext, tag) = try SoftCrypto.aesGCMSeal(
                key: master.keyBytes, nonce: nonce, aad: header, plaintext: payload)
            return header + nonce + ciphertext + tag
        } catch {
            throw HSMFailure(.generalError, "sealing failed")
        }
    }

    /// The WKID a sealed blob names, if the blob is long enough to have one.
    func wrappingKeyID(of blob: [UInt8]) -> [UInt8]? {
        guard blob.count >= Self.headerCount else { return nil }
        return Array(blob[32..<48])
    }

    func open(_ blob: [UInt8], kind: Kind, keys: [MasterKey]) throws(HSMFailure) -> [UInt8] {
        guard blob.count >= Self.headerCount + 12 + 16, blob[0] != 0x30 else {
            throw HSMFailure(.ibmBlobError, "blob is truncated or not a key blob")
        }
        guard blob[48] == kind.rawValue, Array(blob[49..<51]) == Self.version else {
            throw HSMFailure(kind == .state ? .stateUnsaveable : .ibmBlobError, "blob is of the wrong kind")
        }
        let identifier = Array(blob[32..<48])
        guard let master = keys.first(where: { $0.identifier == identifier }) else {
            throw HSMFailure(.ibmWKIDMismatch, "blob was made under another wrapping key")
        }
        let header = Array(blob[0..<Self.headerCount])
        let nonce = Array(blob[Self.headerCount..<(Self.headerCount + 12)])
        let body = Array(blob[(Self.headerCount + 12)...])
        let ciphertext = Array(body.dropLast(16))
        let tag = Array(body.suffix(16))
        do {
            return try SoftCrypto.aesGCMOpen(
                key: master.keyBytes, nonce: nonce, aad: header, ciphertext: ciphertext, tag: tag)
        } catch {
            throw HSMFailure(.ibmBlobError, "blob failed its integrity check")
        }
    }
}
