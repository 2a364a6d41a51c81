import Crypto
import Foundation

/// The `contract:*` lines that an attestation record should hold for a contract: SHA-256 (lowercase hex) of
/// each section's string value as written in the contract (the whole token when encrypted), and of the base64
/// `envWorkloadSignature` string.
///
/// ```swift
/// for line in try HyperProtectContract.parse(yaml: text).checksums.lines { print(line) }
/// // 0bee…d752 contract:workload
/// ```
public struct ContractChecksums: Sendable, Hashable {
    /// One expected record line.
    public struct Entry: Sendable, Hashable {
        /// The section.
        public var field: ContractField
        /// SHA-256 of the section's string value, 64 lowercase hex digits.
        public var sha256: String
        /// The record line: `<sha256> contract:<field>`.
        public var line: String { "\(sha256) \(field.attestationLabel)" }
    }

    /// The expected lines, in the order `workload`, `env`, `envWorkloadSignature`, `attestationPublicKey`.
    public var entries: [Entry]
    /// Sections present as plaintext YAML maps, whose hashed byte form is undocumented: no checksum is given.
    public var undetermined: [ContractField]

    /// The expected digest of a section, if known.
    public subscript(field: ContractField) -> String? { entries.first { $0.field == field }?.sha256 }

    /// The record lines, `<sha256> contract:<field>`.
    public var lines: [String] { entries.map(\.line) }

    /// SHA-256 of a string's UTF-8 bytes, lowercase hex.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let digits: [Character] = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}

extension HyperProtectContract {
    /// The `contract:*` checksums expected in the attestation record.
    public var checksums: ContractChecksums {
        var entries: [ContractChecksums.Entry] = []
        var undetermined: [ContractField] = []
        for field in ContractField.allKnown {
            let value: String?
            if field == .envWorkloadSignature {
                value = envWorkloadSignature
            } else if isMapValued(field) {
                undetermined.append(field)
                value = nil
            } else {
                value = section(field)?.stringValue
            }
            if let value { entries.append(.init(field: field, sha256: ContractChecksums.sha256Hex(value))) }
        }
        return ContractChecksums(entries: entries, undetermined: undetermined)
    }
}
