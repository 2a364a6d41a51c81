import Foundation
import Testing

@testable import Contract

@Suite("Section tokens")
struct TokenTests {
    @Test("encrypt then decrypt gives the plaintext back", arguments: [0, 1, 15, 16, 17, 1000])
    func roundTrip(size: Int) async throws {
        let fixtures = try await Fixtures.shared()
        let encryptor = try fixtures.encryptor()
        let decryptor = try fixtures.decryptor()
        let plaintext = Bytes.random(size)
        let token = try encryptor.encrypt(plaintext)
        #expect(try decryptor.decrypt(token: token) == plaintext)
        // Two encryptions of the same text differ (fresh password and salt).
        #expect(try encryptor.encrypt(plaintext) != token)
    }

    @Test("a token has the documented shape")
    func shape() async throws {
        let fixtures = try await Fixtures.shared()
        let token = try fixtures.encryptor().encrypt("type: workload")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(parts[0] == "hyper-protect-basic")
        #expect(Bytes.fromBase64(String(parts[1]))?.count == 256)
        #expect(parts[2].hasPrefix("U2FsdGVkX1"))
        let envelope = try #require(Bytes.fromBase64(String(parts[2])))
        #expect((envelope.count - 16) % 16 == 0)
        #expect(envelope.count == 16 + 16)  // 14 bytes of plaintext pad to one block
    }

