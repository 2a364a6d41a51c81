import Foundation
import HSMMock
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A one-answer HTTP server on 127.0.0.1: every connection gets `response` and is closed; it counts connections.
private final class CannedHTTPServer: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var served = 0

    init(response: @escaping @Sendable (Int) -> String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(descriptor, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            while true {
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 8192)
                _ = read(client, &buffer, buffer.count)
                let text = Array(response(port).utf8)
                _ = text.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
                lock.lock()
                served += 1
                lock.unlock()
            }
        }
        thread.start()
    }

    var connections: Int {
        lock.lock()
        defer { lock.unlock() }
        return served
    }

    func stop() { shutdown(descriptor, Int32(SHUT_RDWR)) }
}

@Suite("mock hsm token introspection: a redirect is not followed, so a token never goes where it was not sent")
struct IntrospectionRedirectTests {
    @Test("an introspection endpoint answering 307 to elsewhere: the token is not accepted and elsewhere sees nothing")
    func redirectNotFollowed() async throws {
        // The place a redirect would send the token to: it would say "active".
        let elsewhere = try CannedHTTPServer { _ in
            let body = #"{"active": true, "exp": 4102444800}"#
            return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)"
        }
        defer { elsewhere.stop() }
        let target = elsewhere.port
        let redirecting = try CannedHTTPServer { _ in
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:\(target)/identity/introspect\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n"
        }
        defer { redirecting.stop() }

        let verifier = IAMTokenIntrospection(endpoint: "http://127.0.0.1:\(redirecting.port)")
        let accepted = try? await verifier.isValid("a-bearer-token")
        #expect(accepted != true)
        #expect(redirecting.connections == 1)
        #expect(elsewhere.connections == 0)
    }
}
