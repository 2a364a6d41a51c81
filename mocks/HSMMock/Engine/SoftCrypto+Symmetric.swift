import COpenSSL

extension SoftCrypto {
    /// Largest data length accepted by the block-cipher functions (OpenSSL takes `int` lengths).
    package static let maxSymmetricDataByteCount = Int(Int32.max) - 64

    // MARK: AES

    private enum AESMode { case ecb, cbc, ctr, gcm, wrap, wrapPad }

    private static func aesCipher(_ mode: AESMode, keyCount: Int) throws -> OpaquePointer {
        let cipher: OpaquePointer?
        switch (mode, keyCount) {
        case (.ecb, 16): cipher = EVP_aes_128_ecb()
        case (.ecb, 24): cipher = EVP_aes_192_ecb()
        case (.ecb, 32): cipher = EVP_aes_256_ecb()
        case (.cbc, 16): cipher = EVP_aes_128_cbc()
        case (.cbc, 24): cipher = EVP_aes_192_cbc()
        case (.cbc, 32): cipher = EVP_aes_256_cbc()
        case (.ctr, 16): cipher = EVP_aes_128_ctr()
        case (.ctr, 24): cipher = EVP_aes_192_ctr()
        case (.ctr, 32): cipher = EVP_aes_256_ctr()
        case (.gcm, 16): cipher = EVP_aes_128_gcm()
        case (.gcm, 24): cipher = EVP_aes_192_gcm()
        case (.gcm, 32): cipher = EVP_aes_256_gcm()
        case (.wrap, 16): cipher = EVP_aes_128_wrap()
        case (.wrap, 24): cipher = EVP_aes_192_wrap()
        case (.wrap, 32): cipher = EVP_aes_256_wrap()
        case (.wrapPad, 16): cipher = EVP_aes_128_wrap_pad()
        case (.wrapPad, 24): cipher = EVP_aes_192_wrap_pad()
        case (.wrapPad, 32): cipher = EVP_aes_256_wrap_pad()
        default: throw fail(.invalidKey)
        }
        guard let cipher else { throw fail(.unsupported) }
        return cipher
    }

