import Crypto
import EP11
import Foundation
import HSMMock
import SwiftASN1
import TestSupport
import Testing
import X509

/// On-premises GREP11 servers' certificates name `host:port`; ``EP11Client/ServerNameCheck/hostOrHostAndPort``
/// accepts exactly the port connected to, with the chain verified, on both transports.
@Suite("EP11 client: server certificates that name host:port (on-premises GREP11)")
struct SANPortTests {
    /// Both servers of the mock (NIO and the C core) for each client transport.
    static let pairs: [(EP11Client.Transport, HSMMock.ServerTransport)] = [
        (.nio, .nio), (.cgrpc, .nio), (.nio, .cgrpc), (.cgrpc, .cgrpc),
    ]

    /// Serves `mock` over TLS with a certificate made for the port it will listen on (`name(port)` as its only DNS
    /// name, from a new CA), and runs `body` with the port and that CA. The port is chosen first and bound next;
    /// when another process took it in between, a new port is tried.
    static func withPortCertificateServer<T: Sendable>(
        _ mock: HSMMock,
        name: (Int) -> String,
        clientRoots: [UInt8]? = nil,
        server: HSMMock.ServerTransport = .nio,
        _ body: (_ port: Int, _ caPEM: [UInt8]) async throws -> T
    ) async throws -> T {
        try await withPortCertificateServer(
            mock, certificate: { try EP11TLSFailureTests.serverCertificate(dnsName: name($0)) },
            clientRoots: clientRoots, server: server, body)
    }

