// Short names for the engine's types inside the mock.
typealias DigestAlgorithm = SoftCrypto.DigestAlgorithm
typealias ECCurve = SoftCrypto.ECCurve
typealias RSAEncryptionPadding = SoftCrypto.RSAEncryptionPadding
typealias RSASignatureScheme = SoftCrypto.RSASignatureScheme
typealias PrivateKeyKind = SoftCrypto.PrivateKeyKind
