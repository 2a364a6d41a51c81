import Foundation
import Yams

/// Builds a whole encrypted (and optionally signed) contract, in the order of operations of IBM's contract-go:
///
/// 1. encrypt `workload`;
/// 2. inject `signingKey` (base64 of the signer's PEM public key or certificate) into `env`;
/// 3. encrypt `env`;
/// 4. sign `encWorkload ‖ encEnv`;
/// 5. encrypt `attestationPublicKey`, if any (it is outside the signature);
/// 6. emit `{workload, env, envWorkloadSignature, attestationPublicKey}` with every value a single-line scalar.
///
/// The `workload` and `env` texts are trimmed of surrounding whitespace before encryption, as contract-go does.
/// `env` must be a YAML map when a signer is given; it is re-serialised by Yams after `signingKey` is set
/// (comments are lost; values are kept). Nothing is re-serialised after encryption, hashing or signing.
///
/// ```swift
/// let builder = try ContractBuilder(
///     encryptionCertificatePEM: encryptionCertificate,
///     signingKeyPEM: signerKey,
///     attestationPublicKeyPEM: auditorPublicKey)
/// let built = try builder.build(workload: workloadYAML, env: envYAML)
/// try built.yaml.write(toFile: "contract.yaml", atomically: true, encoding: .utf8)
/// ```
public struct ContractBuilder: Sendable {
    /// The result of ``ContractBuilder/build(workload:env:)``.
    public struct Output: Sendable {
        /// The contract YAML text, ready to submit.
        public var yaml: String
        /// The same contract as a value.
        public var contract: HyperProtectContract
        /// The `contract:*` checksums the attestation record should show.
        public var checksums: ContractChecksums { contract.checksums }
    }

    /// Encrypts every section.
    public var encryptor: ContractEncryptor
    /// Signs `workload ‖ env`; `nil` for an unsigned contract.
    public var signer: ContractSigner?
    /// The auditor's PEM RSA public key, or `nil`.
    public var attestationPublicKeyPEM: String?
    /// Whether `attestationPublicKey` is encrypted (default, as contract-go does) or left as a PEM block scalar.
    public var encryptsAttestationPublicKey: Bool

    /// A builder from its parts.
    /// - Throws: ``ContractError/invalidKey`` when `attestationPublicKeyPEM` is not a PEM RSA public key.
    public init(
        encryptor: ContractEncryptor, signer: ContractSigner? = nil, attestationPublicKeyPEM: String? = nil,
        encryptsAttestationPublicKey: Bool = true
    ) throws {
        if let attestationPublicKeyPEM {
            guard RSAKeys.pemLabel(attestationPublicKeyPEM) == "PUBLIC KEY" else {
                throw ContractError(
                    code: .invalidKey, message: "the attestation public key must be a PEM PUBLIC KEY",
                    field: .attestationPublicKey)
            }
            _ = try RSAKeys.publicKey(
                fromPEM: attestationPublicKeyPEM, role: "the attestation public key", field: .attestationPublicKey)
        }
        self.encryptor = encryptor
        self.signer = signer
        self.attestationPublicKeyPEM = attestationPublicKeyPEM
        self.encryptsAttestationPublicKey = encryptsAttestationPublicKey
    }

    /// A builder from PEM texts.
    ///
    /// - Parameters:
    ///   - encryptionCertificatePEM: the image's encryption certificate (or a PEM public key).
    ///   - signingKeyPEM: the signer's PEM RSA private key, or `nil` for an unsigned contract.
    ///   - signingCertificatePEM: a certificate for the signer's key; its `notAfter` becomes the contract's expiry.
    ///   - attestationPublicKeyPEM: the auditor's PEM public key, or `nil`.
    ///   - prefix: the token prefix.
    ///   - now: the time against which certificates are checked.
    public init(
        encryptionCertificatePEM: String, signingKeyPEM: String? = nil, signingCertificatePEM: String? = nil,
        attestationPublicKeyPEM: String? = nil, prefix: TokenPrefix = .hyperProtectBasic, now: Date = Date()
    ) throws {
        let encryptor = try ContractEncryptor(encryptionKeyPEM: encryptionCertificatePEM, prefix: prefix, now: now)
        var signer: ContractSigner?
        if let signingKeyPEM {
            signer = try ContractSigner(privateKeyPEM: signingKeyPEM, certificatePEM: signingCertificatePEM, now: now)
        } else if signingCertificatePEM != nil {
            throw ContractError(code: .invalidArgument, message: "a signing certificate needs its signing key")
        }
        try self.init(encryptor: encryptor, signer: signer, attestationPublicKeyPEM: attestationPublicKeyPEM)
    }

    /// Builds the contract from the `workload` and `env` YAML texts (the section bodies, without the top-level
    /// `workload:`/`env:` key).
    /// - Throws: ``ContractError/invalidArgument`` for an empty section, invalid YAML, or a non-map `env` when
    ///   signing; encryption and signing errors.
    public func build(workload: String, env: String) throws -> Output {
        let workloadText = workload.trimmingASCIIWhitespace()
        try Self.validate(workloadText, field: .workload)
        var envText = env.trimmingASCIIWhitespace()
        try Self.validate(envText, field: .env)
        if let signer {
            envText = try Self.injectSigningKey(signer.signingKeyValue, into: envText)
        }
        let encryptedWorkload = try encryptor.encrypt(workloadText)
        let encryptedEnv = try encryptor.encrypt(envText)
        var contract = HyperProtectContract(
            workload: .encrypted(token: encryptedWorkload), env: .encrypted(token: encryptedEnv))
        if let signer {
            contract.envWorkloadSignature = try signer.signature(workload: encryptedWorkload, env: encryptedEnv)
        }
        if let attestationPublicKeyPEM {
            let pem = attestationPublicKeyPEM.trimmingASCIIWhitespace()
            contract.attestationPublicKey =
                encryptsAttestationPublicKey ? .encrypted(token: try encryptor.encrypt(pem)) : .plaintext(pem + "\n")
        }
        return Output(yaml: try contract.yamlText(), contract: contract)
    }

    /// Checks that a section text is non-empty YAML, without quoting it in errors.
    private static func validate(_ text: String, field: ContractField) throws {
        guard !text.isEmpty else {
            throw ContractError(code: .invalidArgument, message: "the \(field) section is empty", field: field)
        }
        let node = try YAMLSupport.compose(text, what: "the \(field) section", code: .invalidArgument, field: field)
        guard let node, !YAMLSupport.isNull(node) else {
            throw ContractError(code: .invalidArgument, message: "the \(field) section is empty", field: field)
        }
    }

    /// `env` with `signingKey` set (replaced when present), as Yams writes it.
    static func injectSigningKey(_ value: String, into env: String) throws -> String {
        let root = try YAMLSupport.compose(env, what: "the env section", code: .invalidArgument, field: .env)
        guard case .mapping(let mapping)? = root else {
            throw ContractError(
                code: .invalidArgument, message: "the env section must be a YAML map to hold signingKey", field: .env)
        }
        var pairs: [(Node, Node)] = []
        var replaced = false
        for (key, old) in mapping {
            if case .scalar(let scalar) = key, scalar.string == "signingKey" {
                guard !replaced else { continue }
                pairs.append((key, Node(value)))
                replaced = true
            } else {
                pairs.append((key, old))
            }
        }
        if !replaced { pairs.append((Node("signingKey"), Node(value))) }
        let updated = Node.mapping(Node.Mapping(pairs, mapping.tag, mapping.style))
        return try YAMLSupport.serialize(updated, what: "the env section").trimmingASCIIWhitespace()
    }
}
