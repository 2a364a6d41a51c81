public import EP11
import Foundation
import SwiftASN1
public import X509

/// A certificate the CA issued, with the chain to hand out.
///
/// Hand certificates out as ``der``, ``chainDER`` or ``pemChain``: for an RSASSA-PSS-signed certificate
/// (``RSASignatureScheme/pss``), which swift-certificates 1.21 cannot represent, ``certificate`` and ``chain``
/// carry every field but the signature algorithm, and serializing them does not give the certificate.
public struct IssuedCertificate: Sendable, Hashable {
    /// The new certificate's fields.
    public var certificate: Certificate
    /// The new certificate followed by the CA chain (fields).
    public var chain: [Certificate]
    /// The serial number in lower-case hex.
    public var serialNumber: String
    /// The new certificate, DER, exactly as signed.
    public var der: [UInt8]
    /// The new certificate followed by the CA chain, DER, exactly as signed.
    public var chainDER: [[UInt8]]

    /// The chain as PEM text, leaf first.
    public var pemChain: String {
        get throws { chainDER.map { PEMDocument(type: "CERTIFICATE", derBytes: $0).pemString + "\n" }.joined() }
    }
}

/// A key generated in the HSM for a subject, with its certificate.
public struct IssuedHSMKey: Sendable, Hashable, CustomStringConvertible {
    /// The subject's private key blob (not extractable; store it as the CA stores its own).
    public var privateKey: KeyBlob
    /// The subject's public key blob.
    public var publicKey: KeyBlob
    public var issued: IssuedCertificate

    public var description: String { "IssuedHSMKey(serial: \(issued.serialNumber))" }
}

extension CertificateAuthority {
    /// The largest CSR ``sign(csrPEMOrDER:profile:validity:sans:)`` reads, in bytes (256 KiB): room for
    /// ``Policy/subjectAlternativeNamesCeiling`` names of any length.
    public static let maximumCSRSize = 256 * 1024

    /// The most attributes a subject may have, in a CSR or given to ``issueHSMKey(subject:keyType:profile:validity:sans:)``.
    public static let maximumSubjectAttributes = 64

    /// Signs a CSR given as PEM text or DER; see ``sign(csr:profile:validity:sans:)``. A CSR larger than
    /// ``maximumCSRSize`` is refused before it is parsed.
    public nonisolated func sign(
        csrPEMOrDER bytes: [UInt8],
        profile: Profile,
        validity: Duration? = nil,
        sans: [GeneralName]? = nil
    ) async throws -> IssuedCertificate {
        guard bytes.count <= Self.maximumCSRSize else {
            throw CertificateAuthorityError(
                code: .malformedInput,
                message: "the CSR is \(bytes.count) bytes; at most \(Self.maximumCSRSize / 1024) KiB is accepted")
        }
        return try await sign(
            csr: try CertificateParsing.certificateSigningRequest(fromPEMOrDER: bytes), profile: profile,
            validity: validity, sans: sans)
    }

