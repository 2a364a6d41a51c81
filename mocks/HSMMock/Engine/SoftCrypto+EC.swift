import COpenSSL

extension SoftCrypto {
    /// Generates an EC key pair on `curve`.
    /// - Returns: the PKCS#8 private key and the named-curve SubjectPublicKeyInfo
    ///   (uncompressed point).
    package static func generateEC(_ curve: ECCurve) throws -> (privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8]) {
        let pkey = try generateKey("EC") { ctx in
            try osslCheck(EVP_PKEY_CTX_set_group_name(ctx, curve.opensslGroupName), "EVP_PKEY_CTX_set_group_name")
        }
        defer { EVP_PKEY_free(pkey) }
        let privateKey = try exportPKCS8(pkey)
        let point = try uncompressedPoint(of: pkey, curve: curve)
        return (privateKey, try ecPublicKeySPKI(curve: curve, point: point))
    }

    /// The curve of an EC private key (invalidKey if it is not an EC key).
    package static func ecCurve(ofPrivateKey privateKeyPKCS8: [UInt8]) throws -> ECCurve {
        try withPrivateKey(privateKeyPKCS8) { pkey in try curve(of: pkey) }
    }

    /// The curve and uncompressed point 04‖X‖Y of an EC SubjectPublicKeyInfo
    /// (a compressed point in the SPKI is returned uncompressed).
    package static func ecPublicPoint(_ publicKeySPKI: [UInt8]) throws -> (curve: ECCurve, point: [UInt8]) {
        try withPublicKey(publicKeySPKI) { pkey in
            let curve = try curve(of: pkey)
            return (curve, try uncompressedPoint(of: pkey, curve: curve))
        }
    }

    /// Builds a named-curve SubjectPublicKeyInfo from an uncompressed point 04‖X‖Y.
    /// - Throws: `invalidKey` if the point has the wrong length or form or is not on the curve.
    package static func ecPublicKeySPKI(curve: ECCurve, point: [UInt8]) throws -> [UInt8] {
        let pkey = try ecPublicKey(curve: curve, point: point)
        defer { EVP_PKEY_free(pkey) }
        return try exportSPKI(pkey)
    }

    /// ECDSA signature over `digest` (any non-empty length; OpenSSL truncates a
    /// long digest to the order's bit length per SEC 1).
    /// - Returns: raw r‖s, each half left-padded to the curve's `coordinateByteCount`.
    package static func ecdsaSign(privateKeyPKCS8: [UInt8], digest: [UInt8]) throws -> [UInt8] {
        guard !digest.isEmpty else { throw fail(.invalidLength) }
        return try withPrivateKey(privateKeyPKCS8) { pkey in
            let curve = try curve(of: pkey)
            return try signRS(pkey, digest: digest, halfSize: curve.coordinateByteCount)
        }
    }

    /// The secret a derive context (initialised, peer set) produces.
    static func derivedSecret(_ ctx: OpaquePointer) throws -> [UInt8] {
        var capacity = 0
        try osslCheck(EVP_PKEY_derive(ctx, nil, &capacity), "EVP_PKEY_derive")
        return try withOutput(capacity: capacity) { out, capacity in
            var length = capacity
            try osslCheck(EVP_PKEY_derive(ctx, out, &length), "EVP_PKEY_derive")
            return length
        }
    }

    /// Verifies the DER signature `der` (ECDSA-Sig-Value or DSA-Sig-Value) over `digest` with `pkey`.
    /// - Throws: `invalidSignature` when it does not verify.
    static func verifyDER(_ pkey: OpaquePointer, signature der: [UInt8], digest: [UInt8]) throws {
        let ctx = try newContext(pkey)
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_verify_init(ctx), "EVP_PKEY_verify_init")
        let result = withBytes(der) { sigPtr, sigCount in
            withBytes(digest) { digestPtr, digestCount in
                EVP_PKEY_verify(ctx, sigPtr, sigCount, digestPtr, digestCount)
            }
        }
        guard result == 1 else { throw fail(.invalidSignature) }
    }

    /// Signs `digest` with `pkey` (EC or DSA) and returns the signature as raw r‖s, each half left-padded to
    /// `halfSize` bytes. DSA-Sig-Value and ECDSA-Sig-Value are the same SEQUENCE { r INTEGER, s INTEGER }.
    static func signRS(_ pkey: OpaquePointer, digest: [UInt8], halfSize size: Int) throws -> [UInt8] {
        let ctx = try newContext(pkey)
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_sign_init(ctx), "EVP_PKEY_sign_init")
        let der = try withBytes(digest) { digestPtr, digestCount in
            var capacity = 0
            try osslCheck(EVP_PKEY_sign(ctx, nil, &capacity, digestPtr, digestCount), "EVP_PKEY_sign")
            return try withOutput(capacity: capacity) { out, capacity in
                var length = capacity
                try osslCheck(EVP_PKEY_sign(ctx, out, &length, digestPtr, digestCount), "EVP_PKEY_sign")
                return length
            }
        }
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var cursor: UnsafePointer<UInt8>? = buf.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buf.count)
        }
        guard let sig else { throw osslFailure("d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(sig) }
        guard let r = ECDSA_SIG_get0_r(sig), let s = ECDSA_SIG_get0_s(sig) else {
            throw osslFailure("ECDSA_SIG_get0")
        }
        return try paddedBytes(of: r, count: size) + paddedBytes(of: s, count: size)
    }

    /// Verifies a raw r‖s ECDSA signature over `digest`.
    /// - Throws: `invalidSignature` if the signature has the wrong length, r or s is
    ///   zero or ≥ n, or it does not verify; `invalidKey` for a bad key;
    ///   `invalidLength` for an empty digest.
    package static func ecdsaVerify(publicKeySPKI: [UInt8], digest: [UInt8], signature: [UInt8]) throws {
        guard !digest.isEmpty else { throw fail(.invalidLength) }
        try withPublicKey(publicKeySPKI) { pkey in
            let curve = try curve(of: pkey)
            let size = curve.coordinateByteCount
            guard signature.count == 2 * size else { throw fail(.invalidSignature) }
            let der = try ecdsaSignatureDER(
                r: Array(signature.prefix(size)), s: Array(signature.suffix(size)), curve: curve)
            try verifyDER(pkey, signature: der, digest: digest)
        }
    }

    /// ECDH (cofactor-less, as CKM_ECDH1_DERIVE with KDF NULL) between an EC private
    /// key and a peer's uncompressed point on the same curve.
    /// - Returns: the shared secret's X coordinate (`coordinateByteCount` bytes).
    /// - Throws: `invalidKey` if the peer point is malformed, not on the curve, or the
    ///   private key is not EC.
    package static func ecdh(privateKeyPKCS8: [UInt8], peerPoint: [UInt8]) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            let curve = try curve(of: pkey)
            let peer = try ecPublicKey(curve: curve, point: peerPoint)
            defer { EVP_PKEY_free(peer) }
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_derive_init(ctx), "EVP_PKEY_derive_init")
            guard EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 else { throw fail(.invalidKey) }
            let secret = try derivedSecret(ctx)
            guard secret.count == curve.coordinateByteCount else {
                throw fail(.internalFailure("ECDH secret length"))
            }
            return secret
        }
    }

    // MARK: Helpers

    /// An EC public EVP_PKEY from an uncompressed point; caller frees it.
    static func ecPublicKey(curve: ECCurve, point: [UInt8]) throws -> OpaquePointer {
        guard point.count == curve.uncompressedPointByteCount, point.first == 0x04 else {
            throw fail(.invalidKey)
        }
        let params = ParamBuilder()
        try params.addUTF8(OSSL_PKEY_PARAM_GROUP_NAME, curve.opensslGroupName)
        try params.addOctets(OSSL_PKEY_PARAM_PUB_KEY, point)
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw osslFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_fromdata_init(ctx), "EVP_PKEY_fromdata_init")
        var pkey: OpaquePointer? = nil
        let ok = params.withParams { p in
            EVP_PKEY_fromdata(ctx, &pkey, hpcs_evp_pkey_public_key_selection(), p)
        }
        guard ok == 1, let pkey else {
            if let pkey { EVP_PKEY_free(pkey) }
            throw fail(.invalidKey)
        }
        // fromdata decodes with EC_POINT_oct2point, which rejects off-curve points;
        // check again explicitly so a future lenient import cannot slip through.
        guard let checkCtx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            EVP_PKEY_free(pkey)
            throw osslFailure("EVP_PKEY_CTX_new_from_pkey")
        }
        defer { EVP_PKEY_CTX_free(checkCtx) }
        guard EVP_PKEY_public_check(checkCtx) == 1 else {
            EVP_PKEY_free(pkey)
            throw fail(.invalidKey)
        }
        ERR_clear_error()
        return pkey
    }

    /// 04‖X‖Y of an EC key (public or private).
    static func uncompressedPoint(of pkey: OpaquePointer, curve: ECCurve) throws -> [UInt8] {
        let size = curve.coordinateByteCount
        let x = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_EC_PUB_X) { try paddedBytes(of: $0, count: size) }
        let y = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_EC_PUB_Y) { try paddedBytes(of: $0, count: size) }
        return [0x04] + x + y
    }

    /// DER ECDSA-Sig-Value from raw halves; invalidSignature if r or s is 0 or ≥ n.
    static func ecdsaSignatureDER(r rBytes: [UInt8], s sBytes: [UInt8], curve: ECCurve) throws -> [UInt8] {
        guard let group = EC_GROUP_new_by_curve_name(curve.nid) else {
            throw osslFailure("EC_GROUP_new_by_curve_name")
        }
        defer { EC_GROUP_free(group) }
        guard let order = EC_GROUP_get0_order(group) else { throw osslFailure("EC_GROUP_get0_order") }
        var r: OpaquePointer? = try bignum(rBytes)
        var s: OpaquePointer? = try? bignum(sBytes)
        defer {
            BN_free(r)
            BN_free(s)
        }
        guard let rBN = r, let sBN = s else { throw osslFailure("BN_bin2bn") }
        guard BN_is_zero(rBN) == 0, BN_is_zero(sBN) == 0,
            BN_cmp(rBN, order) < 0, BN_cmp(sBN, order) < 0
        else { throw fail(.invalidSignature) }
        guard let sig = ECDSA_SIG_new() else { throw osslFailure("ECDSA_SIG_new") }
        defer { ECDSA_SIG_free(sig) }
        try osslCheck(ECDSA_SIG_set0(sig, rBN, sBN), "ECDSA_SIG_set0")
        // Ownership of r and s moved into sig.
        r = nil
        s = nil
        return try i2d("i2d_ECDSA_SIG") { i2d_ECDSA_SIG(sig, $0) }
    }
}

extension SoftCrypto.ECCurve {
    /// OpenSSL's NID of the curve.
    var nid: Int32 {
        switch self {
        case .p256: NID_X9_62_prime256v1
        case .p384: NID_secp384r1
        case .p521: NID_secp521r1
        case .secp256k1: NID_secp256k1
        }
    }
}