    /// AES-ECB without padding. `data` must be a whole number of 16-byte blocks
    /// (empty is allowed); key 16/24/32 bytes.
    package static func aesECB(encrypt: Bool, key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.ecb, keyCount: key.count)
        guard data.count % 16 == 0 else { throw fail(.invalidLength) }
        return try runCipher(
            cipher, encrypt: encrypt, key: key, iv: nil, data: data, padding: false)
    }

    /// AES-CBC with a 16-byte IV. With `padding` PKCS#7 is applied / checked
    /// (a bad pad on decrypt throws `decryptionFailed`); without it `data`
    /// must be whole blocks.
    package static func aesCBC(
        encrypt: Bool, key: [UInt8], iv: [UInt8], data: [UInt8], padding: Bool
    ) throws -> [UInt8] {
        let cipher = try aesCipher(.cbc, keyCount: key.count)
        guard iv.count == 16 else { throw fail(.invalidParameter) }
        try checkBlockLength(data.count, blockSize: 16, encrypt: encrypt, padding: padding)
        return try runCipher(
            cipher, encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
    }

    /// AES-CTR (encryption and decryption are the same operation). `iv` is the
    /// 16-byte initial counter block, incremented as a 128-bit big-endian integer.
    package static func aesCTR(key: [UInt8], iv: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.ctr, keyCount: key.count)
        guard iv.count == 16 else { throw fail(.invalidParameter) }
        return try runCipher(cipher, encrypt: true, key: key, iv: iv, data: data, padding: false)
    }

    /// Largest GCM nonce OpenSSL accepts (bytes).
    package static let maxGCMNonceByteCount = 128

    /// AES-GCM encryption. `nonce` is 1…128 bytes (12 recommended); `tagLength` 4…16.
    package static func aesGCMSeal(
        key: [UInt8], nonce: [UInt8], aad: [UInt8], plaintext: [UInt8], tagLength: Int = 16
    ) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let cipher = try aesCipher(.gcm, keyCount: key.count)
        guard (4...16).contains(tagLength) else { throw fail(.invalidParameter) }
        var tag = [UInt8](repeating: 0, count: tagLength)
        let ciphertext = try runGCM(
            cipher, encrypt: true, key: key, nonce: nonce, aad: aad, data: plaintext,
            tag: &tag)
        return (ciphertext, tag)
    }

    /// AES-GCM decryption; a tag mismatch throws `decryptionFailed`. `tag` is 4…16 bytes.
    package static func aesGCMOpen(
        key: [UInt8], nonce: [UInt8], aad: [UInt8], ciphertext: [UInt8], tag: [UInt8]
    ) throws -> [UInt8] {
        let cipher = try aesCipher(.gcm, keyCount: key.count)
        guard (4...16).contains(tag.count) else { throw fail(.invalidParameter) }
        var tagCopy = tag
        return try runGCM(
            cipher, encrypt: false, key: key, nonce: nonce, aad: aad, data: ciphertext,
            tag: &tagCopy)
    }

    /// RFC 3394 AES key wrap (default IV A6A6A6A6A6A6A6A6). `key` must be a
    /// multiple of 8 bytes and at least 16; the result is 8 bytes longer.
    package static func aesKeyWrap(kek: [UInt8], key: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.wrap, keyCount: kek.count)
        guard key.count >= 16, key.count % 8 == 0 else { throw fail(.invalidLength) }
        return try runWrap(cipher, encrypt: true, kek: kek, data: key)
    }

    /// RFC 3394 AES key unwrap; an integrity-check failure throws `decryptionFailed`.
    /// `wrapped` must be a multiple of 8 bytes and at least 24.
    package static func aesKeyUnwrap(kek: [UInt8], wrapped: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.wrap, keyCount: kek.count)
        guard wrapped.count >= 24, wrapped.count % 8 == 0 else { throw fail(.invalidLength) }
        return try runWrap(cipher, encrypt: false, kek: kek, data: wrapped)
    }

    /// RFC 5649 AES key wrap with padding; `key` is 1 or more bytes.
    package static func aesKeyWrapPad(kek: [UInt8], key: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.wrapPad, keyCount: kek.count)
        guard !key.isEmpty else { throw fail(.invalidLength) }
        return try runWrap(cipher, encrypt: true, kek: kek, data: key)
    }

    /// RFC 5649 AES key unwrap with padding; integrity failure throws `decryptionFailed`.
    /// `wrapped` must be a multiple of 8 bytes and at least 16.
    package static func aesKeyUnwrapPad(kek: [UInt8], wrapped: [UInt8]) throws -> [UInt8] {
        let cipher = try aesCipher(.wrapPad, keyCount: kek.count)
        guard wrapped.count >= 16, wrapped.count % 8 == 0 else { throw fail(.invalidLength) }
        return try runWrap(cipher, encrypt: false, kek: kek, data: wrapped)
    }

    /// Key check value of an AES key: the first 3 bytes of AES-ECB(key, 16 zero bytes).
    package static func aesCheckValue(_ key: [UInt8]) throws -> [UInt8] {
        let block = try aesECB(encrypt: true, key: key, data: [UInt8](repeating: 0, count: 16))
        return Array(block.prefix(3))
    }

    // MARK: Triple-DES

    private static func des3Cipher(cbc: Bool, keyCount: Int) throws -> OpaquePointer {
        guard keyCount == 24 else { throw fail(.invalidKey) }
        guard let cipher = cbc ? EVP_des_ede3_cbc() : EVP_des_ede3_ecb() else {
            throw fail(.unsupported)
        }
        return cipher
    }

    /// Three-key Triple-DES (DES-EDE3) in ECB mode without padding; 24-byte key,
    /// data a whole number of 8-byte blocks.
    package static func des3ECB(encrypt: Bool, key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let cipher = try des3Cipher(cbc: false, keyCount: key.count)
        guard data.count % 8 == 0 else { throw fail(.invalidLength) }
        return try runCipher(cipher, encrypt: encrypt, key: key, iv: nil, data: data, padding: false)
    }

    /// Three-key Triple-DES (DES-EDE3) in CBC mode with an 8-byte IV; `padding` = PKCS#7
    /// (a bad pad on decrypt throws `decryptionFailed`).
    package static func des3CBC(
        encrypt: Bool, key: [UInt8], iv: [UInt8], data: [UInt8], padding: Bool
    ) throws -> [UInt8] {
        let cipher = try des3Cipher(cbc: true, keyCount: key.count)
        guard iv.count == 8 else { throw fail(.invalidParameter) }
        try checkBlockLength(data.count, blockSize: 8, encrypt: encrypt, padding: padding)
        return try runCipher(
            cipher, encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
    }

    /// Key check value of a Triple-DES key: the first 3 bytes of DES-EDE3-ECB(key, 8 zero bytes).
    package static func des3CheckValue(_ key: [UInt8]) throws -> [UInt8] {
        let block = try des3ECB(encrypt: true, key: key, data: [UInt8](repeating: 0, count: 8))
        return Array(block.prefix(3))
    }

    // MARK: Engines

    private static func checkBlockLength(
        _ count: Int, blockSize: Int, encrypt: Bool, padding: Bool
    ) throws {
        if padding && encrypt { return }
        guard count % blockSize == 0 else { throw fail(.invalidLength) }
        if padding && !encrypt && count == 0 { throw fail(.invalidLength) }
    }

    /// Runs a whole EVP_Cipher operation (init, update, final).
    private static func runCipher(
        _ cipher: OpaquePointer, encrypt: Bool, key: [UInt8], iv: [UInt8]?, data: [UInt8],
        padding: Bool, flags: Int32 = 0
    ) throws -> [UInt8] {
        guard data.count <= maxSymmetricDataByteCount else { throw fail(.invalidLength) }
        let dataCount = try int32Length(data.count)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw osslFailure("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        if flags != 0 { EVP_CIPHER_CTX_set_flags(ctx, flags) }
        let initOK = withBytes(key) { keyPtr, _ in
            if let iv {
                return withBytes(iv) { ivPtr, _ in
                    EVP_CipherInit_ex(ctx, cipher, nil, keyPtr, ivPtr, encrypt ? 1 : 0)
                }
            }
            return EVP_CipherInit_ex(ctx, cipher, nil, keyPtr, nil, encrypt ? 1 : 0)
        }
        try osslCheck(initOK, "EVP_CipherInit_ex")
        try osslCheck(EVP_CIPHER_CTX_set_padding(ctx, padding ? 1 : 0), "EVP_CIPHER_CTX_set_padding")
        // Room for the data plus one block of padding plus slack for wrap modes.
        return try withOutput(capacity: data.count + 32) { out, _ in
            var updateLength: Int32 = 0
            let updateOK = withBytes(data) { dataPtr, _ in
                EVP_CipherUpdate(ctx, out, &updateLength, dataPtr, dataCount)
            }
            guard updateOK == 1 else {
                // Wrap modes check integrity inside update.
                throw encrypt ? osslFailure("EVP_CipherUpdate") : fail(.decryptionFailed)
            }
            var finalLength: Int32 = 0
            guard updateLength >= 0, updateLength <= dataCount + 16 else {
                throw fail(.internalFailure("EVP_CipherUpdate length"))
            }
            guard EVP_CipherFinal_ex(ctx, out + Int(updateLength), &finalLength) == 1 else {
                throw encrypt ? osslFailure("EVP_CipherFinal_ex") : fail(.decryptionFailed)
            }
            return Int(updateLength) + Int(finalLength)
        }
    }

    private static func runWrap(
        _ cipher: OpaquePointer, encrypt: Bool, kek: [UInt8], data: [UInt8]
    ) throws -> [UInt8] {
        try runCipher(
            cipher, encrypt: encrypt, key: kek, iv: nil, data: data, padding: false,
            flags: Int32(EVP_CIPHER_CTX_FLAG_WRAP_ALLOW))
    }

    private static func runGCM(
        _ cipher: OpaquePointer, encrypt: Bool, key: [UInt8], nonce: [UInt8], aad: [UInt8],
        data: [UInt8], tag: inout [UInt8]
    ) throws -> [UInt8] {
        guard (1...maxGCMNonceByteCount).contains(nonce.count) else { throw fail(.invalidParameter) }
        guard data.count <= maxSymmetricDataByteCount, aad.count <= maxSymmetricDataByteCount else {
            throw fail(.invalidLength)
        }
        let dataCount = try int32Length(data.count)
        let aadCount = try int32Length(aad.count)
        let nonceCount = try int32Length(nonce.count)
        let tagCount = try int32Length(tag.count)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw osslFailure("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let enc: Int32 = encrypt ? 1 : 0
        try osslCheck(EVP_CipherInit_ex(ctx, cipher, nil, nil, nil, enc), "EVP_CipherInit_ex")
        try osslCheck(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, nonceCount, nil), "EVP_CTRL_GCM_SET_IVLEN")
        let initOK = withBytes(key) { keyPtr, _ in
            withBytes(nonce) { noncePtr, _ in
                EVP_CipherInit_ex(ctx, nil, nil, keyPtr, noncePtr, enc)
            }
        }
        try osslCheck(initOK, "EVP_CipherInit_ex")
        if aadCount > 0 {
            var aadOut: Int32 = 0
            let aadOK = withBytes(aad) { aadPtr, _ in
                EVP_CipherUpdate(ctx, nil, &aadOut, aadPtr, aadCount)
            }
            try osslCheck(aadOK, "EVP_CipherUpdate(aad)")
        }
        if !encrypt {
            let setOK = tag.withUnsafeMutableBytes { raw in
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, tagCount, raw.baseAddress)
            }
            try osslCheck(setOK, "EVP_CTRL_GCM_SET_TAG")
        }
        let output = try withOutput(capacity: data.count + 16) { out, _ in
            var updateLength: Int32 = 0
            if dataCount > 0 {
                let updateOK = withBytes(data) { dataPtr, _ in
                    EVP_CipherUpdate(ctx, out, &updateLength, dataPtr, dataCount)
                }
                try osslCheck(updateOK, "EVP_CipherUpdate")
                guard updateLength >= 0, updateLength <= dataCount else {
                    throw fail(.internalFailure("EVP_CipherUpdate length"))
                }
            }
            var finalLength: Int32 = 0
            guard EVP_CipherFinal_ex(ctx, out + Int(updateLength), &finalLength) == 1 else {
                throw encrypt ? osslFailure("EVP_CipherFinal_ex") : fail(.decryptionFailed)
            }
            return Int(updateLength) + Int(finalLength)
        }
        if encrypt {
            let getOK = tag.withUnsafeMutableBytes { raw in
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, tagCount, raw.baseAddress)
            }
            try osslCheck(getOK, "EVP_CTRL_GCM_GET_TAG")
        }
        return output
    }
}
