import CertificateAuthority
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, through swift-metrics into a Prometheus registry of its own (so several nodes in one
/// process, as in tests, count apart). Served as Prometheus text by `GET /metrics`:
///
/// - `hpcs_ca_issued_total`: certificates issued (sign and renew);
/// - `hpcs_ca_refused_total{reason}`: requests refused, by ``CAServiceError/Reason``;
/// - `hpcs_ca_revoked_total`: certificates revoked;
/// - `hpcs_ca_issuance_seconds{route}`: one issuance from its checked request to its recorded certificate
///   (`sign`, `renew`): the HSM and database calls below and the work between them;
/// - `hpcs_ca_hsm_call_seconds{operation}`: HSM calls: `sign` (one certificate's signature), `random` (a batch of
///   serial numbers), `crl` (a CRL's signature), `probe` (the health check's random-number call);
/// - `hpcs_ca_database_seconds{operation}`: store calls: `record` (a certificate recorded before it is returned),
///   `lookup` (a client certificate), `token` (a token id consumed), `provisioner`, `latest_crl`, `next_crl`,
///   `store_crl`, `revoke`, `ping`.
///
/// The CA reports its own HSM and store calls (``IssuanceInstrumentation``); the service times the rest.
final class CAServiceMetrics: IssuanceInstrumentation {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    let issued: Metrics.Counter
    let revoked: Metrics.Counter
    private let refusals = Mutex<[String: Metrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        issued = Metrics.Counter(label: "hpcs_ca_issued_total", factory: factory)
        revoked = Metrics.Counter(label: "hpcs_ca_revoked_total", factory: factory)
        for reason in [CAServiceError.Reason.tokenExpired, .tokenReplayed, .namesMismatch, .policy] {
            refused(reason, count: 0)
        }
    }

    /// Counts a refusal.
    func refused(_ reason: CAServiceError.Reason, count: Int = 1) {
        let counter = refusals.withLock { counters in
            if let counter = counters[reason.rawValue] { return counter }
            let counter = Metrics.Counter(
                label: "hpcs_ca_refused_total", dimensions: [("reason", reason.rawValue)], factory: factory)
            counters[reason.rawValue] = counter
            return counter
        }
        if count > 0 { counter.increment(by: count) }
    }

    private func timer(_ label: String, _ operation: String, dimension: String = "operation") -> Metrics.Timer {
        timers.withLock { timers in
            let key = label + "/" + operation
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(label: label, dimensions: [(dimension, operation)], factory: factory)
            timers[key] = timer
            return timer
        }
    }

    /// Runs `body`, recording its duration under `hpcs_ca_hsm_call_seconds{operation}` (also when it throws).
    func hsm<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        try await timed(timer("hpcs_ca_hsm_call_seconds", operation), body)
    }

    /// Runs `body` (an issuance), recording its duration under `hpcs_ca_issuance_seconds{route}`.
    func issuance<T>(_ route: String, _ body: () async throws -> T) async rethrows -> T {
        try await timed(timer("hpcs_ca_issuance_seconds", route, dimension: "route"), body)
    }

    func recordHSMCall(_ operation: String, duration: Duration) {
        timer("hpcs_ca_hsm_call_seconds", operation).recordInterval(duration)
    }

    func recordDatabaseCall(_ operation: String, duration: Duration) {
        timer("hpcs_ca_database_seconds", operation).recordInterval(duration)
    }

    /// Runs `body`, recording its duration under `hpcs_ca_database_seconds{operation}` (also when it throws).
    func database<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        try await timed(timer("hpcs_ca_database_seconds", operation), body)
    }

    private func timed<T>(_ timer: Metrics.Timer, _ body: () async throws -> T) async rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { timer.recordInterval(start.duration(to: clock.now)) }
        return try await body()
    }

    /// The metrics as Prometheus text.
    func text() -> [UInt8] {
        registry.emitToBuffer()
    }
}

extension Metrics.Timer {
    fileprivate func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
