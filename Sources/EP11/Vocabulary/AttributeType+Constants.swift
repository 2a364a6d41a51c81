// Attribute types (`CKA_*`): PKCS #11 v2.40 values, the IBM EP11 vendor values (`ep11.h`) and GREP11's (`grep11.h`).

extension AttributeType {
    // MARK: Common object attributes

    /// `CKA_CLASS` (0x0000_0000): Object class (`ObjectClass`), an integer.
    public static let `class` = AttributeType(rawValue: 0x0000_0000)

    /// `CKA_TOKEN` (0x0000_0001): `true` for a token object, `false` for a session object.
    public static let token = AttributeType(rawValue: 0x0000_0001)

    /// `CKA_PRIVATE` (0x0000_0002): `true` if the object is only visible after login.
    public static let `private` = AttributeType(rawValue: 0x0000_0002)

    /// `CKA_LABEL` (0x0000_0003): Application-defined label (UTF-8 bytes).
    public static let label = AttributeType(rawValue: 0x0000_0003)

    /// `CKA_APPLICATION` (0x0000_0010): Description of the application that manages a data object.
    public static let application = AttributeType(rawValue: 0x0000_0010)

    /// `CKA_VALUE` (0x0000_0011): The object's value: key bytes, data or DER certificate.
    public static let value = AttributeType(rawValue: 0x0000_0011)

    /// `CKA_OBJECT_ID` (0x0000_0012): DER-encoded object identifier of a data object.
    public static let objectID = AttributeType(rawValue: 0x0000_0012)

    // MARK: Certificates

    /// `CKA_CERTIFICATE_TYPE` (0x0000_0080): Certificate type (`CKC_*`).
    public static let certificateType = AttributeType(rawValue: 0x0000_0080)

    /// `CKA_ISSUER` (0x0000_0081): DER-encoded certificate issuer name.
    public static let issuer = AttributeType(rawValue: 0x0000_0081)

    /// `CKA_SERIAL_NUMBER` (0x0000_0082): DER-encoded certificate serial number.
    public static let serialNumber = AttributeType(rawValue: 0x0000_0082)

    /// `CKA_AC_ISSUER` (0x0000_0083): DER-encoded attribute certificate issuer.
    public static let acIssuer = AttributeType(rawValue: 0x0000_0083)

    /// `CKA_OWNER` (0x0000_0084): DER-encoded attribute certificate subject.
    public static let owner = AttributeType(rawValue: 0x0000_0084)

    /// `CKA_ATTR_TYPES` (0x0000_0085): BER-encoded sequence of attribute certificate types.
    public static let attrTypes = AttributeType(rawValue: 0x0000_0085)

    /// `CKA_TRUSTED` (0x0000_0086): `true` if the certificate or key can be trusted by the application.
    public static let trusted = AttributeType(rawValue: 0x0000_0086)

    /// `CKA_CERTIFICATE_CATEGORY` (0x0000_0087): Certificate category (unspecified, token user, authority, other entity).
    public static let certificateCategory = AttributeType(rawValue: 0x0000_0087)

    /// `CKA_JAVA_MIDP_SECURITY_DOMAIN` (0x0000_0088): Java MIDP security domain.
    public static let javaMIDPSecurityDomain = AttributeType(rawValue: 0x0000_0088)

    /// `CKA_URL` (0x0000_0089): Where the certificate can be obtained.
    public static let url = AttributeType(rawValue: 0x0000_0089)

    /// `CKA_HASH_OF_SUBJECT_PUBLIC_KEY` (0x0000_008A): Hash of the subject public key.
    public static let hashOfSubjectPublicKey = AttributeType(rawValue: 0x0000_008A)

    /// `CKA_HASH_OF_ISSUER_PUBLIC_KEY` (0x0000_008B): Hash of the issuer public key.
    public static let hashOfIssuerPublicKey = AttributeType(rawValue: 0x0000_008B)

    /// `CKA_NAME_HASH_ALGORITHM` (0x0000_008C): Mechanism used for the two hash attributes above.
    public static let nameHashAlgorithm = AttributeType(rawValue: 0x0000_008C)

    /// `CKA_CHECK_VALUE` (0x0000_0090): Key check value.
    public static let checkValue = AttributeType(rawValue: 0x0000_0090)

    // MARK: Keys

    /// `CKA_KEY_TYPE` (0x0000_0100): Key type (`KeyType`), an integer.
    public static let keyType = AttributeType(rawValue: 0x0000_0100)

