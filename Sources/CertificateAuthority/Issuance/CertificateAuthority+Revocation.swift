public import Foundation
import SwiftASN1
import X509

/// A CRL signed by the CA's HSM key.
public struct CertificateRevocationList: Sendable, Hashable {
    /// The CRL, DER.
    public var der: [UInt8]
    /// The CRL number (increases by one with every CRL).
    public var number: Int64
    public var thisUpdate: Date
    public var nextUpdate: Date
    /// The revoked serial numbers it lists, lower-case hex.
    public var revokedSerialNumbers: [String]

    /// The CRL as PEM text (`X509 CRL`).
    public var pem: String {
        PEMDocument(type: "X509 CRL", derBytes: der).pemString + "\n"
    }
}

extension CertificateAuthority {
    /// Every certificate this CA issued, oldest first.
    public nonisolated func issuedCertificates() async throws -> [IssuedCertificateRecord] {
        try await store.allCertificates()
    }

    /// The issued certificate with `serialNumber` (hex, any case, colons allowed).
    public nonisolated func issuedCertificate(serialNumber: String) async throws -> IssuedCertificateRecord {
        guard let record = try await store.certificate(serial: try Self.normalizedSerial(serialNumber)) else {
            throw CertificateAuthorityError(code: .notFound, message: "no certificate with serial \(serialNumber)")
        }
        return record
    }

    /// A recorded certificate (``IssuedCertificateRecord/certificateDER``) followed by the CA chain
    /// (``certificateChainPEM``), as PEM text: the chain ``IssuedCertificate/pemChain`` gave when it was issued.
    public nonisolated static func pemChain(leafDER: [UInt8], chainPEM: String) -> String {
        PEMDocument(type: "CERTIFICATE", derBytes: leafDER).pemString + "\n" + chainPEM
    }

    /// Revokes the certificate with `serialNumber` (hex): at once for every CA node on the same store. Publish
    /// the change with ``generateCRL(validity:)``.
    @discardableResult
    public nonisolated func revoke(
        serialNumber: String, reason: RevocationReason = .unspecified
    ) async throws -> IssuedCertificateRecord {
        try await store.revoke(serial: try Self.normalizedSerial(serialNumber), reason: reason, at: Date())
    }

    /// The latest CRL in the store (the one every node on the store serves), or `nil` before the first
    /// ``generateCRL(validity:)``.
    public nonisolated func latestCRL() async throws -> StoredCRL? {
        try await store.latestCRL()
    }

    /// Signs a new CRL listing every revoked certificate, with the next CRL number, `thisUpdate` now and
    /// `nextUpdate` after `validity`; stores it as the store's latest CRL (unless another node stored a newer one
    /// meanwhile) and writes it to `crl.pem` and `crl.der` (the form CRL distribution points serve).
    ///
    /// The number and the list of revoked certificates are read together under the store's single-writer lock
    /// (``IssuanceStore/nextCRL()``), so CRL numbers strictly increase across nodes.
    public func generateCRL(validity: Duration = .seconds(7 * 86_400)) async throws -> CertificateRevocationList {
        let (key, caCertificate) = try readyKey()
        let seconds = try Self.seconds(validity)
        let allocation = try await instrumentation.database("next_crl") { try await store.nextCRL() }
        let (number, revoked) = (allocation.number, allocation.revoked)
        var entries: [CRLBuilder.Entry] = []
        for record in revoked {
            let certificate: Certificate
            do {
                certificate = try CertificateDocument(der: record.certificateDER).fields
            } catch {
                throw CertificateAuthorityError(
                    code: .storageFailure, message: "stored certificate \(record.serialNumber) is unreadable",
                    cause: error)
            }
            entries.append(
                CRLBuilder.Entry(
                    serialNumber: certificate.serialNumber, revocationDate: record.revokedAt ?? Date(),
                    reason: record.revocationReason ?? .unspecified))
        }
        let now = Date()
        let nextUpdate = now.addingTimeInterval(seconds)
        let algorithm = signingAlgorithm(key)
        let tbs = try CRLBuilder.tbsCertList(
            algorithm: try algorithm.algorithmIdentifier(), issuer: caCertificate.subject, thisUpdate: now,
            nextUpdate: nextUpdate, entries: entries,
            authorityKeyIdentifier: try Self.keyIdentifier(of: caCertificate), crlNumber: number)
        let signature = try await instrumentation.hsm("crl") { try await algorithm.sign(tbs, with: key) }
        let der = try CRLBuilder.certificateList(
            tbs: tbs, algorithm: try algorithm.algorithmIdentifier(), signature: signature)
        let crl = CertificateRevocationList(
            der: der, number: number, thisUpdate: now, nextUpdate: nextUpdate,
            revokedSerialNumbers: revoked.map(\.serialNumber))
        _ = try await instrumentation.database("store_crl") {
            try await store.storeCRL(StoredCRL(number: number, der: der, thisUpdate: now, nextUpdate: nextUpdate))
        }
        try FileIO.write(Array(crl.pem.utf8), to: crlPath, mode: 0o644)
        try FileIO.write(der, to: directory.appendingPathComponent("crl.der").path, mode: 0o644)
        return crl
    }

    static func normalizedSerial(_ text: String) throws -> String {
        let hex = text.lowercased().replacingOccurrences(of: ":", with: "")
        guard !hex.isEmpty, hex.count <= 40, hex.allSatisfy({ $0.isHexDigit }) else {
            throw CertificateAuthorityError(code: .malformedInput, message: "'\(text)' is not a hex serial number")
        }
        return hex
    }
}
