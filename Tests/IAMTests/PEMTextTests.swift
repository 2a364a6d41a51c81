import Foundation
import TestSupport
import Testing

@testable import IAM

@Suite("PEM text: lenient as RFC 7468 allows, plain messages for what is broken")
struct PEMTextTests {
    /// A certificate made by openssl, as DER, and its strict (64-column) PEM.
    static func opensslCertificate() async throws -> (der: [UInt8], pem: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pem = directory.appendingPathComponent("c.pem").path
        let der = directory.appendingPathComponent("c.der").path
        let made = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                directory.appendingPathComponent("k.pem").path, "-out", pem, "-days", "1", "-subj", "/CN=pem test",
            ],
            timeout: .seconds(120))
        try #require(made.status == 0, "\(made.text)")
        let converted = try await ChildProcess.run(
            "/usr/bin/env", ["openssl", "x509", "-in", pem, "-outform", "DER", "-out", der], timeout: .seconds(60))
        try #require(converted.status == 0, "\(converted.text)")
        return (
            Array(try Data(contentsOf: URL(fileURLWithPath: der))), try String(contentsOfFile: pem, encoding: .utf8)
        )
    }

    @Test("76-column PEM as Python's base64.encodebytes writes it reads as the same DER openssl made")
    func pythonWrappedPEM() async throws {
        let (der, strict) = try await Self.opensslCertificate()
        let script = """
            import base64, sys
            der = sys.stdin.buffer.read()
            sys.stdout.write("-----BEGIN CERTIFICATE-----\\n" + base64.encodebytes(der).decode() + "-----END CERTIFICATE-----\\n")
            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let derPath = directory.appendingPathComponent("c.der").path
        try Data(der).write(to: URL(fileURLWithPath: derPath))
        let output = try await ChildProcess.run(
            "/bin/sh", ["-c", "python3 -c \"$0\" < \"$1\"", script, derPath], timeout: .seconds(60))
        try #require(output.status == 0, "\(output.text)")
        let wide = output.text
        #expect(wide.split(separator: "\n").contains { $0.count == 76 }, "Python wraps at 76 columns")
        let blocks = try PEMText.blocks(in: wide)
        #expect(blocks.count == 1)
        #expect(blocks.first?.label == "CERTIFICATE")
        #expect(blocks.first?.derBytes == der)
        // The canonical form is what openssl itself writes.
        #expect(try PEMText.canonical(wide) == strict)
    }

    @Test(
        "whitespace, CRLF, other wrappings, indentation and surrounding text are accepted",
        arguments: ["crlf", "oneLine", "wrap40", "indented", "blankLines", "surrounded", "cr"])
    func variants(variant: String) throws {
        let der = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let base64 = Data(der).base64EncodedString()
        func wrapped(_ width: Int) -> [String] {
            stride(from: 0, to: base64.count, by: width).map { start in
                let from = base64.index(base64.startIndex, offsetBy: start)
                let to = base64.index(from, offsetBy: width, limitedBy: base64.endIndex) ?? base64.endIndex
                return String(base64[from..<to])
            }
        }
        let begin = "-----BEGIN PUBLIC KEY-----"
        let end = "-----END PUBLIC KEY-----"
        let text: String
        switch variant {
        case "crlf": text = ([begin] + wrapped(64) + [end]).joined(separator: "\r\n") + "\r\n"
        case "cr": text = ([begin] + wrapped(64) + [end]).joined(separator: "\r")
        case "oneLine": text = [begin, base64, end].joined(separator: "\n")
        case "wrap40": text = ([begin] + wrapped(40) + [end]).joined(separator: "\n")
        case "indented": text = ([begin] + wrapped(64) + [end]).map { "   \($0) \t" }.joined(separator: "\n")
        case "blankLines": text = ([begin, ""] + wrapped(64).map { $0 + "\n" } + [end]).joined(separator: "\n")
        default:
            text = "Subject: test\nsome text\n" + ([begin] + wrapped(76) + [end]).joined(separator: "\n") + "\ntrailer"
        }
        let blocks = try PEMText.blocks(in: text)
        #expect(blocks == [PEMText.Block(label: "PUBLIC KEY", derBytes: der)], "\(variant)")
        let canonical = try PEMText.canonical(text)
        #expect(canonical.split(separator: "\n").dropFirst().dropLast().allSatisfy { $0.count <= 64 })
    }

    @Test("several blocks, legacy headers kept")
    func multipleBlocks() throws {
        let text = """
            -----BEGIN CERTIFICATE-----
            AQID
            -----END CERTIFICATE-----
            -----BEGIN RSA PRIVATE KEY-----
            Proc-Type: 4,ENCRYPTED
            DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF

            BAUG
            -----END RSA PRIVATE KEY-----
            """
        let blocks = try PEMText.blocks(in: text)
        #expect(blocks.map(\.label) == ["CERTIFICATE", "RSA PRIVATE KEY"])
        #expect(blocks.map(\.derBytes) == [[1, 2, 3], [4, 5, 6]])
        #expect(
            blocks[1].headers == ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF"])
        #expect(blocks[1].canonicalText.contains("DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nBAUG\n"))
    }

    @Test("broken PEM gets a plain sentence, never the contents or a debug dump")
    func failures() async throws {
        let (_, strict) = try await Self.opensslCertificate()
        let lines = strict.split(separator: "\n").map(String.init)
        let truncated = lines.prefix(lines.count / 2).joined(separator: "\n")
        let cases: [(String, String)] = [
            (truncated, "the PEM block \"CERTIFICATE\" has no END line (the text is probably truncated)"),
            ("just text", "no PEM block (-----BEGIN ...-----) was found"),
            ("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", "the PEM block \"CERTIFICATE\" is empty"),
            (
                "-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----",
                "the PEM block \"CERTIFICATE\" ends with an END line for \"PRIVATE KEY\""
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAQ!D\n-----END CERTIFICATE-----",
                "the PEM block \"CERTIFICATE\" is not valid base64 (it may be truncated or edited)"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAQID\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----",
                "the PEM block \"CERTIFICATE\" has no END line before the next BEGIN line (the text may be truncated)"
            ),
        ]
        for (text, message) in cases {
            let error = try #require(throws: PEMText.Failure.self) { try PEMText.blocks(in: text) }
            #expect(error.message == message)
            #expect(String(describing: error) == message)
        }
        let secretKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw=!\n-----END PRIVATE KEY-----"
        let error = try #require(throws: PEMText.Failure.self) { try PEMText.blocks(in: secretKey) }
        #expect(!error.message.contains("c2VjcmV0"))
    }
}
