import COpenSSL

extension SoftCrypto {
    /// Generates an Ed25519 key pair.
    /// - Returns: the PKCS#8 (RFC 8410) private key and the raw 32-byte public key.
    package static func generateEd25519() throws -> (privateKeyPKCS8: [UInt8], publicKeyRaw: [UInt8]) {
        let pkey = try generateKey("ED25519") { _ in }
        defer { EVP_PKEY_free(pkey) }
        return (try exportPKCS8(pkey), try rawPublicKey(of: pkey, count: 32))
    }

    /// Pure Ed25519 (RFC 8032) signature of `message`; returns 64 bytes.
    package static func ed25519Sign(privateKeyPKCS8: [UInt8], message: [UInt8]) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else { throw fail(.invalidKey) }
            guard let ctx = EVP_MD_CTX_new() else { throw osslFailure("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(ctx) }
            try osslCheck(EVP_DigestSignInit(ctx, nil, nil, nil, pkey), "EVP_DigestSignInit")
            return try withBytes(message) { msgPtr, msgCount in
                try withOutput(capacity: 64) { out, capacity in
                    var length = capacity
                    try osslCheck(EVP_DigestSign(ctx, out, &length, msgPtr, msgCount), "EVP_DigestSign")
                    return length
                }
            }
        }
    }

    /// Verifies a pure Ed25519 signature.
    /// - Throws: `invalidKey` if the public key is not 32 bytes; `invalidSignature` if the
    ///   signature is not 64 bytes or does not verify.
    package static func ed25519Verify(publicKeyRaw: [UInt8], message: [UInt8], signature: [UInt8]) throws {
        guard publicKeyRaw.count == 32 else { throw fail(.invalidKey) }
        guard signature.count == 64 else { throw fail(.invalidSignature) }
        let pkey = withBytes(publicKeyRaw) { ptr, count in
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, ptr, count)
        }
        guard let pkey else { throw fail(.invalidKey) }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { throw osslFailure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        try osslCheck(EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey), "EVP_DigestVerifyInit")
        let result = withBytes(signature) { sigPtr, sigCount in
            withBytes(message) { msgPtr, msgCount in
                EVP_DigestVerify(ctx, sigPtr, sigCount, msgPtr, msgCount)
            }
        }
        guard result == 1 else { throw fail(.invalidSignature) }
    }
}
