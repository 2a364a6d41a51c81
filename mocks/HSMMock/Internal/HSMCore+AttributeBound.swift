import EP11
import Foundation

/// `CKM_IBM_ATTRIBUTEBOUND_WRAP`: the key travels with its attributes, encrypted under a key-encryption key and
/// authenticated with a MAC key, and comes back with exactly those attributes (the unwrap template is ignored).
///
/// The KEK is an AES key (the same key wraps and unwraps) or an RSA key pair (the public key wraps, the private key
/// unwraps, as IBM's `Example_wrapUnwrap_AttributeBoundKey` does with a 4096-bit key). EP11's format is internal to
/// the HSM; the mock's is self-consistent:
/// - AES KEK: `0x01 ‖ nonce(12) ‖ AES-GCM(KEK, key object) ‖ tag(16) ‖ HMAC-SHA256(MAC key, everything before)`;
/// - RSA KEK: `0x02 ‖ length(2) ‖ RSA-OAEP-SHA256(KEK, content key(32)) ‖ nonce(12) ‖
///   AES-GCM(content key, key object) ‖ tag(16) ‖ HMAC-SHA256(MAC key, everything before)`.
///
/// KEK (both halves of an RSA pair), MAC key and target must all carry `CKA_IBM_ATTRBOUND = true`, and the target
/// must be extractable.
extension HSMCore {
    static let attributeBoundVersion: UInt8 = 1
    static let attributeBoundRSAVersion: UInt8 = 2
    static let attributeBoundLabel = Array("hpcs-mock-attribute-bound-wrap".utf8)
    static let attributeBoundOAEP = RSAEncryptionPadding.oaep(hash: .sha256, mgf1Hash: .sha256, label: [])

    /// The key-encryption side of an attribute-bound wrap or unwrap.
    private enum AttributeBoundKEK {
        case aes([UInt8])
        case rsaPublic(spki: [UInt8])
        case rsaPrivate(pkcs8: [UInt8])
    }

    private static func attributeBoundKEK(_ kek: AnyKey, usage: AttributeType) throws(HSMFailure) -> AttributeBoundKEK {
        let operation = usage == .wrap ? "wrap" : "unwrap"
        let bound: Bool
        let result: AttributeBoundKEK
        switch kek {
        case .secret(let wrapping) where wrapping.keyType == .aes:
            try wrapping.require(usage, for: operation)
            bound = wrapping.attributes[.ibmAttributeBound]?.boolValue == true
            result = .aes(wrapping.material)
        case .public(let wrapping) where wrapping.keyType == .rsa && usage == .wrap:
            try wrapping.require(usage, for: operation)
            bound = wrapping.attributes[.ibmAttributeBound]?.boolValue == true
            result = .rsaPublic(spki: wrapping.spki)
        case .private(let unwrapping) where unwrapping.keyType == .rsa && usage == .unwrap:
            try unwrapping.require(usage, for: operation)
            bound = unwrapping.attributes[.ibmAttributeBound]?.boolValue == true
            result = .rsaPrivate(pkcs8: unwrapping.material)
        default:
            let failure: ReturnValue = usage == .wrap ? .wrappingKeyTypeInconsistent : .unwrappingKeyTypeInconsistent
            throw HSMFailure(
                failure,
                "attribute-bound \(operation)ping needs an AES KEK or an RSA \(usage == .wrap ? "public" : "private") key"
            )
        }
        guard bound else { throw HSMFailure(.keyFunctionNotPermitted, "the KEK must be attribute-bound") }
        return result
    }

    private static func attributeBoundMACKey(_ macKey: AnyKey) throws(HSMFailure) -> [UInt8] {
        guard case .secret(let mac) = macKey, mac.keyType == .genericSecret || mac.keyType == .aes else {
            throw HSMFailure(.keyTypeInconsistent, "attribute-bound wrapping needs a secret MAC key")
        }
        guard mac.attributes[.ibmAttributeBound]?.boolValue == true else {
            throw HSMFailure(.keyFunctionNotPermitted, "the MAC key must be attribute-bound")
        }
        return mac.material
    }

