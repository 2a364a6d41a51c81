public import Foundation

/// Where a certificate authority keeps what it issued, revoked and published, and what its HTTP service needs to
/// share between nodes (provisioners, one-time token ids).
///
/// Two implementations: ``SQLiteIssuanceStore`` (the embedded default, `issued.sqlite` in the CA directory, one
/// node) and ``PostgresIssuanceStore`` (one PostgreSQL database shared by several CA nodes). The invariants hold
/// across every instance on one database and are enforced by the database, not by a process:
/// - a serial number is recorded at most once (a primary key);
/// - a certificate is recorded, durably, before ``record(_:consumingToken:)`` returns, so the CA never hands out a
///   certificate it did not record;
/// - a certificate issued for a one-time token and that token's id are written in one transaction
///   (``record(_:consumingToken:)``): both land or neither does;
/// - CRL numbers strictly increase, and one CRL writer runs at a time (``nextCRL()``);
/// - a revocation is visible to every instance as soon as ``revoke(serial:reason:at:)`` returns;
/// - a token id is accepted once, across every instance (``consumeTokenID(_:provisioner:expiresAt:)`` and
///   ``record(_:consumingToken:)`` share one table).
///
/// Every method throws ``CertificateAuthorityError`` (``CertificateAuthorityError/Code/storageFailure`` when the
/// database cannot be reached or fails, with a message that says so and never a password), and never traps.
public protocol IssuanceStore: Sendable {
    /// Where the store is, safe to print and log (`SQLite /path/issued.sqlite`, `PostgreSQL host:5432/ca`): never
    /// a password.
    var location: String { get }

    // MARK: Certificates

    /// Records an issued certificate and, when `token` is given, consumes that one-time token's id, in one durable
    /// transaction: the id and the certificate are both written or neither is. Returns once that transaction has
    /// committed (the certificate may then be handed out), or with what refused it, writing nothing:
    /// - ``RecordOutcome/serialInUse`` when the serial is already recorded (the database's primary key decides, so
    ///   two nodes cannot both record one serial): the CA then draws a new serial and signs again, with the token
    ///   still unconsumed;
    /// - ``RecordOutcome/tokenAlreadyUsed`` when the token's id was consumed before, by any instance on the
    ///   database (the certificate is then discarded, never handed out).
    ///
    /// Ids whose `expiresAt` has passed are purged from time to time, as for
    /// ``consumeTokenID(_:provisioner:expiresAt:)``.
    func record(_ certificate: NewCertificateRecord, consumingToken token: OneTimeTokenID?) async throws
        -> RecordOutcome

    /// The certificate with `serial` (lower-case hex), or `nil`.
    func certificate(serial: String) async throws -> IssuedCertificateRecord?

    /// Every recorded certificate, oldest first.
    func allCertificates() async throws -> [IssuedCertificateRecord]

    /// Marks `serial` revoked and returns the updated record. Throws ``CertificateAuthorityError/Code/notFound``
    /// for an unknown serial and ``CertificateAuthorityError/Code/alreadyRevoked`` for a revoked one (a check and
    /// an update in one transaction, so of two concurrent revocations exactly one succeeds).
    func revoke(serial: String, reason: RevocationReason, at date: Date) async throws -> IssuedCertificateRecord

    // MARK: CRLs

    /// Allocates the next CRL number and reads the revoked certificates, in one transaction under the database's
    /// single-writer lock: numbers are strictly increasing across every instance on the database, and the list is
    /// the one current when the number was drawn.
    func nextCRL() async throws -> CRLAllocation

    /// Stores a signed CRL as the latest, unless a CRL with a higher number is already stored (another node signed
    /// a newer one meanwhile). Returns whether `crl` is now the latest.
    @discardableResult
    func storeCRL(_ crl: StoredCRL) async throws -> Bool

    /// The latest stored CRL (the one every node serves), or `nil` before the first.
    func latestCRL() async throws -> StoredCRL?

    // MARK: Provisioners

    /// Adds a provisioner. Returns `false`, writing nothing, when one with that name exists.
    func addProvisioner(_ provisioner: ProvisionerRecord) async throws -> Bool

    /// Every provisioner, by name.
    func provisioners() async throws -> [ProvisionerRecord]

    /// The provisioner called `name`, or `nil`.
    func provisioner(named name: String) async throws -> ProvisionerRecord?

    /// Removes the provisioner called `name`; returns whether there was one.
    @discardableResult
    func removeProvisioner(named name: String) async throws -> Bool

    // MARK: One-time tokens

    /// Records the token id `jti` of `provisioner`'s token: `true` the first time, `false` when it was already
    /// consumed (by any instance on the database: a primary key on provisioner and id). Ids whose `expiresAt`
    /// has passed are purged from time to time; keep `expiresAt` at or after the token's own `exp`, so that a
    /// replayed token is refused by its expiry once its id is gone.
    func consumeTokenID(_ jti: String, provisioner: String, expiresAt: Date) async throws -> Bool

