/// What a mechanism supports on the HSM (`CK_MECHANISM_INFO`): the key size range and the operations,
/// as `GetMechanismInfo` reports them.
///
/// Key sizes are in bits or bytes depending on the mechanism, as PKCS #11 defines it for each one (bits for
/// RSA, DSA, DH and EC; bytes for AES and generic secrets).
public struct MechanismInfo: Hashable, Sendable {
    /// The smallest supported key size.
    public var minKeySize: UInt64

    /// The largest supported key size.
    public var maxKeySize: UInt64

    /// What the mechanism can do.
    public var flags: Flags

    /// Creates mechanism information.
    public init(minKeySize: UInt64, maxKeySize: UInt64, flags: Flags) {
        self.minKeySize = minKeySize
        self.maxKeySize = maxKeySize
        self.flags = flags
    }
}

extension MechanismInfo {
    /// The `CKF_*` mechanism flags of `CK_MECHANISM_INFO`.
    ///
    /// Unknown bits are kept, so a raw value round-trips unchanged.
    public struct Flags: OptionSet, Hashable, Sendable {
        /// The `CK_FLAGS` bits.
        public var rawValue: UInt64

        /// Wraps any set of bits, known or not.
        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        /// `CKF_HW` (0x1): the mechanism runs in hardware.
        public static let hw = Flags(rawValue: 0x0000_0001)
        /// `CKF_ENCRYPT` (0x100): usable with `Encrypt`.
        public static let encrypt = Flags(rawValue: 0x0000_0100)
        /// `CKF_DECRYPT` (0x200): usable with `Decrypt`.
        public static let decrypt = Flags(rawValue: 0x0000_0200)
        /// `CKF_DIGEST` (0x400): usable with `Digest`.
        public static let digest = Flags(rawValue: 0x0000_0400)
        /// `CKF_SIGN` (0x800): usable with `Sign`.
        public static let sign = Flags(rawValue: 0x0000_0800)
        /// `CKF_SIGN_RECOVER` (0x1000): usable with `SignRecover`.
        public static let signRecover = Flags(rawValue: 0x0000_1000)
        /// `CKF_VERIFY` (0x2000): usable with `Verify`.
        public static let verify = Flags(rawValue: 0x0000_2000)
        /// `CKF_VERIFY_RECOVER` (0x4000): usable with `VerifyRecover`.
        public static let verifyRecover = Flags(rawValue: 0x0000_4000)
        /// `CKF_GENERATE` (0x8000): usable with `GenerateKey`.
        public static let generate = Flags(rawValue: 0x0000_8000)
        /// `CKF_GENERATE_KEY_PAIR` (0x10000): usable with `GenerateKeyPair`.
        public static let generateKeyPair = Flags(rawValue: 0x0001_0000)
        /// `CKF_WRAP` (0x20000): usable with `WrapKey`.
        public static let wrap = Flags(rawValue: 0x0002_0000)
        /// `CKF_UNWRAP` (0x40000): usable with `UnwrapKey`.
        public static let unwrap = Flags(rawValue: 0x0004_0000)
        /// `CKF_DERIVE` (0x80000): usable with `DeriveKey`.
        public static let derive = Flags(rawValue: 0x0008_0000)
        /// `CKF_EC_F_P` (0x100000): supports EC curves over prime fields.
        public static let ecFp = Flags(rawValue: 0x0010_0000)
        /// `CKF_EC_F_2M` (0x200000): supports EC curves over binary fields.
        public static let ecF2m = Flags(rawValue: 0x0020_0000)
        /// `CKF_EC_ECPARAMETERS` (0x400000): accepts explicit EC domain parameters.
        public static let ecParameters = Flags(rawValue: 0x0040_0000)
        /// `CKF_EC_NAMEDCURVE` (0x800000): accepts named-curve OIDs as EC parameters.
        public static let ecNamedCurve = Flags(rawValue: 0x0080_0000)
        /// `CKF_EC_UNCOMPRESS` (0x1000000): supports uncompressed EC points.
        public static let ecUncompress = Flags(rawValue: 0x0100_0000)
        /// `CKF_EC_COMPRESS` (0x2000000): supports compressed EC points.
        public static let ecCompress = Flags(rawValue: 0x0200_0000)
        /// `CKF_EXTENSION` (0x80000000): more flags follow in an extension (must be clear in PKCS #11 v2.40).
        public static let `extension` = Flags(rawValue: 0x8000_0000)
    }
}

extension MechanismInfo.Flags: CustomStringConvertible {
    private static let names: [(MechanismInfo.Flags, String)] = [
        (.hw, "CKF_HW"), (.encrypt, "CKF_ENCRYPT"), (.decrypt, "CKF_DECRYPT"), (.digest, "CKF_DIGEST"),
        (.sign, "CKF_SIGN"), (.signRecover, "CKF_SIGN_RECOVER"), (.verify, "CKF_VERIFY"),
        (.verifyRecover, "CKF_VERIFY_RECOVER"), (.generate, "CKF_GENERATE"),
        (.generateKeyPair, "CKF_GENERATE_KEY_PAIR"), (.wrap, "CKF_WRAP"), (.unwrap, "CKF_UNWRAP"),
        (.derive, "CKF_DERIVE"), (.ecFp, "CKF_EC_F_P"), (.ecF2m, "CKF_EC_F_2M"),
        (.ecParameters, "CKF_EC_ECPARAMETERS"), (.ecNamedCurve, "CKF_EC_NAMEDCURVE"),
        (.ecUncompress, "CKF_EC_UNCOMPRESS"), (.ecCompress, "CKF_EC_COMPRESS"), (.extension, "CKF_EXTENSION"),
    ]

    /// The set flags' C names joined by `|`, with any unknown bits in hex (`"CKF_SIGN|CKF_VERIFY"`); `"[]"`
    /// when empty.
    public var description: String {
        var parts: [String] = []
        var remaining = self.rawValue
        for (flag, name) in Self.names where self.contains(flag) {
            parts.append(name)
            remaining &= ~flag.rawValue
        }
        if remaining != 0 {
            parts.append(pkcs11Hex(remaining))
        }
        return parts.isEmpty ? "[]" : parts.joined(separator: "|")
    }
}
