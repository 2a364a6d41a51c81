import EP11

// The mock's own parsing of the `ParameterB` bytes of CKM_AES_GCM and CKM_AES_CTR. GREP11 has no proto message
// for either and their encoding on HPCS is not documented; the mock reads `CK_GCM_PARAMS` / `CK_AES_CTR_PARAMS`
// flattened as a 64-bit big-endian host lays them out, every pointer replaced by the bytes it points to
// (documented in the HSMMock article, "What the mock implements").

/// `CK_GCM_PARAMS` as `ivLength(8) || iv || ivBits(8) || aadLength(8) || aad || tagBits(8)`.
struct GCMParameterBlock {
    let iv: [UInt8]
    let aad: [UInt8]
    let tagByteCount: Int

    /// Tag lengths NIST SP 800-38D allows.
    static let tagBitChoices: Set<UInt64> = [32, 64, 96, 104, 112, 120, 128]

    /// What reading past the end of a mechanism parameter throws.
    static let truncated = HSMFailure(.mechanismParamInvalid, "the parameter is truncated")

    init(_ mechanism: Grep11_Mechanism) throws(HSMFailure) {
        guard case .parameterB(let data)? = mechanism.parameter else {
            throw HSMFailure(.mechanismParamInvalid, "AES-GCM needs its parameters")
        }
        var reader = ByteReader(Array(data), failure: Self.truncated)
        let ivLength = try reader.readUInt64()
        guard ivLength >= 1, ivLength <= UInt64(SoftCrypto.maxGCMNonceByteCount) else {
            throw HSMFailure(.mechanismParamInvalid, "the GCM IV must be 1 to \(SoftCrypto.maxGCMNonceByteCount) bytes")
        }
        iv = try reader.readBytes(count: Int(ivLength))
        let ivBits = try reader.readUInt64()
        guard ivBits == 0 || ivBits == ivLength * 8 else {
            throw HSMFailure(.mechanismParamInvalid, "the GCM IV bit count does not match its length")
        }
        let aadLength = try reader.readUInt64()
        guard aadLength <= UInt64(HSMCore.maximumStateData) else {
            throw HSMFailure(.mechanismParamInvalid, "the GCM AAD is too long")
        }
        aad = try reader.readBytes(count: Int(aadLength))
        let tagBits = try reader.readUInt64()
        guard Self.tagBitChoices.contains(tagBits) else {
            throw HSMFailure(.mechanismParamInvalid, "GCM tags are 32, 64 or 96 to 128 bits")
        }
        tagByteCount = Int(tagBits / 8)
        guard reader.isAtEnd else {
            throw HSMFailure(.mechanismParamInvalid, "trailing bytes after the GCM parameters")
        }
    }
}

/// `CK_AES_CTR_PARAMS`: the bare 16-byte counter block (all 128 bits count), or `counterBits(8) || counterBlock`.
struct CTRParameterBlock {
    let counterBlock: [UInt8]
    let counterBits: Int

    init(_ mechanism: Grep11_Mechanism) throws(HSMFailure) {
        guard case .parameterB(let data)? = mechanism.parameter else {
            throw HSMFailure(.mechanismParamInvalid, "AES-CTR needs a counter block")
        }
        let bytes = Array(data)
        switch bytes.count {
        case 16:
            counterBlock = bytes
            counterBits = 128
        case 24:
            var reader = ByteReader(bytes, failure: GCMParameterBlock.truncated)
            let bits = try reader.readUInt64()
            guard bits >= 1, bits <= 128 else {
                throw HSMFailure(.mechanismParamInvalid, "the CTR counter is 1 to 128 bits")
            }
            counterBits = Int(bits)
            counterBlock = try reader.readBytes(count: 16)
        default:
            throw HSMFailure(.mechanismParamInvalid, "the CTR parameter is a 16-byte counter block")
        }
    }

    /// Whether `blocks` more blocks, counted from `block`, would run the counter past the end of its bits.
    static func wouldWrap(_ block: [UInt8], counterBits: Int, blocks: UInt64) -> Bool {
        guard blocks > 0, block.count == 16 else { return false }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = (high << 8) | UInt64(block[index]) }
        for index in 8..<16 { low = (low << 8) | UInt64(block[index]) }
        if counterBits <= 64 {
            let mask: UInt64 = counterBits == 64 ? .max : (UInt64(1) << UInt64(counterBits)) - 1
            return blocks - 1 > mask - (low & mask)
        }
        let highMask: UInt64 = counterBits == 128 ? .max : (UInt64(1) << UInt64(counterBits - 64)) - 1
        guard high & highMask == highMask else { return false }  // at least 2^64 values left
        return blocks - 1 > ~low
    }

    /// `block` advanced by `blocks` as a 128-bit big-endian integer.
    static func advance(_ block: [UInt8], by blocks: UInt64) -> [UInt8] {
        var result = block
        var carry = blocks
        var index = result.count - 1
        while carry > 0, index >= 0 {
            let sum = UInt64(result[index]) + (carry & 0xFF)
            result[index] = UInt8(truncatingIfNeeded: sum)
            carry = (carry >> 8) + (sum >> 8)
            index -= 1
        }
        return result
    }
}
