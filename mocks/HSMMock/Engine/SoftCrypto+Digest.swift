import COpenSSL

extension SoftCrypto {
    /// Upper bound on one `randomBytes` request (1 MiB).
    package static let maxRandomByteCount = 1 << 20

    /// `count` cryptographically strong random bytes (RAND_bytes).
    /// - Throws: `invalidParameter` if `count` is negative or above ``maxRandomByteCount``.
    package static func randomBytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= maxRandomByteCount else { throw fail(.invalidParameter) }
        if count == 0 { return [] }
        let countC = try int32Length(count)
        return try withOutput(capacity: count) { base, capacity in
            try osslCheck(RAND_bytes(base, countC), "RAND_bytes")
            return capacity
        }
    }

    /// The `algorithm` digest of `data`.
    package static func digest(_ algorithm: DigestAlgorithm, _ data: [UInt8]) throws -> [UInt8] {
        let md = try evpMD(algorithm)
        return try withBytes(data) { ptr, count in
            try withOutput(capacity: Int(EVP_MAX_MD_SIZE)) { out, _ in
                var length: UInt32 = 0
                try osslCheck(EVP_Digest(ptr, count, out, &length, md, nil), "EVP_Digest")
                return Int(length)
            }
        }
    }

    /// HMAC (RFC 2104) of `data` under `key` (any key length, including empty).
    package static func hmac(_ algorithm: DigestAlgorithm, key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        try quickMAC("HMAC", subAlgorithm: algorithm.opensslName, key: key, data: data)
    }

    /// AES-CMAC (RFC 4493 / NIST SP 800-38B) of `data`; the key must be 16, 24 or 32 bytes.
    /// Returns the full 16-byte MAC.
    package static func cmacAES(key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let cipherName: String
        switch key.count {
        case 16: cipherName = "AES-128-CBC"
        case 24: cipherName = "AES-192-CBC"
        case 32: cipherName = "AES-256-CBC"
        default: throw fail(.invalidKey)
        }
        return try quickMAC("CMAC", subAlgorithm: cipherName, key: key, data: data)
    }

    /// One-shot EVP_MAC (`EVP_Q_mac`).
    private static func quickMAC(
        _ name: String,
        subAlgorithm: String,
        key: [UInt8],
        data: [UInt8]
    ) throws -> [UInt8] {
        try withBytes(key) { keyPtr, keyCount in
            try withBytes(data) { dataPtr, dataCount in
                try withOutput(capacity: Int(EVP_MAX_MD_SIZE)) { out, capacity in
                    var length = 0
                    let result = EVP_Q_mac(
                        nil, name, nil, subAlgorithm, nil,
                        keyPtr, keyCount, dataPtr, dataCount,
                        out, capacity, &length)
                    guard result != nil else { throw osslFailure("EVP_Q_mac(\(name))") }
                    return length
                }
            }
        }
    }
}
