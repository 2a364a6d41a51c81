import Crypto
import EP11
import Foundation
import GRPCCore
import HSMMock
import IAM
import SwiftASN1
import TestSupport
import Testing
import X509

@Suite("EP11 client: a refused certificate is not retryable and says why; a refused connection says so")
struct EP11TLSFailureTests {
    /// A CA and a server certificate for `dnsName` only, with its key.
    static func serverCertificate(dnsName: String) throws -> (caPEM: [UInt8], chainPEM: [UInt8], keyPEM: [UInt8]) {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("swift-hpcs other test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
        let key = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: caName,
            subject: try DistinguishedName { CommonName(dnsName) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName(dnsName)])
                try ExtendedKeyUsage([.serverAuth])
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
        return (
            Array(try ca.serializeAsPEM().pemString.utf8), Array(try leaf.serializeAsPEM().pemString.utf8),
            Array(key.pemRepresentation.utf8)
        )
    }

    /// Retries would wait 20 s first: an answer well before that shows there was none.
    static func configuration(
        port: Int, tls: EP11Client.TLS, transport: EP11Client.Transport
    ) -> EP11Client.Configuration {
        var configuration = EP11Client.Configuration(host: "localhost", port: port, transportSecurity: .tls(tls))
        configuration.transport = transport
        configuration.timeouts = .init(call: .seconds(60))
        configuration.retryPolicy = .init(
            maximumAttempts: 3, initialBackoff: .seconds(20), maximumBackoff: .seconds(20))
        return configuration
    }

    /// A call to a mock whose certificate, from another CA, names `dnsName`, from a client trusting `roots(that
    /// CA)`; it must fail. Its error, how long the client took to give it, and the mock's port.
    static func refusedCall(
        serverName dnsName: String, roots: ([UInt8]) -> [UInt8], transport: EP11Client.Transport
    ) async throws -> (error: EP11Error, elapsed: Duration, port: Int) {
        let other = try Self.serverCertificate(dnsName: dnsName)
        let mock = try HSMMock()
        let tls = HSMMock.ServerTLS(certificateChainPEM: other.chainPEM, privateKeyPEM: other.keyPEM)
        return try await mock.withServer(host: "127.0.0.1", port: 0, tls: tls) { port in
            let configuration = Self.configuration(
                port: port, tls: EP11Client.TLS(trustRootsPEM: roots(other.caPEM)), transport: transport)
            let (error, elapsed) = try await failedCall(configuration)
            return (error, elapsed, port)
        }
    }

    @Test(
        "a server certificate from a CA the client does not trust: not retryable, says certificate, at once",
        arguments: wireTransports)
    func untrustedIssuer(transport: EP11Client.Transport) async throws {
        let (error, elapsed, port) = try await Self.refusedCall(
            serverName: "localhost", roots: { _ in TestPKI.shared.caPEM }, transport: transport)
        #expect(error.code == .transportFailure)
        #expect(!error.isRetryable, "\(error)")
        #expect(error.message.contains("certificate was refused"), "\(error.message)")
        #expect(error.message.contains("CERTIFICATE_VERIFY_FAILED"), "\(error.message)")
        #expect(error.message.contains("localhost:\(port)"), "\(error.message)")
        #expect(!error.message.contains("retryable"))
        #expect(!String(describing: error).contains("(retryable)"))
        #expect(elapsed < .seconds(15), "no retry: took \(elapsed)")
    }

    @Test(
        "a server certificate for another host name: not retryable, says the name does not match",
        arguments: wireTransports)
    func hostnameMismatch(transport: EP11Client.Transport) async throws {
        let (error, elapsed, _) = try await Self.refusedCall(
            serverName: "grep11.other.example", roots: { $0 }, transport: transport)
        #expect(!error.isRetryable, "\(error)")
        #expect(error.message.contains("certificate"), "\(error.message)")
        #expect(
            error.message.contains("host name") || error.message.contains("CERTIFICATE_VERIFY_FAILED"),
            "\(error.message)")
        #expect(elapsed < .seconds(15))
    }

    @Test(
        "a refused connection says 'connection refused' and where, and ends within the call deadline",
        arguments: wireTransports)
    func connectionRefused(transport: EP11Client.Transport) async throws {
        let port = try closedLoopbackPort()
        var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
        configuration.transport = transport
        configuration.timeouts = .init(call: .seconds(10))
        let (error, elapsed) = try await failedCall(configuration)
        #expect(error.code == .transportFailure || error.code == .timeout, "\(error)")
        #expect(error.message.contains("connection refused"), "\(error.message)")
        #expect(error.message.contains("127.0.0.1:\(port)"), "\(error.message)")
        #expect(elapsed < .seconds(10) + .seconds(3), "took \(elapsed)")
    }
}

