// Object classes (`CKO_*`): PKCS #11 v2.40 values.

extension ObjectClass {
    /// `CKO_DATA` (0x0000_0000): Application data.
    public static let data = ObjectClass(rawValue: 0x0000_0000)

    /// `CKO_CERTIFICATE` (0x0000_0001): Certificate.
    public static let certificate = ObjectClass(rawValue: 0x0000_0001)

    /// `CKO_PUBLIC_KEY` (0x0000_0002): Public key.
    public static let publicKey = ObjectClass(rawValue: 0x0000_0002)

    /// `CKO_PRIVATE_KEY` (0x0000_0003): Private key.
    public static let privateKey = ObjectClass(rawValue: 0x0000_0003)

    /// `CKO_SECRET_KEY` (0x0000_0004): Secret (symmetric) key.
    public static let secretKey = ObjectClass(rawValue: 0x0000_0004)

    /// `CKO_HW_FEATURE` (0x0000_0005): Hardware feature.
    public static let hwFeature = ObjectClass(rawValue: 0x0000_0005)

    /// `CKO_DOMAIN_PARAMETERS` (0x0000_0006): Domain parameters (DSA, DH).
    public static let domainParameters = ObjectClass(rawValue: 0x0000_0006)

    /// `CKO_MECHANISM` (0x0000_0007): Mechanism object.
    public static let mechanism = ObjectClass(rawValue: 0x0000_0007)

    /// `CKO_OTP_KEY` (0x0000_0008): One-time-password key.
    public static let otpKey = ObjectClass(rawValue: 0x0000_0008)

    /// `CKO_VENDOR_DEFINED` (0x8000_0000): Start of the vendor-defined range.
    public static let vendorDefined = ObjectClass(rawValue: 0x8000_0000)
}

extension ObjectClass {
    /// Canonical names, in declaration order. The first name listed for a value is its primary name;
    /// later ones are aliases that `init?(name:)` accepts.
    public static let knownNames = PKCS11NameTable(
        prefix: "CKO_",
        [
            (data.rawValue, "CKO_DATA"),
            (certificate.rawValue, "CKO_CERTIFICATE"),
            (publicKey.rawValue, "CKO_PUBLIC_KEY"),
            (privateKey.rawValue, "CKO_PRIVATE_KEY"),
            (secretKey.rawValue, "CKO_SECRET_KEY"),
            (hwFeature.rawValue, "CKO_HW_FEATURE"),
            (domainParameters.rawValue, "CKO_DOMAIN_PARAMETERS"),
            (mechanism.rawValue, "CKO_MECHANISM"),
            (otpKey.rawValue, "CKO_OTP_KEY"),
            (vendorDefined.rawValue, "CKO_VENDOR_DEFINED"),
        ]
    )
}
