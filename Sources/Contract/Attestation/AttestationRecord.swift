import Crypto
import Foundation
import _CryptoExtras

/// An attestation record (`se-checksums.txt`): header lines, then lines `<sha256 hex> <label>`.
///
/// The record keeps its exact bytes: `se-signature.bin` signs them as they are (recent records have no final
/// newline). Parsing is lenient, because labels changed between images: `contract:workload` (24.11.0 and
/// later), `contract: workload` (development records) and bare `workload`/`env`/`attestationPublicKey` (24.3.3)
/// all name the same section; header lines, other labels and unknown lines are kept aside.
///
/// ```swift
/// let record = try AttestationRecord.decrypt(token: encryptedRecord, decryptor: auditor)
/// try record.verifySignature(signatureBytes, attestationCertificatePEM: attestationCertificate)
/// let comparison = record.compare(with: contract.checksums)
/// ```
public struct AttestationRecord: Sendable, Hashable {
    /// One checksum line.
    public struct ChecksumLine: Sendable, Hashable {
        /// The digest, lowercased.
        public var sha256: String
        /// The label as written, e.g. `contract:env`, `cidata/user-data`.
        public var label: String
        /// The contract section this line is about, when the label names one.
        public var field: ContractField?
    }

    /// The exact bytes of the (decrypted) record.
    public let bytes: [UInt8]
    /// The checksum lines, in record order.
    public let checksumLines: [ChecksumLine]
    /// The other non-empty lines: the version, `Machine Type/Plant/Serial: ...`, `Image age: ...` and so on.
    public let headerLines: [String]

    /// A record from its exact bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var checksums: [ChecksumLine] = []
        var headers: [String] = []
        let text = String(decoding: bytes, as: UTF8.self)
        for rawLine in text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            let line = rawLine.trimmingASCIIWhitespace()
            guard !line.isEmpty else { continue }
            if let entry = Self.checksumLine(line) {
                checksums.append(entry)
            } else {
                headers.append(line)
            }
        }
        self.checksumLines = checksums
        self.headerLines = headers
    }

    /// A record from text (its UTF-8 bytes, exactly).
    public init(text: String) { self.init(bytes: Array(text.utf8)) }

    /// Decrypts `se-checksums.txt.enc` (the same token format as contract sections, made for the auditor's
    /// `attestationPublicKey`) with the auditor's private key.
    public static func decrypt(token: String, decryptor: ContractDecryptor) throws -> AttestationRecord {
        AttestationRecord(bytes: try decryptor.decrypt(token: token))
    }

    /// The first header line when it looks like an image version (`25.11.0`).
    public var version: String? {
        guard let first = headerLines.first,
            first.split(separator: ".").count >= 2,
            first.allSatisfy({ $0.isNumber || $0 == "." })
        else { return nil }
        return first
    }

    /// The digests the record gives for each contract section (several when a label repeats).
    public var contractDigests: [ContractField: [String]] {
        var result: [ContractField: [String]] = [:]
        for line in checksumLines {
            if let field = line.field { result[field, default: []].append(line.sha256) }
        }
        return result
    }

    /// Checks `signature` (the bytes of `se-signature.bin`): RSASSA-PKCS1-v1_5 with SHA-256 over the exact record
    /// bytes, under the attestation certificate's key.
    ///
    /// Only the signature is checked here, not the certificate's chain to IBM's root; the certificate's
    /// validity is returned so that the caller can show it.
    /// - Parameters:
    ///   - signature: the signature's bytes (`se-signature.bin`).
    ///   - attestationCertificatePEM: the attestation certificate, or a PEM public key.
    /// - Throws: ``ContractError/recordSignatureInvalid``; key errors.
    @discardableResult
    public func verifySignature(_ signature: [UInt8], attestationCertificatePEM: String) throws -> CertificateValidity?
    {
        let (key, validity) = try RSAKeys.publicKey(
            fromPEM: attestationCertificatePEM, role: "the attestation certificate")
        let modulusBytes = (key.keySizeInBits + 7) / 8
        guard signature.count == modulusBytes else {
            throw ContractError(
                code: .recordSignatureInvalid,
                message: "the record signature has \(signature.count) bytes; the RSA-\(key.keySizeInBits) "
                    + "attestation key makes \(modulusBytes)-byte signatures")
        }
        guard
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: bytes),
                padding: .insecurePKCS1v1_5)
        else {
            throw ContractError(
                code: .recordSignatureInvalid,
                message: "the attestation record's signature does not verify with the attestation certificate: "
                    + "the record was changed, or it was signed by another key")
        }
        return validity
    }

    /// Compares the record's contract lines with the checksums expected for a contract.
    public func compare(with expected: ContractChecksums) -> AttestationComparison {
        let found = contractDigests
        var comparison = AttestationComparison(
            matched: [], mismatched: [], missing: [], unexpected: [], undetermined: expected.undetermined)
        for entry in expected.entries {
            guard let digests = found[entry.field] else {
                comparison.missing.append(entry.field)
                continue
            }
            if digests.allSatisfy({ $0 == entry.sha256 }) {
                comparison.matched.append(entry.field)
            } else {
                comparison.mismatched.append(.init(field: entry.field, expected: entry.sha256, found: digests))
            }
        }
        let expectedFields = Set(expected.entries.map(\.field)).union(expected.undetermined)
        comparison.unexpected = found.keys.filter { !expectedFields.contains($0) }.sorted()
        return comparison
    }

    /// `<64 hex> <label>` → a checksum line; anything else → nil.
    static func checksumLine(_ line: String) -> ChecksumLine? {
        let utf8 = Array(line.utf8)
        guard utf8.count > 65 else { return nil }
        let isHex: (UInt8) -> Bool = {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
        }
        guard utf8[0..<64].allSatisfy(isHex), utf8[64] == 0x20 || utf8[64] == 0x09 else { return nil }
        let digest = String(decoding: utf8[0..<64], as: UTF8.self).lowercased()
        let label = String(decoding: utf8[65...], as: UTF8.self).trimmingASCIIWhitespace()
        guard !label.isEmpty else { return nil }
        return ChecksumLine(sha256: digest, label: label, field: field(forLabel: label))
    }

    /// `contract:workload`, `contract: workload` and bare `workload` → `.workload`; likewise for the other
    /// sections. Other labels name no section.
    static func field(forLabel label: String) -> ContractField? {
        var name = Substring(label)
        if name.lowercased().hasPrefix("contract:") {
            name = name.dropFirst("contract:".count)
        }
        let field = ContractField(rawValue: name.trimmingASCIIWhitespace())
        return ContractField.allKnown.contains(field) ? field : nil
    }
}