    func attributeBoundWrap(_ target: KeyObject, kek: AnyKey, macKey: AnyKey) throws(HSMFailure) -> [UInt8] {
        let wrapping = try Self.attributeBoundKEK(kek, usage: .wrap)
        let mac = try Self.attributeBoundMACKey(macKey)
        guard target.attributes[.ibmAttributeBound]?.boolValue == true else {
            throw HSMFailure(.keyNotWrappable, "only attribute-bound keys can be wrapped this way")
        }
        let payload = target.serialized()
        let body: [UInt8] = try Self.engine {
            let nonce = try SoftCrypto.randomBytes(12)
            switch wrapping {
            case .aes(let key):
                let (ciphertext, tag) = try SoftCrypto.aesGCMSeal(
                    key: key, nonce: nonce, aad: Self.attributeBoundLabel, plaintext: payload)
                return [Self.attributeBoundVersion] + nonce + ciphertext + tag
            case .rsaPublic(let spki):
                let contentKey = try SoftCrypto.randomBytes(32)
                let encryptedKey = try SoftCrypto.rsaEncrypt(
                    publicKeySPKI: spki, data: contentKey, padding: Self.attributeBoundOAEP)
                let (ciphertext, tag) = try SoftCrypto.aesGCMSeal(
                    key: contentKey, nonce: nonce, aad: Self.attributeBoundLabel, plaintext: payload)
                let length: [UInt8] = [
                    UInt8(truncatingIfNeeded: encryptedKey.count >> 8), UInt8(truncatingIfNeeded: encryptedKey.count),
                ]
                return [Self.attributeBoundRSAVersion] + length + encryptedKey + nonce + ciphertext + tag
            case .rsaPrivate:
                throw HSMFailure(.wrappingKeyTypeInconsistent, "a private key cannot wrap")
            }
        }
        let tag = try Self.engine { try SoftCrypto.hmac(.sha256, key: mac, data: body) }
        return body + tag
    }

    func attributeBoundUnwrap(_ wrapped: [UInt8], kek: AnyKey, macKey: AnyKey) throws(HSMFailure)
        -> Grep11_UnwrapKeyResponse
    {
        let unwrapping = try Self.attributeBoundKEK(kek, usage: .unwrap)
        let mac = try Self.attributeBoundMACKey(macKey)
        guard wrapped.count > 1 + 12 + 16 + 32 else {
            throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key")
        }
        let body = Array(wrapped.dropLast(32))
        let expected = try Self.engine { try SoftCrypto.hmac(.sha256, key: mac, data: body) }
        guard constantTimeEquals(expected, Array(wrapped.suffix(32))) else {
            throw HSMFailure(.wrappedKeyInvalid, "the wrapped key's MAC does not verify")
        }
        let contentKey: [UInt8]
        let sealed: ArraySlice<UInt8>
        switch (body[0], unwrapping) {
        case (Self.attributeBoundVersion, .aes(let key)):
            contentKey = key
            sealed = body[1...]
        case (Self.attributeBoundRSAVersion, .rsaPrivate(let pkcs8)):
            guard body.count > 3 else { throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key") }
            let length = Int(body[1]) << 8 | Int(body[2])
            guard body.count >= 3 + length + 12 + 16 else {
                throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key")
            }
            do {
                contentKey = try SoftCrypto.rsaDecrypt(
                    privateKeyPKCS8: pkcs8, data: Array(body[3..<(3 + length)]), padding: Self.attributeBoundOAEP)
            } catch {
                throw HSMFailure(.wrappedKeyInvalid, "the wrapped key does not decrypt under this KEK")
            }
            sealed = body[(3 + length)...]
        case (Self.attributeBoundVersion, _), (Self.attributeBoundRSAVersion, _):
            throw HSMFailure(.unwrappingKeyTypeInconsistent, "the key was wrapped under another kind of KEK")
        default:
            throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key")
        }
        let rest = Array(sealed)
        guard rest.count > 12 + 16 else { throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key") }
        let nonce = Array(rest[0..<12])
        let ciphertext = Array(rest[12..<(rest.count - 16)])
        let tag = Array(rest.suffix(16))
        let payload: [UInt8]
        do {
            payload = try SoftCrypto.aesGCMOpen(
                key: contentKey, nonce: nonce, aad: Self.attributeBoundLabel, ciphertext: ciphertext, tag: tag)
        } catch {
            throw HSMFailure(.wrappedKeyInvalid, "the wrapped key does not decrypt under this KEK")
        }
        let object = try KeyObject(serialized: payload)
        let blob = try sealKey(object)
        var response = Grep11_UnwrapKeyResponse()
        response.unwrappedBytes = Data(blob)
        response.unwrapped = wireBlob(blob, attributes: object.attributes)
        if object.objectClass == .secretKey {
            response.checkSum = Data(Self.checksum(secret: object.material, keyType: object.keyType))
        }
        return response
    }
}
