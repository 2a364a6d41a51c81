import Foundation
import SwiftASN1
import X509

/// Where relying parties find revocation information and the issuer, and the policies issued certificates assert.
/// Stored as `publication.json` in the CA directory; set with ``CertificateAuthority/setPublication(_:)``.
public struct Publication: Sendable, Hashable, Codable {
    /// URLs of the CRL (`cRLDistributionPoints`), e.g. `http://ca.example.com/crl.der`.
    public var crlDistributionPoints: [String]
    /// URLs of the CA certificate (`authorityInfoAccess` caIssuers).
    public var caIssuers: [String]
    /// URLs of an OCSP responder (`authorityInfoAccess` OCSP).
    public var ocspResponders: [String]
    /// Certificate policy OIDs for leaf certificates (`certificatePolicies`), e.g. `2.23.140.1.2.1` (domain
    /// validated).
    public var leafPolicies: [String]

    public init(
        crlDistributionPoints: [String] = [],
        caIssuers: [String] = [],
        ocspResponders: [String] = [],
        leafPolicies: [String] = []
    ) {
        self.crlDistributionPoints = crlDistributionPoints
        self.caIssuers = caIssuers
        self.ocspResponders = ocspResponders
        self.leafPolicies = leafPolicies
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case crlDistributionPoints, caIssuers, ocspResponders, leafPolicies
    }

    /// Fails closed: an unknown member or a value that is not a list of strings is an error naming the member.
    public init(from decoder: any Decoder) throws {
        let document = "publication.json"
        let container = try StrictDecoding.container(decoder, CodingKeys.self, document: document)
        func list(_ key: CodingKeys) throws -> [String] {
            try container.strictMember([String].self, key, expected: "a list of strings", document: document) ?? []
        }
        self.init(
            crlDistributionPoints: try list(.crlDistributionPoints), caIssuers: try list(.caIssuers),
            ocspResponders: try list(.ocspResponders), leafPolicies: try list(.leafPolicies))
    }

    /// Checks the URLs (absolute, with a host) and the OIDs.
    func validate() throws {
        for url in crlDistributionPoints + caIssuers + ocspResponders {
            guard let components = URLComponents(string: url), components.scheme != nil, components.host != nil else {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "'\(ControlCharacters.escaped(url))' is not an absolute URL")
            }
        }
        _ = try policyOIDs()
    }

    func policyOIDs() throws -> [ASN1ObjectIdentifier] {
        try leafPolicies.map { text in
            let arcs = text.split(separator: ".").map { UInt($0) }
            guard arcs.count >= 2, arcs.allSatisfy({ $0 != nil }) else {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "'\(ControlCharacters.escaped(text))' is not an OID")
            }
            do {
                return try ASN1ObjectIdentifier(elements: arcs.compactMap { $0 })
            } catch {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "'\(ControlCharacters.escaped(text))' is not an OID", cause: error)
            }
        }
    }

    /// The extensions for an issued certificate.
    func extensions(isLeaf: Bool) throws -> [Certificate.Extension] {
        var result: [Certificate.Extension] = []
        if !caIssuers.isEmpty || !ocspResponders.isEmpty {
            let descriptions =
                ocspResponders.map {
                    AuthorityInformationAccess.AccessDescription(
                        method: .ocspServer, location: .uniformResourceIdentifier($0))
                }
                + caIssuers.map {
                    AuthorityInformationAccess.AccessDescription(
                        method: .issuingCA, location: .uniformResourceIdentifier($0))
                }
            result.append(try Certificate.Extension(AuthorityInformationAccess(descriptions), critical: false))
        }
        if !crlDistributionPoints.isEmpty {
            // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint
            // DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL, ... }
            // DistributionPointName ::= CHOICE { fullName [0] GeneralNames, ... }
            let tag0 = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for url in crlDistributionPoints {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.appendConstructedNode(identifier: tag0) { coder in
                            try coder.appendConstructedNode(identifier: tag0) { coder in
                                try coder.serialize(GeneralName.uniformResourceIdentifier(url))
                            }
                        }
                    }
                }
            }
            result.append(
                Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: coder.serializedBytes[...]))
        }
        let policies = try policyOIDs()
        if isLeaf, !policies.isEmpty {
            // certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier }
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for oid in policies {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(oid)
                    }
                }
            }
            result.append(
                Certificate.Extension(oid: [2, 5, 29, 32], critical: false, value: coder.serializedBytes[...]))
        }
        return result
    }
}