    /// `CKA_SUBJECT` (0x0000_0101): DER-encoded subject name.
    public static let subject = AttributeType(rawValue: 0x0000_0101)

    /// `CKA_ID` (0x0000_0102): Key identifier (bytes).
    public static let id = AttributeType(rawValue: 0x0000_0102)

    /// `CKA_SENSITIVE` (0x0000_0103): `true` if the key value can never be revealed in the clear.
    public static let sensitive = AttributeType(rawValue: 0x0000_0103)

    /// `CKA_ENCRYPT` (0x0000_0104): `true` if the key can encrypt.
    public static let encrypt = AttributeType(rawValue: 0x0000_0104)

    /// `CKA_DECRYPT` (0x0000_0105): `true` if the key can decrypt.
    public static let decrypt = AttributeType(rawValue: 0x0000_0105)

    /// `CKA_WRAP` (0x0000_0106): `true` if the key can wrap other keys.
    public static let wrap = AttributeType(rawValue: 0x0000_0106)

    /// `CKA_UNWRAP` (0x0000_0107): `true` if the key can unwrap other keys.
    public static let unwrap = AttributeType(rawValue: 0x0000_0107)

    /// `CKA_SIGN` (0x0000_0108): `true` if the key can sign (or MAC).
    public static let sign = AttributeType(rawValue: 0x0000_0108)

    /// `CKA_SIGN_RECOVER` (0x0000_0109): `true` if the key can sign with message recovery.
    public static let signRecover = AttributeType(rawValue: 0x0000_0109)

    /// `CKA_VERIFY` (0x0000_010A): `true` if the key can verify.
    public static let verify = AttributeType(rawValue: 0x0000_010A)

    /// `CKA_VERIFY_RECOVER` (0x0000_010B): `true` if the key can verify with message recovery.
    public static let verifyRecover = AttributeType(rawValue: 0x0000_010B)

    /// `CKA_DERIVE` (0x0000_010C): `true` if other keys can be derived from this key.
    public static let derive = AttributeType(rawValue: 0x0000_010C)

    /// `CKA_START_DATE` (0x0000_0110): Start date of the key (`YYYYMMDD`).
    public static let startDate = AttributeType(rawValue: 0x0000_0110)

    /// `CKA_END_DATE` (0x0000_0111): End date of the key (`YYYYMMDD`).
    public static let endDate = AttributeType(rawValue: 0x0000_0111)

    /// `CKA_MODULUS` (0x0000_0120): RSA modulus n (big-endian).
    public static let modulus = AttributeType(rawValue: 0x0000_0120)

    /// `CKA_MODULUS_BITS` (0x0000_0121): RSA modulus length in bits, an integer.
    public static let modulusBits = AttributeType(rawValue: 0x0000_0121)

    /// `CKA_PUBLIC_EXPONENT` (0x0000_0122): RSA public exponent e.
    public static let publicExponent = AttributeType(rawValue: 0x0000_0122)

    /// `CKA_PRIVATE_EXPONENT` (0x0000_0123): RSA private exponent d.
    public static let privateExponent = AttributeType(rawValue: 0x0000_0123)

    /// `CKA_PRIME_1` (0x0000_0124): RSA prime p.
    public static let prime1 = AttributeType(rawValue: 0x0000_0124)

    /// `CKA_PRIME_2` (0x0000_0125): RSA prime q.
    public static let prime2 = AttributeType(rawValue: 0x0000_0125)

    /// `CKA_EXPONENT_1` (0x0000_0126): RSA d mod (p - 1).
    public static let exponent1 = AttributeType(rawValue: 0x0000_0126)

    /// `CKA_EXPONENT_2` (0x0000_0127): RSA d mod (q - 1).
    public static let exponent2 = AttributeType(rawValue: 0x0000_0127)

    /// `CKA_COEFFICIENT` (0x0000_0128): RSA CRT coefficient q^-1 mod p.
    public static let coefficient = AttributeType(rawValue: 0x0000_0128)

    /// `CKA_PUBLIC_KEY_INFO` (0x0000_0129): DER-encoded SubjectPublicKeyInfo.
    public static let publicKeyInfo = AttributeType(rawValue: 0x0000_0129)

    /// `CKA_PRIME` (0x0000_0130): DSA/DH prime p.
    public static let prime = AttributeType(rawValue: 0x0000_0130)

    /// `CKA_SUBPRIME` (0x0000_0131): DSA subprime q.
    public static let subprime = AttributeType(rawValue: 0x0000_0131)

    /// `CKA_BASE` (0x0000_0132): DSA/DH base g.
    public static let base = AttributeType(rawValue: 0x0000_0132)

