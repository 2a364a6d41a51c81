import COpenSSL
import Synchronization

/// Finite-field cryptography: DSA signatures and Diffie-Hellman over caller-given domain parameters.
extension SoftCrypto {
    /// Finite-field domain parameters, big-endian unsigned integers: prime p, subprime q (required for DSA,
    /// optional for DH), generator g.
    package struct FFCParameters: Hashable, Sendable {
        package var prime: [UInt8]
        package var subprime: [UInt8]?
        package var base: [UInt8]

        package init(prime: [UInt8], subprime: [UInt8]?, base: [UInt8]) {
            self.prime = Array(prime.drop { $0 == 0 })
            self.subprime = subprime.map { Array($0.drop { $0 == 0 }) }
            self.base = Array(base.drop { $0 == 0 })
        }

        /// Bit length of p.
        package var primeBits: Int {
            guard let first = prime.first else { return 0 }
            return (prime.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
        /// Bit length of q (0 when absent).
        package var subprimeBits: Int {
            guard let q = subprime, let first = q.first else { return 0 }
            return (q.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
    }

    package enum FFCAlgorithm: String, Sendable {
        case dsa = "DSA"
        case dh = "DH"
    }

    /// Parameter sets that passed ``checkFFCParameters(_:for:)`` (the primality tests are the slow part).
    private static let checkedParameters = Mutex<Set<FFCParameters>>([])

    /// Checks domain parameters: for DSA, (L, N) is a FIPS 186-4 size ((1024, 160), (2048, 224), (2048, 256),
    /// (3072, 256)), p and q are probable primes, q divides p − 1, 1 < g < p and g^q ≡ 1 (mod p); for DH,
    /// 1024 ≤ L ≤ 4096, p is a probable prime, 1 < g < p − 1 and, when q is given, q is prime and g^q ≡ 1.
    /// Safe-prime structure of a DH p is not required.
    /// - Throws: `unsupported` for a size outside those ranges, `invalidParameter` for anything else wrong.
    package static func checkFFCParameters(_ parameters: FFCParameters, for algorithm: FFCAlgorithm) throws {
        if checkedParameters.withLock({ $0.contains(parameters) }) { return }
        let bits = parameters.primeBits
        switch algorithm {
        case .dsa:
            guard parameters.subprime != nil else { throw fail(.invalidParameter) }
            let sizes = [(1024, 160), (2048, 224), (2048, 256), (3072, 256)]
            guard sizes.contains(where: { $0.0 == bits && $0.1 == parameters.subprimeBits }) else {
                throw fail(.unsupported)
            }
        case .dh:
            guard (1024...4096).contains(bits) else { throw fail(.unsupported) }
        }
        guard let ctx = BN_CTX_new() else { throw osslFailure("BN_CTX_new") }
        defer { BN_CTX_free(ctx) }
        let p = try bignum(parameters.prime)
        defer { BN_free(p) }
        let g = try bignum(parameters.base)
        defer { BN_free(g) }
        guard let pMinusOne = BN_dup(p) else { throw osslFailure("BN_dup") }
        defer { BN_free(pMinusOne) }
        try osslCheck(BN_sub_word(pMinusOne, 1), "BN_sub_word")
        guard BN_is_odd(p) == 1, BN_cmp(g, BN_value_one()) > 0 else { throw fail(.invalidParameter) }
        switch algorithm {
        case .dsa: guard BN_cmp(g, p) < 0 else { throw fail(.invalidParameter) }
        case .dh: guard BN_cmp(g, pMinusOne) < 0 else { throw fail(.invalidParameter) }
        }
        guard BN_check_prime(p, ctx, nil) == 1 else { throw fail(.invalidParameter) }
        if let subprime = parameters.subprime {
            let q = try bignum(subprime)
            defer { BN_free(q) }
            guard let remainder = BN_new(), let power = BN_new() else { throw osslFailure("BN_new") }
            defer {
                BN_free(remainder)
                BN_free(power)
            }
            guard BN_is_zero(q) == 0, BN_div(nil, remainder, pMinusOne, q, ctx) == 1 else {
                throw fail(.invalidParameter)
            }
            guard BN_is_zero(remainder) == 1, BN_check_prime(q, ctx, nil) == 1 else { throw fail(.invalidParameter) }
            try osslCheck(BN_mod_exp(power, g, q, p, ctx), "BN_mod_exp")
            guard BN_is_one(power) == 1 else { throw fail(.invalidParameter) }
        }
        checkedParameters.withLock { checked in
            if checked.count >= 64 { checked.removeAll() }
            checked.insert(parameters)
        }
    }

    /// Generates a DSA or DH key pair on checked domain parameters.
    /// - Returns: the PKCS#8 private key and the SubjectPublicKeyInfo (id-dsa with Dss-Parms, or dhKeyAgreement
    ///   with PKCS #3 DHParameter).
    package static func generateFFC(_ algorithm: FFCAlgorithm, parameters: FFCParameters) throws
        -> (privateKeyPKCS8: [UInt8], publicKeySPKI: [UInt8])
    {
        try checkFFCParameters(parameters, for: algorithm)
        let domain = try ffcKey(algorithm, parameters: parameters, publicValue: nil)
        defer { EVP_PKEY_free(domain) }
        let ctx = try newContext(domain)
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_keygen_init(ctx), "EVP_PKEY_keygen_init")
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else { throw osslFailure("EVP_PKEY_generate") }
        defer { EVP_PKEY_free(pkey) }
        return (try exportPKCS8(pkey), try exportSPKI(pkey))
    }

    /// The domain parameters of a DSA or DH key (private PKCS#8 or public SPKI).
    package static func ffcParameters(privateKeyPKCS8 der: [UInt8]) throws -> FFCParameters {
        try withPrivateKey(der) { try ffcParameters(of: $0) }
    }

    /// The domain parameters and public value y of a DSA or DH SubjectPublicKeyInfo.
    package static func ffcPublicKey(_ spki: [UInt8]) throws -> (parameters: FFCParameters, publicValue: [UInt8]) {
        try withPublicKey(spki) { pkey in
            let publicValue = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_PUB_KEY) { try bytes(of: $0) }
            return (try ffcParameters(of: pkey), publicValue)
        }
    }

    /// DSA over `digest` (1 to 64 bytes; OpenSSL uses its leftmost N bits).
    /// - Returns: raw r‖s, each half left-padded to the byte length of q.
    package static func dsaSign(privateKeyPKCS8: [UInt8], digest: [UInt8]) throws -> [UInt8] {
        guard (1...64).contains(digest.count) else { throw fail(.invalidLength) }
        return try withPrivateKey(privateKeyPKCS8) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_DSA else { throw fail(.invalidKey) }
            let size = (try ffcParameters(of: pkey).subprimeBits + 7) / 8
            return try signRS(pkey, digest: digest, halfSize: size)
        }
    }

    /// Verifies a raw r‖s DSA signature over `digest`.
    /// - Throws: `invalidSignature` for a wrong length, r or s out of (0, q), or no match; `invalidLength` for a
    ///   digest outside 1 to 64 bytes; `invalidKey` for a key that is not DSA.
    package static func dsaVerify(publicKeySPKI: [UInt8], digest: [UInt8], signature: [UInt8]) throws {
        guard (1...64).contains(digest.count) else { throw fail(.invalidLength) }
        try withPublicKey(publicKeySPKI) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_DSA else { throw fail(.invalidKey) }
            let parameters = try ffcParameters(of: pkey)
            let size = (parameters.subprimeBits + 7) / 8
            guard size > 0, signature.count == 2 * size, let subprime = parameters.subprime else {
                throw fail(.invalidSignature)
            }
            let q = try bignum(subprime)
            defer { BN_free(q) }
            var r: OpaquePointer? = try bignum(Array(signature.prefix(size)))
            var s: OpaquePointer? = try? bignum(Array(signature.suffix(size)))
            defer {
                BN_free(r)
                BN_free(s)
            }
            guard let rBN = r, let sBN = s else { throw osslFailure("BN_bin2bn") }
            guard BN_is_zero(rBN) == 0, BN_is_zero(sBN) == 0, BN_cmp(rBN, q) < 0, BN_cmp(sBN, q) < 0 else {
                throw fail(.invalidSignature)
            }
            guard let sig = ECDSA_SIG_new() else { throw osslFailure("ECDSA_SIG_new") }
            defer { ECDSA_SIG_free(sig) }
            try osslCheck(ECDSA_SIG_set0(sig, rBN, sBN), "ECDSA_SIG_set0")
            r = nil
            s = nil
            let der = try i2d("i2d_DSA_SIG") { i2d_ECDSA_SIG(sig, $0) }
            try verifyDER(pkey, signature: der, digest: digest)
        }
    }

