import EP11
import Foundation

/// `CKM_DSA_PARAMETER_GEN` and `CKM_DH_PKCS_PARAMETER_GEN`, and the `CKA_IBM_STRUCT_PARAMS` blob they return.
///
/// A real HSM generates new domain parameters, which takes seconds to minutes for 2048 bits and more. The mock
/// returns fixed groups of the requested size instead: RFC 7919 `ffdhe2048`/`ffdhe3072` for DH, and the DSA groups
/// below for DSA. The blob is a DER `AlgorithmIdentifier` (ep11.h describes `CKA_IBM_STRUCT_PARAMS` as "DSA/DH
/// parameters as ALGID structure"): `SEQUENCE { id-dsa, Dss-Parms { p, q, g } }` or
/// `SEQUENCE { dhKeyAgreement, DHParameter { p, g } }`. IBM's flows pass it back unopened in the public key template
/// of `GenerateKeyPair`.
extension HSMCore {
    /// The prime sizes the mock has groups for.
    static let fixedGroupBits = [2048, 3072]

    /// DSA (L, N) = (2048, 256) and (3072, 256) domain parameters, generated once with OpenSSL 3
    /// (`openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -pkeyopt dsa_paramgen_q_bits:256`,
    /// and the same with 3072) and checked by ``SoftCrypto/checkFFCParameters(_:for:)`` before use.
    static let fixedDSAGroups: [Int: SoftCrypto.FFCParameters] = [
        2048: SoftCrypto.FFCParameters(
            prime: hexBytes([
                "8B3483DF53E43FE142DC1FBB0E19403E99AAD9356DD5D301B1BDC68545CFD5ED9758CA1386E43AA48DD51662F703C922",
                "FCCBF155C71A7949B82D2140005D16DADF33FFF75E4C3E41654341CA2F85BA51D3AD007753880250A099069D02CE237E",
                "D1CF96AC1CE44200D81B4E520B575CDAD16C278B904B75611BD94046F76F43C8B8FBD9C4E47A6312FB7881B955ACD630",
                "64A207F200E8665A73A81035C5DAEB361107014FB442F77B211201C8BD175B905F013DB8C880D447B44EBE1574364E3D",
                "824E175129C3948D1A0F8D9DF5911E648A3F79432FB9529EA1C1E9B5818BDDC679A3E80349B9695BE9E5EB64409E8D51",
                "A3394B2C85CD7234F720B5E714AF75AF",
            ]),
            subprime: hexBytes([
                "F495281AC30CEEAB286A493F5AF85C87F66F467477DD9C846F775F9A6FA59F87"
            ]),
            base: hexBytes([
                "08CE5A813968DF3BCCAFC1442C2798248E2E91F2AA30FEADFB055989BC9496F7B54175EE2ADC2B21BDA64006B230261F",
                "F5193D879E275C7E05A42497B0A2F42C42E2E949F7698C218E8D5960138CF9C68FE2E6C8205D7CB2D55FA68E2E7E7FA9",
                "7236DF905D48A3C94862369BC6A1DFB2BC55ACFC79ABF014EBF84B8C223A379C669867D3607DA163F846807FD44E4008",
                "63B24042834DC60BE1B9592DE1E5873A89905770DCA4E8DFF851C6051035679E484E18372AFB8D28A0D7488690669A60",
                "BA60CA88376E6C28D80DE005E347B020CFFBE98DCBFAB8D01EF5F5DC954A1D250792A91F5F34B318B267082423B7BB0B",
                "8F8515A9549DCC224B24ADF70EAF292E",
            ])
        ),
        3072: SoftCrypto.FFCParameters(
            prime: hexBytes([
                "D6AFD36FA041A9DA1E53883E33984F20A2D0E2F2B8A4B3B9B0B78D5E46B901E8815CF263919271FD17631FF5CEA7F0D5",
                "4EA8ADC7B51212071792D5A4F790657973057D71F67D49AC5BD45169976FA87F713A81A40FECDEAA46AB8196A1C6A7D9",
                "22C0F3E50CAD283C800FE37DC8D306E42E0C67A50D8317362A1BAA9D932771DA415E8CEC9BCE09C23F3FB4A11340E41D",
                "530FE0D411ADD9F37E7E63650EB9EFD0959C8207633F32603B03775E5974501734A436D0035E35695E58DA731747A30F",
                "FD44769115FFCB8A2FC4E59A2FAE5C8508A99B4975A8AC897C9AF1907273A3B5864206D699CE1F2DF27F653D27ECCD53",
                "5E4D18B3B126516EE51A784920891209DA49A2CEA25090B966EC3C0D23A70CC405FB2143369D209B5EB61E5B155192DA",
                "648643146986F25FB51A22785CD0C0BBDE5DE7543AC1E1F2670C48BB00E75D266DE2FEAEBD91B62462A7E56564BB6622",
                "A80C9196692280F699EAE3CB0B61FA17E6423792817119BB146A816F58DE0DEC26E1BA9A0877EDC1107E23E5B4753CE1",
            ]),
            subprime: hexBytes([
                "8E55C4A63DCD3B67706B38B8D4647167BDF92825642691AE9A301EA3005AE3E1"
            ]),
            base: hexBytes([
                "3CC6D0B7A223890D72326A1BA3D4A52A8A45825A7D48F7724D2046705179DB1D9F67EACB1D9028F38908F92CBB644502",
                "C267906DDB11EA3F870247BCEA8D396A7A06B1ED4526F25219F831B138C36E90755D57C6A087638BEB7E43988DB029B4",
                "425A17B6B0E6DBFE943B392E328AACE1D4E64866AFC21B3934EDEB0778AD9AF035FEADB359EA800AA7AFB31D74346066",
                "99497F1B39F714861C4AB5E971332C06FC9D640C087ABE0913A63B14321916DABAC7AF5D391E10366E192E38F252657C",
                "A70A2CEE767BD29BF4099062E2D32DF730E4E113DCCF1795D06EBA31BB99C119D335C83C770EEC5169035372B1A915A6",
                "8819DAC0C66AAAF5131D620034F6E8C5CC2AE751115391269A6E5DEA7572672BE87CC762D40838CE27FE05A1A7226AEF",
                "48C0FBA903C17BCFD7B52DF331F2396E168A236CE752D16B525C9734E880823B4AD56BDFBB6E1419551E6E8A061CE7EB",
                "08811C6CA16D559A9539F6C452BC8F32FB338EA7301CB98C5B548E2619ACF51A3DFF90A1EB4BAD69225813E9B7AE978F",
            ])
        ),
    ]