    /// `CKA_PRIME_BITS` (0x0000_0133): Length of the DSA/DH prime in bits, an integer.
    public static let primeBits = AttributeType(rawValue: 0x0000_0133)

    /// `CKA_SUBPRIME_BITS` (0x0000_0134): Length of the DSA subprime in bits, an integer.
    public static let subprimeBits = AttributeType(rawValue: 0x0000_0134)

    /// `CKA_SUB_PRIME_BITS`: Older name of `CKA_SUBPRIME_BITS`; same value as ``subprimeBits``.
    public static let subPrimeBits = subprimeBits

    /// `CKA_VALUE_BITS` (0x0000_0160): Length of a DH private value in bits.
    public static let valueBits = AttributeType(rawValue: 0x0000_0160)

    /// `CKA_VALUE_LEN` (0x0000_0161): Length of a secret key value in bytes, an integer.
    public static let valueLength = AttributeType(rawValue: 0x0000_0161)

    /// `CKA_EXTRACTABLE` (0x0000_0162): `true` if the key can be wrapped.
    public static let extractable = AttributeType(rawValue: 0x0000_0162)

    /// `CKA_LOCAL` (0x0000_0163): `true` if the key was generated on the token.
    public static let local = AttributeType(rawValue: 0x0000_0163)

    /// `CKA_NEVER_EXTRACTABLE` (0x0000_0164): `true` if the key has never been extractable.
    public static let neverExtractable = AttributeType(rawValue: 0x0000_0164)

    /// `CKA_ALWAYS_SENSITIVE` (0x0000_0165): `true` if the key has always been sensitive.
    public static let alwaysSensitive = AttributeType(rawValue: 0x0000_0165)

    /// `CKA_KEY_GEN_MECHANISM` (0x0000_0166): Mechanism that generated the key.
    public static let keyGenMechanism = AttributeType(rawValue: 0x0000_0166)

    /// `CKA_MODIFIABLE` (0x0000_0170): `true` if the object's attributes can be changed.
    public static let modifiable = AttributeType(rawValue: 0x0000_0170)

    /// `CKA_COPYABLE` (0x0000_0171): `true` if the object can be copied.
    public static let copyable = AttributeType(rawValue: 0x0000_0171)

    /// `CKA_DESTROYABLE` (0x0000_0172): `true` if the object can be destroyed.
    public static let destroyable = AttributeType(rawValue: 0x0000_0172)

    /// `CKA_EC_PARAMS` (0x0000_0180): DER-encoded curve parameters, usually a named-curve OID.
    public static let ecParameters = AttributeType(rawValue: 0x0000_0180)

    /// `CKA_ECDSA_PARAMS`: Older name of `CKA_EC_PARAMS`; same value as ``ecParameters``.
    public static let ecdsaParameters = ecParameters

    /// `CKA_EC_POINT` (0x0000_0181): DER OCTET STRING holding the EC public point.
    public static let ecPoint = AttributeType(rawValue: 0x0000_0181)

    /// `CKA_SECONDARY_AUTH` (0x0000_0200): Deprecated secondary authentication flag.
    public static let secondaryAuth = AttributeType(rawValue: 0x0000_0200)

    /// `CKA_AUTH_PIN_FLAGS` (0x0000_0201): Deprecated PIN flags.
    public static let authPINFlags = AttributeType(rawValue: 0x0000_0201)

    /// `CKA_ALWAYS_AUTHENTICATE` (0x0000_0202): `true` if every use of the key needs a fresh login.
    public static let alwaysAuthenticate = AttributeType(rawValue: 0x0000_0202)

    /// `CKA_WRAP_WITH_TRUSTED` (0x0000_0210): `true` if the key can only be wrapped by a trusted wrapping key.
    public static let wrapWithTrusted = AttributeType(rawValue: 0x0000_0210)

    // MARK: One-time passwords, GOST, hardware features

    /// `CKA_OTP_FORMAT` (0x0000_0220): OTP format.
    public static let otpFormat = AttributeType(rawValue: 0x0000_0220)

    /// `CKA_OTP_LENGTH` (0x0000_0221): OTP length.
    public static let otpLength = AttributeType(rawValue: 0x0000_0221)

    /// `CKA_OTP_TIME_INTERVAL` (0x0000_0222): OTP time interval.
    public static let otpTimeInterval = AttributeType(rawValue: 0x0000_0222)

    /// `CKA_OTP_USER_FRIENDLY_MODE` (0x0000_0223): OTP user-friendly mode.
    public static let otpUserFriendlyMode = AttributeType(rawValue: 0x0000_0223)

