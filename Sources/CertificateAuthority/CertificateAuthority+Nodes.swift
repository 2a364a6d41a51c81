public import Foundation
public import Logging

extension CertificateAuthority {
    /// The files another node of this CA needs, with their modes: the wrapped key blob (0600), the public key, the
    /// chain, `ca-config.json` (RSA scheme, mock mark, database URL) and `publication.json` when there is one.
    static let nodeFiles: [(name: String, mode: mode_t, required: Bool)] = [
        ("ca-key.blob", 0o600, true), ("ca-key.pub", 0o644, true), ("ca-chain.pem", 0o644, true),
        ("ca-config.json", 0o644, false), ("publication.json", 0o644, false),
    ]

    /// Copies what another node of this CA needs into `nodeDirectory` (created with mode 0700 if needed):
    /// `ca-key.blob` (0600; the wrapped key, usable only with the HSM domain that made it), `ca-key.pub`,
    /// `ca-chain.pem`, and `ca-config.json` and `publication.json` when present. The issuance records are not
    /// copied: nodes share them through one ``PostgresIssuanceStore``.
    ///
    /// Throws ``CertificateAuthorityError/Code/notInitialized`` when this CA has no key and certificate yet, and
    /// ``CertificateAuthorityError/Code/alreadyInitialized`` when `nodeDirectory` already holds a CA key.
    public func copyNodeFiles(to nodeDirectory: URL) throws {
        guard isReady else {
            throw CertificateAuthorityError(
                code: .notInitialized, message: "\(directory.path) has no CA key and certificate to copy")
        }
        guard nodeDirectory.standardizedFileURL.path != directory.standardizedFileURL.path else {
            throw CertificateAuthorityError(
                code: .alreadyInitialized, message: "\(nodeDirectory.path) is this CA's own directory")
        }
        try FileIO.createDirectory(nodeDirectory.path)
        guard !FileIO.exists(nodeDirectory.appendingPathComponent("ca-key.blob").path) else {
            throw CertificateAuthorityError(
                code: .alreadyInitialized, message: "\(nodeDirectory.path) already holds a CA key")
        }
        // The key blob last: a directory with a key is a complete copy.
        for file in Self.nodeFiles.reversed() {
            let source = directory.appendingPathComponent(file.name).path
            guard file.required || FileIO.exists(source) else { continue }
            try FileIO.write(
                try FileIO.read(source), to: nodeDirectory.appendingPathComponent(file.name).path, mode: file.mode)
        }
    }

    /// Another node of this CA: copies its files into `nodeDirectory` (``copyNodeFiles(to:)``) and opens the CA
    /// there on `store` with this CA's policy. For several nodes in one process (tests, benchmarks, demos); nodes
    /// on other machines get the same files by any secure copy and open them with
    /// ``init(directory:client:store:policy:logger:)``.
    public func makeNode(
        directory nodeDirectory: URL,
        store: any IssuanceStore,
        logger: Logger = Logger(label: "hpcs.ca", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> CertificateAuthority {
        try copyNodeFiles(to: nodeDirectory)
        return try CertificateAuthority(
            directory: nodeDirectory, client: client, store: store, policy: policy, logger: logger)
    }
}
