import COpenSSL

// Internal plumbing shared by the SoftCrypto extensions: byte-buffer bridging,
// OpenSSL error-queue handling, DER import/export of EVP_PKEYs and OSSL_PARAM
// construction. Nothing in here is part of the engine's API.

extension SoftCrypto {
    // MARK: Errors

    /// Clears this thread's OpenSSL error queue and returns `error`.
    static func fail(_ error: SoftCryptoError) -> SoftCryptoError {
        ERR_clear_error()
        return error
    }

    /// Throws ``osslFailure(_:)`` naming `step` unless `result`, what an OpenSSL call returned, is 1 (success).
    static func osslCheck(_ result: Int32, _ step: String) throws {
        guard result == 1 else { throw osslFailure(step) }
    }

    /// An `internalFailure` naming `step` and OpenSSL's most recent reason.
    /// Clears the error queue.
    static func osslFailure(_ step: String) -> SoftCryptoError {
        let code = ERR_peek_last_error()
        var reason = "no OpenSSL error"
        if code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { buf in
                if let base = buf.baseAddress {
                    ERR_error_string_n(code, base, buf.count)
                }
            }
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            reason = String(decoding: bytes, as: UTF8.self)
        }
        ERR_clear_error()
        return .internalFailure("\(step): \(reason)")
    }

    // MARK: Buffers

    /// Calls `body` with a non-null pointer to `bytes` and their count
    /// (a dummy pointer with count 0 for an empty array).
    static func withBytes<R>(
        _ bytes: [UInt8],
        _ body: (UnsafePointer<UInt8>, Int) throws -> R
    ) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buf in
            if let base = buf.baseAddress, buf.count > 0 {
                return try body(base, buf.count)
            }
            let dummy: UInt8 = 0
            return try withUnsafePointer(to: dummy) { try body($0, 0) }
        }
    }

    /// Allocates `capacity` bytes (at least one), lets `body` fill them and
    /// return how many it wrote, and returns exactly those bytes.
    static func withOutput(
        capacity: Int,
        _ body: (UnsafeMutablePointer<UInt8>, Int) throws -> Int
    ) throws -> [UInt8] {
        guard capacity >= 0 else { throw fail(.invalidLength) }
        var out = [UInt8](repeating: 0, count: Swift.max(capacity, 1))
        let written = try out.withUnsafeMutableBufferPointer { buf -> Int in
            guard let base = buf.baseAddress else { throw fail(.internalFailure("buffer allocation")) }
            return try body(base, capacity)
        }
        guard written >= 0, written <= capacity else {
            throw fail(.internalFailure("output length out of range"))
        }
        out.removeSubrange(written...)
        return out
    }

    /// Converts a byte count to the `int` many OpenSSL calls take.
    static func int32Length(_ count: Int) throws -> Int32 {
        guard let value = Int32(exactly: count) else { throw fail(.invalidLength) }
        return value
    }

    /// Serialises with an OpenSSL `i2d_*`-style function (called twice: size, then write).
    static func i2d(
        _ step: String,
        _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
    ) throws -> [UInt8] {
        let length = Int(encode(nil))
        guard length > 0 else { throw osslFailure(step) }
        return try withOutput(capacity: length) { base, _ in
            var cursor: UnsafeMutablePointer<UInt8>? = base
            let written = Int(encode(&cursor))
            guard written == length else { throw osslFailure(step) }
            return written
        }
    }

    // MARK: BIGNUM

    /// Big-endian minimal bytes of `bn` ([] for zero).
    static func bytes(of bn: OpaquePointer) throws -> [UInt8] {
        let bits = Int(BN_num_bits(bn))
        let count = (bits + 7) / 8
        if count == 0 { return [] }
        return try withOutput(capacity: count) { base, _ in
            Int(BN_bn2bin(bn, base))
        }
    }

    /// Big-endian bytes of `bn` left-padded to exactly `count`; throws if it does not fit.
    static func paddedBytes(of bn: OpaquePointer, count: Int) throws -> [UInt8] {
        let countC = try int32Length(count)
        return try withOutput(capacity: count) { base, _ in
            let written = Int(BN_bn2binpad(bn, base, countC))
            guard written == count else { throw fail(.internalFailure("BN_bn2binpad")) }
            return written
        }
    }

    /// A new BIGNUM from big-endian bytes; the caller frees it with `BN_free`.
    static func bignum(_ bytes: [UInt8]) throws -> OpaquePointer {
        let count = try int32Length(bytes.count)
        let bn = withBytes(bytes) { ptr, _ in BN_bin2bn(ptr, count, nil) }
        guard let bn else { throw osslFailure("BN_bin2bn") }
        return bn
    }

    /// Runs `body` with the big-number parameter `name` of `pkey` (such as `OSSL_PKEY_PARAM_RSA_N`), freed after
    /// (cleared first when `secret`); `invalidKey` when the key has no such parameter.
    static func withBigNumParameter<R>(
        _ pkey: OpaquePointer, _ name: String, secret: Bool = false, _ body: (OpaquePointer) throws -> R
    ) throws -> R {
        var value: OpaquePointer? = nil
        defer { secret ? BN_clear_free(value) : BN_free(value) }
        guard EVP_PKEY_get_bn_param(pkey, name, &value) == 1, let value else { throw fail(.invalidKey) }
        return try body(value)
    }

    // MARK: Keys

    /// Parses a DER private key (PKCS#8, or a traditional form OpenSSL recognises).
    /// The caller frees the result with `EVP_PKEY_free`.
    static func parsePrivateKey(_ der: [UInt8]) throws -> OpaquePointer {
        try parseKey(der, isPrivate: true) { cursor, length in d2i_AutoPrivateKey(nil, &cursor, length) }
    }

    /// Parses a DER SubjectPublicKeyInfo. The caller frees the result with `EVP_PKEY_free`.
    static func parsePublicKey(_ der: [UInt8]) throws -> OpaquePointer {
        try parseKey(der, isPrivate: false) { cursor, length in d2i_PUBKEY(nil, &cursor, length) }
    }

    /// Decodes `der` with `decode`, requires it to consume every byte, and validates the key.
    private static func parseKey(
        _ der: [UInt8],
        isPrivate: Bool,
        decode: (inout UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    ) throws -> OpaquePointer {
        guard !der.isEmpty, let length = Int(exactly: der.count) else { throw fail(.invalidKey) }
        let parsed: (OpaquePointer?, Int) = der.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return (nil, 0) }
            var cursor: UnsafePointer<UInt8>? = base
            let key = decode(&cursor, length)
            let consumed = cursor.map { base.distance(to: $0) } ?? 0
            return (key, consumed)
        }
        guard let key = parsed.0 else { throw fail(.invalidKey) }
        guard parsed.1 == der.count else {
            EVP_PKEY_free(key)
            throw fail(.invalidKey)
        }
        do {
            try validateParsedKey(key, isPrivate: isPrivate)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        ERR_clear_error()
        return key
    }

    /// Sanity checks on an imported key so that structurally valid but
    /// mathematically bogus keys fail as `invalidKey` rather than later as
    /// internal failures or silently wrong results:
    /// - EC: the public point is valid (on the curve, correct order) and, for a
    ///   private key, 1 ≤ d < n and Q = d·G (`EVP_PKEY_pairwise_check`).
    /// - RSA: 512 ≤ modulus bits ≤ 16384, n odd, e odd, 1 < e < n (cheap checks
    ///   only; the primes are not re-tested).
    static func validateParsedKey(_ pkey: OpaquePointer, isPrivate: Bool) throws {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_EC:
            guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
                throw osslFailure("EVP_PKEY_CTX_new_from_pkey")
            }
            defer { EVP_PKEY_CTX_free(ctx) }
            let ok = isPrivate ? EVP_PKEY_pairwise_check(ctx) : EVP_PKEY_public_check(ctx)
            guard ok == 1 else { throw fail(.invalidKey) }
        case EVP_PKEY_RSA:
            try withBigNumParameter(pkey, OSSL_PKEY_PARAM_RSA_N) { n in
                try withBigNumParameter(pkey, OSSL_PKEY_PARAM_RSA_E) { e in
                    let bits = BN_num_bits(n)
                    guard bits >= 512, bits <= 16384, BN_is_odd(n) == 1, BN_is_odd(e) == 1, BN_is_one(e) == 0,
                        BN_cmp(e, n) < 0
                    else { throw fail(.invalidKey) }
                }
            }
        default:
            break
        }
    }

    /// Runs `body` with a parsed and validated private key. Parsed keys are cached (see `ParsedKeyCache`), so
    /// parsing and the pairwise check run once per distinct key, not once per operation.
    static func withPrivateKey<R>(_ der: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        let key = try ParsedKeyCache.privateKeys.key(for: der) { try parsePrivateKey(der) }
        return try withExtendedLifetime(key) { try body(key.pointer) }
    }

    /// Runs `body` with a parsed and validated public key (cached like private keys).
    static func withPublicKey<R>(_ der: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        let key = try ParsedKeyCache.publicKeys.key(for: der) { try parsePublicKey(der) }
        return try withExtendedLifetime(key) { try body(key.pointer) }
    }

    /// PKCS#8 PrivateKeyInfo DER of `pkey`.
    static func exportPKCS8(_ pkey: OpaquePointer) throws -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(pkey) else { throw osslFailure("EVP_PKEY2PKCS8") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        return try i2d("i2d_PKCS8_PRIV_KEY_INFO") { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }
    }

    /// SubjectPublicKeyInfo DER of `pkey` (public or private).
    static func exportSPKI(_ pkey: OpaquePointer) throws -> [UInt8] {
        try i2d("i2d_PUBKEY") { i2d_PUBKEY(pkey, $0) }
    }

    /// The EC curve of `pkey`; invalidKey for non-EC keys, unsupported for other curves.
    static func curve(of pkey: OpaquePointer) throws -> ECCurve {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC else { throw fail(.invalidKey) }
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        let ok = buffer.withUnsafeMutableBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress else { return false }
            return EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, base, buf.count, &length) == 1
        }
        guard ok else { throw fail(.unsupported) }  // e.g. explicit curve parameters
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        guard let curve = ECCurve(opensslGroupName: String(decoding: bytes, as: UTF8.self)) else {
            throw fail(.unsupported)
        }
        return curve
    }

    /// A new EVP_PKEY_CTX for `pkey`; the caller frees it with `EVP_PKEY_CTX_free`.
    static func newContext(_ pkey: OpaquePointer) throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            throw osslFailure("EVP_PKEY_CTX_new_from_pkey")
        }
        return ctx
    }

    /// Generates a key with `EVP_PKEY_CTX_new_from_name(name)`; `configure` runs after keygen_init.
    static func generateKey(
        _ name: String,
        configure: (OpaquePointer) throws -> Void
    ) throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
            throw osslFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_keygen_init(ctx), "EVP_PKEY_keygen_init")
        try configure(ctx)
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw osslFailure("EVP_PKEY_generate")
        }
        return pkey
    }

    // MARK: Digests

    static func evpMD(_ algorithm: DigestAlgorithm) throws -> OpaquePointer {
        let md: OpaquePointer? =
            switch algorithm {
            case .sha1: EVP_sha1()
            case .sha224: EVP_sha224()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        guard let md else { throw fail(.unsupported) }
        return md
    }
}