    /// Like ``withPortCertificateServer(_:name:clientRoots:server:_:)`` with the CA, chain and key that
    /// `certificate(port)` makes.
    static func withPortCertificateServer<T: Sendable>(
        _ mock: HSMMock,
        certificate: (Int) throws -> (caPEM: [UInt8], chainPEM: [UInt8], keyPEM: [UInt8]),
        clientRoots: [UInt8]? = nil,
        server: HSMMock.ServerTransport = .nio,
        _ body: (_ port: Int, _ caPEM: [UInt8]) async throws -> T
    ) async throws -> T {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try closedLoopbackPort()
            let pki = try certificate(port)
            let tls = HSMMock.ServerTLS(
                certificateChainPEM: pki.chainPEM, privateKeyPEM: pki.keyPEM, clientCertificateRootsPEM: clientRoots)
            var started = false
            do {
                return try await mock.withServer(
                    host: "127.0.0.1", port: port, tls: tls, settings: .init(transport: server)
                ) { bound in
                    started = true
                    return try await body(bound, pki.caPEM)
                }
            } catch  where !started {
                lastError = error
            }
        }
        throw lastError ?? EP11Error(code: .transportFailure, message: "no port could be bound")
    }

    /// ``EP11TLSFailureTests/configuration(port:tls:transport:)`` (retries that would wait 20 s first) for `host`.
    static func configuration(
        host: String = "localhost", port: Int, tls: EP11Client.TLS, transport: EP11Client.Transport
    ) -> EP11Client.Configuration {
        var configuration = EP11TLSFailureTests.configuration(port: port, tls: tls, transport: transport)
        configuration.host = host
        return configuration
    }

    /// The error of a call with the host:port check and `roots` to localhost:`port`; it must fail.
    static func refusal(
        port: Int, roots: [UInt8], transport: EP11Client.Transport
    ) async throws -> EP11Error {
        let configuration = Self.configuration(
            port: port, tls: EP11Client.TLS(trustRootsPEM: roots, serverNameCheck: .hostOrHostAndPort),
            transport: transport)
        return try await failedCall(configuration).error
    }

    @Test(
        "a certificate naming localhost:<the port> is accepted; the standard check still refuses it", arguments: pairs)
    func rightPort(transports: (EP11Client.Transport, HSMMock.ServerTransport)) async throws {
        let (client, server) = transports
        let mock = try HSMMock()
        try await Self.withPortCertificateServer(mock, name: { "localhost:\($0)" }, server: server) { port, ca in
            let accepting = Self.configuration(
                port: port, tls: EP11Client.TLS(trustRootsPEM: ca, serverNameCheck: .hostOrHostAndPort),
                transport: client)
            let bytes = try await withEP11Client(accepting) { try await $0.generateRandom(count: 16) }
            #expect(bytes.count == 16)

            // The default refuses the same server: the option is needed and off unless chosen.
            let standard = Self.configuration(port: port, tls: EP11Client.TLS(trustRootsPEM: ca), transport: client)
            let (error, _) = try await failedCall(standard)
            #expect(!error.isRetryable, "\(error)")
            #expect(error.message.contains("certificate"), "\(error.message)")
        }
    }

    @Test(
        "a certificate naming localhost:<another port> is refused, at once, saying which names and which port",
        arguments: pairs)
    func wrongPort(transports: (EP11Client.Transport, HSMMock.ServerTransport)) async throws {
        let (client, server) = transports
        let mock = try HSMMock()
        let other = { (port: Int) in port == 65535 ? port - 1 : port + 1 }
        try await Self.withPortCertificateServer(mock, name: { "localhost:\(other($0))" }, server: server) { port, ca in
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await Self.refusal(port: port, roots: ca, transport: client)
            #expect(error.code == .transportFailure, "\(error)")
            #expect(!error.isRetryable, "\(error)")
            #expect(
                error.message
                    == "cannot reach the GREP11 service at localhost:\(port): the server certificate was refused: "
                    + "it is not valid for localhost:\(port): it names localhost:\(other(port)); a name with a port "
                    + "must carry the port connected to, \(port)",
                "\(error.message)")
            #expect(start.duration(to: clock.now) < .seconds(15), "no retry")
        }
    }

    @Test("a certificate naming another host with the right port is refused", arguments: wireTransports)
    func wrongHost(transport: EP11Client.Transport) async throws {
        let mock = try HSMMock()
        try await Self.withPortCertificateServer(mock, name: { "grep11.other.example:\($0)" }) { port, ca in
            let error = try await Self.refusal(port: port, roots: ca, transport: transport)
            #expect(!error.isRetryable, "\(error)")
            #expect(
                error.message.hasSuffix(
                    "the server certificate was refused: it is not valid for localhost:\(port): it names "
                        + "grep11.other.example:\(port); a name with a port must carry the port connected to, \(port)"),
                "\(error.message)")
        }
    }

    @Test(
        "a certificate naming localhost:<the port> from a CA the client does not trust is refused",
        arguments: wireTransports)
    func untrustedChain(transport: EP11Client.Transport) async throws {
        let mock = try HSMMock()
        try await Self.withPortCertificateServer(mock, name: { "localhost:\($0)" }) { port, _ in
            let error = try await Self.refusal(port: port, roots: TestPKI.shared.caPEM, transport: transport)
            #expect(error.code == .transportFailure, "\(error)")
            #expect(!error.isRetryable, "\(error)")
            #expect(error.message.contains("certificate was refused: CERTIFICATE_VERIFY_FAILED"), "\(error.message)")
        }
    }

    @Test(
        "mutual TLS from base64 PEM works; a server that requires a client certificate refuses a client without",
        arguments: wireTransports)
    func mutualTLSFromBase64(transport: EP11Client.Transport) async throws {
        let pki = TestPKI.shared
        let mock = try HSMMock()
        try await Self.withPortCertificateServer(mock, name: { "localhost:\($0)" }, clientRoots: pki.caPEM) {
            port, ca in
            func base64(_ pem: [UInt8]) -> EP11Client.TLS.Material { .text(Data(pem).base64EncodedString()) }
            let tls = try EP11Client.TLS(
                trustRoots: base64(ca), clientCertificate: base64(pki.clientChainPEM),
                clientKey: base64(pki.clientKeyPEM), serverNameCheck: .hostOrHostAndPort)
            let mutual = Self.configuration(port: port, tls: tls, transport: transport)
            let bytes = try await withEP11Client(mutual) { try await $0.generateRandom(count: 16) }
            #expect(bytes.count == 16)

            // TLS 1.3: the client has accepted the server before the server refuses it, which the C core reports as a
            // failed read (retryable), NIO as a handshake failure; either way no call gets through.
            var anonymous = Self.configuration(
                port: port, tls: try EP11Client.TLS(trustRoots: base64(ca), serverNameCheck: .hostOrHostAndPort),
                transport: transport)
            anonymous.retryPolicy = .none
            anonymous.timeouts = .init(call: .seconds(10))
            let (error, _) = try await failedCall(anonymous)
            #expect(error.code == .transportFailure || error.code == .timeout, "\(error)")
            #expect(
                !error.message.contains("was refused: it is"), "the server certificate was accepted: \(error.message)")
        }
    }

    @Test("TLS to an IP address: a certificate naming 127.0.0.1:<the port> is accepted", arguments: wireTransports)
    func addressWithPort(transport: EP11Client.Transport) async throws {
        let mock = try HSMMock()
        try await Self.withPortCertificateServer(mock, name: { "127.0.0.1:\($0)" }) { port, ca in
            let configuration = Self.configuration(
                host: "127.0.0.1", port: port,
                tls: EP11Client.TLS(trustRootsPEM: ca, serverNameCheck: .hostOrHostAndPort), transport: transport)
            let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
            #expect(bytes.count == 8)
        }
    }

    @Test("the standard names (DNS and IP address) still pass with hostOrHostAndPort", arguments: wireTransports)
    func standardNamesStillPass(transport: EP11Client.Transport) async throws {
        let pki = TestPKI.shared
        let mock = try HSMMock()
        try await mock.withServer(host: "127.0.0.1", port: 0, tls: pki.serverTLS()) { port in
            for host in ["localhost", "127.0.0.1"] {
                let configuration = Self.configuration(
                    host: host, port: port,
                    tls: EP11Client.TLS(trustRootsPEM: pki.caPEM, serverNameCheck: .hostOrHostAndPort),
                    transport: transport)
                let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
                #expect(bytes.count == 8, "\(host)")
            }
        }
    }

    /// A self-signed certificate (its own trust root) for `localhost:<port>`, valid from `notBefore` to `notAfter`,
    /// for the extended key usage `usage`.
    static func selfSigned(
        port: Int, notBefore: Date, notAfter: Date, usage: ExtendedKeyUsage.Usage
    ) throws -> (caPEM: [UInt8], chainPEM: [UInt8], keyPEM: [UInt8]) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost:\(port)") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost:\(port)")])
                try ExtendedKeyUsage([usage])
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        let pem = Array(try certificate.serializeAsPEM().pemString.utf8)
        return (pem, pem, Array(key.pemRepresentation.utf8))
    }

    @Test(
        "the chain is still checked: an expired certificate and one not for TLS servers are refused",
        arguments: wireTransports, [true, false])
    func chainStillChecked(transport: EP11Client.Transport, expired: Bool) async throws {
        let mock = try HSMMock()
        let now = Date()
        let make = { (port: Int) in
            try Self.selfSigned(
                port: port, notBefore: now - (expired ? 7200 : 3600), notAfter: now + (expired ? -3600 : 3600),
                usage: expired ? .serverAuth : .clientAuth)
        }
        try await Self.withPortCertificateServer(mock, certificate: make) { port, ca in
            let error = try await Self.refusal(port: port, roots: ca, transport: transport)
            #expect(!error.isRetryable, "\(error)")
            #expect(error.message.contains("certificate was refused: CERTIFICATE_VERIFY_FAILED"), "\(error.message)")
        }
        // The same kind of certificate, valid and for servers, is accepted: the refusal above is the point.
        try await Self.withPortCertificateServer(
            mock,
            certificate: {
                try Self.selfSigned(port: $0, notBefore: now - 3600, notAfter: now + 3600, usage: .serverAuth)
            }
        ) { port, ca in
            let configuration = Self.configuration(
                port: port, tls: EP11Client.TLS(trustRootsPEM: ca, serverNameCheck: .hostOrHostAndPort),
                transport: transport)
            let bytes = try await withEP11Client(configuration) { try await $0.generateRandom(count: 8) }
            #expect(bytes.count == 8)
        }
    }

    @Test("hostOrHostAndPort and insecureSkipHostnameVerification exclude each other")
    func contradictoryOptions() throws {
        let configuration = EP11Client.Configuration(
            host: "localhost", port: 9876,
            transportSecurity: .tls(
                EP11Client.TLS(serverNameCheck: .hostOrHostAndPort, insecureSkipHostnameVerification: true)))
        let error = try #require(throws: EP11Error.self) { try EP11Client(configuration: configuration) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("exclude each other"), "\(error.message)")
    }
}

