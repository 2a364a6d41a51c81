import Foundation
import TestSupport
import Testing

@Suite("mock hsm --iam-endpoint: bearer tokens go only to https or loopback, never to a URL with userinfo")
struct IntrospectionEndpointTests {
    static let tool = HPCSTool.path

    @Test(
        "refused before the server starts",
        arguments: [
            ("http://127.0.0.1@10.99.99.99:8080", "must not contain a user name or password"),
            ("http://[::1]@10.99.99.99:8080", "must not contain a user name or password"),
            ("http://127.0.0.1.attacker.example", "refusing plain HTTP to 127.0.0.1.attacker.example"),
            ("http://10.99.99.99:8080", "refusing plain HTTP to 10.99.99.99"),
            ("ftp://127.0.0.1", "must be an http(s) URL"),
        ])
    func refused(endpoint: String, message: String) async throws {
        let output = try await ChildProcess.run(
            Self.tool, ["mock", "hsm", "--listen", "127.0.0.1:0", "--require-auth", "--iam-endpoint", endpoint],
            timeout: .seconds(60))
        #expect(output.status != 0)
        #expect(!output.timedOut)
        #expect(output.text.contains(message), "\(output.text)")
        #expect(!output.text.contains("listening on port"))
    }
}