@Suite("EP11 client: a message over the size limit is not retried")
struct EP11MessageSizeTests {
    @Test("resourceExhausted for a message over the payload limit is invalidArgument and not retryable; a quota is")
    func payloadLimit() {
        // The text grpc-swift-nio-transport's message decoder sends for a message over the configured maximum.
        let tooLarge = RPCError(
            code: .resourceExhausted,
            message: "Message has exceeded the configured maximum payload size (max: 4194304, actual: 5242885)")
        let mapped = EP11Client.mapError(tooLarge, method: "Digest")
        #expect(mapped.code == .invalidArgument)
        #expect(!mapped.isRetryable)
        #expect(mapped.message.hasPrefix("Digest: the message is larger than the service accepts"), "\(mapped.message)")
        let quota = EP11Client.mapError(RPCError(code: .resourceExhausted, message: "quota exceeded"), method: "Digest")
        #expect(quota.code == .transportFailure)
        #expect(quota.isRetryable)
    }
}

/// A token source that takes a minute to answer.
private struct SlowTokenSource: BearerTokenSource {
    func bearerToken() async throws -> BearerToken {
        try await Task.sleep(for: .seconds(60))
        return BearerToken("slow-token")
    }
    func invalidate() async {}
}

@Suite("EP11 client: the call deadline covers the IAM token exchange")
struct EP11TokenDeadlineTests {
    @Test("a token source slower than the call's deadline ends the call at the deadline with timeout")
    func slowTokenSource() async throws {
        var configuration = EP11Client.Configuration(host: "in-process")
        configuration.authentication = .tokenSource(SlowTokenSource())
        configuration.timeouts = .init(call: .seconds(2))
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: EP11Error.self) {
            try await withInterceptedMock(RecordingInterceptor(), configuration: configuration) {
                try await $0.generateRandom(count: 8)
            }
        }
        let elapsed = start.duration(to: clock.now)
        #expect(error.code == .timeout, "\(error)")
        #expect(error.message.contains("no IAM token came within the call's deadline"), "\(error.message)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }
}

@Suite("EP11 client: TLS PEM inputs read as leniently as RFC 7468 allows")
struct EP11LenientPEMTests {
    /// The PEM's base64 re-wrapped at `width` columns with `separator` line ends (TestSupport's re-wrapper).
    static func rewrapped(_ pem: [UInt8], width: Int, separator: String) -> [UInt8] {
        Array(rewrappedPEM(String(decoding: pem, as: UTF8.self), width: width, separator: separator).utf8)
    }

    @Test(
        "trust roots and a client certificate wrapped at 76 columns, unwrapped or with CRLF work",
        arguments: [(76, "\n"), (4096, "\n"), (76, "\r\n")], wireTransports)
    func wrappings(wrapping: (width: Int, separator: String), transport: EP11Client.Transport) async throws {
        let (width, separator) = wrapping
        let pki = TestPKI.shared
        let mock = try HSMMock()
        try await mock.withServer(
            host: "127.0.0.1", port: 0, tls: pki.serverTLS(requiringClientCertificates: true)
        ) { port in
            let tls = pki.mutualClientTLS { Self.rewrapped($0, width: width, separator: separator) }
            var configuration = EP11Client.Configuration(host: "localhost", port: port, transportSecurity: .tls(tls))
            configuration.retryPolicy = .none
            configuration.timeouts = .init(call: .seconds(10))
            configuration.transport = transport
            let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
            #expect(bytes.count == 8)
        }
    }
}
