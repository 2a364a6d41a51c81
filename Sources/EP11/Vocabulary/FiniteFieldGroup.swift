/// Finite-field domain parameters for DSA and PKCS #3 Diffie-Hellman: prime p, subprime q (DSA; optional for DH)
/// and generator g, as big-endian unsigned integers. They go in the public key template of
/// Mechanism/dsaKeyPairGen and Mechanism/dhKeyPairGen as `CKA_PRIME`, `CKA_SUBPRIME` and `CKA_BASE`.
public struct FiniteFieldGroup: Sendable, Hashable {
    public var prime: [UInt8]
    public var subprime: [UInt8]?
    public var base: [UInt8]

    public init(prime: [UInt8], subprime: [UInt8]? = nil, base: [UInt8]) {
        self.prime = prime
        self.subprime = subprime
        self.base = base
    }

    /// The template entries: `CKA_PRIME`, `CKA_BASE` and, when present, `CKA_SUBPRIME`.
    public var template: AttributeTemplate {
        var template: AttributeTemplate = [.prime(prime), .base(base)]
        if let subprime { template.set(.subprime(subprime)) }
        return template
    }

    /// RFC 7919 `ffdhe2048`: a 2048-bit safe prime p with g = 2 (q = (p − 1) / 2 is not included).
    public static let ffdhe2048 = FiniteFieldGroup(
        prime: hexBytes(
            "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"
        ),
        base: [0x02]
    )

    /// RFC 7919 `ffdhe3072`: a 3072-bit safe prime p with g = 2 (q = (p − 1) / 2 is not included).
    public static let ffdhe3072 = FiniteFieldGroup(
        prime: hexBytes(
            "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91CAEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF"
        ),
        base: [0x02]
    )
}

/// Bytes from a hex literal of this file (even length, valid digits); a bad literal gives no bytes.
private func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
        guard let byte = UInt8(text[index..<next], radix: 16) else { return [] }
        bytes.append(byte)
        index = next
    }
    return bytes
}
