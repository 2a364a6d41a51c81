import Foundation
import SwiftASN1
import X509

extension CertificateAuthority {
    /// Renews a certificate this CA issued: a new certificate, under a fresh serial number, for the same subject,
    /// subject alternative names and public key.
    ///
    /// The certificate (PEM or DER, at most ``maximumCSRSize`` bytes) must be
    /// - signed by this CA's key and name this CA as issuer (else
    ///   ``CertificateAuthorityError/Code/certificateMismatch``),
    /// - recorded in the issuance store exactly as given (else ``CertificateAuthorityError/Code/notFound``),
    /// - not revoked (else ``CertificateAuthorityError/Code/certificateRevoked``),
    /// - within its validity at `now` (else ``CertificateAuthorityError/Code/certificateExpired``).
    ///
    /// The new certificate is then issued as ``sign(csr:profile:validity:sans:)`` issues one: the policy (key,
    /// names, validity) and `profile` apply again, so a renewal never carries what the policy refuses today, and
    /// the certificate is recorded in the store before it is returned. Proof of possession of the key is the
    /// caller's to establish (the CA service requires the certificate as the client certificate of a mutual TLS
    /// connection, whose handshake proves it).
    ///
    /// - Parameters:
    ///   - bytes: the current certificate, PEM or DER.
    ///   - profile: the profile the new certificate is issued under.
    ///   - validity: as for ``sign(csr:profile:validity:sans:)``: `nil` means the profile's default.
    ///   - now: the time the current certificate's validity is checked at.
    public nonisolated func renew(
        certificatePEMOrDER bytes: [UInt8],
        profile: Profile,
        validity: Duration? = nil,
        now: Date = Date()
    ) async throws -> IssuedCertificate {
        guard bytes.count <= Self.maximumCSRSize else {
            throw CertificateAuthorityError(
                code: .malformedInput,
                message:
                    "the certificate is \(bytes.count) bytes; at most \(Self.maximumCSRSize / 1024) KiB is accepted")
        }
        guard let document = try CertificateParsing.documents(fromPEMOrDER: bytes).first else {
            throw CertificateAuthorityError(code: .malformedInput, message: "no certificate to renew")
        }
        let current = document.fields
        let caCertificate = try await certificate()
        let serial = hex(current.serialNumber.bytes)
        guard current.issuer == caCertificate.subject, RSAPSS.isSigned(document.der, by: caCertificate.publicKey)
        else {
            throw CertificateAuthorityError(
                code: .certificateMismatch, message: "the certificate (serial \(serial)) was not issued by this CA")
        }
        let record = try await instrumentation.database("lookup") { try await store.certificate(serial: serial) }
        guard let record, record.certificateDER == document.der else {
            throw CertificateAuthorityError(
                code: .notFound, message: "the certificate (serial \(serial)) is not in this CA's issuance records")
        }
        guard !record.isRevoked else {
            throw CertificateAuthorityError(
                code: .certificateRevoked, message: "the certificate (serial \(serial)) is revoked")
        }
        guard current.notValidBefore <= now, now < current.notValidAfter else {
            throw CertificateAuthorityError(
                code: .certificateExpired,
                message: now < current.notValidBefore
                    ? "the certificate (serial \(serial)) is not valid yet"
                    : "the certificate (serial \(serial)) has expired")
        }
        let names: [GeneralName]
        do {
            names = Array(try current.extensions.subjectAlternativeNames ?? SubjectAlternativeNames())
        } catch {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "the certificate's alternative names cannot be read", cause: error)
        }
        let plan = try await plan(
            publicKey: current.publicKey, subject: current.subject, names: names, profile: profile,
            validity: validity)
        return try await issue(plan)
    }
}
