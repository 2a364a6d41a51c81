import Foundation
import SwiftASN1
import X509

/// Builds an RFC 5280 v2 CRL in DER. swift-certificates 1.21 has no CRL type, so the structure is written here
/// with swift-asn1:
///
/// ```
/// CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
/// TBSCertList ::= SEQUENCE { version v2, signature, issuer, thisUpdate, nextUpdate,
///     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate, crlEntryExtensions } OPTIONAL,
///     crlExtensions [0] EXPLICIT Extensions }
/// ```
enum CRLBuilder {
    struct Entry {
        var serialNumber: Certificate.SerialNumber
        var revocationDate: Date
        var reason: RevocationReason
    }

    static let crlNumberOID: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let reasonCodeOID: ASN1ObjectIdentifier = [2, 5, 29, 21]

    /// The DER AlgorithmIdentifier of the signature algorithms an HSM key uses.
    static func algorithmIdentifier(_ algorithm: Certificate.SignatureAlgorithm) throws -> [UInt8] {
        let ecdsa: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03]
        let rsa: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01]
        switch algorithm {
        case .ecdsaWithSHA256: return ecdsa + [0x02]
        case .ecdsaWithSHA384: return ecdsa + [0x03]
        case .sha256WithRSAEncryption: return rsa + [0x0B, 0x05, 0x00]
        case .sha384WithRSAEncryption: return rsa + [0x0C, 0x05, 0x00]
        case .sha512WithRSAEncryption: return rsa + [0x0D, 0x05, 0x00]
        default:
            throw CertificateAuthorityError(code: .keyNotPermitted, message: "no CRL encoding for \(algorithm)")
        }
    }

    /// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds.
    static func serializeTime(_ date: Date, into coder: inout DER.Serializer) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
            let second = c.second
        else {
            throw CertificateAuthorityError(code: .malformedInput, message: "unrepresentable date")
        }
        if (1950...2049).contains(year) {
            try coder.serialize(
                UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        } else {
            try coder.serialize(
                GeneralizedTime(
                    year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second,
                    fractionalSeconds: 0))
        }
    }

    static func tbsCertList(
        algorithm: [UInt8],
        issuer: DistinguishedName,
        thisUpdate: Date,
        nextUpdate: Date,
        entries: [Entry],
        authorityKeyIdentifier: [UInt8],
        crlNumber: Int64
    ) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            coder.serializeRawBytes(algorithm)
            try coder.serialize(issuer)
            try serializeTime(thisUpdate, into: &coder)
            try serializeTime(nextUpdate, into: &coder)
            if !entries.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    for entry in entries {
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(entry.serialNumber.bytes)
                            try serializeTime(entry.revocationDate, into: &coder)
                            if entry.reason != .unspecified {
                                var value = DER.Serializer()
                                value.appendPrimitiveNode(identifier: .enumerated) { bytes in
                                    bytes.append(UInt8(truncatingIfNeeded: entry.reason.rawValue))
                                }
                                let reason = Certificate.Extension(
                                    oid: reasonCodeOID, critical: false, value: value.serializedBytes[...])
                                try coder.appendConstructedNode(identifier: .sequence) { coder in
                                    try coder.serialize(reason)
                                }
                            }
                        }
                    }
                }
            }
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    let aki = try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier[...]), critical: false)
                    try coder.serialize(aki)
                    var number = DER.Serializer()
                    try number.serialize(crlNumber)
                    try coder.serialize(
                        Certificate.Extension(oid: crlNumberOID, critical: false, value: number.serializedBytes[...]))
                }
            }
        }
        return coder.serializedBytes
    }

    /// `algorithm` is the DER AlgorithmIdentifier, the same as in `tbs`.
    static func certificateList(tbs: [UInt8], algorithm: [UInt8], signature: [UInt8]) throws -> [UInt8] {
        // A CertificateList has a certificate's outer shape.
        try RSAPSS.assemble(tbs: tbs, algorithm: algorithm, signature: signature)
    }
}