    /// `CKA_OTP_CHALLENGE_REQUIREMENT` (0x0000_0224): OTP challenge requirement.
    public static let otpChallengeRequirement = AttributeType(rawValue: 0x0000_0224)

    /// `CKA_OTP_TIME_REQUIREMENT` (0x0000_0225): OTP time requirement.
    public static let otpTimeRequirement = AttributeType(rawValue: 0x0000_0225)

    /// `CKA_OTP_COUNTER_REQUIREMENT` (0x0000_0226): OTP counter requirement.
    public static let otpCounterRequirement = AttributeType(rawValue: 0x0000_0226)

    /// `CKA_OTP_PIN_REQUIREMENT` (0x0000_0227): OTP PIN requirement.
    public static let otpPINRequirement = AttributeType(rawValue: 0x0000_0227)

    /// `CKA_OTP_USER_IDENTIFIER` (0x0000_022A): OTP user identifier.
    public static let otpUserIdentifier = AttributeType(rawValue: 0x0000_022A)

    /// `CKA_OTP_SERVICE_IDENTIFIER` (0x0000_022B): OTP service identifier.
    public static let otpServiceIdentifier = AttributeType(rawValue: 0x0000_022B)

    /// `CKA_OTP_SERVICE_LOGO` (0x0000_022C): OTP service logo.
    public static let otpServiceLogo = AttributeType(rawValue: 0x0000_022C)

    /// `CKA_OTP_SERVICE_LOGO_TYPE` (0x0000_022D): OTP service logo MIME type.
    public static let otpServiceLogoType = AttributeType(rawValue: 0x0000_022D)

    /// `CKA_OTP_COUNTER` (0x0000_022E): OTP counter.
    public static let otpCounter = AttributeType(rawValue: 0x0000_022E)

    /// `CKA_OTP_TIME` (0x0000_022F): OTP time.
    public static let otpTime = AttributeType(rawValue: 0x0000_022F)

    /// `CKA_GOSTR3410_PARAMS` (0x0000_0250): GOST R 34.10 parameters.
    public static let gostR3410Parameters = AttributeType(rawValue: 0x0000_0250)

    /// `CKA_GOSTR3411_PARAMS` (0x0000_0251): GOST R 34.11 parameters.
    public static let gostR3411Parameters = AttributeType(rawValue: 0x0000_0251)

    /// `CKA_GOST28147_PARAMS` (0x0000_0252): GOST 28147-89 parameters.
    public static let gost28147Parameters = AttributeType(rawValue: 0x0000_0252)

    /// `CKA_HW_FEATURE_TYPE` (0x0000_0300): Hardware feature type.
    public static let hwFeatureType = AttributeType(rawValue: 0x0000_0300)

    /// `CKA_RESET_ON_INIT` (0x0000_0301): Hardware feature: reset on initialisation.
    public static let resetOnInit = AttributeType(rawValue: 0x0000_0301)

    /// `CKA_HAS_RESET` (0x0000_0302): Hardware feature: has been reset.
    public static let hasReset = AttributeType(rawValue: 0x0000_0302)

    /// `CKA_PIXEL_X` (0x0000_0400): Display: screen width in pixels.
    public static let pixelX = AttributeType(rawValue: 0x0000_0400)

    /// `CKA_PIXEL_Y` (0x0000_0401): Display: screen height in pixels.
    public static let pixelY = AttributeType(rawValue: 0x0000_0401)

    /// `CKA_RESOLUTION` (0x0000_0402): Display: resolution in DPI.
    public static let resolution = AttributeType(rawValue: 0x0000_0402)

    /// `CKA_CHAR_ROWS` (0x0000_0403): Display: character rows.
    public static let charRows = AttributeType(rawValue: 0x0000_0403)

    /// `CKA_CHAR_COLUMNS` (0x0000_0404): Display: character columns.
    public static let charColumns = AttributeType(rawValue: 0x0000_0404)

    /// `CKA_COLOR` (0x0000_0405): Display: colour support.
    public static let color = AttributeType(rawValue: 0x0000_0405)

    /// `CKA_BITS_PER_PIXEL` (0x0000_0406): Display: bits per pixel.
    public static let bitsPerPixel = AttributeType(rawValue: 0x0000_0406)

    /// `CKA_CHAR_SETS` (0x0000_0480): Display: supported character sets.
    public static let charSets = AttributeType(rawValue: 0x0000_0480)

