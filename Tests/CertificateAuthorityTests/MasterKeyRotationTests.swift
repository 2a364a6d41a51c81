import CertificateAuthority
import EP11
import Foundation
import HSMMock
import Testing
import X509

@Suite("CertificateAuthority: the CA key survives a master-key change")
struct CAMasterKeyRotationTests {
    @Test("a CA on an HSM that finalized the change rewraps its key once and keeps the new blob in ca-key.blob")
    func caKeyRewrappedAndPersisted() async throws {
        let oldKey = [UInt8](repeating: 0x11, count: 32)
        let newKey = [UInt8](repeating: 0x22, count: 32)
        let old = try HSMMock(masterKey: oldKey)
        let new = try HSMMock(masterKey: newKey)
        let rewrapRPC = try #require(HSMMock.RPC(name: "RewrapKeyBlob"))
        try await withTemporaryDirectory { directory in
            let keyPath = directory.appendingPathComponent("ca-key.blob").path
            try await old.withClient { client in
                let ca = try CertificateAuthority(directory: directory, client: client)
                try await ca.createRoot(subject: try DistinguishedName { CommonName("Rotation Root") }, keyType: .p256)
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: keyPath))
            try old.loadNextMasterKey(newKey)

            try await old.withClient { rewrapper in
                var configuration = EP11Client.Configuration(host: "in-process")
                configuration.masterKeyRotation = CertificateAuthority.masterKeyRotation(
                    directory: directory, rewrappingWith: rewrapper)
                try await new.withClient(configuration: configuration) { client in
                    let ca = try CertificateAuthority(directory: directory, client: client)
                    try await expectCRLVerifies(try await ca.generateCRL(), ca: ca, in: directory)
                    try await expectCRLVerifies(try await ca.generateCRL(), ca: ca, in: directory)
                }
            }
            // One rewrap: the second CRL was signed with the replacement the CA took up.
            #expect(old.callCount(rewrapRPC) == 1)
            let after = try Data(contentsOf: URL(fileURLWithPath: keyPath))
            #expect(after != before)
            #expect(Array(after[32..<48]) == new.wrappingKeyID)
            let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(!leftovers.contains { $0.contains(".tmp-") }, "\(leftovers)")

            // A later run on the finalized HSM, with no rotation configured, signs with the stored blob.
            try await new.withClient { client in
                let ca = try CertificateAuthority(directory: directory, client: client)
                try await expectCRLVerifies(try await ca.generateCRL(), ca: ca, in: directory)
            }
        }
    }
}
