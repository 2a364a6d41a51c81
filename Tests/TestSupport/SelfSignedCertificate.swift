import Foundation

/// A private key and a self-signed certificate that `openssl req -x509` made in a directory of their own, for
/// tests of TLS servers and PEM parsing. ``remove()`` deletes the directory.
package struct SelfSignedCertificate: Sendable {
    /// The directory holding `key.pem` and `cert.pem`.
    package let directory: URL
    /// Path of the PEM private key.
    package let keyPath: String
    /// Path of the PEM certificate.
    package let certificatePath: String

    /// Why openssl did not make the certificate.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Makes a key (`newKey`: openssl's `-newkey` and its options; P-256 by default) and a certificate for
    /// `subject`, valid for `days`, with `subjectAltName` when given.
    package static func make(
        prefix: String,
        newKey: [String] = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        subject: String = "/CN=localhost",
        subjectAltName: String? = "DNS:localhost,IP:127.0.0.1",
        days: Int = 1
    ) async throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = SelfSignedCertificate(
            directory: directory, keyPath: directory.appendingPathComponent("key.pem").path,
            certificatePath: directory.appendingPathComponent("cert.pem").path)
        var arguments = ["openssl", "req", "-x509", "-newkey"] + newKey
        arguments += ["-nodes", "-keyout", made.keyPath, "-out", made.certificatePath]
        arguments += ["-days", "\(days)", "-subj", subject]
        if let subjectAltName { arguments += ["-addext", "subjectAltName=\(subjectAltName)"] }
        let result = try await ChildProcess.run("/usr/bin/env", arguments, timeout: .seconds(60))
        guard result.status == 0 else {
            made.remove()
            throw Failure(description: "openssl req failed: \(result.text)")
        }
        return made
    }

    /// The certificate's PEM bytes.
    package func certificatePEM() throws -> [UInt8] {
        try Array(Data(contentsOf: URL(fileURLWithPath: certificatePath)))
    }

    /// Deletes the directory.
    package func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
