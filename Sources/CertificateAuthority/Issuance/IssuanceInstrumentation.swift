import Synchronization

/// Receives how long each HSM call and each issuance-store call of an issuance took, for metrics; set with
/// ``CertificateAuthority/setInstrumentation(_:)``.
///
/// Operations:
/// - HSM: `random` (one batch of serial numbers from the HSM's random number generator, shared by the next 64
///   certificates), `sign` (a certificate's signature: the HSM call with the TBS encoding before it and the
///   signature check after it), `crl` (a CRL's signature);
/// - database: `record` (recording a certificate, durable before the certificate is returned), `lookup` (reading
///   the certificate a renewal presents), `next_crl` (drawing a CRL number with the revoked certificates),
///   `store_crl` (storing a signed CRL as the latest).
///
/// Called on the issuing task, also when the call throws; keep it cheap and non-blocking.
public protocol IssuanceInstrumentation: Sendable {
    /// An HSM call named `operation` took `duration`.
    func recordHSMCall(_ operation: String, duration: Duration)
    /// An issuance-store call named `operation` took `duration`.
    func recordDatabaseCall(_ operation: String, duration: Duration)
}

/// The instrumentation of one CA, replaceable while it runs.
final class InstrumentationBox: Sendable {
    private let current = Mutex<(any IssuanceInstrumentation)?>(nil)

    func set(_ instrumentation: (any IssuanceInstrumentation)?) {
        current.withLock { $0 = instrumentation }
    }

    /// Runs `body`, reporting its duration as the HSM call `operation`.
    func hsm<T>(
        _ operation: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await timed(body) { $0.recordHSMCall(operation, duration: $1) }
    }

    /// Runs `body`, reporting its duration as the store call `operation`.
    func database<T>(
        _ operation: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await timed(body) { $0.recordDatabaseCall(operation, duration: $1) }
    }

    private func timed<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T,
        report: (any IssuanceInstrumentation, Duration) -> Void
    ) async throws -> T {
        guard let instrumentation = current.withLock({ $0 }) else { return try await body() }
        let clock = ContinuousClock()
        let start = clock.now
        defer { report(instrumentation, start.duration(to: clock.now)) }
        return try await body()
    }
}

extension CertificateAuthority {
    /// Reports the duration of the HSM and store calls of every issuance from now on to `instrumentation` (`nil`
    /// stops reporting). The CA service feeds its `/metrics` with it.
    public nonisolated func setInstrumentation(_ instrumentation: (any IssuanceInstrumentation)?) {
        self.instrumentation.set(instrumentation)
    }
}
