// Small open vocabularies used inside mechanism parameters. Like the CKM/CKA types they are structs over a raw
// value, so a value this library does not know survives.

/// The mask generation function of RSA OAEP and PSS (`CK_RSA_PKCS_MGF_TYPE`, the `CKG_*` constants; the
/// proto's `Mask` enum).
public struct MaskGenerationFunction: PKCS11Constant {
    /// The `CKG_*` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `CKG_MGF1_SHA1` (1): MGF1 with SHA-1.
    public static let mgf1SHA1 = MaskGenerationFunction(rawValue: 1)
    /// `CKG_MGF1_SHA256` (2): MGF1 with SHA-256.
    public static let mgf1SHA256 = MaskGenerationFunction(rawValue: 2)
    /// `CKG_MGF1_SHA384` (3): MGF1 with SHA-384.
    public static let mgf1SHA384 = MaskGenerationFunction(rawValue: 3)
    /// `CKG_MGF1_SHA512` (4): MGF1 with SHA-512.
    public static let mgf1SHA512 = MaskGenerationFunction(rawValue: 4)
    /// `CKG_MGF1_SHA224` (5): MGF1 with SHA-224.
    public static let mgf1SHA224 = MaskGenerationFunction(rawValue: 5)
    /// `CKG_IBM_MGF1_SHA3_224` (0x800001): MGF1 with SHA3-224 (IBM).
    public static let ibmMGF1SHA3_224 = MaskGenerationFunction(rawValue: 0x80_0001)
    /// `CKG_IBM_MGF1_SHA3_256` (0x800002): MGF1 with SHA3-256 (IBM).
    public static let ibmMGF1SHA3_256 = MaskGenerationFunction(rawValue: 0x80_0002)
    /// `CKG_IBM_MGF1_SHA3_384` (0x800003): MGF1 with SHA3-384 (IBM).
    public static let ibmMGF1SHA3_384 = MaskGenerationFunction(rawValue: 0x80_0003)
    /// `CKG_IBM_MGF1_SHA3_512` (0x800004): MGF1 with SHA3-512 (IBM).
    public static let ibmMGF1SHA3_512 = MaskGenerationFunction(rawValue: 0x80_0004)

    private static let pairs: [(digest: MechanismType, mgf: MaskGenerationFunction, name: String)] = [
        (.sha1, .mgf1SHA1, "CKG_MGF1_SHA1"),
        (.sha256, .mgf1SHA256, "CKG_MGF1_SHA256"),
        (.sha384, .mgf1SHA384, "CKG_MGF1_SHA384"),
        (.sha512, .mgf1SHA512, "CKG_MGF1_SHA512"),
        (.sha224, .mgf1SHA224, "CKG_MGF1_SHA224"),
        (.ibmSHA3_224, .ibmMGF1SHA3_224, "CKG_IBM_MGF1_SHA3_224"),
        (.ibmSHA3_256, .ibmMGF1SHA3_256, "CKG_IBM_MGF1_SHA3_256"),
        (.ibmSHA3_384, .ibmMGF1SHA3_384, "CKG_IBM_MGF1_SHA3_384"),
        (.ibmSHA3_512, .ibmMGF1SHA3_512, "CKG_IBM_MGF1_SHA3_512"),
    ]

    /// MGF1 with the digest `hash` (`.sha256` gives ``mgf1SHA256``), or `nil` if `hash` is not a digest
    /// with an MGF1 counterpart.
    public init?(mgf1For hash: MechanismType) {
        guard let pair = Self.pairs.first(where: { $0.digest == hash }) else {
            return nil
        }
        self = pair.mgf
    }

    /// The digest this MGF1 variant uses, or `nil` for an unknown value.
    public var digest: MechanismType? {
        Self.pairs.first { $0.mgf == self }?.digest
    }

    /// The C names (`"CKG_MGF1_SHA256"`), from the digest table.
    public static let knownNames = PKCS11NameTable(prefix: "CKG_", pairs.map { ($0.mgf.rawValue, $0.name) })
}

/// The key derivation function applied to an ECDH shared secret (`CK_EC_KDF_TYPE`, the `CKD_*` constants; the
/// proto's `KeyDerivationFunction` enum).
public struct KeyDerivationFunction: RawRepresentable, Hashable, Sendable {
    /// The `CKD_*` value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `CKD_NULL` (1): the raw shared secret, no KDF.
    public static let null = KeyDerivationFunction(rawValue: 1)
    /// `CKD_SHA1_KDF` (2): ANSI X9.63 KDF with SHA-1.
    public static let sha1KDF = KeyDerivationFunction(rawValue: 2)
    /// `CKD_SHA224_KDF` (5): ANSI X9.63 KDF with SHA-224.
    public static let sha224KDF = KeyDerivationFunction(rawValue: 5)
    /// `CKD_SHA256_KDF` (6): ANSI X9.63 KDF with SHA-256.
    public static let sha256KDF = KeyDerivationFunction(rawValue: 6)
    /// `CKD_SHA384_KDF` (7): ANSI X9.63 KDF with SHA-384.
    public static let sha384KDF = KeyDerivationFunction(rawValue: 7)
    /// `CKD_SHA512_KDF` (8): ANSI X9.63 KDF with SHA-512.
    public static let sha512KDF = KeyDerivationFunction(rawValue: 8)
    /// `CKD_IBM_HYBRID_NULL` (0x800001): keep the raw secret for a later hybrid (ECDH + Kyber) derivation (IBM).
    public static let ibmHybridNull = KeyDerivationFunction(rawValue: 0x80_0001)
}

