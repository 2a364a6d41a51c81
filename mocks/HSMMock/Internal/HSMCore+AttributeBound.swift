import EP11
import Foundation

/// `CKM_IBM_ATTRIBUTEBOUND_WRAP`: the key travels with its attributes, encrypted under an AES KEK and
/// authenticated with a MAC key, and comes back with exactly those attributes (the unwrap template is ignored).
///
/// EP11's format is internal to the HSM; the mock's is self-consistent:
/// `0x01 ‖ nonce(12) ‖ AES-GCM(KEK, key object) ‖ tag(16) ‖ HMAC-SHA256(MAC key, everything before)`.
/// KEK, MAC key and target must all carry `CKA_IBM_ATTRBOUND = true`, and the target must be extractable.
extension HSMCore {
    static let attributeBoundVersion: UInt8 = 1
    static let attributeBoundLabel = Array("hpcs-mock-attribute-bound-wrap".utf8)

    private static func attributeBoundKeys(
        kek: AnyKey,
        macKey: AnyKey,
        usage: AttributeType
    ) throws(HSMFailure) -> (kek: [UInt8], mac: [UInt8]) {
        guard case .secret(let wrapping) = kek, wrapping.keyType == .aes else {
            throw HSMFailure(.wrappingKeyTypeInconsistent, "attribute-bound wrapping needs an AES KEK")
        }
        try wrapping.require(usage, for: usage == .wrap ? "wrap" : "unwrap")
        guard case .secret(let mac) = macKey, mac.keyType == .genericSecret || mac.keyType == .aes else {
            throw HSMFailure(.keyTypeInconsistent, "attribute-bound wrapping needs a secret MAC key")
        }
        guard wrapping.attributes[.ibmAttributeBound]?.boolValue == true,
            mac.attributes[.ibmAttributeBound]?.boolValue == true
        else {
            throw HSMFailure(.keyFunctionNotPermitted, "the KEK and the MAC key must be attribute-bound")
        }
        return (wrapping.material, mac.material)
    }

    func attributeBoundWrap(_ target: KeyObject, kek: AnyKey, macKey: AnyKey) throws(HSMFailure) -> [UInt8] {
        let keys = try Self.attributeBoundKeys(kek: kek, macKey: macKey, usage: .wrap)
        guard target.attributes[.ibmAttributeBound]?.boolValue == true else {
            throw HSMFailure(.keyNotWrappable, "only attribute-bound keys can be wrapped this way")
        }
        let payload = target.serialized()
        let body: [UInt8] = try Self.engine {
            let nonce = try SoftCrypto.randomBytes(12)
            let (ciphertext, tag) = try SoftCrypto.aesGCMSeal(
                key: keys.kek, nonce: nonce, aad: Self.attributeBoundLabel, plaintext: payload)
            return [Self.attributeBoundVersion] + nonce + ciphertext + tag
        }
        let mac = try Self.engine { try SoftCrypto.hmac(.sha256, key: keys.mac, data: body) }
        return body + mac
    }

    func attributeBoundUnwrap(_ wrapped: [UInt8], kek: AnyKey, macKey: AnyKey) throws(HSMFailure)
        -> Grep11_UnwrapKeyResponse
    {
        let keys = try Self.attributeBoundKeys(kek: kek, macKey: macKey, usage: .unwrap)
        guard wrapped.count > 1 + 12 + 16 + 32, wrapped[0] == Self.attributeBoundVersion else {
            throw HSMFailure(.wrappedKeyInvalid, "not an attribute-bound wrapped key")
        }
        let body = Array(wrapped.dropLast(32))
        let expected = try Self.engine { try SoftCrypto.hmac(.sha256, key: keys.mac, data: body) }
        guard constantTimeEquals(expected, Array(wrapped.suffix(32))) else {
            throw HSMFailure(.wrappedKeyInvalid, "the wrapped key's MAC does not verify")
        }
        let nonce = Array(body[1..<13])
        let ciphertext = Array(body[13..<(body.count - 16)])
        let tag = Array(body.suffix(16))
        let payload: [UInt8]
        do {
            payload = try SoftCrypto.aesGCMOpen(
                key: keys.kek, nonce: nonce, aad: Self.attributeBoundLabel, ciphertext: ciphertext, tag: tag)
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
