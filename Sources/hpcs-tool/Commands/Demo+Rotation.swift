import CertificateAuthority
import EP11
import HSMMock

extension Demo {
    /// Two HSMs of one domain over HTTP/2 on 127.0.0.1: a call fails over from a dead endpoint to a live one, and a
    /// key made before a master-key change is rewrapped on the unit that still can, handed back, and used.
    static func endpointsAndRotation() async throws {
        step("GREP11: failover to a second endpoint, and a master-key change without an outage")
        var generator = SystemRandomNumberGenerator()
        let oldKey = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let newKey = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // `old` still has the old master key current; `new` has finalized the change.
        let old = try HSMMock(masterKey: oldKey)
        let new = try HSMMock(masterKey: newKey)
        let pair = try await old.withClient { client in
            try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: [.ecParameters(.p256), .verify(true)],
                privateKeyTemplate: [.sign(true)])
        }
        try old.loadNextMasterKey(newKey)
        print("EC key pair made under the old master key (WKID \(hexPrefix(old.wrappingKeyID)))")

        try await new.withServer(host: "127.0.0.1", port: 0) { port in
            try await old.withClient { rewrapper in
                // Port 1 on loopback: nothing listens there, so the first endpoint refuses the connection.
                var configuration = EP11Client.Configuration(host: "127.0.0.1", port: 1, transportSecurity: .plaintext)
                configuration.failoverEndpoints = [EP11Client.Endpoint(host: "127.0.0.1", port: port)]
                let replaced = RewrappedBlobs()
                configuration.masterKeyRotation = .rewrapOnMismatch(using: rewrapper) { _, new in
                    await replaced.add(new)
                }
                try await withEP11Client(configuration) { client in
                    let message = Array("signed across a master-key change".utf8)
                    let signature = try await client.sign(message, key: pair.privateKey, mechanism: .ecdsaSHA256)
                    print(
                        "127.0.0.1:1 refused the connection; the call went on to 127.0.0.1:\(port), the unit that "
                            + "has finalized (WKID \(hexPrefix(new.wrappingKeyID)))")
                    let blobs = await replaced.blobs
                    print(
                        "it answered CKR_IBM_WKID_MISMATCH; the blob was rewrapped on the other unit and handed back "
                            + "(\(blobs.count) blob, now WKID \(hexPrefix(blobs.first.map(wrappingKeyID) ?? [])))")
                    try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaSHA256)
                    print("the signature was made and verifies; the public key blob was rewrapped the same way")
                }
            }
        }
    }

    /// The WKID an EP11 blob names (bytes 32 to 47 of the blob's header).
    private static func wrappingKeyID(_ blob: KeyBlob) -> [UInt8] {
        blob.bytes.count >= 48 ? Array(blob.bytes[32..<48]) : []
    }

    private static func hexPrefix(_ bytes: [UInt8]) -> String {
        hex(bytes.prefix(4)) + "…"
    }
}

/// The replacement blobs a rotation callback received.
private actor RewrappedBlobs {
    var blobs: [KeyBlob] = []
    func add(_ blob: KeyBlob) { blobs.append(blob) }
}
