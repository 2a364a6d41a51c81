public import EP11
public import Foundation
import Logging
import SwiftASN1
public import X509

/// A certificate authority whose signing key lives in the HSM.
///
/// The CA directory holds only what is safe to hold without the HSM:
/// - `ca-key.blob` (mode 0600): the wrapped private key blob, useless without the HSM domain that made it;
/// - `ca-key.pub`: the public key blob;
/// - `ca-chain.pem`: the CA certificate followed by its issuers (just the root for a root CA);
/// - `ca.csr.pem`: the pending request of an intermediate CA, until ``importCertificate(chain:)``;
/// - `issued.sqlite`: every issued certificate, revocations, the CRL number, the latest CRL, the service's
///   provisioners and consumed token ids (``SQLiteIssuanceStore``), unless `ca-config.json` names a PostgreSQL
///   database shared by several CA nodes (``PostgresIssuanceStore``);
/// - `publication.json`: CRL and issuer URLs and certificate policies for issued certificates (``Publication``);
/// - `ca-config.json`: how an RSA key signs (``RSASignatureScheme``), whether the key was made by an HSM mock
///   (``isMadeOnMock``), and the PostgreSQL database, if any (``databaseURL``; never its password);
/// - `crl.pem`, `crl.der`: the last CRL.
///
/// ```swift
/// let ca = try CertificateAuthority(directory: url, client: client)
/// try await ca.createRoot(subject: try DistinguishedName { CommonName("Example Root") }, keyType: .p384)
/// let issued = try await ca.sign(csr: request, profile: .tlsServer, validity: .seconds(90 * 86_400))
/// print(issued.pemChain)
/// ```
///
/// Every input is checked before anything is written: a refused request leaves the directory unchanged.
public actor CertificateAuthority {
    /// The CA directory.
    public nonisolated let directory: URL
    /// The issuance policy.
    public var policy: Policy
    let client: EP11Client
    let logger: Logger
    /// Where issued certificates, revocations, CRLs, provisioners and token ids are kept.
    public nonisolated let store: any IssuanceStore
    let serialNumbers: SerialNumbers.Source
    /// Where the durations of issuance's HSM and store calls go (``setInstrumentation(_:)``).
    nonisolated let instrumentation: InstrumentationBox
    private var signingKey: HSMPrivateKey?
    private var chain: [CertificateDocument]
    /// How an RSA CA key signs certificates and CRLs (stored in `ca-config.json`).
    public private(set) var rsaSignatureScheme: RSASignatureScheme
    /// CRL and issuer URLs and policies put into issued certificates (`publication.json`).
    public private(set) var publication: Publication
    /// Whether the CA key was made by an HSM mock (stored in `ca-config.json` by ``markMadeOnMock()``): a CA for
    /// tests only, whose key no HSM protects.
    public private(set) var isMadeOnMock: Bool
    /// The PostgreSQL database recorded in `ca-config.json` (without password), or `nil` for the directory's own
    /// SQLite file.
    public private(set) var databaseURL: String?

    /// How long an issued certificate's `notBefore` is backdated, for clocks that run behind.
    public static let backdate: TimeInterval = 60

    var keyPath: String { directory.appendingPathComponent("ca-key.blob").path }
    var publicKeyPath: String { directory.appendingPathComponent("ca-key.pub").path }
    var chainPath: String { directory.appendingPathComponent("ca-chain.pem").path }
    var csrPath: String { directory.appendingPathComponent("ca.csr.pem").path }
    var crlPath: String { directory.appendingPathComponent("crl.pem").path }
    var publicationPath: String { directory.appendingPathComponent("publication.json").path }
    var configurationPath: String { directory.appendingPathComponent("ca-config.json").path }

    /// Opens (or prepares) the CA in `directory`, creating the directory (mode 0700) if needed. An existing key
    /// and chain are loaded; nothing is generated until
    /// ``createRoot(subject:keyType:validity:pathLength:rsaSignature:)`` or
    /// ``createIntermediateCSR(subject:keyType:rsaSignature:)``.
    ///
    /// The issuance store is the one `ca-config.json` names (``openStore(directory:environment:logger:)``): a
    /// PostgreSQL database, its password from `HPCS_CA_DATABASE_PASSWORD` or `HPCS_CA_DATABASE_PASSWORD_FILE`, else
    /// `issued.sqlite` in the directory.
    public init(
        directory: URL,
        client: EP11Client,
        policy: Policy = .defaults,
        logger: Logger = Logger(label: "hpcs.ca", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        try FileIO.createDirectory(directory.path)
        let store = try Self.openStore(directory: directory, logger: logger)
        try self.init(directory: directory, client: client, store: store, policy: policy, logger: logger)
    }

    /// Opens (or prepares) the CA in `directory` on `store`, creating the directory (mode 0700) if needed (see
    /// ``init(directory:client:policy:logger:)``). The CA does not close the store: its owner does.
    ///
    /// When the CA writes `ca-config.json` (making its key, changing its RSA scheme) it records a
    /// ``PostgresIssuanceStore``'s URL (without password) there, so later runs open the same database.
    public init(
        directory: URL,
        client: EP11Client,
        store: any IssuanceStore,
        policy: Policy = .defaults,
        logger: Logger = Logger(label: "hpcs.ca", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.directory = directory
        self.client = client
        self.policy = policy
        self.logger = logger
        try FileIO.createDirectory(directory.path)
        self.store = store
        let instrumentation = InstrumentationBox()
        self.instrumentation = instrumentation
        self.serialNumbers = SerialNumbers.Source(client: client, instrumentation: instrumentation)
        let keyPath = directory.appendingPathComponent("ca-key.blob").path
        let publicKeyPath = directory.appendingPathComponent("ca-key.pub").path
        let chainPath = directory.appendingPathComponent("ca-chain.pem").path
        if FileIO.exists(keyPath) {
            self.signingKey = try HSMPrivateKey(
                client: client, privateKey: KeyBlob(try FileIO.read(keyPath)),
                publicKey: KeyBlob(try FileIO.read(publicKeyPath)))
        } else {
            self.signingKey = nil
        }
        let publicationPath = directory.appendingPathComponent("publication.json").path
        if FileIO.exists(publicationPath) {
            let bytes = try FileIO.read(publicationPath)
            try StrictDecoding.refuseDuplicateMembers(bytes, document: "publication.json")
            do {
                self.publication = try JSONDecoder().decode(Publication.self, from: Data(bytes))
            } catch let error as CertificateAuthorityError {
                throw error
            } catch {
                throw CertificateAuthorityError(code: .malformedInput, message: "publication.json is not valid JSON")
            }
            try self.publication.validate()
        } else {
            self.publication = Publication()
        }
        if FileIO.exists(chainPath) {
            self.chain = try CertificateParsing.documents(fromPEMOrDER: try FileIO.read(chainPath))
        } else {
            self.chain = []
        }
        let configurationPath = directory.appendingPathComponent("ca-config.json").path
        if FileIO.exists(configurationPath) {
            let configuration = try StoredConfiguration.read(configurationPath)
            self.rsaSignatureScheme = try configuration.rsaSignatureScheme
            self.isMadeOnMock = configuration.madeOnMock
            self.databaseURL = (store as? PostgresIssuanceStore)?.configuration.url ?? configuration.database
        } else {
            self.rsaSignatureScheme = .pkcs1v1_5
            self.isMadeOnMock = false
            self.databaseURL = (store as? PostgresIssuanceStore)?.configuration.url
        }
    }

    /// Opens the issuance store that `directory`'s `ca-config.json` names: the PostgreSQL database of its
    /// `database` member (password from `HPCS_CA_DATABASE_PASSWORD` or the file `HPCS_CA_DATABASE_PASSWORD_FILE`
    /// in `environment`), else `issued.sqlite` in the directory. The caller owns the store (``IssuanceStore/close()``).
    public static func openStore(
        directory: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "hpcs.ca", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> any IssuanceStore {
        let configurationPath = directory.appendingPathComponent("ca-config.json").path
        if FileIO.exists(configurationPath), let url = try StoredConfiguration.read(configurationPath).database {
            return try PostgresIssuanceStore(
                configuration: try PostgresIssuanceStore.Configuration(url: url, environment: environment),
                logger: logger)
        }
        return try SQLiteIssuanceStore(path: directory.appendingPathComponent("issued.sqlite").path)
    }

    /// The configuration to write to `ca-config.json`, with the database kept.
    func storedConfiguration(rsaSignatureScheme: RSASignatureScheme, madeOnMock: Bool) -> StoredConfiguration {
        StoredConfiguration(rsaSignatureScheme: rsaSignatureScheme, madeOnMock: madeOnMock, database: databaseURL)
    }

    /// Records in `ca-config.json` that this CA keeps its records in the PostgreSQL database at `url` (without
    /// password; `nil` goes back to `issued.sqlite`). Takes effect the next time the directory is opened; `ca
    /// migrate` copies the records first.
    public func recordDatabase(_ url: String?) throws {
        if let url { _ = try PostgresIssuanceStore.Configuration(url: url, password: nil) }
        databaseURL = url
        try storedConfiguration(rsaSignatureScheme: rsaSignatureScheme, madeOnMock: isMadeOnMock)
            .write(configurationPath)
    }

    // MARK: State

    /// Whether the CA has a key and a certificate for it, and so can sign.
    public var isReady: Bool { signingKey != nil && !chain.isEmpty }

    /// The CA certificate followed by its issuers.
    ///
    /// An RSASSA-PSS-signed certificate (see ``RSASignatureScheme/pss``) is not representable by swift-certificates
    /// 1.21: its `Certificate` carries every field but the signature algorithm, and serializing it does not give
    /// the certificate. Use ``certificateChainDER`` or ``certificateChainPEM`` to hand the chain out.
    public var certificateChain: [Certificate] { chain.map(\.fields) }

    /// The CA certificate followed by its issuers, DER, exactly as signed.
    public var certificateChainDER: [[UInt8]] { chain.map(\.der) }

    /// The CA certificate followed by its issuers, PEM, exactly as signed.
    public var certificateChainPEM: String { chain.map(\.pem).joined() }

    /// The CA certificate (for an RSASSA-PSS-signed one, see ``certificateChain``).
    public func certificate() throws -> Certificate {
        guard let first = chain.first else {
            throw CertificateAuthorityError(code: .notInitialized, message: "the CA has no certificate yet")
        }
        return first.fields
    }

    func readyKey() throws -> (HSMPrivateKey, Certificate) {
        guard var key = signingKey else {
            throw CertificateAuthorityError(code: .notInitialized, message: "the CA has no key in \(directory.path)")
        }
        if let rewrapped = RewrappedKeyBlobFiles.replacement(for: key.privateKeyBlob) {
            // The master key changed and the blob was rewrapped (``masterKeyRotation(directory:rewrappingWith:)``).
            key = try HSMPrivateKey(client: key.client, privateKey: rewrapped, publicKey: key.publicKeyBlob)
            signingKey = key
        }
        guard let certificate = chain.first else {
            throw CertificateAuthorityError(code: .notInitialized, message: "the CA key has no certificate yet")
        }
        return (key, certificate.fields)
    }

    /// What `key` signs certificates and CRLs with under the CA's ``rsaSignatureScheme``.
    func signingAlgorithm(_ key: HSMPrivateKey) -> SigningAlgorithm {
        key.isRSA && rsaSignatureScheme == .pss ? .rsaPSSSHA256 : .standard(key.defaultSignatureAlgorithm)
    }

    /// Sets (and stores in `ca-config.json`) how an RSA CA key signs certificates and CRLs from now on.
    /// ``RSASignatureScheme/pss`` needs an RSA key (throws ``CertificateAuthorityError/Code/keyNotPermitted``
    /// for an EC one); before the key exists the choice is only checked when the key is made.
    public func setRSASignatureScheme(_ scheme: RSASignatureScheme) throws {
        if let signingKey, scheme == .pss, !signingKey.isRSA {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "RSASSA-PSS needs an RSA CA key, not \(signingKey)")
        }
        guard scheme != rsaSignatureScheme || !FileIO.exists(configurationPath) else { return }
        try storedConfiguration(rsaSignatureScheme: scheme, madeOnMock: isMadeOnMock).write(configurationPath)
        rsaSignatureScheme = scheme
    }

    /// Marks the CA as made on an HSM mock, in `ca-config.json`, before ``createRoot(subject:keyType:validity:pathLength:rsaSignature:)``
    /// or ``createIntermediateCSR(subject:keyType:rsaSignature:)``; the mark stays with the directory (see
    /// ``isMadeOnMock``). Throws ``CertificateAuthorityError/Code/alreadyInitialized`` once the CA has a key.
    public func markMadeOnMock() throws {
        guard signingKey == nil, !FileIO.exists(keyPath) else {
            throw CertificateAuthorityError(
                code: .alreadyInitialized, message: "only a CA without a key yet can be marked as made on a mock")
        }
        try storedConfiguration(rsaSignatureScheme: rsaSignatureScheme, madeOnMock: true).write(configurationPath)
        isMadeOnMock = true
    }

    /// The request written by ``createIntermediateCSR(subject:keyType:rsaSignature:)``, while no certificate is
    /// imported.
    public func pendingCertificateSigningRequest() throws -> CertificateSigningRequest? {
        guard chain.isEmpty, FileIO.exists(csrPath) else { return nil }
        return try CertificateParsing.certificateSigningRequest(fromPEMOrDER: try FileIO.read(csrPath))
    }

    /// Replaces the issuance policy for requests from now on.
    public func setPolicy(_ policy: Policy) {
        self.policy = policy
    }

    /// Sets (and stores) the URLs and policies put into certificates issued from now on.
    public func setPublication(_ publication: Publication) throws {
        try publication.validate()
        try FileIO.writeJSON(publication, to: publicationPath, what: "the publication", finalNewline: false)
        self.publication = publication
    }

    // MARK: Set-up

    /// Refuses a second CA key in the directory, and a CA (`what`: "a root CA") without a subject name.
    private func checkNewKey(subject: DistinguishedName, for what: String) throws {
        guard signingKey == nil, !FileIO.exists(keyPath) else {
            throw CertificateAuthorityError(
                code: .alreadyInitialized, message: "\(directory.path) already holds a CA key")
        }
        guard !subject.isEmpty else {
            throw CertificateAuthorityError(code: .malformedInput, message: "\(what) needs a subject name")
        }
    }

    /// Generates the CA key in the HSM (sign only, not extractable) and a self-signed root certificate; writes the
    /// key blob (0600), the public key and the certificate.
    @discardableResult
    public func createRoot(
        subject: DistinguishedName,
        keyType: KeyAlgorithm = .p256,
        validity: Duration = .seconds(10 * 365 * 86_400),
        pathLength: Int? = nil,
        rsaSignature: RSASignatureScheme = .pkcs1v1_5
    ) async throws -> Certificate {
        try checkNewKey(subject: subject, for: "a root CA")
        let seconds = try Self.seconds(validity)
        try Self.checkScheme(rsaSignature, keyType: keyType)
        let key = try await HSMPrivateKey.generate(keyType, client: client)
        let now = Date()
        let ski = SubjectKeyIdentifier(hash: key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            ski
        }
        let certificate = try await Self.build(
            serialNumber: try await SerialNumbers.draw(client: client),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-Self.backdate),
            notValidAfter: now.addingTimeInterval(seconds),
            issuer: subject,
            subject: subject,
            extensions: extensions,
            signer: key,
            algorithm: rsaSignature == .pss ? .rsaPSSSHA256 : .standard(key.defaultSignatureAlgorithm)
        )
        try persist(key: key, rsaSignature: rsaSignature) {
            try FileIO.write(Array(certificate.pem.utf8), to: chainPath, mode: 0o644)
        }
        signingKey = key
        rsaSignatureScheme = rsaSignature
        chain = [certificate]
        logger.debug("created root CA", metadata: ["hpcs.ca.key_type": "\(keyType)"])
        return certificate.fields
    }

    /// Generates the CA key in the HSM and returns a CSR for a parent CA to sign; writes the key blob (0600) and the
    /// CSR (`ca.csr.pem`). Finish with ``importCertificate(chain:)``.
    public func createIntermediateCSR(
        subject: DistinguishedName,
        keyType: KeyAlgorithm = .p256,
        rsaSignature: RSASignatureScheme = .pkcs1v1_5
    ) async throws -> CertificateSigningRequest {
        try checkNewKey(subject: subject, for: "an intermediate CA")
        try Self.checkScheme(rsaSignature, keyType: keyType)
        let key = try await HSMPrivateKey.generate(keyType, client: client)
        let csr = try await CertificateSigningRequest(
            version: .v1, subject: subject, asyncPrivateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: key.defaultSignatureAlgorithm)
        try persist(key: key, rsaSignature: rsaSignature) {
            try FileIO.write(Array(try csr.serializeAsPEM().pemString.utf8) + [0x0A], to: csrPath, mode: 0o644)
        }
        signingKey = key
        rsaSignatureScheme = rsaSignature
        return csr
    }

    /// Installs the CA certificate (and its issuers) for the HSM key: PEM text with the CA certificate first.
    /// The first certificate must carry the HSM key and `CA:TRUE`, and each must be signed by the next.
    @discardableResult
    public func importCertificate(chain text: String) async throws -> Certificate {
        guard let key = signingKey else {
            throw CertificateAuthorityError(code: .notInitialized, message: "no CA key to import a certificate for")
        }
        let documents = try CertificateParsing.documents(fromPEMOrDER: Array(text.utf8))
        let certificates = documents.map(\.fields)
        guard let first = certificates.first else {
            throw CertificateAuthorityError(code: .malformedInput, message: "no certificate in the chain")
        }
        guard first.publicKey == key.publicKey else {
            throw CertificateAuthorityError(
                code: .certificateMismatch, message: "the certificate is not for this CA's HSM key")
        }
        guard case .isCertificateAuthority = try Self.basicConstraints(first) else {
            throw CertificateAuthorityError(
                code: .certificateMismatch, message: "the certificate is not a CA certificate")
        }
        for (child, parent) in zip(documents, documents.dropFirst()) {
            guard child.fields.issuer == parent.fields.subject, RSAPSS.isSigned(child.der, by: parent.fields.publicKey)
            else {
                throw CertificateAuthorityError(
                    code: .invalidSignature,
                    message: ControlCharacters.escaped(
                        "'\(child.fields.subject)' is not signed by '\(parent.fields.subject)'"))
            }
        }
        try FileIO.write(Array(documents.map(\.pem).joined().utf8), to: chainPath, mode: 0o644)
        FileIO.remove(csrPath)
        chain = documents
        return first
    }

    /// Writes a new key's blobs, `ca-config.json` with `rsaSignature`, then what `finish` writes (the certificate
    /// or the CSR); when any step fails, removes what was written and restores `ca-config.json`.
    private func persist(key: HSMPrivateKey, rsaSignature: RSASignatureScheme, finish: () throws -> Void) throws {
        try FileIO.write(key.publicKeyBlob.bytes, to: publicKeyPath, mode: 0o644)
        do {
            try FileIO.write(key.privateKeyBlob.bytes, to: keyPath, mode: 0o600)
        } catch {
            FileIO.remove(publicKeyPath)
            throw error
        }
        do {
            try storedConfiguration(rsaSignatureScheme: rsaSignature, madeOnMock: isMadeOnMock).write(configurationPath)
            try finish()
        } catch {
            FileIO.remove(keyPath)
            FileIO.remove(publicKeyPath)
            if isMadeOnMock || databaseURL != nil {
                try? storedConfiguration(rsaSignatureScheme: rsaSignatureScheme, madeOnMock: isMadeOnMock)
                    .write(configurationPath)
            } else {
                FileIO.remove(configurationPath)
            }
            throw error
        }
    }

    // MARK: Helpers

    static func checkScheme(_ scheme: RSASignatureScheme, keyType: KeyAlgorithm) throws {
        if scheme == .pss, case .ec = keyType.kind {
            throw CertificateAuthorityError(
                code: .keyNotPermitted, message: "RSASSA-PSS needs an RSA CA key, not \(keyType)")
        }
    }

    static func seconds(_ duration: Duration) throws -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        let value = TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
        guard value > 0 else {
            throw CertificateAuthorityError(code: .validityNotPermitted, message: "the validity must be positive")
        }
        return value
    }

    static func basicConstraints(_ certificate: Certificate) throws -> BasicConstraints? {
        do {
            return try certificate.extensions.basicConstraints
        } catch {
            throw CertificateAuthorityError(code: .malformedInput, message: "bad basicConstraints", cause: error)
        }
    }

    /// Builds and signs a certificate with the HSM key, then checks the signature with the public key.
    ///
    /// With ``SigningAlgorithm/rsaPSSSHA256`` swift-certificates builds the TBSCertificate (with a placeholder
    /// key that signs nothing), its `signature` field is re-encoded as `id-RSASSA-PSS`, the HSM signs that DER
    /// with PSS, and the certificate is assembled here.
    static func build(
        serialNumber: Certificate.SerialNumber,
        publicKey: Certificate.PublicKey,
        notValidBefore: Date,
        notValidAfter: Date,
        issuer: DistinguishedName,
        subject: DistinguishedName,
        extensions: Certificate.Extensions,
        signer: HSMPrivateKey,
        algorithm: SigningAlgorithm
    ) async throws -> CertificateDocument {
        /// The certificate of these fields, signed by `key`.
        func signed(by key: Certificate.PrivateKey, _ signatureAlgorithm: Certificate.SignatureAlgorithm)
            async throws -> Certificate
        {
            try await Certificate(
                version: .v3,
                serialNumber: serialNumber,
                publicKey: publicKey,
                notValidBefore: notValidBefore,
                notValidAfter: notValidAfter,
                issuer: issuer,
                subject: subject,
                signatureAlgorithm: signatureAlgorithm,
                extensions: extensions,
                issuerAsyncPrivateKey: key
            )
        }
        switch algorithm {
        case .standard(let signatureAlgorithm):
            let certificate: Certificate
            do {
                certificate = try await signed(by: Certificate.PrivateKey(signer), signatureAlgorithm)
            } catch let error as CertificateAuthorityError {
                throw error
            } catch {
                throw CertificateAuthorityError(
                    code: .hsmFailure, message: "cannot build the certificate", cause: error)
            }
            guard signer.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                throw CertificateAuthorityError(code: .hsmFailure, message: "the HSM signature does not verify")
            }
            return try CertificateDocument(certificate: certificate)
        case .rsaPSSSHA256:
            let tbs: [UInt8]
            let algorithmIdentifier = try RSAPSS.algorithmIdentifier(.sha256)
            do {
                let unsigned = try await signed(
                    by: Certificate.PrivateKey(TBSOnlyKey(publicKey: signer.publicKey)), .sha256WithRSAEncryption)
                tbs = try RSAPSS.replacingSignatureField(
                    of: unsigned.tbsCertificateBytes, with: algorithmIdentifier)
            } catch {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "cannot build the certificate", cause: error)
            }
            let signature = try await signer.pssSignature(for: tbs, hash: .sha256)
            guard RSAPSS.isValidSignature(signature, for: tbs, digest: .sha256, publicKey: signer.publicKey) else {
                throw CertificateAuthorityError(code: .hsmFailure, message: "the HSM signature does not verify")
            }
            let der = try RSAPSS.assemble(tbs: tbs, algorithm: algorithmIdentifier, signature: signature)
            return CertificateDocument(der: der, fields: try RSAPSS.fieldsCertificate(der: der))
        }
    }
}

/// A stand-in issuer key that lets swift-certificates serialize a TBSCertificate: its "signature" is one zero
/// byte, thrown away with the placeholder certificate.
struct TBSOnlyKey: CustomPrivateKey {
    var publicKey: Certificate.PublicKey
    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm { .sha256WithRSAEncryption }
    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [.sha256WithRSAEncryption] }

    func signSynchronously(
        bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm
    ) throws -> Certificate.Signature {
        try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: [0]))
    }

    static var defaultPEMDiscriminator: String { "UNUSABLE PLACEHOLDER KEY" }

    func serialize(into coder: inout DER.Serializer) throws {
        throw CertificateAuthorityError(code: .keyNotPermitted, message: "a placeholder key cannot be serialized")
    }
}
