import EP11

/// A secret-key block cipher in one of the PKCS#11 modes the mock implements: AES and DES3, each in ECB, CBC and
/// CBC with PKCS#7 padding. One type so that single-part, multi-part and key wrapping share the block logic.
struct BlockCipher {
    enum Algorithm {
        case aes, des3

        var keyType: KeyType { self == .aes ? .aes : .des3 }
        var blockSize: Int { self == .aes ? 16 : 8 }
    }

    enum Mode {
        case ecb, cbc, cbcPad
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
        case .des3ECB: (.des3, .ecb)
        case .des3CBC: (.des3, .cbc)
        case .des3CBCPad: (.des3, .cbcPad)
        default: nil
        }
    }

    var blockSize: Int { algorithm.blockSize }

    /// The IV a CBC mechanism carries (one block), or an empty chaining value for ECB.
    func initialChainingValue(_ mechanism: Grep11_Mechanism) throws(HSMFailure) -> [UInt8] {
        mode == .ecb ? [] : try HSMCore.iv(mechanism, count: blockSize)
    }

    /// Whole blocks, no padding.
    func blocks(encrypt: Bool, chainingValue: [UInt8], data: [UInt8]) throws(HSMFailure) -> [UInt8] {
        try run(encrypt: encrypt, iv: chainingValue, data: data, padding: false)
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
            case (.aes, _): try SoftCrypto.aesCBC(encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
            case (.des3, .ecb): try SoftCrypto.des3ECB(encrypt: encrypt, key: key, data: data)
            case (.des3, _): try SoftCrypto.des3CBC(encrypt: encrypt, key: key, iv: iv, data: data, padding: padding)
            }
        }
    }
}
