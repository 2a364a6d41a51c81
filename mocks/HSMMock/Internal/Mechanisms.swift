import EP11

/// What the mock implements: the honest capability list behind GetMechanismList and GetMechanismInfo.
enum MockMechanisms {
    struct Entry {
        let type: MechanismType
        let minKeySize: UInt64
        let maxKeySize: UInt64
        let flags: MechanismInfo.Flags
    }

    /// Every mechanism, in the order GetMechanismList answers with them; neighbours that share their key sizes
    /// and flags are one row.
    static let all: [Entry] = [
        // The first entry must be CKM_RSA_PKCS, as on HPCS.
        family([.rsaPKCS], keySizes: 512...4096, flags: [.encrypt, .decrypt, .sign, .verify, .wrap, .unwrap]),
        family([.rsaPKCSKeyPairGen], keySizes: 1024...4096, flags: [.generateKeyPair]),
        family([.rsaPKCSOAEP], keySizes: 1024...4096, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        family([.rsaPKCSPSS], keySizes: 1024...4096, flags: [.sign, .verify]),
        family([.rsaX509], keySizes: 1024...4096, flags: [.encrypt, .decrypt]),
        family(
            [
                .sha1RSAPKCS, .sha224RSAPKCS, .sha256RSAPKCS, .sha384RSAPKCS, .sha512RSAPKCS, .sha1RSAPKCSPSS,
                .sha224RSAPKCSPSS, .sha256RSAPKCSPSS, .sha384RSAPKCSPSS, .sha512RSAPKCSPSS,
            ],
            keySizes: 1024...4096, flags: [.sign, .verify]),
        family([.sha1, .sha224, .sha256, .sha384, .sha512], keySizes: 0...0, flags: [.digest]),
        family(
            [.sha1HMAC, .sha224HMAC, .sha256HMAC, .sha384HMAC, .sha512HMAC],
            keySizes: 8...2048, flags: [.sign, .verify]),
        family([.genericSecretKeyGen], keySizes: 8...2048, flags: [.generate]),
        family([.aesKeyGen], keySizes: 16...32, flags: [.generate]),
        family([.aesECB, .aesCBC, .aesCBCPad], keySizes: 16...32, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        family([.aesCTR, .aesGCM], keySizes: 16...32, flags: [.encrypt, .decrypt]),
        family([.aesCMAC], keySizes: 16...32, flags: [.sign, .verify]),
        family([.aesKeyWrap, .aesKeyWrapPad], keySizes: 16...32, flags: [.wrap, .unwrap]),
        family([.des3KeyGen], keySizes: 24...24, flags: [.generate]),
        family([.des3ECB, .des3CBC, .des3CBCPad], keySizes: 24...24, flags: [.encrypt, .decrypt]),
        family([.ecKeyPairGen], keySizes: 256...521, flags: [.generateKeyPair, .ecNamedCurve, .ecUncompress]),
        family(
            [.ecdsa, .ecdsaSHA1, .ecdsaSHA224, .ecdsaSHA256, .ecdsaSHA384, .ecdsaSHA512],
            keySizes: 256...521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        family([.ecdh1Derive], keySizes: 256...521, flags: [.derive, .ecNamedCurve, .ecUncompress]),
        // BIP-32 on secp256k1; SLIP-10 on secp256k1, P-256 and Ed25519: all 256-bit curves.
        family([.ibmBTCDerive], keySizes: 256...256, flags: [.derive]),
        // The KEK is an AES key (16 to 32 bytes) or an RSA key pair (up to 4096 bits).
        family([.ibmAttributeBoundWrap], keySizes: 16...4096, flags: [.wrap, .unwrap]),
        family([.ibmTransportKey], keySizes: 0...0, flags: [.unwrap]),
        // Schnorr (ECSG_IBM_ECSDSA_S256 and ECSG_IBM_ECSDSA_COMPR_MULTI) on secp256k1 and P-256.
        family([.ibmECDSAOther], keySizes: 256...256, flags: [.sign, .verify, .ecNamedCurve]),
        family([.ibmED25519SHA512], keySizes: 256...256, flags: [.sign, .verify]),
        // DSA and DH on caller-given domain parameters (CKA_PRIME/SUBPRIME/BASE or CKA_IBM_STRUCT_PARAMS).
        // Parameter generation returns fixed groups of 2048 or 3072 bits (RFC 7919 for DH).
        family([.dsaParameterGen, .dhPKCSParameterGen], keySizes: 2048...3072, flags: [.generate]),
        family([.dsaKeyPairGen], keySizes: 1024...3072, flags: [.generateKeyPair]),
        family(
            [.dsa, .dsaSHA1, .dsaSHA224, .dsaSHA256, .dsaSHA384, .dsaSHA512],
            keySizes: 1024...3072, flags: [.sign, .verify]),
        family([.dhPKCSKeyPairGen], keySizes: 1024...4096, flags: [.generateKeyPair]),
        family([.dhPKCSDerive], keySizes: 1024...4096, flags: [.derive]),
    ].flatMap { $0 }

    /// `types`, each with the key sizes `keySizes` and `flags`.
    private static func family(
        _ types: [MechanismType], keySizes: ClosedRange<UInt64>, flags: MechanismInfo.Flags
    ) -> [Entry] {
        types.map { Entry(type: $0, minKeySize: keySizes.lowerBound, maxKeySize: keySizes.upperBound, flags: flags) }
    }

    static func entry(_ type: MechanismType) -> Entry? { all.first { $0.type == type } }
}