@Suite("EP11 client: the name rules of hostOrHostAndPort")
struct SANPortNameRuleTests {
    static func leaf(_ names: [GeneralName]) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("grep11.example.com") }
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames(names) },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    static func refusal(host: String, port: Int = 9876, _ names: [GeneralName]) throws -> String? {
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let verifier = try ServerCertificateVerifier(
            host: host, port: port, isIPLiteral: isAddress, trustRootsPEM: TestPKI.shared.caPEM)
        return verifier.nameRefusal(try leaf(names))
    }

    @Test(
        "accepted names",
        arguments: [
            ("grep11.example.com", "grep11.example.com:9876"),
            ("grep11.example.com", "GREP11.Example.COM:9876"),
            ("grep11.example.com", "grep11.example.com"),
            ("grep11.example.com", "grep11.example.com."),
            ("grep11.example.com", "*.example.com"),
            ("10.0.0.5", "10.0.0.5:9876"),
            ("fd00::5", "[fd00::5]:9876"),
        ])
    func accepted(host: String, name: String) throws {
        #expect(try Self.refusal(host: host, [.dnsName(name)]) == nil)
    }

    @Test(
        "refused names",
        arguments: [
            ("grep11.example.com", "grep11.example.com:9877"),
            ("grep11.example.com", "grep11.example.com:09876"),
            ("grep11.example.com", "grep11.example.com:"),
            ("grep11.example.com", "*.example.com:9876"),
            ("grep11.example.com", "grep11.example.org:9876"),
            ("grep11.example.com", "*.com"),
            ("grep11.example.com", "grep*.example.com"),
            ("a.grep11.example.com", "*.example.com"),
            ("xn--bcher-kva.example.com", "*.example.com"),
            ("grep11.example.com", "grep11.example.com:9876.evil.example"),
            ("10.0.0.5", "10.0.0.5"),
            ("10.0.0.5", "10.0.0.5:9877"),
        ])
    func refused(host: String, name: String) throws {
        #expect(try Self.refusal(host: host, [.dnsName(name)]) != nil)
    }

    @Test("an IP address name matches an address host only, and no common name stands in for a missing name")
    func addressesAndCommonName() throws {
        let address = GeneralName.ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 5]))
        #expect(try Self.refusal(host: "10.0.0.5", [address]) == nil)
        #expect(try Self.refusal(host: "10.0.0.6", [address]) != nil)
        // The certificate's common name is grep11.example.com, but only subject alternative names count.
        let refusal = try Self.refusal(host: "grep11.example.com", [address])
        #expect(refusal == "it is not valid for grep11.example.com:9876: it names no DNS host that matches")
    }

    @Test("a refusal shows at most four names, in printable ASCII")
    func refusalText() throws {
        let names = (1...6).map { GeneralName.dnsName("host\($0).example.com:1") } + [.dnsName("bad\u{7}name")]
        let refusal = try #require(try Self.refusal(host: "grep11.example.com", names))
        #expect(
            refusal
                == "it is not valid for grep11.example.com:9876: it names host1.example.com:1, host2.example.com:1, "
                + "host3.example.com:1, host4.example.com:1 and 3 more; a name with a port must carry the port "
                + "connected to, 9876")
    }
}

