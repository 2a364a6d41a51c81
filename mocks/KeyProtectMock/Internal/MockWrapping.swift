import Crypto
import Foundation

/// AES-256-GCM wrapping bound to the key, the key version and the additional authenticated data.
enum MockWrapping {
    enum Failure: Error {
        /// Not base64 or not one of the mock's envelopes.
        case notACiphertext
        /// An envelope, but not for a version of this key.
        case unknownVersion
        /// The envelope's fields are unusable (bad nonce, too short).
        case unprocessable
        /// Authentication failed: wrong key, wrong AAD or tampered.
        case authenticationFailed
    }

    static func authenticatedData(keyID: String, versionID: String, aad: [String]) -> Data {
        var data = Data("kp-mock-wrap-v1".utf8)
        for part in [keyID, versionID] + aad {
            let bytes = Data(part.utf8)
            var length = UInt32(truncatingIfNeeded: bytes.count).bigEndian
            withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
            data.append(bytes)
        }
        return data
    }

    static func wrap(_ plaintext: [UInt8], keyID: String, version: MockKeyVersion, aad: [String]) throws -> String {
        let sealed = try AES.GCM.seal(
            plaintext,
            using: version.material,
            authenticating: authenticatedData(keyID: keyID, versionID: version.id, aad: aad)
        )
        let envelope = MockEnvelope(
            ciphertext: (sealed.ciphertext + sealed.tag).base64EncodedString(),
            iv: Data(sealed.nonce).base64EncodedString(),
            version: "4.0.0",
            handle: version.id
        )
        return Data(MockJSON.encode(envelope)).base64EncodedString()
    }

    /// The version id a WDEK names, if it is one of the mock's envelopes.
    static func envelope(of ciphertext: String) throws(Failure) -> MockEnvelope {
        guard let json = Data(base64Encoded: ciphertext),
            let envelope = try? JSONDecoder().decode(MockEnvelope.self, from: json)
        else { throw .notACiphertext }
        return envelope
    }

    static func unwrap(_ envelope: MockEnvelope, keyID: String, version: MockKeyVersion, aad: [String]) throws(Failure)
        -> [UInt8]
    {
        guard let iv = Data(base64Encoded: envelope.iv), let combined = Data(base64Encoded: envelope.ciphertext),
            combined.count >= 16, let nonce = try? AES.GCM.Nonce(data: iv)
        else { throw .unprocessable }
        guard
            let box = try? AES.GCM.SealedBox(
                nonce: nonce, ciphertext: combined.prefix(combined.count - 16), tag: combined.suffix(16)),
            let plaintext = try? AES.GCM.open(
                box,
                using: version.material,
                authenticating: authenticatedData(keyID: keyID, versionID: version.id, aad: aad)
            )
        else { throw .authenticationFailed }
        return Array(plaintext)
    }
}
