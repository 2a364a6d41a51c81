import Foundation
import Yams

/// A Hyper Protect contract: the YAML map of `workload`, `env` and the optional `envWorkloadSignature` and
/// `attestationPublicKey`.
///
/// Each section is kept as it stands in the contract (``ContractSection``): an encrypted section as its exact
/// token, a plaintext section as its YAML text. Checksums and signatures are computed over these exact strings,
/// so nothing is re-serialised between parsing, hashing and verifying.
///
/// ```swift
/// let contract = try HyperProtectContract.parse(yaml: contractText)
/// let env = try contract.sectionText(contract.env, decryptor: decryptor)
/// ```
public struct HyperProtectContract: Sendable {
    /// The `workload` section (mandatory).
    public var workload: ContractSection { didSet { mapValued.remove(.workload) } }
    /// The `env` section (mandatory); its plaintext holds `signingKey` when the contract is signed.
    public var env: ContractSection { didSet { mapValued.remove(.env) } }
    /// The base64 `envWorkloadSignature`, if the contract is signed.
    public var envWorkloadSignature: String?
    /// The `attestationPublicKey` section, if the attestation record is to be encrypted for an auditor.
    public var attestationPublicKey: ContractSection? { didSet { mapValued.remove(.attestationPublicKey) } }

    /// Top-level keys other than the four sections, found when parsing. They are not kept.
    public private(set) var ignoredKeys: [String] = []

    /// Sections that were YAML maps (not strings) in the parsed contract.
    private var mapValued: Set<ContractField> = []

    /// A contract from its sections.
    public init(
        workload: ContractSection, env: ContractSection, envWorkloadSignature: String? = nil,
        attestationPublicKey: ContractSection? = nil
    ) {
        self.workload = workload
        self.env = env
        self.envWorkloadSignature = envWorkloadSignature
        self.attestationPublicKey = attestationPublicKey
    }

    /// Whether a section was a YAML map (rather than a string) in the parsed contract. The byte form that is
    /// signed and hashed for such a section is undocumented, so signing, verification and checksums refuse it.
    public func isMapValued(_ field: ContractField) -> Bool { mapValued.contains(field) }

    /// The section stored for a field, if any (`envWorkloadSignature` is a string, not a section).
    public func section(_ field: ContractField) -> ContractSection? {
        switch field {
        case .workload: workload
        case .env: env
        case .attestationPublicKey: attestationPublicKey
        default: nil
        }
    }

    // MARK: Parsing