    // MARK: Health and lifetime

    /// Checks that the database answers; throws ``CertificateAuthorityError/Code/storageFailure`` when it does not.
    func ping() async throws

    /// Closes the database connections. Calls after this fail with ``CertificateAuthorityError/Code/storageFailure``.
    func close() async

    // MARK: Migration

    /// Everything the store holds but the consumed token ids, read in one transaction (for `ca migrate`).
    func snapshot() async throws -> IssuanceStoreSnapshot

    /// Writes `snapshot` into this store in one transaction, refusing (``CertificateAuthorityError/Code/alreadyInitialized``)
    /// a store that already holds a certificate, a CRL or a provisioner: either all of it is written or nothing.
    func restore(_ snapshot: IssuanceStoreSnapshot) async throws
}

extension IssuanceStore {
    /// Records an issued certificate without a token (``record(_:consumingToken:)``): `true` once the row is
    /// durably committed, `false`, writing nothing, when `serial` is already recorded.
    ///
    /// - Parameters:
    ///   - serial: lower-case hex without separators.
    ///   - subject: the subject DN in RFC 4514 form.
    ///   - profile: the profile's name.
    ///   - notBefore: the start of the certificate's validity.
    ///   - notAfter: the end of the certificate's validity.
    ///   - der: the certificate, DER.
    public func record(
        serial: String, subject: String, profile: String, notBefore: Date, notAfter: Date, der: [UInt8]
    ) async throws -> Bool {
        let certificate = NewCertificateRecord(
            serial: serial, subject: subject, profile: profile, notBefore: notBefore, notAfter: notAfter, der: der)
        return try await record(certificate, consumingToken: nil) == .recorded
    }
}

/// A certificate the CA signed, to be recorded (``IssuanceStore/record(_:consumingToken:)``).
public struct NewCertificateRecord: Sendable, Hashable {
    /// The serial number, lower-case hex without separators.
    public var serial: String
    /// The subject DN in RFC 4514 form.
    public var subject: String
    /// The profile's name.
    public var profile: String
    /// The certificate's `notBefore`.
    public var notBefore: Date
    /// The certificate's `notAfter`.
    public var notAfter: Date
    /// The certificate, DER.
    public var der: [UInt8]

    /// A certificate to record.
    public init(serial: String, subject: String, profile: String, notBefore: Date, notAfter: Date, der: [UInt8]) {
        self.serial = serial
        self.subject = subject
        self.profile = profile
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.der = der
    }
}

/// The id of a provisioner's one-time token, accepted once across every instance on a database.
public struct OneTimeTokenID: Sendable, Hashable {
    /// The provisioner's name (the token's `iss`).
    public var provisioner: String
    /// The token's `jti`.
    public var id: String
    /// Until when the store keeps the id: at or after the token's own `exp`, so that a replayed token is refused
    /// by its expiry once its id is purged.
    public var expiresAt: Date

