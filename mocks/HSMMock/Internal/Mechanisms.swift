import EP11

/// What the mock implements: the honest capability list behind GetMechanismList and GetMechanismInfo.
enum MockMechanisms {
    struct Entry {
        let type: MechanismType
        let minKeySize: UInt64
        let maxKeySize: UInt64
        let flags: MechanismInfo.Flags
    }

    static let all: [Entry] = [
        // The first entry must be CKM_RSA_PKCS, as on HPCS.
        Entry(
            type: .rsaPKCS, minKeySize: 512, maxKeySize: 4096,
            flags: [.encrypt, .decrypt, .sign, .verify, .wrap, .unwrap]),
        Entry(type: .rsaPKCSKeyPairGen, minKeySize: 1024, maxKeySize: 4096, flags: [.generateKeyPair]),
        Entry(type: .rsaPKCSOAEP, minKeySize: 1024, maxKeySize: 4096, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        Entry(type: .rsaPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .rsaX509, minKeySize: 1024, maxKeySize: 4096, flags: [.encrypt, .decrypt]),
        Entry(type: .sha1RSAPKCS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha224RSAPKCS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha256RSAPKCS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha384RSAPKCS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha512RSAPKCS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha1RSAPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha224RSAPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha256RSAPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha384RSAPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha512RSAPKCSPSS, minKeySize: 1024, maxKeySize: 4096, flags: [.sign, .verify]),
        Entry(type: .sha1, minKeySize: 0, maxKeySize: 0, flags: [.digest]),
        Entry(type: .sha224, minKeySize: 0, maxKeySize: 0, flags: [.digest]),
        Entry(type: .sha256, minKeySize: 0, maxKeySize: 0, flags: [.digest]),
        Entry(type: .sha384, minKeySize: 0, maxKeySize: 0, flags: [.digest]),
        Entry(type: .sha512, minKeySize: 0, maxKeySize: 0, flags: [.digest]),
        Entry(type: .sha1HMAC, minKeySize: 8, maxKeySize: 2048, flags: [.sign, .verify]),
        Entry(type: .sha224HMAC, minKeySize: 8, maxKeySize: 2048, flags: [.sign, .verify]),
        Entry(type: .sha256HMAC, minKeySize: 8, maxKeySize: 2048, flags: [.sign, .verify]),
        Entry(type: .sha384HMAC, minKeySize: 8, maxKeySize: 2048, flags: [.sign, .verify]),
        Entry(type: .sha512HMAC, minKeySize: 8, maxKeySize: 2048, flags: [.sign, .verify]),
        Entry(type: .genericSecretKeyGen, minKeySize: 8, maxKeySize: 2048, flags: [.generate]),
        Entry(type: .aesKeyGen, minKeySize: 16, maxKeySize: 32, flags: [.generate]),
        Entry(type: .aesECB, minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        Entry(type: .aesCBC, minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        Entry(type: .aesCBCPad, minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt, .wrap, .unwrap]),
        Entry(type: .aesCTR, minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt]),
        Entry(type: .aesGCM, minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt]),
        Entry(type: .aesCMAC, minKeySize: 16, maxKeySize: 32, flags: [.sign, .verify]),
        Entry(type: .aesKeyWrap, minKeySize: 16, maxKeySize: 32, flags: [.wrap, .unwrap]),
        Entry(type: .aesKeyWrapPad, minKeySize: 16, maxKeySize: 32, flags: [.wrap, .unwrap]),
        Entry(type: .des3KeyGen, minKeySize: 24, maxKeySize: 24, flags: [.generate]),
        Entry(type: .des3ECB, minKeySize: 24, maxKeySize: 24, flags: [.encrypt, .decrypt]),
        Entry(type: .des3CBC, minKeySize: 24, maxKeySize: 24, flags: [.encrypt, .decrypt]),
        Entry(type: .des3CBCPad, minKeySize: 24, maxKeySize: 24, flags: [.encrypt, .decrypt]),
        Entry(
            type: .ecKeyPairGen, minKeySize: 256, maxKeySize: 521,
            flags: [.generateKeyPair, .ecNamedCurve, .ecUncompress]),
        Entry(type: .ecdsa, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(
            type: .ecdsaSHA1, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(
            type: .ecdsaSHA224, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(
            type: .ecdsaSHA256, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(
            type: .ecdsaSHA384, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(
            type: .ecdsaSHA512, minKeySize: 256, maxKeySize: 521, flags: [.sign, .verify, .ecNamedCurve, .ecUncompress]),
        Entry(type: .ecdh1Derive, minKeySize: 256, maxKeySize: 521, flags: [.derive, .ecNamedCurve, .ecUncompress]),
        // BIP-32 on secp256k1; SLIP-10 on secp256k1, P-256 and Ed25519: all 256-bit curves.
        Entry(type: .ibmBTCDerive, minKeySize: 256, maxKeySize: 256, flags: [.derive]),
        // The KEK is an AES key (16 to 32 bytes) or an RSA key pair (up to 4096 bits).
        Entry(type: .ibmAttributeBoundWrap, minKeySize: 16, maxKeySize: 4096, flags: [.wrap, .unwrap]),
        Entry(type: .ibmTransportKey, minKeySize: 0, maxKeySize: 0, flags: [.unwrap]),
        // Schnorr (ECSG_IBM_ECSDSA_S256 and ECSG_IBM_ECSDSA_COMPR_MULTI) on secp256k1 and P-256.
        Entry(type: .ibmECDSAOther, minKeySize: 256, maxKeySize: 256, flags: [.sign, .verify, .ecNamedCurve]),
        Entry(type: .ibmED25519SHA512, minKeySize: 256, maxKeySize: 256, flags: [.sign, .verify]),
        // DSA and DH on caller-given domain parameters (CKA_PRIME/SUBPRIME/BASE or CKA_IBM_STRUCT_PARAMS).
        // Parameter generation returns fixed groups of 2048 or 3072 bits (RFC 7919 for DH).
        Entry(type: .dsaParameterGen, minKeySize: 2048, maxKeySize: 3072, flags: [.generate]),
        Entry(type: .dhPKCSParameterGen, minKeySize: 2048, maxKeySize: 3072, flags: [.generate]),
        Entry(type: .dsaKeyPairGen, minKeySize: 1024, maxKeySize: 3072, flags: [.generateKeyPair]),
        Entry(type: .dsa, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dsaSHA1, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dsaSHA224, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dsaSHA256, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dsaSHA384, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dsaSHA512, minKeySize: 1024, maxKeySize: 3072, flags: [.sign, .verify]),
        Entry(type: .dhPKCSKeyPairGen, minKeySize: 1024, maxKeySize: 4096, flags: [.generateKeyPair]),
        Entry(type: .dhPKCSDerive, minKeySize: 1024, maxKeySize: 4096, flags: [.derive]),
    ]

    static func entry(_ type: MechanismType) -> Entry? { all.first { $0.type == type } }
}