    /// `CKA_ENCODING_METHODS` (0x0000_0481): Display: supported encoding methods.
    public static let encodingMethods = AttributeType(rawValue: 0x0000_0481)

    /// `CKA_MIME_TYPES` (0x0000_0482): Display: supported MIME types.
    public static let mimeTypes = AttributeType(rawValue: 0x0000_0482)

    /// `CKA_MECHANISM_TYPE` (0x0000_0500): Mechanism type of a mechanism object.
    public static let mechanismType = AttributeType(rawValue: 0x0000_0500)

    /// `CKA_REQUIRED_CMS_ATTRIBUTES` (0x0000_0501): Required CMS attributes.
    public static let requiredCMSAttributes = AttributeType(rawValue: 0x0000_0501)

    /// `CKA_DEFAULT_CMS_ATTRIBUTES` (0x0000_0502): Default CMS attributes.
    public static let defaultCMSAttributes = AttributeType(rawValue: 0x0000_0502)

    /// `CKA_SUPPORTED_CMS_ATTRIBUTES` (0x0000_0503): Supported CMS attributes.
    public static let supportedCMSAttributes = AttributeType(rawValue: 0x0000_0503)

    // MARK: Array attributes (CKF_ARRAY_ATTRIBUTE | n)

    /// `CKA_WRAP_TEMPLATE` (0x4000_0211): Template a key must match to be wrapped with this key.
    public static let wrapTemplate = AttributeType(rawValue: 0x4000_0211)

    /// `CKA_UNWRAP_TEMPLATE` (0x4000_0212): Template applied to keys unwrapped with this key.
    public static let unwrapTemplate = AttributeType(rawValue: 0x4000_0212)

    /// `CKA_DERIVE_TEMPLATE` (0x4000_0213): Template applied to keys derived from this key.
    public static let deriveTemplate = AttributeType(rawValue: 0x4000_0213)

    /// `CKA_ALLOWED_MECHANISMS` (0x4000_0600): Mechanisms the key may be used with.
    public static let allowedMechanisms = AttributeType(rawValue: 0x4000_0600)

    /// `CKA_VENDOR_DEFINED` (0x8000_0000): Start of the vendor-defined range.
    public static let vendorDefined = AttributeType(rawValue: 0x8000_0000)

    // MARK: IBM EP11

    /// `CKA_IBM_RESTRICTABLE` (0x8001_0001): Rights can be removed from the object but never added (IBM).
    public static let ibmRestrictable = AttributeType(rawValue: 0x8001_0001)

    /// `CKA_IBM_NEVER_MODIFIABLE` (0x8001_0002): The object was created non-modifiable (IBM).
    public static let ibmNeverModifiable = AttributeType(rawValue: 0x8001_0002)

    /// `CKA_IBM_RETAINKEY` (0x8001_0003): The object is HSM-resident; value: usage count (IBM).
    public static let ibmRetainKey = AttributeType(rawValue: 0x8001_0003)

    /// `CKA_IBM_ATTRBOUND` (0x8001_0004): The key must travel with its attributes (attribute-bound wrap only) (IBM).
    public static let ibmAttributeBound = AttributeType(rawValue: 0x8001_0004)

    /// `CKA_IBM_KEYTYPE` (0x8001_0005): Symbolic key type in other hierarchies; stored, not interpreted (IBM).
    public static let ibmKeyType = AttributeType(rawValue: 0x8001_0005)

    /// `CKA_IBM_CV` (0x8001_0006): Restrictions inherited from other type systems (control vector) (IBM).
    public static let ibmCV = AttributeType(rawValue: 0x8001_0006)

    /// `CKA_IBM_MACKEY` (0x8001_0007): MAC key handle or blob for authenticated key transport (IBM).
    public static let ibmMACKey = AttributeType(rawValue: 0x8001_0007)

    /// `CKA_IBM_USE_AS_DATA` (0x8001_0008): The key may be used as data for hashing or derivation (IBM).
    public static let ibmUseAsData = AttributeType(rawValue: 0x8001_0008)

    /// `CKA_IBM_STRUCT_PARAMS` (0x8001_0009): DSA/DH domain parameters as a DER AlgorithmIdentifier structure (IBM).
    public static let ibmStructParameters = AttributeType(rawValue: 0x8001_0009)

    /// `CKA_IBM_STD_COMPLIANCE1` (0x8001_000A): Compliance mode bit field (IBM).
    public static let ibmStandardCompliance1 = AttributeType(rawValue: 0x8001_000A)

