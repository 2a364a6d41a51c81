// The structured mechanism parameters of the GREP11 `Mechanism` message. Field names follow the proto
// (`RSAOAEPParm`, `RSAPSSParm`, `ECDH1DeriveParm`, `BTCDeriveParm`, `ECSGParm`).

/// Parameters of `CKM_RSA_PKCS_OAEP` (`RSAOAEPParm`; `CK_RSA_PKCS_OAEP_PARAMS`).
public struct RSAOAEPParameters: Hashable, Sendable {
    /// Where the OAEP label comes from (`CK_RSA_PKCS_OAEP_SOURCE_TYPE`; the proto's `ParmType`).
    public struct LabelSource: RawRepresentable, Hashable, Sendable {
        /// The raw value.
        public var rawValue: UInt64

        /// Wraps any value, known or not.
        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        /// No label given (0, `CkzNoDataSpecified`): what the IBM examples send for an empty label.
        public static let notSpecified = LabelSource(rawValue: 0)
        /// `CKZ_DATA_SPECIFIED` (1): the label is ``RSAOAEPParameters/label``.
        public static let dataSpecified = LabelSource(rawValue: 1)
    }

    /// The digest mechanism of OAEP (`HashMech`), such as ``MechanismType/sha256``.
    public var hash: MechanismType

    /// The mask generation function (`Mgf`), normally MGF1 with the same digest.
    public var mgf: MaskGenerationFunction

    /// Where the label comes from (`EncodingParmType`).
    public var labelSource: LabelSource

    /// The OAEP label (`EncodingParm`); usually empty.
    public var label: [UInt8]

    /// OAEP parameters. `mgf` defaults to MGF1 with `hash` (MGF1-SHA-256 if `hash` has no MGF1
    /// counterpart); `labelSource` defaults to ``LabelSource/notSpecified`` for an empty label and
    /// ``LabelSource/dataSpecified`` otherwise.
    public init(
        hash: MechanismType = .sha256,
        mgf: MaskGenerationFunction? = nil,
        label: [UInt8] = [],
        labelSource: LabelSource? = nil
    ) {
        self.hash = hash
        self.mgf = mgf ?? MaskGenerationFunction(mgf1For: hash) ?? .mgf1SHA256
        self.label = label
        self.labelSource = labelSource ?? (label.isEmpty ? .notSpecified : .dataSpecified)
    }
}

/// Parameters of RSA PSS (`RSAPSSParm`; `CK_RSA_PKCS_PSS_PARAMS`), for `CKM_RSA_PKCS_PSS` and the
/// `CKM_SHA*_RSA_PKCS_PSS` mechanisms.
public struct RSAPSSParameters: Hashable, Sendable {
    /// The digest mechanism (`HashMech`); for the `CKM_SHA*_RSA_PKCS_PSS` mechanisms it must match theirs.
    public var hash: MechanismType

    /// The mask generation function (`Mgf`), normally MGF1 with the same digest.
    public var mgf: MaskGenerationFunction

    /// The salt length in bytes (`SaltByteCount`). 0 makes PSS deterministic; the digest length is usual.
    public var saltLength: UInt64

    /// PSS parameters. `mgf` defaults to MGF1 with `hash` (MGF1-SHA-256 if `hash` has no MGF1 counterpart);
    /// `saltLength` defaults to the digest length of `hash` (0 if unknown).
    public init(hash: MechanismType = .sha256, mgf: MaskGenerationFunction? = nil, saltLength: UInt64? = nil) {
        self.hash = hash
        self.mgf = mgf ?? MaskGenerationFunction(mgf1For: hash) ?? .mgf1SHA256
        self.saltLength = saltLength ?? UInt64(hash.digestByteCount ?? 0)
    }
}

/// Structured parameters of `CKM_ECDH1_DERIVE`, `CKM_IBM_EC_X25519` and `CKM_IBM_EC_X448`
/// (`ECDH1DeriveParm`; `CK_ECDH1_DERIVE_PARAMS`).
///
/// Plain ECDH in the IBM examples sends the peer's point as raw bytes instead
/// (``Mechanism/ecdh1Derive(peerPublicKey:)``); the structured form is for hybrid (ECDH + Kyber) derivation
/// with ``KeyDerivationFunction/ibmHybridNull`` and for KDFs.
public struct ECDH1DeriveParameters: Hashable, Sendable {
    /// The KDF applied to the shared secret (`Kdf`).
    public var kdf: KeyDerivationFunction

    /// Optional shared info for the KDF (`SharedData`).
    public var sharedData: [UInt8]

    /// The peer's public point, uncompressed `04 || X || Y` or the raw X25519/X448 key (`PublicData`).
    public var publicData: [UInt8]

    /// ECDH parameters.
    public init(kdf: KeyDerivationFunction = .null, sharedData: [UInt8] = [], publicData: [UInt8]) {
        self.kdf = kdf
        self.sharedData = sharedData
        self.publicData = publicData
    }
}

/// Parameters of `CKM_IBM_BTC_DERIVE` (`BTCDeriveParm`): one BIP-32 or SLIP-10 derivation step.
///
/// A master key derivation takes no chain code and index 0. A child derivation takes the parent's 32-byte
/// chain code (returned in the parent's `DeriveKey` checksum) and the child index; hardened indices add
/// ``hardenedIndexOffset``, and SLIP-10 only supports hardened ones.
public struct BTCDeriveParameters: Hashable, Sendable {
    /// `XCP_BTC_VERSION`: the parameter version EP11 expects.
    public static let currentVersion: UInt64 = 1

