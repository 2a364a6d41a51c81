import EP11
import Foundation
import HSMMock
import SwiftASN1
import TestSupport
import Testing

/// Private keys leave the HSM as PKCS#8 that other tools accept as they are (RSA with consistent CRT values, EC
/// with a named-curve OID), and a PKCS#8 key with inconsistent values is refused on the way in.
@Suite("EP11 client and HSM mock: PKCS#8 private keys out and in")
struct PrivateKeyFormatTests {
    /// `openssl pkey -check` (and `-text`) on a DER private key, run off the cooperative pool.
    static func opensslPkey(_ der: [UInt8], _ arguments: [String]) async throws -> ChildProcess.Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pkcs8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("key.der").path
        try Data(der).write(to: URL(fileURLWithPath: path))
        return try await ChildProcess.run(
            "/usr/bin/openssl", ["pkey", "-inform", "DER", "-in", path, "-noout"] + arguments, timeout: .seconds(60))
    }

    /// The exported PKCS#8 of `key`: wrapped under an AES key with CBC-PAD, then decrypted with the same key.
    static func export(_ key: KeyBlob, _ client: EP11Client) async throws -> (kek: KeyBlob, der: [UInt8]) {
        let kek = try await client.generateKey(
            .aesKeyGen, template: [.valueLength(32), .wrap(true), .unwrap(true), .encrypt(true), .decrypt(true)]
        ).key
        let iv = [UInt8](repeating: 3, count: 16)
        let wrapped = try await client.wrapKey(key, wrappingKey: kek, mechanism: .aesCBCPad(iv: iv))
        return (kek, try await client.decrypt(wrapped, key: kek, mechanism: .aesCBCPad(iv: iv)))
    }

    @Test("an exported RSA key passes openssl's key check; with one CRT value changed, unwrap refuses it")
    func rsaCRT() async throws {
        try await withMockHSM { client in
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(2048), .publicExponent(65537), .verify(true)],
                privateKeyTemplate: [.sign(true), .extractable(true)])
            let (kek, der) = try await Self.export(pair.privateKey, client)
            let checked = try await Self.opensslPkey(der, ["-check"])
            #expect(checked.status == 0 && checked.text.contains("Key is valid"), "\(checked.text)")

            // PrivateKeyInfo { version, algorithm, privateKey OCTET STRING { RSAPrivateKey } }: change the last byte
            // of exponent1 (dP), the sixth integer after the version.
            let info = try DER.parse(der)
            guard case .constructed(let fields) = info.content, let octets = Array(fields).last,
                case .primitive(let inner) = octets.content
            else { throw EP11Error(code: .invalidArgument, message: "unexpected PKCS#8 shape") }
            let rsa = try DER.parse(Array(inner))
            guard case .constructed(let integers) = rsa.content else {
                throw EP11Error(code: .invalidArgument, message: "unexpected RSAPrivateKey shape")
            }
            let dP = Array(integers)[6]
            let offsetInInner = dP.encodedBytes.endIndex - 1
            let innerStart = inner.startIndex
            var tampered = der
            tampered[innerStart + offsetInInner] ^= 0x02
            #expect(tampered != der)
            let refused = try await Self.opensslPkey(tampered, ["-check"])
            #expect(refused.status != 0 || !refused.text.contains("Key is valid"), "openssl took the tampered key")

            let iv = [UInt8](repeating: 5, count: 16)
            let rewrapped = try await client.encrypt(tampered, key: kek, mechanism: .aesCBCPad(iv: iv))
            await #expect(throws: EP11Error.wrappedKeyInvalid) {
                try await client.unwrapKey(
                    rewrapped, unwrappingKey: kek, mechanism: .aesCBCPad(iv: iv),
                    template: [.class(.privateKey), .keyType(.rsa), .sign(true)])
            }
            // The untouched export goes back in and signs.
            let original = try await client.encrypt(der, key: kek, mechanism: .aesCBCPad(iv: iv))
            let back = try await client.unwrapKey(
                original, unwrappingKey: kek, mechanism: .aesCBCPad(iv: iv),
                template: [.class(.privateKey), .keyType(.rsa), .sign(true)])
            let message = Array("consistent".utf8)
            let signature = try await client.sign(message, key: back.key, mechanism: .sha256RSAPKCS)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .sha256RSAPKCS)
        }
    }

    @Test("exported EC keys carry named-curve OIDs", arguments: [NamedCurve.p256, .p384, .secp256k1])
    func ecNamedCurve(curve: NamedCurve) async throws {
        try await withMockHSM { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(curve), .verify(true)],
                privateKeyTemplate: [.sign(true), .extractable(true)])
            let (_, der) = try await Self.export(pair.privateKey, client)
            let text = try await Self.opensslPkey(der, ["-text"])
            #expect(text.status == 0, "\(text.text)")
            #expect(text.text.contains("ASN1 OID:"), "no named curve in: \(text.text.prefix(400))")
            let checked = try await Self.opensslPkey(der, ["-check"])
            #expect(checked.status == 0 && checked.text.contains("Key is valid"), "\(checked.text)")
        }
    }
}
