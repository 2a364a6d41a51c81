import Contract
import Foundation
import TestSupport
import Testing

@Suite("Contract: PEM read as leniently as RFC 7468 allows")
struct ContractLenientPEMTests {
    static func opensslKeyAndCertificate() async throws -> (key: String, certificate: String) {
        let made = try await SelfSignedCertificate.make(
            prefix: "pem", newKey: ["rsa:2048"], subject: "/CN=lenient pem", subjectAltName: nil, days: 30)
        defer { made.remove() }
        return (
            try String(contentsOfFile: made.keyPath, encoding: .utf8),
            try String(contentsOfFile: made.certificatePath, encoding: .utf8)
        )
    }

    @Test("76-column (Python base64), unwrapped and CRLF PEM give the same key as openssl's 64-column PEM")
    func wrappings() async throws {
        let (keyPEM, certificatePEM) = try await Self.opensslKeyAndCertificate()
        let reference = try ContractEncryptor(encryptionKeyPEM: certificatePEM)
        let decryptor = try ContractDecryptor(privateKeyPEM: keyPEM)
        for (width, separator) in [(76, "\n"), (1000, "\n"), (64, "\r\n"), (76, "\r\n")] {
            let certificate = rewrappedPEM(certificatePEM, width: width, separator: separator)
            let encryptor = try ContractEncryptor(encryptionKeyPEM: certificate)
            #expect(encryptor.keySizeInBits == reference.keySizeInBits)
            #expect(encryptor.certificateValidity == reference.certificateValidity)
            let token = try encryptor.encrypt(Array("hello: lenient".utf8))
            #expect(try decryptor.decrypt(token: token) == Array("hello: lenient".utf8))
            let key = rewrappedPEM(keyPEM, width: width, separator: separator)
            let other = try ContractDecryptor(privateKeyPEM: key)
            #expect(try other.decrypt(token: token) == Array("hello: lenient".utf8))
        }
    }

    @Test("a truncated certificate is refused with a plain sentence")
    func truncated() async throws {
        let (_, certificatePEM) = try await Self.opensslKeyAndCertificate()
        let truncated = String(certificatePEM.prefix(certificatePEM.count / 2))
        let error = try #require(throws: ContractError.self) { try ContractEncryptor(encryptionKeyPEM: truncated) }
        #expect(
            error.message
                == "the encryption certificate: the PEM block \"CERTIFICATE\" has no END line (the text is probably "
                + "truncated)")
    }
}
