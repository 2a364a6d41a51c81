public import EP11

/// Fault injection and restriction, so that callers can test their error paths against the mock.
///
/// Every call passes through the same gate whichever server carries it (in process, or either HTTP/2 server
/// transport): the call is counted, then the faults are applied in the
/// order they were injected, then the mechanism allow-list is checked, and only then does the HSM do its work.
///
/// ```swift
/// let mock = try HSMMock()
/// try mock.injectFault(.init(.returnValue(.ibmWKIDMismatch), target: .rpc(try .named("SignSingle")), times: 1))
/// try mock.injectFault(.init(.delay(.milliseconds(50))))       // every call, until cleared
/// mock.allowedMechanisms = [.aesKeyGen, .aesCBCPad]            // a restricted domain
/// ```
extension HSMMock {
    /// A fault to inject into the calls it targets.
    public struct Fault: Sendable, Hashable {
        /// What happens to a targeted call.
        public enum Action: Sendable, Hashable {
            /// Fail as an HSM fails: gRPC `unknown` with a `Grep11Error` detail carrying this return value, the
            /// CKR name as the message and the `Retry` flag as given.
            case returnValue(ReturnValue, retry: Bool = false)
            /// Wait this long (real time), then go on with the next fault or the call. A client deadline that
            /// passes during the wait cancels the call.
            case delay(Duration)
            /// Drop the call as a broken connection does: the servers answer gRPC `unavailable` without a
            /// `Grep11Error`, which a client takes for a transport failure (the connection itself stays open).
            /// The transport-free dispatch reports it as `connectionDropped`.
            case dropConnection
        }

        /// Which calls a fault applies to.
        public enum Target: Sendable, Hashable {
            /// Every call.
            case all
            /// Calls of one RPC.
            case rpc(RPC)
            /// Calls whose request names this mechanism (`Mech`, `DecMech` or `EncMech`, or the mechanism asked
            /// about in `GetMechanismInfo`). Calls that continue an operation state (`SignUpdate`, `Encrypt` with
            /// a state, ...) carry no mechanism and are not matched: target their `...Init` call instead.
            case mechanism(MechanismType)
        }

        public var action: Action
        public var target: Target
        /// How many targeted calls it applies to; `nil` applies it until ``HSMMock/clearFaults()``.
        public var times: Int?
        /// The chance (0 to 1) that it applies to a targeted call. Default 1: always.
        public var probability: Double

        public init(_ action: Action, target: Target = .all, times: Int? = nil, probability: Double = 1) {
            self.action = action
            self.target = target
            self.times = times
            self.probability = probability
        }
    }

    /// Queues a fault; faults apply in the order they were injected.
    ///
    /// - Throws: `EP11Error` with code `invalidArgument` for a `probability` outside 0 to 1, a negative `times`
    ///   or a negative delay.
    public func injectFault(_ fault: Fault) throws {
        guard fault.probability >= 0, fault.probability <= 1 else {
            throw EP11Error(code: .invalidArgument, message: "a fault's probability is between 0 and 1")
        }
        if let times = fault.times, times < 0 {
            throw EP11Error(code: .invalidArgument, message: "a fault applies a positive number of times")
        }
        if case .delay(let duration) = fault.action, duration < .zero {
            throw EP11Error(code: .invalidArgument, message: "a delay is not negative")
        }
        core.faults.withLock { $0.faults.append(fault) }
    }

    /// Removes every queued fault (the allow-list and the call counts stay).
    public func clearFaults() {
        core.faults.withLock { $0.faults.removeAll() }
    }

    /// The faults still queued, with their remaining `times`.
    public var faults: [Fault] { core.faults.withLock { $0.faults } }

    /// The mechanisms the mock offers, emulating a restricted domain: `nil` (the default) offers all it implements.
    /// A request naming any other mechanism fails with `CKR_MECHANISM_INVALID`, and `GetMechanismList` lists only
    /// these (in the mock's usual order).
    public var allowedMechanisms: Set<MechanismType>? {
        get { core.faults.withLock { $0.allowedMechanisms } }
        set { core.faults.withLock { $0.allowedMechanisms = newValue } }
    }

    /// How many calls of `method` reached the mock (each attempt of a retrying client counts), faulted or not.
    public func callCount(_ method: RPC) -> Int {
        core.faults.withLock { $0.callCounts[method] ?? 0 }
    }

    /// Sets every call count back to zero.
    public func resetCallCounts() {
        core.faults.withLock { $0.callCounts.removeAll() }
    }
}
