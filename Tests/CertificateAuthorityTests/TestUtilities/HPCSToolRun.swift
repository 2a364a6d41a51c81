import Foundation
import TestSupport
import Testing

/// Runs the built hpcs-tool in `directory` as a user would (stdout and stderr merged), with exactly `arguments`;
/// GREP11_ADDRESS and the database variables are unset unless `environment` sets them.
func runHPCSTool(
    _ arguments: [String], in directory: URL, environment: [String: String] = [:]
) async throws -> ChildProcess.Output {
    try #require(HPCSTool.isBuilt, "\(HPCSTool.path) is missing; run swift build --build-tests")
    let unset = ["GREP11_ADDRESS", "HPCS_CA_DATABASE", "HPCS_CA_DATABASE_PASSWORD", "HPCS_CA_DATABASE_PASSWORD_FILE"]
        .filter { environment[$0] == nil }.flatMap { ["-u", $0] }
    let set = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    return try await ChildProcess.run(
        "/usr/bin/env",
        unset + set + ["sh", "-c", #"cd "$0" && exec "$@""#, directory.path, HPCSTool.path] + arguments,
        timeout: .seconds(120))
}

/// Writes a new openssl P-256 CSR (for www.example.com) to `leaf.csr` in `directory`, for `ca sign --csr leaf.csr`.
func writeLeafCSR(in directory: URL) async throws {
    try Data(try await opensslCSR(.p256, in: directory)).write(to: directory.appendingPathComponent("leaf.csr"))
}

extension ChildProcess.Output {
    /// Expects the exit status `expected` and each of `texts` in the output (which a failure shows); returns the
    /// output.
    @discardableResult
    func expectStatus(
        _ expected: Int32, printing texts: String..., sourceLocation: SourceLocation = #_sourceLocation
    ) -> Self {
        #expect(status == expected, "\(text)", sourceLocation: sourceLocation)
        return expectPrinting(texts, sourceLocation: sourceLocation)
    }

    /// Expects a failure (an exit status other than 0) and each of `texts` in the output; returns the output.
    @discardableResult
    func expectFailure(printing texts: String..., sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        #expect(status != 0, "\(text)", sourceLocation: sourceLocation)
        return expectPrinting(texts, sourceLocation: sourceLocation)
    }

    /// Expects each of `texts` in the output (which a failure shows); returns the output.
    private func expectPrinting(_ texts: [String], sourceLocation: SourceLocation) -> Self {
        for piece in texts {
            #expect(text.contains(piece), "\(text)", sourceLocation: sourceLocation)
        }
        return self
    }
}
