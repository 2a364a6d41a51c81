import CertificateAuthority
import EP11
import Foundation
import Logging
import ServiceLifecycle

extension CAService {
    /// Several nodes of one CA in this process, on 127.0.0.1 (ephemeral ports, plain HTTP: loopback), for the demo
    /// and the benchmark.
    package struct LoopbackNodes: Sendable {
        /// One service per node; node 0 serves the CA it was made from.
        package var services: [CAService]
        /// Runs every service; the caller runs it and triggers its graceful shutdown.
        package var group: ServiceGroup
        /// The stores opened for nodes 1 and up (the caller closes them).
        package var stores: [any IssuanceStore]
    }

    /// `count` nodes of `ca`: node 0 serves `ca` itself; each other node a copy of its files in
    /// `directory/nodeN` (`CertificateAuthority.makeNode`) on the store `openStore` opens for that directory.
    package static func loopbackNodes(
        of ca: CertificateAuthority,
        client: EP11Client,
        count: Int,
        directory: URL,
        publicURL: String,
        openStore: (URL) throws -> any IssuanceStore
    ) async throws -> LoopbackNodes {
        var services: [CAService] = []
        var stores: [any IssuanceStore] = []
        for index in 0..<count {
            var node = ca
            if index > 0 {
                let nodeDirectory = directory.appendingPathComponent("node\(index)")
                let store = try openStore(nodeDirectory)
                stores.append(store)
                node = try await ca.makeNode(directory: nodeDirectory, store: store)
            }
            services.append(
                try CAService(
                    ca: node, client: client,
                    configuration: CAServiceConfiguration(host: "127.0.0.1", port: 0, publicURLs: [publicURL])))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) },
                logger: Logger(label: "hpcs.ca.nodes", factory: { _ in SwiftLogNoOpLogHandler() })))
        return LoopbackNodes(services: services, group: group, stores: stores)
    }
}
