import COpenSSL

extension SoftCrypto {
    /// The kind (and for EC the curve) of a DER private key.
    /// - Throws: `invalidKey` for unparseable bytes, `unsupported` for other key types / curves.
    package static func privateKeyKind(_ privateKeyPKCS8: [UInt8]) throws -> PrivateKeyKind {
        try withPrivateKey(privateKeyPKCS8) { pkey in try kind(of: pkey) }
    }

    /// The full consistency check of a private key brought in from outside (unwrap): for RSA, OpenSSL's key
    /// validation (n = p·q, d·e ≡ 1, and the CRT values dP, dQ, qInv); EC keys were pairwise-checked by the parse.
    /// Costs a few milliseconds, so it runs once per import, not per use.
    package static func checkImportedPrivateKey(_ privateKeyPKCS8: [UInt8]) throws {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            guard case .rsa = try kind(of: pkey) else { return }
            guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw fail(.invalidKey) }
            defer { EVP_PKEY_CTX_free(ctx) }
            let valid = EVP_PKEY_check(ctx)
            ERR_clear_error()
            guard valid == 1 else { throw fail(.invalidKey) }
        }
    }

    /// The public key matching a DER private key: SubjectPublicKeyInfo DER for RSA
    /// and EC (named curve, uncompressed point), the raw 32 bytes for Ed25519.
    package static func publicKeyFromPrivate(_ privateKeyPKCS8: [UInt8]) throws -> [UInt8] {
        try withPrivateKey(privateKeyPKCS8) { pkey in
            switch try kind(of: pkey) {
            case .rsa:
                return try exportSPKI(pkey)
            case .ec(let curve):
                let point = try uncompressedPoint(of: pkey, curve: curve)
                return try ecPublicKeySPKI(curve: curve, point: point)
            case .ed25519:
                return try rawPublicKey(of: pkey, count: 32)
            }
        }
    }

    static func kind(of pkey: OpaquePointer) throws -> PrivateKeyKind {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA: return .rsa
        case EVP_PKEY_EC: return .ec(try curve(of: pkey))
        case EVP_PKEY_ED25519: return .ed25519
        default: throw fail(.unsupported)
        }
    }

    /// The raw public key of a raw-key algorithm (Ed25519), checked to be `count` bytes.
    static func rawPublicKey(of pkey: OpaquePointer, count: Int) throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(pkey, nil, &length) == 1, length == count else {
            throw osslFailure("EVP_PKEY_get_raw_public_key")
        }
        return try withOutput(capacity: count) { out, capacity in
            var written = capacity
            try osslCheck(EVP_PKEY_get_raw_public_key(pkey, out, &written), "EVP_PKEY_get_raw_public_key")
            return written
        }
    }
}