// MARK: - OSSL_PARAM construction

extension SoftCrypto {
    /// Builds an `OSSL_PARAM` array whose keys and values are copied into C memory
    /// owned by the builder (released when the builder goes away).
    final class ParamBuilder {
        private var allocations: [UnsafeMutableRawPointer] = []
        private var params: [OSSL_PARAM] = []

        init() {}

        deinit {
            for pointer in allocations { free(pointer) }
        }

        private func cString(_ string: String) throws -> UnsafeMutablePointer<CChar> {
            guard let copy = strdup(string) else { throw fail(.internalFailure("strdup")) }
            allocations.append(UnsafeMutableRawPointer(copy))
            return copy
        }

        func addUTF8(_ key: String, _ value: String) throws {
            let keyC = try cString(key)
            let valueC = try cString(value)
            params.append(OSSL_PARAM_construct_utf8_string(keyC, valueC, 0))
        }

        func addOctets(_ key: String, _ value: [UInt8]) throws {
            let keyC = try cString(key)
            guard let buffer = malloc(Swift.max(value.count, 1)) else {
                throw fail(.internalFailure("malloc"))
            }
            allocations.append(buffer)
            value.withUnsafeBytes { raw in
                if let base = raw.baseAddress, raw.count > 0 {
                    buffer.copyMemory(from: base, byteCount: raw.count)
                }
            }
            params.append(OSSL_PARAM_construct_octet_string(keyC, buffer, value.count))
        }

        func addUInt(_ key: String, _ value: UInt32) throws {
            let keyC = try cString(key)
            guard let raw = malloc(MemoryLayout<UInt32>.size) else {
                throw fail(.internalFailure("malloc"))
            }
            allocations.append(raw)
            let typed = raw.bindMemory(to: UInt32.self, capacity: 1)
            typed.pointee = value
            params.append(OSSL_PARAM_construct_uint(keyC, typed))
        }

        /// Calls `body` with the END-terminated parameter array.
        func withParams<R>(_ body: (UnsafeMutablePointer<OSSL_PARAM>) throws -> R) rethrows -> R {
            var terminated = params
            terminated.append(OSSL_PARAM_construct_end())
            return try terminated.withUnsafeMutableBufferPointer { buf in
                // A non-empty array always has a base address.
                guard let base = buf.baseAddress else {
                    var end = OSSL_PARAM_construct_end()
                    return try withUnsafeMutablePointer(to: &end) { try body($0) }
                }
                return try body(base)
            }
        }
    }
}