    /// `CKA_IBM_PROTKEY_EXTRACTABLE` (0x8001_000C): The key is extractable only as a protected (CPACF) key (IBM).
    public static let ibmProtectedKeyExtractable = AttributeType(rawValue: 0x8001_000C)

    /// `CKA_IBM_PROTKEY_NEVER_EXTRACTABLE` (0x8001_000D): The key was never extractable as a protected key (IBM).
    public static let ibmProtectedKeyNeverExtractable = AttributeType(rawValue: 0x8001_000D)

    /// `CKA_IBM_PQC_PARAMS` (0x8001_000E): DER-encoded OID choosing the post-quantum parameter set (IBM).
    public static let ibmPQCParameters = AttributeType(rawValue: 0x8001_000E)

    /// `CKA_IBM_LOGIN_SESSION` (0x8001_000F): Login session the object is bound to (IBM).
    public static let ibmLoginSession = AttributeType(rawValue: 0x8001_000F)

    /// `CKA_IBM_WIRETEST` (0x8002_0001): Direct access to the attribute wire form, for tests (IBM).
    public static let ibmWireTest = AttributeType(rawValue: 0x8002_0001)

    /// `CKA_IBM_MACED_PUBLIC_KEY_INFO` (0x8002_0002): MACed SPKI of a private key's public half (IBM).
    public static let ibmMACedPublicKeyInfo = AttributeType(rawValue: 0x8002_0002)

    // MARK: GREP11

    /// `CKA_VENDOR_DEFINED_GREP11` (0x8004_0000): Start of the GREP11 server's vendor range.
    public static let grep11VendorDefined = AttributeType(rawValue: 0x8004_0000)

    /// `CKA_GREP11_TOKEN_LABEL` (0x8004_0001): GREP11 token label.
    public static let grep11TokenLabel = AttributeType(rawValue: 0x8004_0001)

    /// `CKA_GREP11_WKID` (0x8004_0002): GREP11 wrapping key identifier.
    public static let grep11WKID = AttributeType(rawValue: 0x8004_0002)

    /// `CKA_GREP11_KEYSTORE_PASSWORD` (0x8004_0003): GREP11 keystore password.
    public static let grep11KeystorePassword = AttributeType(rawValue: 0x8004_0003)

    /// `CKA_GREP11_KEYBLOB_HAS_ROTATION` (0x8004_0004): GREP11: the key blob has been rotated.
    public static let grep11KeyBlobHasRotation = AttributeType(rawValue: 0x8004_0004)

    /// `CKA_GREP11_NEXTWKID` (0x8004_0005): GREP11 next wrapping key identifier.
    public static let grep11NextWKID = AttributeType(rawValue: 0x8004_0005)
}