    /// `XCP_BIP0032_CHAINCODE_BYTES`: the length of a chain code.
    public static let chainCodeByteCount = 32

    /// Added to an index to make it hardened (2^31).
    public static let hardenedIndexOffset: UInt64 = 0x8000_0000

    /// The kind of derivation (`Type`).
    public var type: BTCDeriveType

    /// The child index (`ChildKeyIndex`).
    public var childKeyIndex: UInt64

    /// The parent's chain code (`ChainCode`); empty for a master key derivation.
    public var chainCode: [UInt8]

    /// The parameter version (`Version`); ``currentVersion`` unless a server needs another.
    public var version: UInt64

    /// BTC derive parameters.
    public init(
        type: BTCDeriveType,
        childKeyIndex: UInt64 = 0,
        chainCode: [UInt8] = [],
        version: UInt64 = BTCDeriveParameters.currentVersion
    ) {
        self.type = type
        self.childKeyIndex = childKeyIndex
        self.chainCode = chainCode
        self.version = version
    }
}

/// Parameters of `CKM_IBM_ECDSA_OTHER` (`ECSGParm`): which non-ECDSA EC signature scheme to use.
public struct ECSGParameters: Hashable, Sendable {
    /// The signature scheme (`Type`).
    public var type: ECSGType

    /// ECSG parameters.
    public init(type: ECSGType) {
        self.type = type
    }
}

extension MechanismType {
    /// The output length in bytes of a digest mechanism, or `nil` for anything else.
    var digestByteCount: Int? {
        switch self {
        case .sha1: 20
        case .sha224, .sha512_224, .ibmSHA3_224, .ibmSHA512_224: 28
        case .sha256, .sha512_256, .ibmSHA3_256, .ibmSHA512_256: 32
        case .sha384, .ibmSHA3_384: 48
        case .sha512, .ibmSHA3_512: 64
        default: nil
        }
    }
}

/// Parameters of `CKM_AES_GCM` (`CK_GCM_PARAMS`): the IV, the additional authenticated data and the tag length.
///
/// The GREP11 proto has no GCM message, so the parameter travels as `ParameterB`. How HPCS encodes
/// `CK_GCM_PARAMS` there is not documented and has not been checked against a real server. This library sends
/// the structure flattened the way a 64-bit big-endian EP11 host lays out `CK_ULONG`s, with each pointer
/// replaced by the bytes it points to (see ``encoded``):
///
/// ```
/// ivLength (8, big-endian) || iv || ivBits (8) || aadLength (8) || aad || tagBits (8)
/// ```
///
/// `HSMMock` parses exactly this form. If HPCS turns out to expect another one, only ``encoded`` changes.
public struct GCMParameters: Hashable, Sendable {
    /// The initialization vector (nonce); 12 bytes is the recommended length. 1 to 128 bytes.
    public var iv: [UInt8]

    /// Additional authenticated data: authenticated, not encrypted.
    public var additionalData: [UInt8]

    /// The length of the authentication tag in bits: 128, 120, 112, 104, 96, 64 or 32 (NIST SP 800-38D).
    public var tagBits: UInt64

    /// GCM parameters. The tag is 128 bits unless `tagBits` says otherwise.
    public init(iv: [UInt8], additionalData: [UInt8] = [], tagBits: UInt64 = 128) {
        self.iv = iv
        self.additionalData = additionalData
        self.tagBits = tagBits
    }

    /// The `ParameterB` bytes: `ivLength || iv || ivBits || aadLength || aad || tagBits`, every length an
    /// 8-byte big-endian integer, `ivBits` = 8 × `ivLength`.
    public var encoded: [UInt8] {
        var bytes = BigEndianInteger.bytes(UInt64(iv.count))
        bytes += iv
        bytes += BigEndianInteger.bytes(UInt64(iv.count) &* 8)
        bytes += BigEndianInteger.bytes(UInt64(additionalData.count))
        bytes += additionalData
        bytes += BigEndianInteger.bytes(tagBits)
        return bytes
    }
}

/// Parameters of `CKM_AES_CTR` (`CK_AES_CTR_PARAMS`): the initial counter block and how many of its low bits
/// form the counter.
///
/// As for GCM, the GREP11 encoding is not documented. ``encoded`` sends the bare 16-byte counter block when
/// the whole block counts (128 bits, what most callers mean), and `counterBits (8, big-endian) || counterBlock`
/// otherwise. `HSMMock` accepts both forms.
public struct AESCTRParameters: Hashable, Sendable {
    /// The initial counter block (16 bytes), incremented as a big-endian integer in its low ``counterBits`` bits.
    public var counterBlock: [UInt8]

    /// How many low bits of the block are the counter (1 to 128). Running past their end is an error
    /// (`CKR_DATA_LEN_RANGE`), never a silent wrap.
    public var counterBits: UInt64

    /// CTR parameters; the whole block is the counter unless `counterBits` says otherwise.
    public init(counterBlock: [UInt8], counterBits: UInt64 = 128) {
        self.counterBlock = counterBlock
        self.counterBits = counterBits
    }

    /// The `ParameterB` bytes: the counter block alone for 128 counter bits, else the bit count first.
    public var encoded: [UInt8] {
        counterBits == 128 ? counterBlock : BigEndianInteger.bytes(counterBits) + counterBlock
    }
}
