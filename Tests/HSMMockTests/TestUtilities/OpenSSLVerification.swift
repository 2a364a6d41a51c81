import Foundation
import TestSupport

/// Whether `openssl dgst -sha256 <options> -verify` accepts `signature` (in the form openssl reads for the key type)
/// over `message` under the DER SubjectPublicKeyInfo `spki`: a check of the mock's signatures by another implementation.
func opensslVerifies(
    spki: [UInt8], signature: [UInt8], message: [UInt8], options: [String] = []
) async throws -> Bool {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let key = directory.appendingPathComponent("key.der").path
    let sig = directory.appendingPathComponent("signature").path
    let data = directory.appendingPathComponent("data").path
    try Data(spki).write(to: URL(fileURLWithPath: key))
    try Data(signature).write(to: URL(fileURLWithPath: sig))
    try Data(message).write(to: URL(fileURLWithPath: data))
    let output = try await ChildProcess.run(
        "/usr/bin/env",
        ["openssl", "dgst", "-sha256"] + options + ["-verify", key, "-keyform", "DER", "-signature", sig, data],
        timeout: .seconds(30))
    return output.status == 0 && output.text.contains("Verified OK")
}
