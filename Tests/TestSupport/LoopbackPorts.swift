import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP listener on 127.0.0.1 that never answers: it only counts the connections made to it, so a test can show
/// that a refused endpoint was not contacted. Connections complete in the kernel's backlog without `accept`;
/// ``acceptedConnections()`` drains them.
package final class ConnectionCountingListener: @unchecked Sendable {
    /// The port it listens on.
    package let port: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var accepted = 0

    package init() throws {
        let descriptor = try boundLoopbackSocket()
        guard listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw LoopbackPortError("listen on 127.0.0.1 failed: errno \(errno)")
        }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        self.descriptor = descriptor
        self.port = try Self.localPort(of: descriptor)
    }

    deinit { close(descriptor) }

    /// How many connections were made to the listener so far.
    package func acceptedConnections() -> Int {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { break }
            close(client)
            accepted += 1
        }
        return accepted
    }

    static func localPort(of descriptor: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw LoopbackPortError("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A port on 127.0.0.1 that nothing listens on: bound to get a free number, then closed, so connecting to it is
/// refused at once.
package func closedLoopbackPort() throws -> Int {
    let descriptor = try boundLoopbackSocket()
    defer { close(descriptor) }
    return try ConnectionCountingListener.localPort(of: descriptor)
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks; the caller closes it.
func boundLoopbackSocket() throws -> Int32 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw LoopbackPortError("socket() failed: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else {
        close(descriptor)
        throw LoopbackPortError("bind on 127.0.0.1 failed: errno \(errno)")
    }
    return descriptor
}

package struct LoopbackPortError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