extension KeyDerivationFunction: CustomStringConvertible {
    /// The C name, or the value in hex.
    public var description: String {
        switch self {
        case .null: "CKD_NULL"
        case .sha1KDF: "CKD_SHA1_KDF"
        case .sha224KDF: "CKD_SHA224_KDF"
        case .sha256KDF: "CKD_SHA256_KDF"
        case .sha384KDF: "CKD_SHA384_KDF"
        case .sha512KDF: "CKD_SHA512_KDF"
        case .ibmHybridNull: "CKD_IBM_HYBRID_NULL"
        default: pkcs11Hex(self.rawValue)
        }
    }
}

/// The kind of `CKM_IBM_BTC_DERIVE` derivation: BIP-32 or SLIP-10, and which key is derived from which (the
/// proto's `BTCDeriveType`).
public struct BTCDeriveType: RawRepresentable, Hashable, Sendable {
    /// The raw value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// BIP-32: private parent key to private child key (1).
    public static let bip32PrivateToPrivate = BTCDeriveType(rawValue: 1)
    /// BIP-32: private parent key to public child key (2).
    public static let bip32PrivateToPublic = BTCDeriveType(rawValue: 2)
    /// BIP-32: public parent key to public child key (3).
    public static let bip32PublicToPublic = BTCDeriveType(rawValue: 3)
    /// BIP-32: master key from a seed (4).
    public static let bip32MasterKey = BTCDeriveType(rawValue: 4)
    /// SLIP-10: private parent key to private child key (5).
    public static let slip10PrivateToPrivate = BTCDeriveType(rawValue: 5)
    /// SLIP-10: private parent key to public child key (6).
    public static let slip10PrivateToPublic = BTCDeriveType(rawValue: 6)
    /// SLIP-10: public parent key to public child key (7).
    public static let slip10PublicToPublic = BTCDeriveType(rawValue: 7)
    /// SLIP-10: master key from a seed (8).
    public static let slip10MasterKey = BTCDeriveType(rawValue: 8)
}

extension BTCDeriveType: CustomStringConvertible {
    /// `"BIP-32 private to private"` and so on, or the value in hex.
    public var description: String {
        switch self {
        case .bip32PrivateToPrivate: "BIP-32 private to private"
        case .bip32PrivateToPublic: "BIP-32 private to public"
        case .bip32PublicToPublic: "BIP-32 public to public"
        case .bip32MasterKey: "BIP-32 master key"
        case .slip10PrivateToPrivate: "SLIP-10 private to private"
        case .slip10PrivateToPublic: "SLIP-10 private to public"
        case .slip10PublicToPublic: "SLIP-10 public to public"
        case .slip10MasterKey: "SLIP-10 master key"
        default: pkcs11Hex(self.rawValue)
        }
    }
}

/// The signature scheme of `CKM_IBM_ECDSA_OTHER` (`ECSG_Var_t` in `ep11.h`; the proto's `ECSGType`).
public struct ECSGType: PKCS11Constant {
    /// The raw value.
    public var rawValue: UInt64

    /// Wraps any value, known or not.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `ECSG_IBM_ECSDSA_S256` (3): randomized Schnorr signatures (BSI TR-03111 ECSDSA), SHA-256, no prehashing.
    public static let ecsdsaS256 = ECSGType(rawValue: 3)
    /// `ECSG_IBM_ECSDSA_COMPR_MULTI` (5): Schnorr signatures over the compressed public key, including the
    /// signer's public key (BSI TR-03111 2012).
    public static let ecsdsaCompressedMulti = ECSGType(rawValue: 5)
    /// `ECSG_IBM_BLS` (6): Boneh-Lynn-Shacham signatures (draft-irtf-cfrg-bls-signature-05) on BLS12-381.
    public static let bls = ECSGType(rawValue: 6)

    /// The C names of the known values.
    public static let knownNames = PKCS11NameTable(
        prefix: "ECSG_",
        [
            (ecsdsaS256.rawValue, "ECSG_IBM_ECSDSA_S256"),
            (ecsdsaCompressedMulti.rawValue, "ECSG_IBM_ECSDSA_COMPR_MULTI"),
            (bls.rawValue, "ECSG_IBM_BLS"),
        ])
}
