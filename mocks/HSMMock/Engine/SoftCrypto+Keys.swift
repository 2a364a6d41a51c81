import COpenSSL

extension SoftCrypto {
    /// The kind (and for EC the curve) of a DER private key.
    /// - Throws: `invalidKey` for unparseable bytes, `unsupported` for other key types / curves.
    package static func privateKeyKind(_ privateKeyPKCS8: [UInt8]) throws -> PrivateKeyKind {
        try withPrivateKey(privateKeyPKCS8) { pkey in try kind(of: pkey) }
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
            guard EVP_PKEY_get_raw_public_key(pkey, out, &written) == 1 else {
                throw osslFailure("EVP_PKEY_get_raw_public_key")
            }
            return written
        }
    }
}