    @Test("the prefix is a parameter; decryption can restrict it")
    func prefix() async throws {
        let fixtures = try await Fixtures.shared()
        let encryptor = try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.pub"), prefix: .contractBasic)
        let decryptor = try fixtures.decryptor()
        let token = try encryptor.encrypt("env: x")
        #expect(token.hasPrefix("contract-basic."))
        #expect(try decryptor.decrypt(token: token) == Array("env: x".utf8))
        #expect(throws: ContractError.invalidPrefix) {
            try decryptor.decrypt(token: token, acceptedPrefixes: [.hyperProtectBasic])
        }
        #expect(TokenPrefix(rawValue: "bad.prefix") == nil)
        #expect(TokenPrefix(rawValue: "") == nil)
        #expect(TokenPrefix(rawValue: "ccrt-basic")?.rawValue == "ccrt-basic")
    }

    @Test("a token for another key does not decrypt")
    func wrongKey() async throws {
        let fixtures = try await Fixtures.shared()
        let token = try fixtures.encryptor().encrypt("secret: 1")
        let other = try ContractDecryptor(privateKeyPEM: fixtures.text("other.key"))
        let error = try #require(throws: ContractError.self) { try other.decrypt(token: token) }
        #expect(error.code == .decryptionFailed)
        #expect(!error.description.contains("secret"))
    }

    enum Malformation: String, CaseIterable, Sendable {
        case wrongPrefix, twoParts, fourParts, emptyPart, badBase64A, badBase64B, urlAlphabet, truncatedCiphertext
        case noSaltedMagic, onlyHeader, empty, shortWrappedPassword, innerWhitespace

        /// The error decrypting the malformed token gives.
        var expected: ContractError {
            switch self {
            case .wrongPrefix: .invalidPrefix
            case .shortWrappedPassword: .decryptionFailed
            default: .malformedToken
            }
        }

        /// `token` (prefix, part A, part B: the envelope) malformed this way.
        func apply(to token: String) throws -> String {
            let parts = token.split(separator: ".").map(String.init)
            try #require(parts.count == 3)
            let (prefix, a, b) = (parts[0], parts[1], parts[2])
            let envelope = try #require(Bytes.fromBase64(b))
            switch self {
            case .wrongPrefix: return "hyper-protect-advanced.\(a).\(b)"
            case .twoParts: return "\(prefix).\(a)"
            case .fourParts: return token + ".AAAA"
            case .emptyPart: return "\(prefix)..\(b)"
            case .badBase64A: return "\(prefix).\(a.dropLast(4))!!!!.\(b)"
            case .badBase64B: return "\(prefix).\(a).\(b.dropLast(1))"
            case .urlAlphabet:
                let url = a.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                let withURLCharacter = url.contains("-") || url.contains("_") ? url : "-" + url.dropFirst()
                return "\(prefix).\(withURLCharacter).\(b)"
            case .truncatedCiphertext: return "\(prefix).\(a).\(Bytes.base64(Array(envelope.dropLast(5))))"
            case .noSaltedMagic: return "\(prefix).\(a).\(Bytes.base64(Array(envelope.dropFirst(8))))"
            case .onlyHeader: return "\(prefix).\(a).\(Bytes.base64(Array(envelope.prefix(16))))"
            case .empty: return ""
            case .shortWrappedPassword:
                let wrapped = try #require(Bytes.fromBase64(a))
                return "\(prefix).\(Bytes.base64(Array(wrapped.dropLast(1)))).\(b)"
            case .innerWhitespace: return "\(prefix).\(a.prefix(8)) \(a.dropFirst(8)).\(b)"
            }
        }
    }

    @Test("malformed tokens give typed errors", arguments: Malformation.allCases)
    func malformed(_ malformation: Malformation) async throws {
        let fixtures = try await Fixtures.shared()
        let token = try fixtures.encryptor().encrypt(Bytes.random(40))
        let decryptor = try fixtures.decryptor()
        let bad = try malformation.apply(to: token)
        let error = try #require(throws: ContractError.self) { try decryptor.decrypt(token: bad) }
        #expect(error == malformation.expected, "\(malformation): \(error)")
        #expect(!error.message.isEmpty)
    }

    @Test("a flipped ciphertext byte is caught")
    func flippedCiphertext() async throws {
        let fixtures = try await Fixtures.shared()
        let plaintext = Array("type: env\nvalue: 42\n".utf8)
        let token = try fixtures.encryptor().encrypt(plaintext)
        let decryptor = try fixtures.decryptor()
        let parts = token.split(separator: ".").map(String.init)
        var envelope = try #require(Bytes.fromBase64(parts[2]))
        // The last byte of the block before the last: CBC flips the same bit of the last plaintext byte, the
        // padding length, so the padding check fails every time. (Flipping a byte of the last block itself garbles
        // that block at random and left valid padding in 1 run of about 256.)
        envelope[envelope.count - 17] ^= 0x01
        let bad = "\(parts[0]).\(parts[1]).\(Bytes.base64(envelope))"
        #expect(throws: ContractError.decryptionFailed) { try decryptor.decrypt(token: bad) }
        var wrapped = try #require(Bytes.fromBase64(parts[1]))
        wrapped[10] ^= 0x80
        let badPassword = "\(parts[0]).\(Bytes.base64(wrapped)).\(parts[2])"
        // Either the RSA padding or the AES padding fails; a lucky decode must not give the plaintext.
        #expect((try? decryptor.decrypt(token: badPassword)) != plaintext)
    }

    @Test("surrounding whitespace (a file's final newline) is ignored")
    func trailingNewline() async throws {
        let fixtures = try await Fixtures.shared()
        let token = try fixtures.encryptor().encrypt("a: b")
        let decryptor = try fixtures.decryptor()
        #expect(try decryptor.decrypt(token: token + "\n") == Array("a: b".utf8))
    }

    @Test("generated passwords never contain 0x00 or 0x0A and use the other byte values")
    func passwords() {
        var seen = Set<UInt8>()
        for _ in 0..<20_000 {
            let password = ContractPassword.generate()
            #expect(password.count == 32)
            #expect(!password.contains(0x00) && !password.contains(0x0A))
            seen.formUnion(password)
        }
        #expect(seen.count == 254)
    }

    @Test("openssl's password cut: up to the first 0x0A or 0x00")
    func passwordCut() {
        #expect(Array(SaltedEnvelope.effectivePassword([1, 2, 0x0A, 3, 0x00])) == [1, 2])
        #expect(Array(SaltedEnvelope.effectivePassword([1, 0x00, 0x0A])) == [1])
        #expect(Array(SaltedEnvelope.effectivePassword([0x0A, 1])) == [])
        #expect(Array(SaltedEnvelope.effectivePassword([1, 2, 3])) == [1, 2, 3])
    }

    @Test("PKCS#1, PKCS#8 and passphrase-protected private keys")
    func privateKeyForms() async throws {
        let fixtures = try await Fixtures.shared()
        let token = try fixtures.encryptor().encrypt("k: v")
        let pkcs8 = try fixtures.text("enc.key")
        #expect(pkcs8.contains("BEGIN PRIVATE KEY"))
        let pkcs1 = String(
            decoding: try await openssl(["rsa", "-in", fixtures.path("enc.key"), "-traditional"]), as: UTF8.self)
        #expect(pkcs1.contains("BEGIN RSA PRIVATE KEY"))
        let encrypted = String(
            decoding: try await openssl(
                ["pkey", "-in", fixtures.path("enc.key"), "-aes128", "-passout", "pass:correct horse"]),
            as: UTF8.self)
        #expect(encrypted.contains("ENCRYPTED PRIVATE KEY"))
        for pem in [pkcs8, pkcs1] {
            #expect(try ContractDecryptor(privateKeyPEM: pem).decrypt(token: token) == Array("k: v".utf8))
        }
        let opened = try ContractDecryptor(privateKeyPEM: encrypted, passphrase: Array("correct horse".utf8))
        #expect(try opened.decrypt(token: token) == Array("k: v".utf8))
        #expect(throws: ContractError.invalidKey) { try ContractDecryptor(privateKeyPEM: encrypted) }
        #expect(throws: ContractError.invalidKey) {
            try ContractDecryptor(privateKeyPEM: encrypted, passphrase: Array("wrong".utf8))
        }
    }

    @Test("unusable keys give typed errors that do not echo the key")
    func badKeys() async throws {
        let fixtures = try await Fixtures.shared()
        let garbage = "-----BEGIN RSA PRIVATE KEY-----\nQUJDU0VDUkVUQllURVM=\n-----END RSA PRIVATE KEY-----\n"
        let error = try #require(throws: ContractError.self) { try ContractDecryptor(privateKeyPEM: garbage) }
        #expect(error.code == .invalidKey)
        #expect(!error.description.contains("QUJDU0VDUkVUQllURVM"))
        #expect(throws: ContractError.invalidKey) { try ContractDecryptor(privateKeyPEM: "not a key") }
        #expect(throws: ContractError.invalidKey) { try ContractDecryptor(privateKeyPEM: fixtures.text("enc.crt")) }
        #expect(throws: ContractError.invalidKey) { try ContractEncryptor(encryptionKeyPEM: "nothing") }
        let small = String(decoding: try await openssl(["genrsa", "1024"]), as: UTF8.self)
        #expect(throws: ContractError.invalidKey) { try ContractDecryptor(privateKeyPEM: small) }
        let ec = String(
            decoding: try await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout"]), as: UTF8.self)
        #expect(throws: ContractError.invalidKey) { try ContractDecryptor(privateKeyPEM: ec) }
    }

    @Test("encryption certificate validity: expired refused, near expiry warned")
    func encryptionCertificateValidity() async throws {
        let fixtures = try await Fixtures.shared()
        let now = Date()
        let short = try fixtures.text("enc-short.crt")
        let expired = try #require(throws: ContractError.self) {
            try ContractEncryptor(encryptionKeyPEM: short, now: now.addingTimeInterval(2 * 86_400))
        }
        #expect(expired.code == .certificateExpired)
        #expect(expired.message.contains("expired"))
        #expect(throws: ContractError.certificateNotYetValid) {
            try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.crt"), now: now.addingTimeInterval(-2 * 86_400))
        }
        let soon = try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc-soon.crt"), now: now)
        let warning = try #require(soon.expiryWarning)
        #expect(warning.contains("expires") && (warning.contains("29 days") || warning.contains("30 days")))
        let fine = try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.crt"), now: now)
        #expect(fine.expiryWarning == nil)
        #expect(fine.certificateValidity?.subject == "CN=enc")
        let bare = try ContractEncryptor(encryptionKeyPEM: fixtures.text("enc.pub"))
        #expect(bare.certificateValidity == nil && bare.expiryWarning == nil)
    }
}
