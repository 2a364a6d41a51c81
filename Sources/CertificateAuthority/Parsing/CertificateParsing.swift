import Foundation
import SwiftASN1
import X509

/// PEM/DER parsing that turns every failure into ``CertificateAuthorityError/malformedInput``.
public enum CertificateParsing {
    static func malformed(_ what: String, _ error: (any Error)? = nil) -> CertificateAuthorityError {
        CertificateAuthorityError(code: .malformedInput, message: ControlCharacters.escaped(what), cause: error)
    }

    /// Whether `bytes` look like PEM text rather than DER.
    static func isPEM(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return text.contains("-----BEGIN ")
    }

    /// Certificates from PEM text (one or more `CERTIFICATE` blocks) or from one DER certificate.
    public static func certificates(fromPEMOrDER bytes: [UInt8]) throws -> [Certificate] {
        if isPEM(bytes) {
            let documents: [PEMDocument]
            do {
                documents = try PEMDocument.parseMultiple(pemString: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw malformed("the certificate PEM is malformed", error)
            }
            guard !documents.isEmpty else { throw malformed("no certificate in the PEM text") }
            return try documents.map { document in
                guard document.discriminator == "CERTIFICATE" else {
                    throw malformed("expected CERTIFICATE, found \(document.discriminator)")
                }
                do {
                    return try Certificate(derEncoded: document.derBytes)
                } catch {
                    throw malformed("a certificate in the PEM text is malformed", error)
                }
            }
        }
        do {
            return [try Certificate(derEncoded: bytes)]
        } catch {
            throw malformed("the certificate DER is malformed", error)
        }
    }

    /// Certificates from PEM text or one DER certificate, each kept as DER beside its fields; unlike
    /// ``certificates(fromPEMOrDER:)`` this accepts RSASSA-PSS-signed certificates.
    static func documents(fromPEMOrDER bytes: [UInt8]) throws -> [CertificateDocument] {
        if isPEM(bytes) {
            let documents: [PEMDocument]
            do {
                documents = try PEMDocument.parseMultiple(pemString: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw malformed("the certificate PEM is malformed", error)
            }
            guard !documents.isEmpty else { throw malformed("no certificate in the PEM text") }
            return try documents.map { document in
                guard document.discriminator == "CERTIFICATE" else {
                    throw malformed("expected CERTIFICATE, found \(document.discriminator)")
                }
                return try CertificateDocument(der: document.derBytes)
            }
        }
        return [try CertificateDocument(der: bytes)]
    }

    /// A CSR from PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
    public static func certificateSigningRequest(fromPEMOrDER bytes: [UInt8]) throws -> CertificateSigningRequest {
        var der = bytes
        if isPEM(bytes) {
            let document: PEMDocument
            do {
                document = try PEMDocument(pemString: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw malformed("the CSR PEM is malformed", error)
            }
            guard document.discriminator == "CERTIFICATE REQUEST" || document.discriminator == "NEW CERTIFICATE REQUEST"
            else {
                throw malformed("expected CERTIFICATE REQUEST, found \(document.discriminator)")
            }
            der = document.derBytes
        }
        do {
            return try CertificateSigningRequest(derEncoded: der)
        } catch {
            if let refusal = weakOrUnsupportedKey(inCSR: der) { throw refusal }
            throw malformed("the CSR is malformed or uses an unsupported algorithm", error)
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
