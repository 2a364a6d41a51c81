import EP11

/// A public key as the mock hands it out: a MACed SPKI.
struct PublicKeyObject: Sendable {
    var keyType: KeyType
    /// The SubjectPublicKeyInfo DER (EP11's form: Ed25519 as `id-ecPublicKey` + 1.3.101.112).
    var spki: [UInt8]
    /// Usage flags and other attributes bound into the MAC.
    var attributes: AttributeTemplate

    func permits(_ type: AttributeType) -> Bool { attributes[type]?.boolValue ?? true }

    func require(_ type: AttributeType, for operation: String) throws(HSMFailure) {
        guard permits(type) else {
            throw HSMFailure(.keyFunctionNotPermitted, "\(operation) not permitted by \(type)")
        }
    }
}

enum DER {
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var remaining = count
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func octetString(_ bytes: [UInt8]) -> [UInt8] { [0x04] + length(bytes.count) + bytes }

    /// Splits `bytes` into consecutive top-level DER elements (tag, content); nil when malformed.
    static func elements(_ bytes: [UInt8]) -> [(tag: UInt8, whole: ArraySlice<UInt8>, content: ArraySlice<UInt8>)]? {
        var result: [(UInt8, ArraySlice<UInt8>, ArraySlice<UInt8>)] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 2 else { return nil }
            let tag = bytes[offset]
            var length = 0
            var header = 2
            let first = Int(bytes[offset + 1])
            if first < 0x80 {
                length = first
            } else {
                let count = first & 0x7F
                guard count >= 1, count <= 3, bytes.count - offset >= 2 + count else { return nil }
                for index in 0..<count { length = (length << 8) | Int(bytes[offset + 2 + index]) }
                header = 2 + count
            }
            guard length <= bytes.count - offset - header else { return nil }
            let end = offset + header + length
            result.append((tag, bytes[offset..<end], bytes[(offset + header)..<end]))
            offset = end
        }
        return result
    }

    /// EP11's SPKI for an Ed25519 key: `id-ecPublicKey` with the Ed25519 OID as the curve (not RFC 8410).
    static func ed25519SPKI(rawKey: [UInt8]) -> [UInt8] {
        let algorithm: [UInt8] = [
            0x30, 0x0E, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x03, 0x2B, 0x65, 0x70,
        ]
        let bitString: [UInt8] = [0x03] + length(rawKey.count + 1) + [0x00] + rawKey
        let content = algorithm + bitString
        return [0x30] + length(content.count) + content
    }
}

extension BlobSealer {
    func sealPublicKey(_ key: PublicKeyObject, under master: MasterKey) throws(HSMFailure) -> [UInt8] {
        var attributeWriter = ByteWriter()
        attributeWriter.write(key.keyType.rawValue)
        let attributesObject = KeyObject(
            objectClass: .publicKey, keyType: key.keyType, attributes: key.attributes, material: [])
        attributeWriter.write(attributesObject.serialized())
        let salt: [UInt8]
        do { salt = try SoftCrypto.randomBytes(8) } catch { throw HSMFailure(.generalError, "random failure") }
        var blob = key.spki
        blob += DER.octetString(master.identifier)
        blob += DER.octetString([UInt8](repeating: 0, count: 32))
        blob += DER.octetString(salt)
        blob += DER.octetString([0, 0, 0, 0, 0, 0, 0, 1])
        blob += DER.octetString(attributeWriter.bytes)
        let mac: [UInt8]
        do { mac = try SoftCrypto.hmac(.sha256, key: master.macKey, data: blob) } catch {
            throw HSMFailure(.generalError, "MAC failure")
        }
        return blob + DER.octetString(mac)
    }

    func openPublicKey(_ blob: [UInt8], keys: [MasterKey]) throws(HSMFailure) -> PublicKeyObject {
        guard let elements = DER.elements(blob), elements.count == 7, elements[0].tag == 0x30,
            elements[1...].allSatisfy({ $0.tag == 0x04 })
        else {
            throw HSMFailure(.publicKeyInvalid, "not a MACed public key")
        }
        let identifier = Array(elements[1].content)
        guard let master = keys.first(where: { $0.identifier == identifier }) else {
            throw HSMFailure(.ibmWKIDMismatch, "public key was MACed under another wrapping key")
        }
        let macStart = elements[6].whole.startIndex
        let expected: [UInt8]
        do { expected = try SoftCrypto.hmac(.sha256, key: master.macKey, data: Array(blob[0..<macStart])) } catch {
            throw HSMFailure(.generalError, "MAC failure")
        }
        guard constantTimeEquals(expected, Array(elements[6].content)) else {
            throw HSMFailure(.ibmBlobError, "public key MAC does not verify")
        }
        var reader = ByteReader(Array(elements[5].content))
        let keyType = KeyType(rawValue: try reader.readUInt64())
        let attributes = try KeyObject(serialized: try reader.readBytes()).attributes
        return PublicKeyObject(keyType: keyType, spki: Array(elements[0].whole), attributes: attributes)
    }
}

func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
