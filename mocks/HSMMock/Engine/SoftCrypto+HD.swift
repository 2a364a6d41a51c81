import COpenSSL

// Elliptic-curve scalar and point arithmetic for hierarchical deterministic key derivation (BIP-32, SLIP-10),
// and raw-scalar import/export of EC and Ed25519 private keys. Curves: secp256k1 and P-256 (the Weierstrass
// curves BIP-32/SLIP-10 use); Ed25519 keys are handled as their 32-byte private seeds.

extension SoftCrypto {
    /// Whether a 32-byte big-endian scalar is a valid private key on `curve`: 0 < scalar < n.
    package static func ecScalarIsValid(_ curve: ECCurve, _ scalar: [UInt8]) throws -> Bool {
        guard scalar.count == curve.coordinateByteCount else { return false }
        return try withGroup(curve) { _, order, _ in
            let value = try bignum(scalar)
            defer { BN_free(value) }
            return BN_is_zero(value) == 0 && BN_cmp(value, order) < 0
        }
    }

    /// (a + b) mod n as `coordinateByteCount` big-endian bytes.
    package static func ecAddScalars(_ curve: ECCurve, _ a: [UInt8], _ b: [UInt8]) throws -> [UInt8] {
        try withGroup(curve) { _, order, context in
            let left = try bignum(a)
            defer { BN_free(left) }
            let right = try bignum(b)
            defer { BN_free(right) }
            guard let sum = BN_new() else { throw osslFailure("BN_new") }
            defer { BN_clear_free(sum) }
            try osslCheck(BN_mod_add(sum, left, right, order, context), "BN_mod_add")
            return try paddedBytes(of: sum, count: curve.coordinateByteCount)
        }
    }

    /// The uncompressed point 04‖X‖Y of scalar·G; `invalidKey` unless 0 < scalar < n.
    package static func ecPoint(_ curve: ECCurve, scalar: [UInt8]) throws -> [UInt8] {
        guard try ecScalarIsValid(curve, scalar) else { throw fail(.invalidKey) }
        return try withGroup(curve) { group, _, context in
            let value = try bignum(scalar)
            defer { BN_clear_free(value) }
            guard let point = EC_POINT_new(group) else { throw osslFailure("EC_POINT_new") }
            defer { EC_POINT_free(point) }
            try osslCheck(EC_POINT_mul(group, point, value, nil, nil, context), "EC_POINT_mul")
            return try encode(point, group: group, context: context, compressed: false, curve: curve)
        }
    }

    /// point(tweak) + P for an uncompressed point P; `invalidKey` for a bad point, a tweak outside 0 < t < n,
    /// or a sum at infinity.
    package static func ecTweakPoint(_ curve: ECCurve, point bytes: [UInt8], tweak: [UInt8]) throws -> [UInt8] {
        guard try ecScalarIsValid(curve, tweak) else { throw fail(.invalidKey) }
        return try withGroup(curve) { group, _, context in
            let parent = try decode(bytes, group: group, context: context, curve: curve)
            defer { EC_POINT_free(parent) }
            let value = try bignum(tweak)
            defer { BN_clear_free(value) }
            guard let sum = EC_POINT_new(group) else { throw osslFailure("EC_POINT_new") }
            defer { EC_POINT_free(sum) }
            guard EC_POINT_mul(group, sum, value, nil, nil, context) == 1,
                EC_POINT_add(group, sum, sum, parent, context) == 1
            else { throw osslFailure("EC_POINT_add") }
            guard EC_POINT_is_at_infinity(group, sum) == 0 else { throw fail(.invalidKey) }
            return try encode(sum, group: group, context: context, compressed: false, curve: curve)
        }
    }

    /// The SEC 1 compressed form (02/03‖X) of an uncompressed point.
    package static func ecCompressedPoint(_ curve: ECCurve, point bytes: [UInt8]) throws -> [UInt8] {
        try withGroup(curve) { group, _, context in
            let point = try decode(bytes, group: group, context: context, curve: curve)
            defer { EC_POINT_free(point) }
            return try encode(point, group: group, context: context, compressed: true, curve: curve)
        }
    }

