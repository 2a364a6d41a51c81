import CertificateAuthority
import Crypto
import EP11
import Foundation
import HSMMock
import Testing
import X509
import _CryptoExtras

@Suite("HSMPrivateKey: the HSM key as a swift-certificates CustomPrivateKey")
struct HSMPrivateKeyTests {
    static let algorithms: [KeyAlgorithm] = [.p256, .p384, .rsa2048]

    @Test("CSRs signed in the HSM verify with swift-certificates", arguments: algorithms)
    func csrSignatures(algorithm: KeyAlgorithm) async throws {
        try await withMockHSM { client in
            let key = try await HSMPrivateKey.generate(algorithm, client: client)
            #expect(key.defaultSignatureAlgorithm == algorithm.defaultSignatureAlgorithm)
            let csr = try await CertificateSigningRequest(
                version: .v1, subject: try DistinguishedName { CommonName("hsm key") },
                asyncPrivateKey: Certificate.PrivateKey(key), attributes: CertificateSigningRequest.Attributes(),
                signatureAlgorithm: key.defaultSignatureAlgorithm)
            #expect(csr.publicKey == key.publicKey)
            #expect(csr.publicKey.isValidSignature(csr.signature, for: csr))
            // Round trip through DER: the signature survives re-parsing.
            let parsed = try CertificateSigningRequest(derEncoded: Array(try csr.serializeAsPEM().derBytes))
            #expect(parsed.publicKey.isValidSignature(parsed.signature, for: parsed))
            // `description` names the algorithm, never the blob.
            #expect(!key.description.contains(key.privateKeyBlob.bytes.prefix(8).map { String($0) }.joined()))
        }
    }

    @Test("The synchronous path throws; the key cannot sign with another algorithm")
    func synchronousSigningRefused() async throws {
        try await withMockHSM { client in
            let key = try await HSMPrivateKey.generate(.p256, client: client)
            #expect(throws: CertificateAuthorityError.hsmFailure) {
                try key.signSynchronously(bytes: [1, 2, 3], signatureAlgorithm: .ecdsaWithSHA256)
            }
            await #expect(throws: CertificateAuthorityError.keyNotPermitted) {
                try await key.signAsynchronously(bytes: [1, 2, 3], signatureAlgorithm: .sha256WithRSAEncryption)
            }
        }
    }

    @Test("RSA keys also make PSS and SHA-384/512 PKCS #1 v1.5 signatures that swift-crypto verifies")
    func rsaSchemes() async throws {
        try await withMockHSM { client in
            let key = try await HSMPrivateKey.generate(.rsa2048, client: client)
            let rsa = try #require(_RSA.Signing.PublicKey(key.publicKey))
            let message = Array("to be signed".utf8)
            let pss = try await key.pssSignature(for: message, hash: .sha256)
            #expect(
                rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: message, padding: .PSS))
            let pkcs1 = try await key.signatureValue(for: message, signatureAlgorithm: .sha384WithRSAEncryption)
            #expect(
                rsa.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: pkcs1), for: SHA384.hash(data: message),
                    padding: .insecurePKCS1v1_5))
            #expect(
                !rsa.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: pkcs1), for: message + [0], padding: .insecurePKCS1v1_5
                ))
        }
    }

    @Test("ECDSA signatures are DER ECDSA-Sig-Value, verified by swift-crypto")
    func ecdsaDER() async throws {
        try await withMockHSM { client in
            let key = try await HSMPrivateKey.generate(.p384, client: client)
            let message = Array("ecdsa".utf8)
            let der = try await key.signatureValue(for: message, signatureAlgorithm: .ecdsaWithSHA384)
            #expect(der.first == 0x30)
            let p384 = try #require(P384.Signing.PublicKey(key.publicKey))
            #expect(p384.isValidSignature(try P384.Signing.ECDSASignature(derRepresentation: der), for: message))
        }
    }

    @Test("Key algorithms parse from CLI text and RSA sizes are bounded")
    func keyAlgorithmParsing() throws {
        #expect(try KeyAlgorithm(parsing: "p256") == .p256)
        #expect(try KeyAlgorithm(parsing: "EC-P384") == .p384)
        #expect(try KeyAlgorithm(parsing: "rsa-3072") == .rsa3072)
        #expect(throws: CertificateAuthorityError.keyNotPermitted) { try KeyAlgorithm(parsing: "rsa1024") }
        #expect(throws: CertificateAuthorityError.keyNotPermitted) { try KeyAlgorithm.rsa(bits: 8192) }
        #expect(throws: CertificateAuthorityError.malformedInput) { try KeyAlgorithm(parsing: "dsa") }
    }
}
