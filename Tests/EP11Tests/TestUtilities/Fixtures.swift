import Crypto
import EP11
import Foundation
import GRPCCore
import HSMMock
import SwiftASN1
import Testing
import X509

/// How a test reaches the mock: in process, over HTTP/2 on 127.0.0.1, or over HTTP/2 with TLS.
enum TransportKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case inProcess = "in-process"
    case http2 = "HTTP/2"
    case http2TLS = "HTTP/2+TLS"
    var description: String { rawValue }
}

/// A throwaway CA and a server certificate for localhost / 127.0.0.1, made with swift-certificates.
struct TestPKI: Sendable {
    let caPEM: [UInt8]
    let serverChainPEM: [UInt8]
    let serverKeyPEM: [UInt8]
    let clientChainPEM: [UInt8]
    let clientKeyPEM: [UInt8]

    static let shared: TestPKI = {
        do { return try TestPKI() } catch { preconditionFailure("test PKI: \(error)") }
    }()

    /// The mock's TLS with the test server certificate; with `requiringClientCertificates`, it also requires a
    /// client certificate from the test CA.
    func serverTLS(requiringClientCertificates: Bool = false) -> HSMMock.ServerTLS {
        HSMMock.ServerTLS(
            certificateChainPEM: serverChainPEM, privateKeyPEM: serverKeyPEM,
            clientCertificateRootsPEM: requiringClientCertificates ? caPEM : nil)
    }

    /// The client's TLS for mutual TLS: it trusts the test CA and shows the test client certificate, each PEM
    /// passed through `pem` first.
    func mutualClientTLS(
        serverNameCheck: EP11Client.ServerNameCheck = .standard, _ pem: ([UInt8]) -> [UInt8] = { $0 }
    ) -> EP11Client.TLS {
        EP11Client.TLS(
            trustRootsPEM: pem(caPEM), clientCertificateChainPEM: pem(clientChainPEM),
            clientPrivateKeyPEM: pem(clientKeyPEM), serverNameCheck: serverNameCheck)
    }

    init() throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("swift-hpcs test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86400,
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        func leaf(_ commonName: String, _ key: P256.Signing.PrivateKey) throws -> Certificate {
            try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now - 3600,
                notValidAfter: now + 86400,
                issuer: caName,
                subject: try DistinguishedName { CommonName(commonName) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    SubjectAlternativeNames([
                        .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    ])
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    Critical(KeyUsage(digitalSignature: true))
                },
                issuerPrivateKey: Certificate.PrivateKey(caKey)
            )
        }
        let serverKey = P256.Signing.PrivateKey()
        let clientKey = P256.Signing.PrivateKey()
        caPEM = Array(try ca.serializeAsPEM().pemString.utf8)
        serverChainPEM = Array(try leaf("localhost", serverKey).serializeAsPEM().pemString.utf8)
        serverKeyPEM = Array(serverKey.pemRepresentation.utf8)
        clientChainPEM = Array(try leaf("swift-hpcs test client", clientKey).serializeAsPEM().pemString.utf8)
        clientKeyPEM = Array(clientKey.pemRepresentation.utf8)
    }
}

/// Runs `body` with a client connected to `mock` over the given transport.
func withClient<T: Sendable>(
    _ kind: TransportKind,
    mock: HSMMock? = nil,
    configure: (inout EP11Client.Configuration) -> Void = { _ in },
    _ body: (EP11Client) async throws -> T
) async throws -> T {
    let mock = try mock ?? HSMMock()
    switch kind {
    case .inProcess:
        var configuration = EP11Client.Configuration(host: "in-process")
        configure(&configuration)
        return try await mock.withClient(configuration: configuration, body)
    case .http2:
        return try await mock.withServer(host: "127.0.0.1", port: 0) { port in
            var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
            configure(&configuration)
            return try await withEP11Client(configuration, body)
        }
    case .http2TLS:
        let pki = TestPKI.shared
        return try await mock.withServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS()) { port in
            var configuration = EP11Client.Configuration(
                host: "localhost",
                port: port,
                transportSecurity: .tls(EP11Client.TLS(trustRootsPEM: pki.caPEM))
            )
            configure(&configuration)
            return try await withEP11Client(configuration, body)
        }
    }
}

/// A plaintext configuration for `127.0.0.1:port` on `transport`, each call limited to `timeout`, no retries.
func loopbackConfiguration(
    port: Int, transport: EP11Client.Transport, timeout: Duration
) -> EP11Client.Configuration {
    var configuration = EP11Client.Configuration(host: "127.0.0.1", port: port, transportSecurity: .plaintext)
    configuration.transport = transport
    configuration.timeouts = .init(call: timeout)
    configuration.retryPolicy = .none
    return configuration
}

/// One `GenerateRandom` call through a new client with `configuration`, which must fail: its error, and how long
/// the client took to give it.
func failedCall(_ configuration: EP11Client.Configuration) async throws -> (error: EP11Error, elapsed: Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let error = try await #require(throws: EP11Error.self) {
        try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
    }
    return (error, start.duration(to: clock.now))
}

/// The bytes of a hex literal in a test vector, through the package's one hex reader. Test-only: traps on a typo.
func hexBytes(_ text: String) -> [UInt8] {
    guard let bytes = bytes(fromHex: text) else { preconditionFailure("not hex: \(text)") }
    return bytes
}

/// Templates used across the tests.
enum Templates {
    static let aes256: AttributeTemplate = [
        .valueLength(32), .encrypt(true), .decrypt(true), .wrap(true), .unwrap(true), .extractable(true),
    ]

    static func ecPublic(_ curve: NamedCurve) -> AttributeTemplate {
        [.ecParameters(curve), .verify(true), .derive(true)]
    }
    static let ecPrivate: AttributeTemplate = [.sign(true), .derive(true), .extractable(true)]

    static func rsaPublic(bits: Int = 2048) -> AttributeTemplate {
        [.modulusBits(bits), .publicExponent(65537), .encrypt(true), .verify(true), .wrap(true)]
    }
    static let rsaPrivate: AttributeTemplate = [.decrypt(true), .sign(true), .unwrap(true), .extractable(true)]
}
