import EP11
import HSMMock
import Testing

/// The MGF1 digest of RSA-PSS comes from the mechanism parameter, independent of the message digest; openssl, not the
/// mock, checks that the right one was used.
@Suite("HSM mock: RSA-PSS with an MGF1 digest of its own")
struct RSAMaskGenerationTests {
    @Test(
        "a PSS signature over a SHA-256 digest verifies in openssl with the MGF1 digest the mechanism named",
        arguments: [
            (MaskGenerationFunction.mgf1SHA1, "sha1"), (.mgf1SHA224, "sha224"), (.mgf1SHA384, "sha384"),
            (.mgf1SHA512, "sha512"),
        ])
    func pssMaskDigest(_ mgf: MaskGenerationFunction, _ opensslName: String) async throws {
        try await withMockHSM { client in
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(2048), .verify(true)],
                privateKeyTemplate: [.sign(true)])
            let message = Array("masked with another digest".utf8)
            let digest = try await client.digest(message, mechanism: .sha256)
            let signature = try await client.sign(
                digest, key: pair.privateKey, mechanism: .rsaPSS(hash: .sha256, mgf: mgf, saltLength: 32))
            let spki = try pair.publicKey.publicKeyInfo().subjectPublicKeyInfo
            func verifies(withMGF1 mgf1: String) async throws -> Bool {
                try await opensslVerifies(
                    spki: spki, signature: signature, message: message,
                    options: [
                        "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt",
                        "rsa_mgf1_md:\(mgf1)",
                    ])
            }
            #expect(try await verifies(withMGF1: opensslName))
            // With the message digest as MGF1 digest (what a mock ignoring the parameter would use) it fails.
            #expect(try await verifies(withMGF1: "sha256") == false)
        }
    }
}