    /// Issues a certificate for `csr` under `profile`.
    ///
    /// - Checks the CSR's signature (proof of possession), the key against the policy, every name (the CSR's
    ///   requested SANs, or `sans` when given), the validity, and the profile's path length against the CA's own.
    /// - For ``Profile/tlsServer`` a subject common name must be a DNS name or IP address; it is checked like the
    ///   SANs and added to them when missing.
    /// - Copies only the subject and the public key from the CSR; the extensions come from the profile.
    /// - Draws a serial number from the HSM, reserves it in the issuance store, signs with the HSM key, and stores
    ///   the certificate.
    ///
    /// - Parameters:
    ///   - csr: the certificate signing request; its signature proves possession of its key.
    ///   - profile: the profile whose extensions the certificate carries.
    ///   - validity: from now (backdated by ``backdate``); `nil` means 90 days for leaves and the policy maximum for
    ///     intermediates, cut to the CA certificate's end. An explicit validity must not exceed the policy nor
    ///     outlive the CA certificate.
    ///   - sans: replaces the CSR's requested subject alternative names.
    ///
    /// A request with more names than the policy's ``Policy/maximumSubjectAlternativeNames``, a subject with more
    /// than ``maximumSubjectAttributes`` attributes, or a control character (an ANSI escape, a bidirectional
    /// override) in the subject is refused before any name is checked.
    ///
    /// Only the checks that read the CA's state (policy, names, validity, extensions) run on the actor; the CSR
    /// signature check, the HSM calls, the signature check and the store run outside it, so concurrent requests
    /// overlap.
    public nonisolated func sign(
        csr: CertificateSigningRequest,
        profile: Profile,
        validity: Duration? = nil,
        sans: [GeneralName]? = nil
    ) async throws -> IssuedCertificate {
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CertificateAuthorityError(code: .invalidSignature, message: "the CSR signature does not verify")
        }
        return try await sign(csrWithCheckedSignature: csr, profile: profile, validity: validity, sans: sans)
    }

    /// ``sign(csr:profile:validity:sans:)`` for a CSR whose signature the caller has verified (the CA service
    /// checks it before anything else): every other check applies. With `token`, the token's id is consumed in the
    /// transaction that records the certificate (``IssuanceStore/record(_:consumingToken:)``): a token whose id is
    /// already consumed fails with ``CertificateAuthorityError/Code/tokenAlreadyUsed`` and its certificate, signed
    /// but not recorded, is discarded; a token whose issuance fails before its certificate is recorded is not
    /// consumed.
    package nonisolated func sign(
        csrWithCheckedSignature csr: CertificateSigningRequest,
        profile: Profile,
        validity: Duration? = nil,
        sans: [GeneralName]? = nil,
        consumingToken token: OneTimeTokenID? = nil
    ) async throws -> IssuedCertificate {
        try await issue(try await plan(csr: csr, profile: profile, validity: validity, sans: sans), token: token)
    }

    /// What ``issue(_:)`` needs: everything read from the CA's state, checked.
    struct IssuancePlan: Sendable {
        var publicKey: Certificate.PublicKey
        var subject: DistinguishedName
        var profile: Profile
        var notBefore: Date
        var notAfter: Date
        var extensions: Certificate.Extensions
        var key: HSMPrivateKey
        var caCertificate: Certificate
        var algorithm: SigningAlgorithm
        var chain: [Certificate]
        var chainDER: [[UInt8]]
    }

    /// The policy, name, validity and profile checks of ``sign(csr:profile:validity:sans:)``, and the extensions.
    func plan(
        csr: CertificateSigningRequest,
        profile: Profile,
        validity: Duration?,
        sans: [GeneralName]?
    ) throws -> IssuancePlan {
        var names: [GeneralName]
        if let sans {
            names = sans
        } else {
            do {
                names = Array(
                    try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()
                )
            } catch {
                throw CertificateAuthorityError(
                    code: .malformedInput, message: "the CSR's requested extensions are malformed", cause: error)
            }
        }
        return try plan(
            publicKey: csr.publicKey, subject: csr.subject, names: names, profile: profile, validity: validity)
    }

    /// The checks and extensions of an issuance for `publicKey`, `subject` and the alternative `names` (a CSR's,
    /// or a renewed certificate's).
    func plan(
        publicKey: Certificate.PublicKey,
        subject: DistinguishedName,
        names requestedNames: [GeneralName],
        profile: Profile,
        validity: Duration?
    ) throws -> IssuancePlan {
        let (key, caCertificate) = try readyKey()
        try policy.validate()
        try Self.checkSubject(subject)
        try policy.check(publicKey: publicKey)

        // Names: counted before any is looked at, and every step below linear in their number.
        var names = requestedNames
        try checkCount(names.count)
        if profile == .tlsServer {
            var present = Set(names)
            var dnsNames = Set(
                names.compactMap { name -> String? in
                    if case .dnsName(let dns) = name { dns.lowercased() } else { nil }
                })
            for commonName in Self.commonNames(subject) {
                if let octets = IPLiteral.octets(commonName) {
                    let name = GeneralName.ipAddress(ASN1OctetString(contentBytes: octets[...]))
                    if present.insert(name).inserted { names.append(name) }
                } else if NameMatching.normalizedHostname(commonName, allowingWildcard: true) != nil {
                    if dnsNames.insert(commonName.lowercased()).inserted {
                        present.insert(.dnsName(commonName))
                        names.append(.dnsName(commonName))
                    }
                } else {
                    throw CertificateAuthorityError(
                        code: .nameNotPermitted,
                        message:
                            "the common name '\(ControlCharacters.escaped(commonName))' is not a DNS name or IP address"
                    )
                }
            }
            try checkCount(names.count)
        }
        try policy.check(names: names)
        try Self.checkNameConstraints(of: caCertificate, names: names)
        if profile == .tlsServer {
            guard
                names.contains(where: {
                    if case .dnsName = $0 { true } else if case .ipAddress = $0 { true } else { false }
                })
            else {
                throw CertificateAuthorityError(
                    code: .nameNotPermitted, message: "a TLS server certificate needs a DNS name or an IP address")
            }
        }
        guard !subject.isEmpty || !names.isEmpty else {
            throw CertificateAuthorityError(
                code: .nameNotPermitted, message: "the request has neither a subject nor alternative names")
        }

        // Profile against the CA's own constraints.
        let caConstraints = try Self.basicConstraints(caCertificate)
        if case .intermediate(let pathLength) = profile.kind {
            guard pathLength >= 0, pathLength <= policy.maximumPathLength else {
                throw CertificateAuthorityError(
                    code: .profileNotPermitted,
                    message: "path length \(pathLength) exceeds the policy maximum \(policy.maximumPathLength)")
            }
            if case .isCertificateAuthority(let caPathLength?) = caConstraints, pathLength >= caPathLength {
                throw CertificateAuthorityError(
                    code: .profileNotPermitted,
                    message: "this CA's path length \(caPathLength) does not allow an intermediate with \(pathLength)")
            }
        }

        // Validity.
        let maximum = profile.isCertificateAuthority ? policy.maximumCAValidity : policy.maximumLeafValidity
        let requested = validity ?? (profile.isCertificateAuthority ? maximum : min(maximum, .seconds(90 * 86_400)))
        let seconds = try Self.seconds(requested)
        guard requested <= maximum else {
            throw CertificateAuthorityError(
                code: .validityNotPermitted, message: "validity of \(requested) exceeds the policy maximum \(maximum)")
        }
        let now = Date()
        let notBefore = now.addingTimeInterval(-Self.backdate)
        var notAfter = now.addingTimeInterval(seconds)
        if validity == nil, notAfter > caCertificate.notValidAfter {
            // The default validity stops where the CA certificate does; an explicit one is refused below.
            notAfter = caCertificate.notValidAfter
        }
        guard notAfter <= caCertificate.notValidAfter, notAfter > now else {
            throw CertificateAuthorityError(
                code: .validityNotPermitted, message: "the certificate would outlive the CA certificate")
        }

        // Extensions.
        var extensions = try Certificate.Extensions(profile.extensions(subjectKey: publicKey))
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false))
        try extensions.append(
            Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: try Self.keyIdentifier(of: caCertificate)[...]), critical: false))
        for publicationExtension in try publication.extensions(isLeaf: !profile.isCertificateAuthority) {
            try extensions.append(publicationExtension)
        }
        if !names.isEmpty {
            try extensions.append(
                Certificate.Extension(SubjectAlternativeNames(names), critical: subject.isEmpty))
        }

        return IssuancePlan(
            publicKey: publicKey, subject: subject, profile: profile, notBefore: notBefore,
            notAfter: notAfter, extensions: extensions, key: key, caCertificate: caCertificate,
            algorithm: signingAlgorithm(key), chain: certificateChain, chainDER: certificateChainDER)
    }

    /// Generates a key pair for the subject in the HSM (sign only, not extractable), requests a certificate for it
    /// with a CSR signed by that key, and issues it under `profile`.
    public func issueHSMKey(
        subject: DistinguishedName,
        keyType: KeyAlgorithm = .p256,
        profile: Profile,
        validity: Duration? = nil,
        sans: [GeneralName] = []
    ) async throws -> IssuedHSMKey {
        _ = try readyKey()
        // Checked before the HSM makes a key that would only be refused.
        try Self.checkSubject(subject)
        try checkCount(sans.count)
        let subjectKey = try await HSMPrivateKey.generate(keyType, client: client)
        let csr: CertificateSigningRequest
        do {
            csr = try await CertificateSigningRequest(
                version: .v1, subject: subject, asyncPrivateKey: Certificate.PrivateKey(subjectKey),
                attributes: CertificateSigningRequest.Attributes(),
                signatureAlgorithm: subjectKey.defaultSignatureAlgorithm)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError(code: .hsmFailure, message: "cannot build the request", cause: error)
        }
        let issued = try await sign(csr: csr, profile: profile, validity: validity, sans: sans)
        return IssuedHSMKey(privateKey: subjectKey.privateKeyBlob, publicKey: subjectKey.publicKeyBlob, issued: issued)
    }

    // MARK: Internals

    /// Refuses more names than the policy allows.
    func checkCount(_ count: Int) throws {
        guard count <= policy.maximumSubjectAlternativeNames else {
            throw CertificateAuthorityError(
                code: .nameNotPermitted,
                message: "the request has \(count) subject alternative names; the policy allows at most "
                    + "\(policy.maximumSubjectAlternativeNames) (maximumSubjectAlternativeNames)")
        }
    }

    /// Refuses a subject with too many attributes or with a control character in any of them.
    static func checkSubject(_ subject: DistinguishedName) throws {
        var count = 0
        for rdn in subject {
            count += rdn.count
            guard count <= maximumSubjectAttributes else {
                throw CertificateAuthorityError(
                    code: .nameNotPermitted,
                    message: "the subject has more than \(maximumSubjectAttributes) attributes")
            }
        }
        let text = String(describing: subject)
        if let scalar = ControlCharacters.first(in: text) {
            throw CertificateAuthorityError(
                code: .nameNotPermitted,
                message: "the subject '\(ControlCharacters.escaped(text))' contains the control character "
                    + "\(ControlCharacters.escape(scalar)); control characters are not allowed")
        }
    }

    nonisolated func issue(_ plan: IssuancePlan, token: OneTimeTokenID? = nil) async throws -> IssuedCertificate {
        let (subject, profile, notBefore, notAfter) = (plan.subject, plan.profile, plan.notBefore, plan.notAfter)
        // Sign first, then record: the certificate and its serial enter the store in one transaction that also
        // checks the serial is unused, and the certificate leaves this function only once that has committed. A
        // collision (a 2^-126 event) costs one more HSM signature under a fresh serial.
        for _ in 0..<4 {
            let serialNumber = try await serialNumbers.next()
            let serial = hex(serialNumber.bytes)
            let document = try await instrumentation.hsm("sign") {
                try await Self.build(
                    serialNumber: serialNumber, publicKey: plan.publicKey, notValidBefore: notBefore,
                    notValidAfter: notAfter, issuer: plan.caCertificate.subject, subject: subject,
                    extensions: plan.extensions, signer: plan.key, algorithm: plan.algorithm)
            }
            let certificate = NewCertificateRecord(
                serial: serial, subject: String(describing: subject), profile: profile.description,
                notBefore: notBefore, notAfter: notAfter, der: document.der)
            let outcome = try await instrumentation.database("record") {
                try await store.record(certificate, consumingToken: token)
            }
            switch outcome {
            case .recorded: break
            case .serialInUse: continue
            case .tokenAlreadyUsed:
                throw CertificateAuthorityError(
                    code: .tokenAlreadyUsed, message: "the token was already used (one-time token)")
            }
            logger.debug(
                "issued certificate", metadata: ["hpcs.ca.serial": "\(serial)", "hpcs.ca.profile": "\(profile)"])
            return IssuedCertificate(
                certificate: document.fields, chain: [document.fields] + plan.chain, serialNumber: serial,
                der: document.der, chainDER: [document.der] + plan.chainDER)
        }
        throw CertificateAuthorityError(code: .serialNumberCollision, message: "no unused serial number found")
    }

    /// Applies the CA certificate's own NameConstraints (set by its parent) to `names`, for DNS, IP, email and
    /// URI names; directoryName constraints are not applied.
    static func checkNameConstraints(of caCertificate: Certificate, names: [GeneralName]) throws {
        let constraints: NameConstraints?
        do {
            constraints = try caCertificate.extensions.nameConstraints
        } catch {
            throw CertificateAuthorityError(
                code: .malformedInput, message: "bad nameConstraints on the CA", cause: error)
        }
        guard let constraints else { return }
        func dns(_ subtrees: [GeneralName]) -> [String] {
            subtrees.compactMap { if case .dnsName(let name) = $0 { name } else { nil } }
        }
        func email(_ subtrees: [GeneralName]) -> [String] {
            subtrees.compactMap { if case .rfc822Name(let name) = $0 { name } else { nil } }
        }
        func uri(_ subtrees: [GeneralName]) -> [String] {
            subtrees.compactMap { if case .uniformResourceIdentifier(let name) = $0 { name } else { nil } }
        }
        func ip(_ subtrees: [GeneralName]) -> [String] {
            subtrees.compactMap {
                guard case .ipAddress(let range) = $0 else { return nil }
                let bytes = Array(range.bytes)
                guard bytes.count == 8 || bytes.count == 32 else { return nil }
                let half = bytes.count / 2
                let prefix = bytes[half...].reduce(0) { $0 + $1.nonzeroBitCount }
                return "\(NameMatching.ipText(Array(bytes[..<half])))/\(prefix)"
            }
        }
        func permitted(_ values: [String]) -> [String]? { values.isEmpty ? nil : values }
        let permittedSubtrees = constraints.permittedSubtrees
        let excludedSubtrees = constraints.excludedSubtrees
        // Wildcards are the issuance policy's decision; here a wildcard only has to stay inside the constraints.
        let issuerPolicy = Policy(
            dnsNames: .init(
                permitted: permitted(dns(permittedSubtrees)), excluded: dns(excludedSubtrees), allowsWildcards: true),
            ipAddresses: .init(permitted: permitted(ip(permittedSubtrees)), excluded: ip(excludedSubtrees)),
            emailAddresses: .init(permitted: permitted(email(permittedSubtrees)), excluded: email(excludedSubtrees)),
            uris: .init(permitted: permitted(uri(permittedSubtrees)), excluded: uri(excludedSubtrees))
        )
        do {
            try issuerPolicy.check(names: names)
        } catch let error as CertificateAuthorityError {
            throw CertificateAuthorityError(
                code: error.code, message: "\(error.message) (the CA certificate's name constraints)",
                cause: error.cause)
        }
    }

    static func commonNames(_ name: DistinguishedName) -> [String] {
        name.flatMap { rdn in
            rdn.compactMap { attribute in
                attribute.type == .RDNAttributeType.commonName ? String(attribute.value) : nil
            }
        }
    }

    static func keyIdentifier(of certificate: Certificate) throws -> [UInt8] {
        if let ski = try? certificate.extensions.subjectKeyIdentifier {
            return Array(ski.keyIdentifier)
        }
        return Array(SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier)
    }
}