    /// The private scalar of an EC private key, `coordinateByteCount` bytes.
    package static func ecPrivateScalar(_ privateKeyPKCS8: [UInt8]) throws -> (curve: ECCurve, scalar: [UInt8]) {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            let curve = try curve(of: pkey)
            let scalar = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_PRIV_KEY, secret: true) {
                try paddedBytes(of: $0, count: curve.coordinateByteCount)
            }
            return (curve, scalar)
        }
    }

    /// A PKCS#8 EC private key (RFC 5915 inside, with the public key) for a scalar on secp256k1 or P-256,
    /// and its named-curve SubjectPublicKeyInfo.
    package static func ecPrivateKey(_ curve: ECCurve, scalar: [UInt8]) throws -> (
        privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8]
    ) {
        let curveOID: [UInt8]
        switch curve {
        case .secp256k1: curveOID = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A]
        case .p256: curveOID = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        default: throw fail(.unsupported)
        }
        let point = try ecPoint(curve, scalar: scalar)
        let ecPublicKeyOID: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
        let publicKey = der(0xA1, der(0x03, [0x00] + point))
        let inner = der(0x30, [0x02, 0x01, 0x01] + der(0x04, scalar) + publicKey)
        let pkcs8 = der(0x30, [0x02, 0x01, 0x00] + der(0x30, ecPublicKeyOID + curveOID) + der(0x04, inner))
        _ = try privateKeyKind(pkcs8)  // parses and runs the pairwise check
        return (pkcs8, try ecPublicKeySPKI(curve: curve, point: point))
    }

    /// A PKCS#8 Ed25519 private key for a 32-byte seed, and its raw public key.
    package static func ed25519PrivateKey(seed: [UInt8]) throws -> (privateKeyPKCS8: [UInt8], publicKeyRaw: [UInt8]) {
        guard seed.count == 32 else { throw fail(.invalidKey) }
        let pkey = withBytes(seed) { pointer, count in
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, pointer, count)
        }
        guard let pkey else { throw osslFailure("EVP_PKEY_new_raw_private_key") }
        defer { EVP_PKEY_free(pkey) }
        return (try exportPKCS8(pkey), try rawPublicKey(of: pkey, count: 32))
    }

    /// The 32-byte private seed of an Ed25519 private key.
    package static func ed25519PrivateSeed(_ privateKeyPKCS8: [UInt8]) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else { throw fail(.invalidKey) }
            var length = 0
            guard EVP_PKEY_get_raw_private_key(pkey, nil, &length) == 1, length == 32 else { throw fail(.invalidKey) }
            return try withOutput(capacity: 32) { out, capacity in
                var written = capacity
                try osslCheck(EVP_PKEY_get_raw_private_key(pkey, out, &written), "EVP_PKEY_get_raw_private_key")
                return written
            }
        }
    }

    /// A big-endian byte string reduced modulo n, as `coordinateByteCount` bytes.
    package static func ecReduce(_ curve: ECCurve, _ bytes: [UInt8]) throws -> [UInt8] {
        try withGroup(curve) { _, order, context in
            let value = try bignum(bytes)
            defer { BN_clear_free(value) }
            guard let result = BN_new() else { throw osslFailure("BN_new") }
            defer { BN_clear_free(result) }
            try osslCheck(BN_nnmod(result, value, order, context), "BN_nnmod")
            return try paddedBytes(of: result, count: curve.coordinateByteCount)
        }
    }

    /// (c + a·b) mod n, or (c − a·b) mod n with `subtract`, as `coordinateByteCount` bytes.
    package static func ecScalarMulAdd(_ curve: ECCurve, _ a: [UInt8], _ b: [UInt8], _ c: [UInt8], subtract: Bool)
        throws -> [UInt8]
    {
        try withGroup(curve) { _, order, context in
            let left = try bignum(a)
            defer { BN_clear_free(left) }
            let right = try bignum(b)
            defer { BN_clear_free(right) }
            let addend = try bignum(c)
            defer { BN_clear_free(addend) }
            guard let product = BN_new(), let result = BN_new() else { throw osslFailure("BN_new") }
            defer {
                BN_clear_free(product)
                BN_clear_free(result)
            }
            try osslCheck(BN_mod_mul(product, left, right, order, context), "BN_mod_mul")
            let ok =
                subtract
                ? BN_mod_sub(result, addend, product, order, context)
                : BN_mod_add(result, addend, product, order, context)
            try osslCheck(ok, "BN_mod_add")
            return try paddedBytes(of: result, count: curve.coordinateByteCount)
        }
    }

    /// g·G + p·P for an uncompressed point P, uncompressed; `nil` at infinity. Scalars may be any value < n.
    package static func ecLinearCombination(_ curve: ECCurve, g: [UInt8], point bytes: [UInt8], p: [UInt8]) throws
        -> [UInt8]?
    {
        try withGroup(curve) { group, _, context in
            let point = try decode(bytes, group: group, context: context, curve: curve)
            defer { EC_POINT_free(point) }
            let gScalar = try bignum(g)
            defer { BN_clear_free(gScalar) }
            let pScalar = try bignum(p)
            defer { BN_clear_free(pScalar) }
            guard let result = EC_POINT_new(group) else { throw osslFailure("EC_POINT_new") }
            defer { EC_POINT_free(result) }
            try osslCheck(EC_POINT_mul(group, result, gScalar, point, pScalar, context), "EC_POINT_mul")
            if EC_POINT_is_at_infinity(group, result) != 0 { return nil }
            return try encode(result, group: group, context: context, compressed: false, curve: curve)
        }
    }

    // MARK: Helpers

    private static func der(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + DERLength.encode(content.count) + content
    }

    /// Runs `body` with the curve's group, its order and a BN_CTX.
    private static func withGroup<R>(
        _ curve: ECCurve, _ body: (OpaquePointer, OpaquePointer, OpaquePointer) throws -> R
    ) throws -> R {
        guard let group = EC_GROUP_new_by_curve_name(curve.nid) else { throw osslFailure("EC_GROUP_new_by_curve_name") }
        defer { EC_GROUP_free(group) }
        guard let order = EC_GROUP_get0_order(group) else { throw osslFailure("EC_GROUP_get0_order") }
        guard let context = BN_CTX_new() else { throw osslFailure("BN_CTX_new") }
        defer { BN_CTX_free(context) }
        let result = try body(group, order, context)
        ERR_clear_error()
        return result
    }

    /// A point from its uncompressed encoding; `invalidKey` if malformed or not on the curve. Caller frees it.
    private static func decode(
        _ bytes: [UInt8], group: OpaquePointer, context: OpaquePointer, curve: ECCurve
    ) throws -> OpaquePointer {
        guard bytes.count == curve.uncompressedPointByteCount, bytes.first == 0x04 else { throw fail(.invalidKey) }
        guard let point = EC_POINT_new(group) else { throw osslFailure("EC_POINT_new") }
        let ok = withBytes(bytes) { pointer, count in EC_POINT_oct2point(group, point, pointer, count, context) }
        guard ok == 1, EC_POINT_is_on_curve(group, point, context) == 1,
            EC_POINT_is_at_infinity(group, point) == 0
        else {
            EC_POINT_free(point)
            throw fail(.invalidKey)
        }
        return point
    }

    private static func encode(
        _ point: OpaquePointer, group: OpaquePointer, context: OpaquePointer, compressed: Bool, curve: ECCurve
    ) throws -> [UInt8] {
        let form = compressed ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED
        let count = compressed ? curve.coordinateByteCount + 1 : curve.uncompressedPointByteCount
        return try withOutput(capacity: count) { out, capacity in
            let written = EC_POINT_point2oct(group, point, form, out, capacity, context)
            guard written == count else { throw osslFailure("EC_POINT_point2oct") }
            return written
        }
    }
}

/// DER definite lengths for the engine's hand-built structures.
enum DERLength {
    static func encode(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(truncatingIfNeeded: count)] }
        var bytes: [UInt8] = []
        var remaining = count
        while remaining > 0 {
            bytes.insert(UInt8(truncatingIfNeeded: remaining), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(truncatingIfNeeded: bytes.count)] + bytes
    }
}
