import Foundation
import IAM
import SwiftASN1
import X509

/// PEM/DER parsing that turns every failure into ``CertificateAuthorityError/malformedInput``.
public enum CertificateParsing {
    /// A refusal of malformed input: a plain sentence (control characters escaped). The parser's own error is not
    /// attached, as its description is a debug dump (type names, source file and line) rather than a reason.
    static func malformed(_ what: String, _ error: (any Error)? = nil) -> CertificateAuthorityError {
        CertificateAuthorityError(code: .malformedInput, message: ControlCharacters.escaped(what))
    }

    /// Whether `bytes` look like PEM text rather than DER.
    static func isPEM(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return PEMText.looksLikePEM(text)
    }

    /// The PEM blocks in `bytes`, read leniently (RFC 7468: any line length, CRLF, text around the blocks), each
    /// with the label `labels` allows; `what` names the contents in messages.
    static func pemBlocks(_ bytes: [UInt8], labels: Set<String>, what: String) throws -> [[UInt8]] {
        let blocks: [PEMText.Block]
        do {
            blocks = try PEMText.blocks(in: bytes)
        } catch {
            throw malformed("the \(what) PEM text cannot be read: \(error.message)")
        }
        return try blocks.map { block in
            guard labels.contains(block.label) else {
                throw malformed(
                    "expected \(labels.sorted().joined(separator: " or ")) PEM, found \(block.label)")
            }
            return block.derBytes
        }
    }

    /// Certificates from PEM text (one or more `CERTIFICATE` blocks) or from one DER certificate.
    public static func certificates(fromPEMOrDER bytes: [UInt8]) throws -> [Certificate] {
        try eachCertificate(fromPEMOrDER: bytes) { try Certificate(derEncoded: $0) }
    }

    /// Each certificate of PEM text or of one DER certificate, read by `read`; one it cannot read is an error that
    /// says which.
    private static func eachCertificate<Parsed>(
        fromPEMOrDER bytes: [UInt8], _ read: ([UInt8]) throws -> Parsed
    ) throws -> [Parsed] {
        let ders = isPEM(bytes) ? try pemBlocks(bytes, labels: ["CERTIFICATE"], what: "certificate") : [bytes]
        return try ders.enumerated().map { index, der in
            do {
                return try read(der)
            } catch {
                throw malformed(notACertificate(index: index, of: ders.count))
            }
        }
    }

    /// "the certificate is not..." naming which one of several.
    static func notACertificate(index: Int, of count: Int) -> String {
        let which = count > 1 ? "certificate \(index + 1) of \(count)" : "certificate"
        return "the \(which) is not a valid X.509 certificate (it may be truncated or corrupted)"
    }

    /// Certificates from PEM text or one DER certificate, each kept as DER beside its fields; unlike
    /// ``certificates(fromPEMOrDER:)`` this accepts RSASSA-PSS-signed certificates.
    static func documents(fromPEMOrDER bytes: [UInt8]) throws -> [CertificateDocument] {
        try eachCertificate(fromPEMOrDER: bytes) { try CertificateDocument(der: $0) }
    }

    /// A CSR from PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
    public static func certificateSigningRequest(fromPEMOrDER bytes: [UInt8]) throws -> CertificateSigningRequest {
        var der = bytes
        if isPEM(bytes) {
            let blocks = try pemBlocks(
                bytes, labels: ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], what: "CSR")
            guard blocks.count == 1, let first = blocks.first else {
                throw malformed("the CSR PEM text holds \(blocks.count) blocks; one CSR is expected")
            }
            der = first
        }
        do {
            return try CertificateSigningRequest(derEncoded: der)
        } catch {
            if let refusal = weakOrUnsupportedKey(inCSR: der) { throw refusal }
            throw malformed(
                "the CSR is not a valid PKCS #10 request (it may be truncated or corrupted) or uses an "
                    + "unsupported algorithm")
        }
    }

    /// swift-certificates refuses to parse RSA keys under 2048 bits and unknown key algorithms; read the
    /// SubjectPublicKeyInfo by hand so such a CSR is refused as a key-policy matter rather than as garbage.
    static func weakOrUnsupportedKey(inCSR der: [UInt8]) -> CertificateAuthorityError? {
        guard let root = try? DER.parse(der) else { return nil }
        return try? DER.sequence(root, identifier: .sequence) { nodes -> CertificateAuthorityError? in
            guard let info = nodes.next() else { return nil }
            while nodes.next() != nil {}
            return try DER.sequence(info, identifier: .sequence) { fields -> CertificateAuthorityError? in
                _ = fields.next()  // version
                _ = fields.next()  // subject
                guard let spki = fields.next() else { return nil }
                while fields.next() != nil {}
                return try DER.sequence(spki, identifier: .sequence) { parts -> CertificateAuthorityError? in
                    guard let algorithm = parts.next() else { return nil }
                    let oid = try DER.sequence(algorithm, identifier: .sequence) { inner -> ASN1ObjectIdentifier in
                        let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                        while inner.next() != nil {}
                        return oid
                    }
                    let key = try ASN1BitString(derEncoded: &parts)
                    guard oid == [1, 2, 840, 113_549, 1, 1, 1] else {
                        if oid == [1, 2, 840, 10045, 2, 1] || oid == [1, 3, 101, 112] { return nil }
                        return CertificateAuthorityError(
                            code: .keyNotPermitted, message: "unsupported subject key algorithm \(oid)")
                    }
                    let bits = try rsaModulusBits(Array(key.bytes))
                    return CertificateAuthorityError(
                        code: .keyNotPermitted, message: "RSA-\(bits) keys are too weak")
                }
            }
        }
    }

    static func rsaModulusBits(_ pkcs1: [UInt8]) throws -> Int {
        let node = try DER.parse(pkcs1)
        return try DER.sequence(node, identifier: .sequence) { nodes in
            let modulus = try ArraySlice<UInt8>(derEncoded: &nodes)
            while nodes.next() != nil {}
            let trimmed = modulus.drop { $0 == 0 }
            guard let first = trimmed.first else { return 0 }
            return (trimmed.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
    }

    /// PEM text of `certificates`, each block followed by a newline.
    public static func pem(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
    }
}
