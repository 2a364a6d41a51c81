import Foundation
import TestSupport
import Testing

/// The project's Python (with `cryptography`), for tokens signed with no project code, and pkilint.
let python = PythonInterpreter.find(importCheck: "import cryptography")
let pkilint = PythonInterpreter.find(importCheck: "import pkilint")

/// Signs `claims` as a compact JWS with the PEM private key at `keyPath` (P-256: ES256, Ed25519: EdDSA), in Python
/// with `cryptography` only: the header, the base64url encoding and the raw r||s signature are written here.
func pythonToken(keyPath: String, claims: [String: Any], in directory: URL) async throws -> String {
    let interpreter = try #require(python.interpreter, "no Python with cryptography: \(python.reasons)")
    let script = """
        import base64, json, sys
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA"
        header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        payload = b64(sys.argv[2].encode())
        signing_input = (header + "." + payload).encode()
        if alg == "ES256":
            r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            signature = key.sign(signing_input)
        print(header + "." + payload + "." + b64(signature))
        """
    let scriptPath = directory.appendingPathComponent("mint-\(UUID().uuidString).py")
    try Data(script.utf8).write(to: scriptPath)
    let claimsText = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
    let output = try await ChildProcess.run(
        interpreter.executable, interpreter.leadingArguments + [scriptPath.path, keyPath, claimsText],
        timeout: .seconds(60))
    try #require(output.status == 0, "python failed: \(output.text)")
    return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs pkilint's RFC 5280 certificate lint on a PEM file; returns its status and output.
func pkilintCertificate(_ path: String) async throws -> ChildProcess.Output {
    let interpreter = try #require(pkilint.interpreter, "pkilint not found (scripts/install-deps.sh)")
    return try await ChildProcess.run(
        interpreter.executable,
        interpreter.leadingArguments + ["-m", "pkilint.bin.lint_pkix_cert", "lint", "-s", "ERROR", path],
        timeout: .seconds(120))
}

/// Runs pkilint's CRL lint on a DER or PEM CRL.
func pkilintCRL(_ path: String) async throws -> ChildProcess.Output {
    let interpreter = try #require(pkilint.interpreter, "pkilint not found (scripts/install-deps.sh)")
    return try await ChildProcess.run(
        interpreter.executable,
        interpreter.leadingArguments + [
            "-m", "pkilint.bin.lint_crl", "lint", "-t", "CRL", "-p", "PKIX", "-s", "ERROR", path,
        ],
        timeout: .seconds(120))
}
