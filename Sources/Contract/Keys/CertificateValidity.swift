import Foundation

/// The validity window of a certificate that stands for a key: the encryption certificate, a signing
/// certificate (whose `notAfter` is the contract's expiry) or an attestation certificate.
public struct CertificateValidity: Sendable, Hashable, CustomStringConvertible {
    /// The certificate's subject, RFC 4514 style, e.g. `CN=signer,O=Example`.
    public var subject: String
    /// `notBefore`.
    public var notBefore: Date
    /// `notAfter`.
    public var notAfter: Date

    /// Creates a validity window.
    public init(subject: String, notBefore: Date, notAfter: Date) {
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Whether `now` lies inside the window (both ends included).
    public func contains(_ now: Date) -> Bool { now >= notBefore && now <= notAfter }

    /// The time from `now` to `notAfter`; negative once the certificate has expired.
    public func remaining(at now: Date) -> TimeInterval { notAfter.timeIntervalSince(now) }

    /// Throws ``ContractError/certificateExpired`` or ``ContractError/certificateNotYetValid`` when `now` lies
    /// outside the window. `role` names the certificate in the message, e.g. "the encryption certificate".
    public func check(at now: Date, role: String, field: ContractField? = nil) throws {
        if now > notAfter {
            throw ContractError(
                code: .certificateExpired,
                message: "\(role) (\(subject)) expired on \(Self.format(notAfter))", field: field)
        }
        if now < notBefore {
            throw ContractError(
                code: .certificateNotYetValid,
                message: "\(role) (\(subject)) is not valid before \(Self.format(notBefore))", field: field)
        }
    }

    public var description: String {
        "\(subject), valid from \(Self.format(notBefore)) to \(Self.format(notAfter))"
    }

    /// ISO 8601, UTC, seconds.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
