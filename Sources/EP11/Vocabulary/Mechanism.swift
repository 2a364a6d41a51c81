/// A mechanism with its parameter: what an EP11 operation runs (`CK_MECHANISM`; the GREP11 `Mechanism`
/// message).
///
/// Use the static factories, which pick the right parameter form:
///
/// ```swift
/// let mechanism: Mechanism = .aesCBCPad(iv: iv)
/// let oaep: Mechanism = .rsaOAEP()                       // SHA-256, MGF1-SHA-256, no label
/// let pss: Mechanism = .sha384RSAPSS()                   // SHA-384, MGF1-SHA-384, 48-byte salt
/// let ecdh: Mechanism = .ecdh1Derive(peerPublicKey: point)
/// ```
///
/// Any other combination can be built directly: `Mechanism(.ibmSHA3_256)`,
/// `Mechanism(.aesOFB, parameter: .bytes(iv))`.
public struct Mechanism: Hashable, Sendable {
    /// The parameter of a mechanism: the `oneof Parameter` of the GREP11 `Mechanism` message.
    public enum Parameter: Hashable, Sendable {
        /// No parameter.
        case none
        /// Raw parameter bytes (`ParameterB`): an IV, an EC point, a DH public value.
        case bytes([UInt8])
        /// RSA OAEP parameters (`RSAOAEPParameter`).
        case rsaOAEP(RSAOAEPParameters)
        /// RSA PSS parameters (`RSAPSSParameter`).
        case rsaPSS(RSAPSSParameters)
        /// Structured ECDH parameters (`ECDH1DeriveParameter`).
        case ecdh1Derive(ECDH1DeriveParameters)
        /// BIP-32/SLIP-10 derivation parameters (`BTCDeriveParameter`).
        case btcDerive(BTCDeriveParameters)
        /// Non-ECDSA EC signature parameters (`ECSGParameter`).
        case ecsg(ECSGParameters)
    }

    /// The mechanism type.
    public var type: MechanismType

    /// The mechanism parameter.
    public var parameter: Parameter

    /// A mechanism without a parameter.
    public init(_ type: MechanismType) {
        self.type = type
        self.parameter = .none
    }

    /// A mechanism with a parameter.
    public init(_ type: MechanismType, parameter: Parameter) {
        self.type = type
        self.parameter = parameter
    }
}

extension Mechanism.Parameter: CustomStringConvertible {
    /// A summary that names the parameter's form and sizes but never prints parameter bytes (chain codes, for
    /// one, are secret).
    public var description: String {
        switch self {
        case .none:
            return "none"
        case .bytes(let bytes):
            return "\(bytes.count) bytes"
        case .rsaOAEP(let oaep):
            return "OAEP(hash: \(oaep.hash), mgf: \(oaep.mgf), label: \(oaep.label.count) bytes)"
        case .rsaPSS(let pss):
            return "PSS(hash: \(pss.hash), mgf: \(pss.mgf), salt: \(pss.saltLength) bytes)"
        case .ecdh1Derive(let ecdh):
            return "ECDH1(kdf: \(ecdh.kdf), shared data: \(ecdh.sharedData.count) bytes, "
                + "public data: \(ecdh.publicData.count) bytes)"
        case .btcDerive(let btc):
            return "BTC(\(btc.type), index: \(btc.childKeyIndex), chain code: \(btc.chainCode.count) bytes, "
                + "version: \(btc.version))"
        case .ecsg(let ecsg):
            return "ECSG(\(ecsg.type))"
        }
    }
}

extension Mechanism: CustomStringConvertible {
    /// `CKM_AES_CBC_PAD(16 bytes)`, or just the type name when there is no parameter.
    public var description: String {
        if case .none = self.parameter {
            return self.type.description
        }
        return "\(self.type)(\(self.parameter))"
    }
}