    /// Parses a contract.
    ///
    /// A string value that starts with a known token prefix and a dot (`hyper-protect-basic.`,
    /// `contract-basic.`) is an encrypted section, kept exactly; any other string is a plaintext section; a map
    /// is a plaintext section holding the map's Yams serialisation. A null or absent `envWorkloadSignature` or
    /// `attestationPublicKey` is `nil`.
    ///
    /// - Throws: ``ContractError/malformedContract`` (not YAML, not a map, a key twice, a list or alias as a
    ///   section), ``ContractError/missingSection`` when `workload` or `env` is absent.
    public static func parse(yaml: String) throws -> HyperProtectContract {
        let root = try YAMLSupport.compose(yaml, what: "the contract", code: .malformedContract, field: nil)
        guard case .mapping(let mapping)? = root else {
            throw ContractError(code: .malformedContract, message: "the contract is not a YAML map of sections")
        }
        var seen: Set<String> = []
        var sections: [ContractField: ContractSection] = [:]
        var mapValued: Set<ContractField> = []
        var signature: String?
        var ignored: [String] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ContractError(
                    code: .malformedContract, message: "a top-level key of the contract is not a string")
            }
            let name = keyScalar.string
            guard seen.insert(name).inserted else {
                throw ContractError(
                    code: .malformedContract, message: "the top-level key \"\(name)\" appears more than once",
                    field: ContractField(rawValue: name))
            }
            let field = ContractField(rawValue: name)
            guard ContractField.allKnown.contains(field) else {
                ignored.append(name)
                continue
            }
            if YAMLSupport.isNull(value) { continue }
            switch value {
            case .scalar(let scalar):
                if field == .envWorkloadSignature {
                    signature = scalar.string
                } else {
                    sections[field] = ContractSection.classify(scalar.string)
                }
            case .mapping where field != .envWorkloadSignature:
                sections[field] = .plaintext(try YAMLSupport.serialize(value, what: "the \(name) section"))
                mapValued.insert(field)
            default:
                throw ContractError(
                    code: .malformedContract,
                    message: "the \(name) section must be a string\(field == .envWorkloadSignature ? "" : " or a map")",
                    field: field)
            }
        }
        guard let workload = sections[.workload] else {
            throw ContractError(
                code: .missingSection, message: "the contract has no workload section", field: .workload)
        }
        guard let env = sections[.env] else {
            throw ContractError(code: .missingSection, message: "the contract has no env section", field: .env)
        }
        var contract = HyperProtectContract(
            workload: workload, env: env, envWorkloadSignature: signature,
            attestationPublicKey: sections[.attestationPublicKey])
        contract.mapValued = mapValued
        contract.ignoredKeys = ignored
        return contract
    }

    // MARK: Section text

    /// The plaintext YAML text of a section: the plaintext itself, or the decrypted token.
    ///
    /// - Throws: ``ContractError/decryptorRequired`` (naming the section) for a token without a decryptor;
    ///   the decryptor's errors; ``ContractError/decryptionFailed`` when the plaintext is not UTF-8.
    public func sectionText(_ section: ContractSection, decryptor: ContractDecryptor?) throws -> String {
        try sectionText(section, field: field(of: section), decryptor: decryptor)
    }

    /// The plaintext YAML text of the section `field`.
    /// - Throws: ``ContractError/missingSection`` when the contract has no such section, and as
    ///   ``sectionText(_:decryptor:)``.
    public func sectionText(of field: ContractField, decryptor: ContractDecryptor?) throws -> String {
        guard let section = section(field) else {
            throw ContractError(code: .missingSection, message: "the contract has no \(field) section", field: field)
        }
        return try sectionText(section, field: field, decryptor: decryptor)
    }

    private func sectionText(_ section: ContractSection, field: ContractField?, decryptor: ContractDecryptor?) throws
        -> String
    {
        switch section {
        case .plaintext(let text):
            return text
        case .encrypted(let token):
            let name = field.map { "the \($0) section" } ?? "the section"
            guard let decryptor else {
                throw ContractError(
                    code: .decryptorRequired,
                    message: "\(name) is encrypted: the private key of the encryption certificate is needed",
                    field: field)
            }
            let bytes = try decryptor.decrypt(token: token, acceptedPrefixes: TokenPrefix.known, field: field)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ContractError(
                    code: .decryptionFailed, message: "\(name) decrypts to bytes that are not UTF-8 text", field: field)
            }
            return text
        }
    }

    /// The field holding `section`, comparing with each stored section.
    private func field(of section: ContractSection) -> ContractField? {
        if section == workload { return .workload }
        if section == env { return .env }
        if section == attestationPublicKey { return .attestationPublicKey }
        return nil
    }

    /// The exact string value of a string-valued section, for signing and hashing.
    func signedString(_ field: ContractField) throws -> String {
        guard let section = section(field) else {
            throw ContractError(code: .missingSection, message: "the contract has no \(field) section", field: field)
        }
        guard !isMapValued(field) else {
            throw ContractError(
                code: .unsupportedSection,
                message: "the \(field) section is a plaintext YAML map; its signed and hashed byte form is "
                    + "undocumented: encrypt it, or give it as a string",
                field: field)
        }
        return section.stringValue
    }

    // MARK: Emitting

    /// The contract as YAML text: `workload`, `env`, `envWorkloadSignature`, `attestationPublicKey`, in that order.
    ///
    /// Tokens and the signature are single-line plain scalars (a wrapped plain scalar would fold into spaces
    /// and change every hash); other strings are written in a style that decodes back to exactly the same
    /// string (checked by parsing the output again); map-valued sections are written as maps.
    public func yamlText() throws -> String {
        var text = ""
        for field in ContractField.allKnown {
            if field == .envWorkloadSignature {
                if let envWorkloadSignature {
                    text += try YAMLSupport.emitStringPair(key: field.rawValue, value: envWorkloadSignature)
                }
                continue
            }
            guard let section = section(field) else { continue }
            if isMapValued(field), case .plaintext(let mapText) = section {
                let node = try YAMLSupport.compose(
                    mapText, what: "the \(field) section", code: .malformedContract, field: field)
                guard let node else { continue }
                text += try YAMLSupport.serialize(Node([(Node(field.rawValue), node)]), what: "the \(field) section")
            } else {
                text += try YAMLSupport.emitStringPair(key: field.rawValue, value: section.stringValue)
            }
        }
        let reparsed = try Self.parse(yaml: text)
        for field in ContractField.allKnown where !isMapValued(field) {
            let same: Bool =
                field == .envWorkloadSignature
                ? reparsed.envWorkloadSignature == envWorkloadSignature
                : reparsed.section(field) == section(field)
            guard same else {
                throw ContractError(
                    code: .malformedContract, message: "the \(field) section does not survive YAML emission unchanged",
                    field: field)
            }
        }
        return text
    }
}