    /// A token id.
    public init(provisioner: String, id: String, expiresAt: Date) {
        self.provisioner = provisioner
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// What ``IssuanceStore/record(_:consumingToken:)`` did.
public enum RecordOutcome: Sendable, Hashable {
    /// The certificate is recorded (and the token's id consumed), durably.
    case recorded
    /// Nothing was written: the serial is already recorded.
    case serialInUse
    /// Nothing was written: the token's id was already consumed.
    case tokenAlreadyUsed
}

/// A CRL number with the certificates revoked when it was drawn (``IssuanceStore/nextCRL()``).
public struct CRLAllocation: Sendable, Hashable {
    /// The CRL number, at least 1 and greater than any number drawn before on the same database.
    public var number: Int64
    /// Every revoked certificate, oldest revocation first.
    public var revoked: [IssuedCertificateRecord]

    /// An allocation.
    public init(number: Int64, revoked: [IssuedCertificateRecord]) {
        self.number = number
        self.revoked = revoked
    }
}

/// A signed CRL as the store keeps it (``IssuanceStore/latestCRL()``).
public struct StoredCRL: Sendable, Hashable {
    /// The CRL number.
    public var number: Int64
    /// The CRL, DER.
    public var der: [UInt8]
    /// Its `thisUpdate`.
    public var thisUpdate: Date
    /// Its `nextUpdate`: serve a new one before then.
    public var nextUpdate: Date

    /// A stored CRL.
    public init(number: Int64, der: [UInt8], thisUpdate: Date, nextUpdate: Date) {
        self.number = number
        self.der = der
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
    }
}

/// A provisioner of the CA service: a named public key whose signed one-time tokens authorise issuance.
public struct ProvisionerRecord: Sendable, Hashable {
    /// The provisioner's name (the token's `iss`), unique in the store.
    public var name: String
    /// The public key as the operator gave it: JWK JSON or PEM text (`-----BEGIN PUBLIC KEY-----`).
    public var publicKey: String
    /// When it was added.
    public var createdAt: Date

    /// A provisioner.
    public init(name: String, publicKey: String, createdAt: Date) {
        self.name = name
        self.publicKey = publicKey
        self.createdAt = createdAt
    }
}

/// Everything an issuance store holds but the consumed token ids (which expire within minutes), for copying one
/// store into another (``IssuanceStore/snapshot()``, ``IssuanceStore/restore(_:)``).
public struct IssuanceStoreSnapshot: Sendable, Hashable {
    /// Every certificate, with its revocation.
    public var certificates: [IssuedCertificateRecord]
    /// The last CRL number drawn (0 before the first CRL).
    public var crlNumber: Int64
    /// The latest stored CRL.
    public var latestCRL: StoredCRL?
    /// Every provisioner.
    public var provisioners: [ProvisionerRecord]

    /// A snapshot.
    public init(
        certificates: [IssuedCertificateRecord], crlNumber: Int64, latestCRL: StoredCRL?,
        provisioners: [ProvisionerRecord]
    ) {
        self.certificates = certificates
        self.crlNumber = crlNumber
        self.latestCRL = latestCRL
        self.provisioners = provisioners
    }

    /// Whether it holds nothing: no certificate, CRL number, CRL or provisioner.
    public var isEmpty: Bool { certificates.isEmpty && crlNumber == 0 && latestCRL == nil && provisioners.isEmpty }
}

/// One certificate the CA issued, as the issuance store keeps it.
public struct IssuedCertificateRecord: Sendable, Hashable {
    /// The serial number, lower-case hex without separators.
    public var serialNumber: String
    /// The subject DN in RFC 4514 form.
    public var subject: String
    /// The profile it was issued under.
    public var profile: String
    /// The certificate's `notBefore`.
    public var notValidBefore: Date
    /// The certificate's `notAfter`.
    public var notValidAfter: Date
    /// When the store recorded it.
    public var issuedAt: Date
    /// The certificate, DER.
    public var certificateDER: [UInt8]
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// The CRL reason code (RFC 5280 §5.3.1), if revoked.
    public var revocationReason: RevocationReason?

    /// Whether the certificate was revoked.
    public var isRevoked: Bool { revokedAt != nil }

    /// A record as a store keeps it.
    public init(
        serialNumber: String, subject: String, profile: String, notValidBefore: Date, notValidAfter: Date,
        issuedAt: Date, certificateDER: [UInt8], revokedAt: Date? = nil, revocationReason: RevocationReason? = nil
    ) {
        self.serialNumber = serialNumber
        self.subject = subject
        self.profile = profile
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.issuedAt = issuedAt
        self.certificateDER = certificateDER
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }
}

/// RFC 5280 CRL reason codes.
public struct RevocationReason: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let unspecified = RevocationReason(rawValue: 0)
    public static let keyCompromise = RevocationReason(rawValue: 1)
    public static let caCompromise = RevocationReason(rawValue: 2)
    public static let affiliationChanged = RevocationReason(rawValue: 3)
    public static let superseded = RevocationReason(rawValue: 4)
    public static let cessationOfOperation = RevocationReason(rawValue: 5)
    public static let certificateHold = RevocationReason(rawValue: 6)
    public static let privilegeWithdrawn = RevocationReason(rawValue: 9)

    /// Every named reason with its RFC 5280 name: the one list ``init(parsing:)`` and ``description`` read.
    static let names: [(reason: RevocationReason, name: String)] = [
        (.unspecified, "unspecified"), (.keyCompromise, "keyCompromise"), (.caCompromise, "cACompromise"),
        (.affiliationChanged, "affiliationChanged"), (.superseded, "superseded"),
        (.cessationOfOperation, "cessationOfOperation"), (.certificateHold, "certificateHold"),
        (.privilegeWithdrawn, "privilegeWithdrawn"),
    ]

    /// Parses `keyCompromise`, `key-compromise`, `superseded`, ... (for a CLI): an RFC 5280 name in any case, with
    /// or without hyphens.
    public init(parsing text: String) throws {
        func key(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "-", with: "") }
        guard let match = Self.names.first(where: { key($0.name) == key(text) }) else {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "unknown revocation reason '\(ControlCharacters.escaped(text))'")
        }
        self = match.reason
    }

    /// The RFC 5280 name (`keyCompromise`), or `reason(7)` for a code without one.
    public var description: String { Self.names.first { $0.reason == self }?.name ?? "reason(\(rawValue))" }
}
