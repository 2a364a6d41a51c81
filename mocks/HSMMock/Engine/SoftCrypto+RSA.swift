import COpenSSL

extension SoftCrypto {
    /// Accepted RSA modulus sizes for generation (multiples of 8).
    package static let rsaGenerationBitRange = 1024...4096

    /// Generates an RSA key pair.
    /// - Parameters:
    ///   - bits: modulus size, 1024…4096 and a multiple of 8, else `invalidParameter`.
    ///   - publicExponent: big-endian exponent (leading zeros allowed), odd, ≥ 3 and at
    ///     most 256 bits, else `invalidParameter`.
    /// - Returns: the PKCS#8 private key and the SubjectPublicKeyInfo.
    package static func generateRSA(
        bits: Int, publicExponent: [UInt8]
    ) throws -> (privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8]) {
        guard rsaGenerationBitRange.contains(bits), bits % 8 == 0 else { throw fail(.invalidParameter) }
        let exponent = Array(publicExponent.drop { $0 == 0 })
        guard let last = exponent.last, last & 1 == 1, exponent.count <= 32,
            exponent.count > 1 || last >= 3
        else { throw fail(.invalidParameter) }
        let bitsC = try int32Length(bits)
        let e = try bignum(exponent)
        defer { BN_free(e) }
        let pkey = try generateKey("RSA") { ctx in
            try osslCheck(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bitsC), "EVP_PKEY_CTX_set_rsa_keygen_bits")
            try osslCheck(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), "EVP_PKEY_CTX_set1_rsa_keygen_pubexp")
        }
        defer { EVP_PKEY_free(pkey) }
        return (try exportPKCS8(pkey), try exportSPKI(pkey))
    }

    /// Modulus size in bits of an RSA key given as SubjectPublicKeyInfo or PKCS#8.
    package static func rsaModulusBits(_ key: [UInt8]) throws -> Int {
        let pkey: OpaquePointer
        if let pub = try? parsePublicKey(key) {
            pkey = pub
        } else {
            pkey = try parsePrivateKey(key)
        }
        defer { EVP_PKEY_free(pkey) }
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else { throw fail(.invalidKey) }
        let bits = Int(EVP_PKEY_get_bits(pkey))
        guard bits > 0 else { throw fail(.invalidKey) }
        return bits
    }

    /// Modulus and public exponent (minimal big-endian bytes) of an RSA SubjectPublicKeyInfo.
    package static func rsaPublicComponents(_ publicKeySPKI: [UInt8]) throws -> (modulus: [UInt8], exponent: [UInt8]) {
        try withPublicKey(publicKeySPKI) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else { throw fail(.invalidKey) }
            return (try rsaComponent(pkey, OSSL_PKEY_PARAM_RSA_N), try rsaComponent(pkey, OSSL_PKEY_PARAM_RSA_E))
        }
    }

    /// RSA encryption with a public key.
    /// - Throws: `invalidLength` if `data` is too long for the padding (or, for `.none`,
    ///   not smaller than the modulus); `invalidParameter` for an unusable OAEP setup.
    package static func rsaEncrypt(
        publicKeySPKI: [UInt8], data: [UInt8], padding: RSAEncryptionPadding
    ) throws -> [UInt8] {
        try withPublicKey(publicKeySPKI) { pkey in
            let k = try rsaSize(pkey)
            var input = data
            switch padding {
            case .pkcs1v15:
                guard data.count <= k - 11 else { throw fail(.invalidLength) }
            case .oaep(let hash, _, _):
                let max = k - 2 * hash.outputByteCount - 2
                guard max >= 0 else { throw fail(.invalidParameter) }
                guard data.count <= max else { throw fail(.invalidLength) }
            case .none:
                input = try rawRSAInput(pkey, data, k, tooLarge: .invalidLength)
            }
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_encrypt_init(ctx), "EVP_PKEY_encrypt_init")
            try configureEncryption(ctx, padding)
            return try output(of: EVP_PKEY_encrypt, ctx, input, k: k, failure: osslFailure("EVP_PKEY_encrypt"))
        }
    }

    /// RSA decryption with a private key. The ciphertext may be 1…k bytes (shorter
    /// inputs are treated as left-padded with zeros).
    /// - Throws: `decryptionFailed` for a padding / OAEP check failure or a ciphertext
    ///   value not below the modulus, `invalidLength` for an empty or longer-than-k
    ///   ciphertext. `.none` returns all k bytes.
    package static func rsaDecrypt(
        privateKeyPKCS8: [UInt8], data: [UInt8], padding: RSAEncryptionPadding
    ) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            let k = try rsaSize(pkey)
            guard !data.isEmpty, data.count <= k else { throw fail(.invalidLength) }
            if case .oaep(let hash, _, _) = padding, k - 2 * hash.outputByteCount - 2 < 0 {
                throw fail(.invalidParameter)
            }
            let input = try rawRSAInput(pkey, data, k, tooLarge: .decryptionFailed)
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_decrypt_init(ctx), "EVP_PKEY_decrypt_init")
            try configureEncryption(ctx, padding)
            if case .pkcs1v15 = padding {
                // OpenSSL ≥ 3.2 would otherwise return a synthetic plaintext on a bad
                // pad (implicit rejection); the mock wants the PKCS#11 error. Older
                // versions ignore the unknown parameter.
                let params = ParamBuilder()
                try params.addUInt("implicit-rejection", 0)
                _ = params.withParams { EVP_PKEY_CTX_set_params(ctx, $0) }
                ERR_clear_error()
            }
            return try output(of: EVP_PKEY_decrypt, ctx, input, k: k, failure: fail(.decryptionFailed))
        }
    }

    /// RSA signature generation.
    /// - Throws: `invalidKey` for a non-RSA or corrupt key; `invalidLength` if a prehashed
    ///   message does not have the hash's size or a raw PKCS#1 message exceeds k − 11
    ///   bytes; `invalidParameter` for a PSS salt length that is negative or too large
    ///   for the key.
    package static func rsaSign(
        privateKeyPKCS8: [UInt8], message: [UInt8], scheme: RSASignatureScheme
    ) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            let k = try rsaSize(pkey)
            let tbs = try rsaToBeSigned(pkey, message: message, scheme: scheme, k: k)
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_sign_init(ctx), "EVP_PKEY_sign_init")
            try configureSignature(ctx, scheme)
            // Inputs and parameters were validated above, so a failing private operation means a corrupt key
            // (e.g. an even prime factor).
            return try output(of: EVP_PKEY_sign, ctx, tbs, k: k, failure: fail(.invalidKey))
        }
    }

    /// RSA signature verification.
    /// - Throws: `invalidSignature` for any signature that is malformed (wrong length,
    ///   ≥ modulus) or does not verify; `invalidKey` for a bad key; `invalidLength` /
    ///   `invalidParameter` as for ``rsaSign(privateKeyPKCS8:message:scheme:)``.
    package static func rsaVerify(
        publicKeySPKI: [UInt8], message: [UInt8], signature: [UInt8], scheme: RSASignatureScheme
    ) throws {
        try withPublicKey(publicKeySPKI) { pkey in
            let k = try rsaSize(pkey)
            let tbs = try rsaToBeSigned(pkey, message: message, scheme: scheme, k: k)
            guard signature.count == k else { throw fail(.invalidSignature) }
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_verify_init(ctx), "EVP_PKEY_verify_init")
            try configureSignature(ctx, scheme)
            let result = withBytes(signature) { sigPtr, sigCount in
                withBytes(tbs) { tbsPtr, tbsCount in
                    EVP_PKEY_verify(ctx, sigPtr, sigCount, tbsPtr, tbsCount)
                }
            }
            guard result == 1 else { throw fail(.invalidSignature) }
        }
    }

    // MARK: Helpers

    /// Modulus size in bytes of an RSA key (invalidKey if it is not RSA).
    static func rsaSize(_ pkey: OpaquePointer) throws -> Int {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else { throw fail(.invalidKey) }
        let size = Int(EVP_PKEY_get_size(pkey))
        // 512-bit keys are the smallest OpenSSL handles; anything smaller is not a usable key.
        guard size >= 64 else { throw fail(.invalidKey) }
        return size
    }

    /// What the one-shot `operation` (`EVP_PKEY_encrypt`, `EVP_PKEY_decrypt` or `EVP_PKEY_sign`) of `ctx` makes of
    /// `input`, at most `k` bytes; `failure` when OpenSSL refuses.
    private static func output(
        of operation: (
            OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, UnsafePointer<UInt8>?, Int
        ) -> Int32,
        _ ctx: OpaquePointer,
        _ input: [UInt8],
        k: Int,
        failure: @autoclosure () -> SoftCryptoError
    ) throws -> [UInt8] {
        try withBytes(input) { inPtr, inCount in
            try withOutput(capacity: k) { out, capacity in
                var length = capacity
                guard operation(ctx, out, &length, inPtr, inCount) == 1 else { throw failure() }
                return length
            }
        }
    }

    private static func rsaComponent(_ pkey: OpaquePointer, _ name: String) throws -> [UInt8] {
        try withBigNumParameter(pkey, name) { try bytes(of: $0) }
    }

    /// `data` left-padded to k bytes; invalidLength if longer than k, `tooLarge` if ≥ n.
    private static func rawRSAInput(
        _ pkey: OpaquePointer, _ data: [UInt8], _ k: Int, tooLarge: SoftCryptoError
    ) throws -> [UInt8] {
        guard data.count <= k else { throw fail(.invalidLength) }
        let padded = [UInt8](repeating: 0, count: k - data.count) + data
        let modulus = try rsaComponent(pkey, OSSL_PKEY_PARAM_RSA_N)
        guard modulus.count == k else { throw fail(.invalidKey) }
        // Both are k-byte big-endian numbers, so lexicographic order is numeric order.
        guard padded.lexicographicallyPrecedes(modulus) else { throw fail(tooLarge) }
        return padded
    }

    private static func configureEncryption(_ ctx: OpaquePointer, _ padding: RSAEncryptionPadding) throws {
        switch padding {
        case .pkcs1v15:
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
        case .none:
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
        case .oaep(let hash, let mgf1Hash, let label):
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try osslCheck(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, evpMD(hash)), "EVP_PKEY_CTX_set_rsa_oaep_md")
            try osslCheck(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, evpMD(mgf1Hash)), "EVP_PKEY_CTX_set_rsa_mgf1_md")
            if !label.isEmpty {
                let labelCount = try int32Length(label.count)
                // set0 takes ownership of an OPENSSL_malloc'ed buffer.
                guard let copy = withBytes(label, { hpcs_openssl_memdup($0, $1) }) else {
                    throw osslFailure("OPENSSL_memdup")
                }
                guard EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, labelCount) == 1 else {
                    hpcs_openssl_free(copy)
                    throw osslFailure("EVP_PKEY_CTX_set0_rsa_oaep_label")
                }
            }
        }
    }

    /// The bytes handed to EVP_PKEY_sign / verify, after optional hashing and length checks.
    private static func rsaToBeSigned(
        _ pkey: OpaquePointer, message: [UInt8], scheme: RSASignatureScheme, k: Int
    ) throws -> [UInt8] {
        switch scheme {
        case .pkcs1v15(hash: nil):
            guard message.count <= k - 11 else { throw fail(.invalidLength) }
            return message
        case .pkcs1v15(hash: let hash?):
            guard message.count == hash.outputByteCount else { throw fail(.invalidLength) }
            return message
        case .pkcs1v15Hashing(let hash):
            return try digest(hash, message)
        case .pss(let hash, _, let saltLength, let prehashed):
            // emLen = ceil((modBits − 1) / 8); PSS needs emLen ≥ hLen + sLen + 2.
            let modBits = Int(EVP_PKEY_get_bits(pkey))
            let emLen = (modBits - 1 + 7) / 8
            guard saltLength >= 0, saltLength <= emLen - hash.outputByteCount - 2 else {
                throw fail(.invalidParameter)
            }
            if prehashed {
                guard message.count == hash.outputByteCount else { throw fail(.invalidLength) }
                return message
            }
            return try digest(hash, message)
        }
    }

    private static func configureSignature(_ ctx: OpaquePointer, _ scheme: RSASignatureScheme) throws {
        switch scheme {
        case .pkcs1v15(let hash):
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            if let hash {
                try osslCheck(EVP_PKEY_CTX_set_signature_md(ctx, evpMD(hash)), "EVP_PKEY_CTX_set_signature_md")
            }
        case .pkcs1v15Hashing(let hash):
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try osslCheck(EVP_PKEY_CTX_set_signature_md(ctx, evpMD(hash)), "EVP_PKEY_CTX_set_signature_md")
        case .pss(let hash, let mgf1Hash, let saltLength, _):
            let saltC = try int32Length(saltLength)
            try osslCheck(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try osslCheck(EVP_PKEY_CTX_set_signature_md(ctx, evpMD(hash)), "EVP_PKEY_CTX_set_signature_md")
            try osslCheck(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, evpMD(mgf1Hash)), "EVP_PKEY_CTX_set_rsa_mgf1_md")
            try osslCheck(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, saltC), "EVP_PKEY_CTX_set_rsa_pss_saltlen")
        }
    }
}
