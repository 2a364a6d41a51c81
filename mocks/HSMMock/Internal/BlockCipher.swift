import EP11

/// A secret-key block cipher in one of the PKCS#11 modes the mock implements: AES and DES3, each in ECB, CBC and
/// CBC with PKCS#7 padding, and AES also in CTR and GCM. One type so that single-part, multi-part and key
/// wrapping share the block logic.
struct BlockCipher {
    enum Algorithm {
        case aes, des3

        var keyType: KeyType { self == .aes ? .aes : .des3 }
        var blockSize: Int { self == .aes ? 16 : 8 }
    }

    enum Mode {
        case ecb, cbc, cbcPad
        /// AES-CTR: a stream mode, any data length, output as the input arrives.
        case ctr
        /// AES-GCM: ciphertext followed by the tag; multi-part output comes at the final call.
        case gcm
    }

    let algorithm: Algorithm
    let mode: Mode
    let key: [UInt8]

    /// The algorithm and mode of a block-cipher mechanism, or nil for any other mechanism.
    static func parts(of type: MechanismType) -> (Algorithm, Mode)? {
        switch type {
        case .aesECB: (.aes, .ecb)
        case .aesCBC: (.aes, .cbc)
        case .aesCBCPad: (.aes, .cbcPad)
        case .aesCTR: (.aes, .ctr)
        case .aesGCM: (.aes, .gcm)
        case .des3ECB: (.des3, .ecb)
        case .des3CBC: (.des3, .cbc)
        case .des3CBCPad: (.des3, .cbcPad)
        default: nil
        }
    }

    var blockSize: Int { algorithm.blockSize }

    /// The IV a CBC mechanism carries (one block), the initial counter block of CTR, or an empty chaining value
    /// for ECB and GCM (whose parameters are checked here and read again at the final call).
    func initialChainingValue(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> [UInt8] {
        switch mode {
        case .ecb: return []
        case .cbc, .cbcPad: return try HSMCore.iv(mechanism, count: blockSize)
        case .ctr: return try CTRParameterBlock(mechanism).counterBlock
        case .gcm:
            _ = try GCMParameterBlock(mechanism)
            return []
        }
    }

    /// Whole blocks, no padding.
    func blocks(encrypt: Bool, chainingValue: [UInt8], data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        try run(encrypt: encrypt, iv: chainingValue, data: data, padding: false)
    }

    /// A whole single-part operation with the mechanism's parameters: the block modes, CTR and GCM.
    func single(encrypt: Bool, mechanism: Grep11_Mechanism, data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        switch mode {
        case .ctr:
            let parameters = try CTRParameterBlock(mechanism)
            return try counter(parameters.counterBlock, counterBits: parameters.counterBits, data: data)
        case .gcm:
            return try gcm(encrypt: encrypt, parameters: try GCMParameterBlock(mechanism), data: data)
        case .ecb, .cbc, .cbcPad:
            return try single(encrypt: encrypt, chainingValue: try initialChainingValue(mechanism), data: data)
        }
    }

    /// AES-CTR from counter block `block`; refuses data that would run the counter past its bits.
    func counter(_ block: [UInt8], counterBits: Int, data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        let blocks = UInt64(data.count / 16) + (data.count % 16 == 0 ? 0 : 1)
        guard !CTRParameterBlock.wouldWrap(block, counterBits: counterBits, blocks: blocks) else {
            throw HSMFailure(.dataLenRange, "the data would wrap the CTR counter")
        }
        let key = self.key
        return try HSMCore.engine { try SoftCrypto.aesCTR(key: key, iv: block, data: data) }
    }

    /// AES-GCM: encryption returns ciphertext || tag; decryption takes the same and checks the tag.
    func gcm(encrypt: Bool, parameters: GCMParameterBlock, data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        let key = self.key
        if encrypt {
            let (ciphertext, tag) = try HSMCore.engine {
                try SoftCrypto.aesGCMSeal(
                    key: key, nonce: parameters.iv, aad: parameters.aad, plaintext: data,
                    tagLength: parameters.tagByteCount)
            }
            return ciphertext + tag
        }
        guard data.count >= parameters.tagByteCount else {
            throw HSMFailure(.encryptedDataLenRange, "the ciphertext is shorter than the tag")
        }
        let split = data.count - parameters.tagByteCount
        let ciphertext = Array(data[0..<split])
        let tag = Array(data[split...])
        return try HSMCore.engine(decrypting: true) {
            try SoftCrypto.aesGCMOpen(
                key: key, nonce: parameters.iv, aad: parameters.aad, ciphertext: ciphertext, tag: tag)
        }
    }

    /// The mechanism's own padding rule: PKCS#7 for CBC_PAD, whole blocks otherwise.
    func single(encrypt: Bool, chainingValue: [UInt8], data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        if !encrypt, mode == .cbcPad, data.isEmpty || data.count % blockSize != 0 {
            throw HSMFailure(.encryptedDataLenRange, "ciphertext is not a whole number of blocks")
        }
        return try run(encrypt: encrypt, iv: chainingValue, data: data, padding: mode == .cbcPad)
    }

    private func run(encrypt: Bool, iv: [UInt8], data: [UInt8], padding: Bool) throws(HSMFailure) -> [UInt8] {
        let key = self.key
        return try HSMCore.engine(decrypting: !encrypt) {
            switch (algorithm, mode) {
            case (.aes, .ecb): try SoftCrypto.aesECB(encrypt: encrypt, key: key, data: data)
            case (_, .ctr), (_, .gcm): throw SoftCryptoError.unsupported
            case (.aes, _): try SoftCrypto.aesCBC(encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
            case (.des3, .ecb): try SoftCrypto.des3ECB(encrypt: encrypt, key: key, data: data)
            case (.des3, _): try SoftCrypto.des3CBC(encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
            }
        }
    }
}