    /// PKCS #3 Diffie-Hellman between a DH private key and the peer's public value y (big-endian) on the same
    /// domain parameters.
    /// - Returns: the shared secret, left-padded to the byte length of p.
    /// - Throws: `invalidParameter` when y is not in [2, p − 2] (or fails the subgroup check when q is known).
    package static func dhDerive(privateKeyPKCS8: [UInt8], peerPublicValue: [UInt8]) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_DH else { throw fail(.invalidKey) }
            let parameters = try ffcParameters(of: pkey)
            let value = Array(peerPublicValue.drop { $0 == 0 })
            guard !value.isEmpty, value.count <= parameters.prime.count else { throw fail(.invalidParameter) }
            let peer: OpaquePointer
            do {
                peer = try ffcKey(.dh, parameters: parameters, publicValue: value)
            } catch {
                throw fail(.invalidParameter)
            }
            defer { EVP_PKEY_free(peer) }
            let check = try newContext(peer)
            defer { EVP_PKEY_CTX_free(check) }
            guard EVP_PKEY_public_check(check) == 1 else { throw fail(.invalidParameter) }
            let ctx = try newContext(pkey)
            defer { EVP_PKEY_CTX_free(ctx) }
            try osslCheck(EVP_PKEY_derive_init(ctx), "EVP_PKEY_derive_init")
            try osslCheck(EVP_PKEY_CTX_set_dh_pad(ctx, 1), "EVP_PKEY_CTX_set_dh_pad")
            guard EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 else { throw fail(.invalidParameter) }
            let secret = try derivedSecret(ctx)
            guard secret.count == parameters.prime.count else { throw fail(.internalFailure("DH secret length")) }
            return secret
        }
    }

    // MARK: Helpers

    static func ffcParameters(of pkey: OpaquePointer) throws -> FFCParameters {
        let prime = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_FFC_P) { try bytes(of: $0) }
        let base = try withBigNumParameter(pkey, OSSL_PKEY_PARAM_FFC_G) { try bytes(of: $0) }
        // q is optional: PKCS #3 DH parameters have none.
        var q: OpaquePointer? = nil
        defer { BN_free(q) }
        let subprime: [UInt8]? =
            if EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_Q, &q) == 1, let q { try bytes(of: q) } else { nil }
        ERR_clear_error()
        return FFCParameters(prime: prime, subprime: subprime, base: base)
    }

    /// A DSA or DH EVP_PKEY holding the domain parameters and, when given, a public value; caller frees it.
    static func ffcKey(_ algorithm: FFCAlgorithm, parameters: FFCParameters, publicValue: [UInt8]?) throws
        -> OpaquePointer
    {
        guard let builder = OSSL_PARAM_BLD_new() else { throw osslFailure("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        var numbers: [OpaquePointer] = []
        // The builder keeps the key pointers, not copies, until the parameters are used: they must outlive
        // EVP_PKEY_fromdata, which a Swift string's temporary C string does not.
        var keys: [UnsafeMutablePointer<CChar>] = []
        defer {
            numbers.forEach { BN_free($0) }
            keys.forEach { free($0) }
        }
        func push(_ name: String, _ value: [UInt8]) throws {
            let number = try bignum(value)
            numbers.append(number)
            guard let key = strdup(name) else { throw fail(.internalFailure("strdup")) }
            keys.append(key)
            try osslCheck(OSSL_PARAM_BLD_push_BN(builder, key, number), "OSSL_PARAM_BLD_push_BN")
        }
        try push(OSSL_PKEY_PARAM_FFC_P, parameters.prime)
        if let q = parameters.subprime { try push(OSSL_PKEY_PARAM_FFC_Q, q) }
        try push(OSSL_PKEY_PARAM_FFC_G, parameters.base)
        if let publicValue { try push(OSSL_PKEY_PARAM_PUB_KEY, publicValue) }
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw osslFailure("OSSL_PARAM_BLD_to_param") }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, algorithm.rawValue, nil) else {
            throw osslFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try osslCheck(EVP_PKEY_fromdata_init(ctx), "EVP_PKEY_fromdata_init")
        let selection =
            publicValue == nil ? hpcs_evp_pkey_key_parameters_selection() : hpcs_evp_pkey_public_key_selection()
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1, let pkey else {
            throw fail(.invalidParameter)
        }
        return pkey
    }
}