@Suite("EP11 client: TLS material from files, PEM or base64 of PEM")
struct TLSMaterialTests {
    @Test("PEM text, base64 of PEM (wrapped or not) and files all read to the same PEM")
    func forms() throws {
        let pem = TestPKI.shared.caPEM
        let base64 = Data(pem).base64EncodedString()
        let wrapped = Data(pem).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sanport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("ca.b64")
        try Data(("  " + wrapped + "\n").utf8).write(to: file)
        for material: EP11Client.TLS.Material in [
            .text(String(decoding: pem, as: UTF8.self)), .text(base64), .text(wrapped), .file(file.path),
        ] {
            #expect(try EP11Client.TLS.certificatesPEM(from: material, setting: "--ca-cert") == pem, "\(material)")
        }
    }

    @Test(
        "bad material fails naming the setting, never showing the material",
        arguments: [
            ("not base64 !!!", "--client-key: neither PEM (no -----BEGIN line) nor base64 of PEM"),
            ("aGVsbG8gd29ybGQ=", "--client-key: base64 that does not decode to PEM (no -----BEGIN line)"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "--client-key: not a readable PEM private key (an encrypted key is not supported)"
            ),
        ])
    func badKey(text: String, message: String) throws {
        let error = try #require(throws: EP11Error.self) {
            try EP11Client.TLS.privateKeyPEM(from: .text(text), setting: "--client-key")
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message == message)
        #expect(!String(describing: error).contains(text))
    }

    @Test("a missing file, a key of another certificate, and half a client identity are refused by name")
    func otherRefusals() throws {
        let pki = TestPKI.shared
        let missing = try #require(throws: EP11Error.self) {
            try EP11Client.TLS(trustRoots: .file("/nonexistent/ca.pem"))
        }
        #expect(missing.message == "trustRoots: cannot open the file /nonexistent/ca.pem")

        let otherKey = Array(P256.Signing.PrivateKey().pemRepresentation.utf8)
        let mismatch = try #require(throws: EP11Error.self) {
            try EP11Client.TLS(
                trustRoots: nil, clientCertificate: .text(String(decoding: pki.clientChainPEM, as: UTF8.self)),
                clientKey: .text(String(decoding: otherKey, as: UTF8.self)))
        }
        #expect(mismatch.message == "clientKey does not belong to the certificate in clientCertificate")

        let half = try #require(throws: EP11Error.self) {
            try EP11Client.TLS(trustRoots: nil, clientKey: .text(String(decoding: pki.clientKeyPEM, as: UTF8.self)))
        }
        #expect(half.message.contains("clientCertificate and clientKey go together"))

        let notCertificates = try #require(throws: EP11Error.self) {
            try EP11Client.TLS(trustRoots: .text(String(decoding: pki.clientKeyPEM, as: UTF8.self)))
        }
        #expect(notCertificates.message == "trustRoots: no PEM certificate could be read from it")
    }

    @Test("a TLS value and a configuration describe themselves without key bytes")
    func descriptions() throws {
        let pki = TestPKI.shared
        let tls = pki.mutualClientTLS(serverNameCheck: .hostOrHostAndPort)
        let configuration = EP11Client.Configuration(host: "localhost", port: 9876, transportSecurity: .tls(tls))
        let keyBody = String(decoding: pki.clientKeyPEM, as: UTF8.self).split(separator: "\n")[1]
        for text in [String(describing: tls), String(reflecting: tls), String(describing: configuration)] {
            #expect(!text.contains(keyBody), "\(text)")
            #expect(!text.contains("\(pki.clientKeyPEM.prefix(8))"), "\(text)")
        }
        #expect(
            String(describing: tls)
                == "TLS (trust roots: given, client certificate: given, client key: given (not shown), "
                + "server name check: host-or-host-and-port)")
    }
}