    /// The RFC 7919 groups for DH (safe primes, g = 2; q is left out as in a PKCS #3 `DHParameter`).
    static let fixedDHGroups: [Int: SoftCrypto.FFCParameters] = [
        2048: SoftCrypto.FFCParameters(
            prime: FiniteFieldGroup.ffdhe2048.prime, subprime: nil, base: FiniteFieldGroup.ffdhe2048.base),
        3072: SoftCrypto.FFCParameters(
            prime: FiniteFieldGroup.ffdhe3072.prime, subprime: nil, base: FiniteFieldGroup.ffdhe3072.base),
    ]

    /// `id-dsa` (1.2.840.10040.4.1) and `dhKeyAgreement` (1.2.840.113549.1.3.1) as DER OBJECT IDENTIFIERs.
    static let dsaAlgorithmOID: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01]
    static let dhAlgorithmOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x03, 0x01]

    // MARK: GenerateKey with a parameter-generation mechanism

    /// `CKM_DSA_PARAMETER_GEN` / `CKM_DH_PKCS_PARAMETER_GEN`: the fixed group of `CKA_PRIME_BITS` bits as a DER
    /// `AlgorithmIdentifier`, in `KeyBytes` and in `Key.KeyBlobs[0]` alike.
    /// - Throws: `CKR_TEMPLATE_INCOMPLETE` without `CKA_PRIME_BITS`; `CKR_KEY_SIZE_RANGE` for a size other than 2048
    ///   or 3072 (or, for DSA, a `CKA_SUBPRIME_BITS` other than 256); `CKR_TEMPLATE_INCONSISTENT` for a
    ///   `CKA_CLASS` or `CKA_KEY_TYPE` that is not domain parameters of that algorithm.
    func generateDomainParameters(_ request: Grep11_GenerateKeyRequest, template: AttributeTemplate)
        throws(HSMFailure) -> Grep11_GenerateKeyResponse
    {
        let mechanism = MechanismType(rawValue: request.mech.mechanism)
        let algorithm: SoftCrypto.FFCAlgorithm = mechanism == .dsaParameterGen ? .dsa : .dh
        let keyType: KeyType = algorithm == .dsa ? .dsa : .dh
        try Self.checkClassAndType(template, objectClass: .domainParameters, keyType: keyType)
        guard let bitsValue = template[.primeBits] else {
            throw HSMFailure(.templateIncomplete, "CKA_PRIME_BITS missing")
        }
        guard let bits = bitsValue.integerValue else { throw HSMFailure(.attributeValueInvalid, "CKA_PRIME_BITS") }
        let groups = algorithm == .dsa ? Self.fixedDSAGroups : Self.fixedDHGroups
        guard bits <= 1 << 20, let group = groups[Int(bits)] else {
            throw HSMFailure(.keySizeRange, "the mock returns fixed groups of 2048 and 3072 bits")
        }
        if algorithm == .dsa, let subprimeBits = template[.subprimeBits] {
            guard subprimeBits.integerValue == UInt64(group.subprimeBits) else {
                throw HSMFailure(.keySizeRange, "the mock's DSA groups have a 256-bit q")
            }
        }
        let blob = Self.algorithmIdentifier(group, for: algorithm)
        var attributes = template
        attributes[.class] = .integer(ObjectClass.domainParameters.rawValue)
        attributes[.keyType] = .integer(keyType.rawValue)
        attributes[.primeBits] = .integer(bits)
        attributes[.local] = .bool(true)
        var response = Grep11_GenerateKeyResponse()
        response.keyBytes = Data(blob)
        response.key = wireBlob(blob, attributes: attributes)
        return response
    }

    // MARK: The CKA_IBM_STRUCT_PARAMS blob

    /// `SEQUENCE { algorithm OID, SEQUENCE { p, [q,] g } }`.
    static func algorithmIdentifier(_ group: SoftCrypto.FFCParameters, for algorithm: SoftCrypto.FFCAlgorithm)
        -> [UInt8]
    {
        var integers = derInteger(group.prime)
        if algorithm == .dsa, let q = group.subprime { integers += derInteger(q) }
        integers += derInteger(group.base)
        let parameters = [0x30] + DER.length(integers.count) + integers
        let content = (algorithm == .dsa ? dsaAlgorithmOID : dhAlgorithmOID) + parameters
        return [0x30] + DER.length(content.count) + content
    }

    /// A non-negative DER INTEGER from big-endian magnitude bytes.
    static func derInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var content = Array(magnitude.drop { $0 == 0 })
        if content.isEmpty || (content[0] & 0x80) != 0 { content.insert(0, at: 0) }
        return [0x02] + DER.length(content.count) + content
    }

    /// The domain parameters in a `CKA_IBM_STRUCT_PARAMS` blob, or `nil` when neither template has one.
    /// - Throws: `CKR_TEMPLATE_INCONSISTENT` when the blob is in both templates with different values or names the
    ///   other algorithm; `CKR_ATTRIBUTE_VALUE_INVALID` when it is not a DER `AlgorithmIdentifier` of DSA or DH
    ///   parameters.
    static func structParameters(
        _ publicTemplate: AttributeTemplate,
        _ privateTemplate: AttributeTemplate,
        for algorithm: SoftCrypto.FFCAlgorithm
    ) throws(HSMFailure) -> SoftCrypto.FFCParameters? {
        let inPublic = publicTemplate[.ibmStructParameters]
        let inPrivate = privateTemplate[.ibmStructParameters]
        if let inPublic, let inPrivate, inPublic != inPrivate {
            throw HSMFailure(.templateInconsistent, "CKA_IBM_STRUCT_PARAMS differs between the templates")
        }
        guard let value = inPublic ?? inPrivate else { return nil }
        let invalid = HSMFailure(
            .attributeValueInvalid, "CKA_IBM_STRUCT_PARAMS is not a DER AlgorithmIdentifier of DSA or DH parameters")
        guard let bytes = value.bytesValue, let outer = DER.elements(bytes), outer.count == 1, outer[0].tag == 0x30,
            let parts = DER.elements(Array(outer[0].content)), parts.count == 2, parts[0].tag == 0x06,
            parts[1].tag == 0x30, let numbers = DER.elements(Array(parts[1].content))
        else { throw invalid }
        let oid = Array(parts[0].whole)
        guard oid == dsaAlgorithmOID || oid == dhAlgorithmOID else { throw invalid }
        guard oid == (algorithm == .dsa ? dsaAlgorithmOID : dhAlgorithmOID) else {
            throw HSMFailure(
                .templateInconsistent, "CKA_IBM_STRUCT_PARAMS holds \(algorithm == .dsa ? "DH" : "DSA") parameters")
        }
        var integers: [[UInt8]] = []
        for number in numbers {
            guard number.tag == 0x02, let first = number.content.first, first & 0x80 == 0 else { throw invalid }
            integers.append(Array(number.content))
        }
        switch algorithm {
        case .dsa:
            // Dss-Parms ::= SEQUENCE { p, q, g }
            guard integers.count == 3 else { throw invalid }
            return SoftCrypto.FFCParameters(prime: integers[0], subprime: integers[1], base: integers[2])
        case .dh:
            // DHParameter ::= SEQUENCE { prime, base, privateValueLength OPTIONAL }
            guard integers.count == 2 || integers.count == 3 else { throw invalid }
            return SoftCrypto.FFCParameters(prime: integers[0], subprime: nil, base: integers[1])
        }
    }

    /// Bytes from hex literals of this file; a bad literal gives no bytes.
    private static func hexBytes(_ lines: [String]) -> [UInt8] {
        bytes(fromHex: lines.joined()) ?? []
    }
}