extension AttributeType {
    /// Canonical names, in declaration order. The first name listed for a value is its primary name;
    /// later ones are aliases that `init?(name:)` accepts.
    public static let knownNames = PKCS11NameTable(
        prefix: "CKA_",
        [
            (`class`.rawValue, "CKA_CLASS"),
            (token.rawValue, "CKA_TOKEN"),
            (`private`.rawValue, "CKA_PRIVATE"),
            (label.rawValue, "CKA_LABEL"),
            (application.rawValue, "CKA_APPLICATION"),
            (value.rawValue, "CKA_VALUE"),
            (objectID.rawValue, "CKA_OBJECT_ID"),
            (certificateType.rawValue, "CKA_CERTIFICATE_TYPE"),
            (issuer.rawValue, "CKA_ISSUER"),
            (serialNumber.rawValue, "CKA_SERIAL_NUMBER"),
            (acIssuer.rawValue, "CKA_AC_ISSUER"),
            (owner.rawValue, "CKA_OWNER"),
            (attrTypes.rawValue, "CKA_ATTR_TYPES"),
            (trusted.rawValue, "CKA_TRUSTED"),
            (certificateCategory.rawValue, "CKA_CERTIFICATE_CATEGORY"),
            (javaMIDPSecurityDomain.rawValue, "CKA_JAVA_MIDP_SECURITY_DOMAIN"),
            (url.rawValue, "CKA_URL"),
            (hashOfSubjectPublicKey.rawValue, "CKA_HASH_OF_SUBJECT_PUBLIC_KEY"),
            (hashOfIssuerPublicKey.rawValue, "CKA_HASH_OF_ISSUER_PUBLIC_KEY"),
            (nameHashAlgorithm.rawValue, "CKA_NAME_HASH_ALGORITHM"),
            (checkValue.rawValue, "CKA_CHECK_VALUE"),
            (keyType.rawValue, "CKA_KEY_TYPE"),
            (subject.rawValue, "CKA_SUBJECT"),
            (id.rawValue, "CKA_ID"),
            (sensitive.rawValue, "CKA_SENSITIVE"),
            (encrypt.rawValue, "CKA_ENCRYPT"),
            (decrypt.rawValue, "CKA_DECRYPT"),
            (wrap.rawValue, "CKA_WRAP"),
            (unwrap.rawValue, "CKA_UNWRAP"),
            (sign.rawValue, "CKA_SIGN"),
            (signRecover.rawValue, "CKA_SIGN_RECOVER"),
            (verify.rawValue, "CKA_VERIFY"),
            (verifyRecover.rawValue, "CKA_VERIFY_RECOVER"),
            (derive.rawValue, "CKA_DERIVE"),
            (startDate.rawValue, "CKA_START_DATE"),
            (endDate.rawValue, "CKA_END_DATE"),
            (modulus.rawValue, "CKA_MODULUS"),
            (modulusBits.rawValue, "CKA_MODULUS_BITS"),
            (publicExponent.rawValue, "CKA_PUBLIC_EXPONENT"),
            (privateExponent.rawValue, "CKA_PRIVATE_EXPONENT"),
            (prime1.rawValue, "CKA_PRIME_1"),
            (prime2.rawValue, "CKA_PRIME_2"),
            (exponent1.rawValue, "CKA_EXPONENT_1"),
            (exponent2.rawValue, "CKA_EXPONENT_2"),
            (coefficient.rawValue, "CKA_COEFFICIENT"),
            (publicKeyInfo.rawValue, "CKA_PUBLIC_KEY_INFO"),
            (prime.rawValue, "CKA_PRIME"),
            (subprime.rawValue, "CKA_SUBPRIME"),
            (base.rawValue, "CKA_BASE"),
            (primeBits.rawValue, "CKA_PRIME_BITS"),
            (subprimeBits.rawValue, "CKA_SUBPRIME_BITS"),
            (subPrimeBits.rawValue, "CKA_SUB_PRIME_BITS"),
            (valueBits.rawValue, "CKA_VALUE_BITS"),
            (valueLength.rawValue, "CKA_VALUE_LEN"),
            (extractable.rawValue, "CKA_EXTRACTABLE"),
            (local.rawValue, "CKA_LOCAL"),
            (neverExtractable.rawValue, "CKA_NEVER_EXTRACTABLE"),
            (alwaysSensitive.rawValue, "CKA_ALWAYS_SENSITIVE"),
            (keyGenMechanism.rawValue, "CKA_KEY_GEN_MECHANISM"),
            (modifiable.rawValue, "CKA_MODIFIABLE"),
            (copyable.rawValue, "CKA_COPYABLE"),
            (destroyable.rawValue, "CKA_DESTROYABLE"),
            (ecParameters.rawValue, "CKA_EC_PARAMS"),
            (ecdsaParameters.rawValue, "CKA_ECDSA_PARAMS"),
            (ecPoint.rawValue, "CKA_EC_POINT"),
            (secondaryAuth.rawValue, "CKA_SECONDARY_AUTH"),
            (authPINFlags.rawValue, "CKA_AUTH_PIN_FLAGS"),
            (alwaysAuthenticate.rawValue, "CKA_ALWAYS_AUTHENTICATE"),
            (wrapWithTrusted.rawValue, "CKA_WRAP_WITH_TRUSTED"),
            (otpFormat.rawValue, "CKA_OTP_FORMAT"),
            (otpLength.rawValue, "CKA_OTP_LENGTH"),
            (otpTimeInterval.rawValue, "CKA_OTP_TIME_INTERVAL"),
            (otpUserFriendlyMode.rawValue, "CKA_OTP_USER_FRIENDLY_MODE"),
            (otpChallengeRequirement.rawValue, "CKA_OTP_CHALLENGE_REQUIREMENT"),
            (otpTimeRequirement.rawValue, "CKA_OTP_TIME_REQUIREMENT"),
            (otpCounterRequirement.rawValue, "CKA_OTP_COUNTER_REQUIREMENT"),
            (otpPINRequirement.rawValue, "CKA_OTP_PIN_REQUIREMENT"),
            (otpUserIdentifier.rawValue, "CKA_OTP_USER_IDENTIFIER"),
            (otpServiceIdentifier.rawValue, "CKA_OTP_SERVICE_IDENTIFIER"),
            (otpServiceLogo.rawValue, "CKA_OTP_SERVICE_LOGO"),
            (otpServiceLogoType.rawValue, "CKA_OTP_SERVICE_LOGO_TYPE"),
            (otpCounter.rawValue, "CKA_OTP_COUNTER"),
            (otpTime.rawValue, "CKA_OTP_TIME"),
            (gostR3410Parameters.rawValue, "CKA_GOSTR3410_PARAMS"),
            (gostR3411Parameters.rawValue, "CKA_GOSTR3411_PARAMS"),
            (gost28147Parameters.rawValue, "CKA_GOST28147_PARAMS"),
            (hwFeatureType.rawValue, "CKA_HW_FEATURE_TYPE"),
            (resetOnInit.rawValue, "CKA_RESET_ON_INIT"),
            (hasReset.rawValue, "CKA_HAS_RESET"),
            (pixelX.rawValue, "CKA_PIXEL_X"),
            (pixelY.rawValue, "CKA_PIXEL_Y"),
            (resolution.rawValue, "CKA_RESOLUTION"),
            (charRows.rawValue, "CKA_CHAR_ROWS"),
            (charColumns.rawValue, "CKA_CHAR_COLUMNS"),
            (color.rawValue, "CKA_COLOR"),
            (bitsPerPixel.rawValue, "CKA_BITS_PER_PIXEL"),
            (charSets.rawValue, "CKA_CHAR_SETS"),
            (encodingMethods.rawValue, "CKA_ENCODING_METHODS"),
            (mimeTypes.rawValue, "CKA_MIME_TYPES"),
            (mechanismType.rawValue, "CKA_MECHANISM_TYPE"),
            (requiredCMSAttributes.rawValue, "CKA_REQUIRED_CMS_ATTRIBUTES"),
            (defaultCMSAttributes.rawValue, "CKA_DEFAULT_CMS_ATTRIBUTES"),
            (supportedCMSAttributes.rawValue, "CKA_SUPPORTED_CMS_ATTRIBUTES"),
            (wrapTemplate.rawValue, "CKA_WRAP_TEMPLATE"),
            (unwrapTemplate.rawValue, "CKA_UNWRAP_TEMPLATE"),
            (deriveTemplate.rawValue, "CKA_DERIVE_TEMPLATE"),
            (allowedMechanisms.rawValue, "CKA_ALLOWED_MECHANISMS"),
            (vendorDefined.rawValue, "CKA_VENDOR_DEFINED"),
            (ibmRestrictable.rawValue, "CKA_IBM_RESTRICTABLE"),
            (ibmNeverModifiable.rawValue, "CKA_IBM_NEVER_MODIFIABLE"),
            (ibmRetainKey.rawValue, "CKA_IBM_RETAINKEY"),
            (ibmAttributeBound.rawValue, "CKA_IBM_ATTRBOUND"),
            (ibmKeyType.rawValue, "CKA_IBM_KEYTYPE"),
            (ibmCV.rawValue, "CKA_IBM_CV"),
            (ibmMACKey.rawValue, "CKA_IBM_MACKEY"),
            (ibmUseAsData.rawValue, "CKA_IBM_USE_AS_DATA"),
            (ibmStructParameters.rawValue, "CKA_IBM_STRUCT_PARAMS"),
            (ibmStandardCompliance1.rawValue, "CKA_IBM_STD_COMPLIANCE1"),
            (ibmProtectedKeyExtractable.rawValue, "CKA_IBM_PROTKEY_EXTRACTABLE"),
            (ibmProtectedKeyNeverExtractable.rawValue, "CKA_IBM_PROTKEY_NEVER_EXTRACTABLE"),
            (ibmPQCParameters.rawValue, "CKA_IBM_PQC_PARAMS"),
            (ibmLoginSession.rawValue, "CKA_IBM_LOGIN_SESSION"),
            (ibmWireTest.rawValue, "CKA_IBM_WIRETEST"),
            (ibmMACedPublicKeyInfo.rawValue, "CKA_IBM_MACED_PUBLIC_KEY_INFO"),
            (grep11VendorDefined.rawValue, "CKA_VENDOR_DEFINED_GREP11"),
            (grep11TokenLabel.rawValue, "CKA_GREP11_TOKEN_LABEL"),
            (grep11WKID.rawValue, "CKA_GREP11_WKID"),
            (grep11KeystorePassword.rawValue, "CKA_GREP11_KEYSTORE_PASSWORD"),
            (grep11KeyBlobHasRotation.rawValue, "CKA_GREP11_KEYBLOB_HAS_ROTATION"),
            (grep11NextWKID.rawValue, "CKA_GREP11_NEXTWKID"),
        ]
    )
}
