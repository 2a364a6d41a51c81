import CertificateAuthority
import Crypto
import Foundation
import Synchronization
import Testing
import X509

@testable import CertificateAuthorityServer

/// Tokens written byte by byte here (no JWT library), so that each claim can have any JSON type: what the one
/// decoder pass over the claims reads, and what the signature check (swift-crypto over the signing input) accepts.
@Suite("Provisioner tokens: claim types, header, and the signature check of ES256 and EdDSA")
struct ProvisionerTokenTests {
    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static let now = Int(Date().timeIntervalSince1970)
    static let audience = "https://ca.example/1.0/sign"

    /// Valid claims as JSON text, with `replacing` members' values replaced by raw JSON (or removed with `nil`).
    static func claims(_ replacing: [String: String?] = [:]) -> String {
        var members: [(String, String)] = [
            ("iss", #""tests""#), ("sub", #""www.example.com""#), ("aud", "\"\(audience)\""), ("iat", "\(now)"),
            ("nbf", "\(now)"), ("exp", "\(now + 60)"), ("jti", #""id-1""#),
        ]
        for (name, value) in replacing {
            members.removeAll { $0.0 == name }
            if let value { members.append((name, value)) }
        }
        return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func es256(
        _ claims: String, header: String = #"{"alg":"ES256","typ":"JWT"}"#, key: P256.Signing.PrivateKey
    ) throws -> String {
        let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        return input + "." + base64URL(try key.signature(for: Data(input.utf8)).rawRepresentation)
    }

    static func p256JWK(_ key: P256.Signing.PublicKey) -> String {
        let raw = key.rawRepresentation
        return #"{"kty":"EC","crv":"P-256","x":"\#(base64URL(raw.prefix(32)))","y":"\#(base64URL(raw.suffix(32)))"}"#
    }

    static func checked(_ token: String) throws -> ProvisionerToken {
        try ProvisionerToken.check(
            try ProvisionerToken.read(token), audiences: [audience], audiencePath: "/1.0/sign", pathOnly: false,
            now: Date(), clockSkew: 60, maximumLifetime: 300)
    }

    static func refusal(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as CAServiceError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("valid claims are read in one pass: sub, sans, a list audience, jti and the expiry")
    func readsClaims() throws {
        let key = P256.Signing.PrivateKey()
        let token = try Self.checked(
            try Self.es256(
                Self.claims(["sans": #"["a.example.com","b.example.com"]"#, "aud": "[\"other\",\"\(Self.audience)\"]"]),
                key: key))
        #expect(token.provisioner == "tests")
        #expect(token.subject == "www.example.com")
        #expect(token.sans == ["a.example.com", "b.example.com"])
        #expect(token.tokenID == "id-1")
        #expect(token.expiresAt == Date(timeIntervalSince1970: TimeInterval(Self.now + 60)))
    }

    @Test(
        "a claim of the wrong JSON type is refused as that claim, never read as another type",
        arguments: [
            ("exp", #""1700000000""#, "NumericDate"), ("iat", "true", "NumericDate"), ("nbf", "[1]", "NumericDate"),
            ("iss", "7", "no issuer"), ("iss", "null", "no issuer"), ("sub", "42", "no subject"),
            ("sans", #""a.example.com""#, "sans is not a list"), ("sans", "null", "sans is not a list"),
            ("sans", #"["a", 1]"#, "sans is not a list"), ("aud", #"["x", 1]"#, "no audience"),
            ("aud", "{}", "no audience"), ("jti", "1", "no id"), ("jti", nil, "no id"),
            ("exp", nil, "needs iat and exp"),
        ] as [(String, String?, String)])
    func wrongTypes(claim: String, value: String?, message: String) throws {
        let token = try Self.es256(Self.claims([claim: value]), key: P256.Signing.PrivateKey())
        let refused = Self.refusal { try Self.checked(token) }
        #expect(refused?.contains(message) == true, "\(claim): \(refused ?? "accepted")")
    }

    @Test("the header: ES256 or EdDSA only, no crit (even null); the claims must be a JSON object")
    func header() throws {
        let key = P256.Signing.PrivateKey()
        for (header, message) in [
            (#"{"alg":"HS256"}"#, "ES256 or EdDSA"), (#"{"alg":"none"}"#, "ES256 or EdDSA"), (#"{}"#, "ES256 or EdDSA"),
            (#"{"alg":"ES256","crit":["exp"]}"#, "critical"), (#"{"alg":"ES256","crit":null}"#, "critical"),
            (#"["alg"]"#, "compact JWS"),
        ] {
            let refused = Self.refusal { try Self.checked(try Self.es256(Self.claims(), header: header, key: key)) }
            #expect(refused?.contains(message) == true, "\(header): \(refused ?? "accepted")")
        }
        let array = Self.refusal { try Self.checked(try Self.es256("[1]", key: key)) }
        #expect(array?.contains("compact JWS") == true, "\(array ?? "accepted")")
    }

    @Test("ES256: the key's signature verifies; another key's, a changed payload, a DER or short signature do not")
    func es256Signature() async throws {
        let key = P256.Signing.PrivateKey()
        let provisioner = try await ProvisionerKey(text: Self.p256JWK(key.publicKey))
        #expect(provisioner.algorithm == "ES256")
        let token = try Self.es256(Self.claims(), key: key)
        #expect(provisioner.verifies(token))
        // The same key as PEM.
        #expect(try await ProvisionerKey(text: key.publicKey.pemRepresentation).verifies(token))

        #expect(!provisioner.verifies(try Self.es256(Self.claims(), key: P256.Signing.PrivateKey())))
        let parts = token.split(separator: ".").map(String.init)
        let changed = Self.base64URL(Data(Self.claims(["sub": #""evil.example.com""#]).utf8))
        #expect(!provisioner.verifies(parts[0] + "." + changed + "." + parts[2]))
        let der = try key.signature(for: Data((parts[0] + "." + parts[1]).utf8)).derRepresentation
        #expect(!provisioner.verifies(parts[0] + "." + parts[1] + "." + Self.base64URL(der)))
        #expect(!provisioner.verifies(parts[0] + "." + parts[1] + "." + String(parts[2].dropLast(4))))
        #expect(!provisioner.verifies(parts[0] + "." + parts[1] + "." + parts[2] + "="))
        #expect(!provisioner.verifies(parts[1] + "." + parts[2]))
        #expect(!provisioner.verifies(""))
    }

    @Test("a name from a token in a message: printable ASCII of its first 64 Unicode scalars, quoted")
    func printableNames() {
        #expect(ProvisionerToken.printable("tests") == "'tests'")
        #expect(ProvisionerToken.printable("") == "''")
        #expect(ProvisionerToken.printable("a\u{1B}[31mb\u{7F}c\n") == "'a[31mbc'")
        #expect(ProvisionerToken.printable("çødé ✓ x") == "'d  x'")
        #expect(
            ProvisionerToken.printable(String(repeating: "n", count: 70)) == "'" + String(repeating: "n", count: 64)
                + "'")
        // The limit counts scalars, not bytes: 63 two-byte scalars and then ASCII keep one ASCII character.
        #expect(ProvisionerToken.printable(String(repeating: "é", count: 63) + "xyz") == "'x'")
        #expect(ProvisionerToken.printable("👩‍👩‍👧 ok") == "' ok'")
    }

    @Test("a token's names compare as the CSR's: DNS without case or final dot, IP by octets, URI and e-mail as given")
    func nameKeys() {
        #expect(SubjectNames.key("WWW.Example.COM.") == "dns:www.example.com")
        #expect(SubjectNames.key("10.0.0.1") == "ip:0a000001")
        #expect(SubjectNames.key("::1") == "ip:" + String(repeating: "00", count: 15) + "01")
        #expect(SubjectNames.key("spiffe://Example/Workload") == "uri:spiffe://Example/Workload")
        #expect(SubjectNames.key("Ops@Example.com") == "email:Ops@Example.com")
        #expect(SubjectNames.key("a:/b") == "dns:a:/b")
        #expect(SubjectNames.key("https://x") == SubjectNames.key(.uniformResourceIdentifier("https://x")))
        #expect(SubjectNames.key("Host.Example.") == SubjectNames.key(.dnsName("host.example")))
    }

    @Test(
        "the key cache: concurrent requests share one store read per lifetime; without a cache each reads",
        arguments: [Duration.seconds(3_600), .zero])
    func keyCacheReads(lifetime: Duration) async throws {
        let cache = ProvisionerKeyCache()
        let jwk = Self.p256JWK(P256.Signing.PrivateKey().publicKey)
        let reads = Mutex(0)
        let read: @Sendable () async throws -> ProvisionerRecord? = {
            reads.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(200))
            return ProvisionerRecord(name: "tests", publicKey: jwk, createdAt: Date())
        }
        let algorithms = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<16 {
                group.addTask { try await cache.key(named: "tests", lifetime: lifetime, read: read)?.algorithm }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(algorithms == Array(repeating: "ES256", count: 16))
        #expect(reads.withLock { $0 } == (lifetime == .zero ? 16 : 1))
        // Within the lifetime, no read; a failed read is not shared with the next request.
        _ = try await cache.key(named: "tests", lifetime: lifetime, read: read)
        #expect(reads.withLock { $0 } == (lifetime == .zero ? 17 : 1))
        struct Down: Error {}
        await #expect(throws: Down.self) {
            try await cache.key(named: "other", lifetime: lifetime) { throw Down() }
        }
        #expect(try await cache.key(named: "other", lifetime: lifetime) { nil } == nil)
    }

    @Test("EdDSA: an Ed25519 JWK key verifies its tokens and not another key's")
    func eddsaSignature() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let jwk = #"{"kty":"OKP","crv":"Ed25519","x":"\#(Self.base64URL(key.publicKey.rawRepresentation))"}"#
        let provisioner = try await ProvisionerKey(text: jwk)
        #expect(provisioner.algorithm == "EdDSA")
        func token(_ signer: Curve25519.Signing.PrivateKey) throws -> String {
            let input =
                Self.base64URL(Data(#"{"alg":"EdDSA"}"#.utf8)) + "." + Self.base64URL(Data(Self.claims().utf8))
            return input + "." + Self.base64URL(try signer.signature(for: Data(input.utf8)))
        }
        #expect(provisioner.verifies(try token(key)))
        #expect(!provisioner.verifies(try token(Curve25519.Signing.PrivateKey())))
    }
}