/// The result of comparing an attestation record with a contract's expected checksums.
public struct AttestationComparison: Sendable, Hashable, CustomStringConvertible {
    /// A section whose recorded digest differs from the expected one.
    public struct Mismatch: Sendable, Hashable {
        /// The section.
        public var field: ContractField
        /// The digest computed from the contract.
        public var expected: String
        /// The digest(s) the record gives.
        public var found: [String]
    }

    /// Sections whose record line matches the contract.
    public var matched: [ContractField]
    /// Sections whose record line differs from the contract.
    public var mismatched: [Mismatch]
    /// Sections of the contract that the record does not mention.
    public var missing: [ContractField]
    /// Sections the record mentions but the contract does not have (e.g. an `attestationPublicKey`).
    public var unexpected: [ContractField]
    /// Sections whose expected digest is unknown (plaintext YAML maps); they are not compared.
    public var undetermined: [ContractField]

    /// Whether everything that could be compared matched: no mismatch, nothing missing, nothing unexpected.
    public var isMatch: Bool { mismatched.isEmpty && missing.isEmpty && unexpected.isEmpty && !matched.isEmpty }

    public var description: String {
        var lines: [String] = []
        for field in matched { lines.append("match     \(field.attestationLabel)") }
        for mismatch in mismatched {
            lines.append(
                "MISMATCH  \(mismatch.field.attestationLabel): expected \(mismatch.expected), record has "
                    + mismatch.found.joined(separator: ", "))
        }
        for field in missing { lines.append("MISSING   \(field.attestationLabel): not in the record") }
        for field in unexpected {
            lines.append("UNEXPECTED \(field.attestationLabel): in the record but not in the contract")
        }
        for field in undetermined {
            lines.append("unchecked \(field.attestationLabel): plaintext map section, digest undocumented")
        }
        return lines.joined(separator: "\n")
    }
}
