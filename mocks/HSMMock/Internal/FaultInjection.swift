import EP11
import GRPCCore

/// The injected faults, the mechanism allow-list and the call counts of one mock (``HSMMock/injectFault(_:)``).
struct FaultState: Sendable {
    var faults: [HSMMock.Fault] = []
    var allowedMechanisms: Set<MechanismType>?
    var callCounts: [GREP11Method: Int] = [:]
}

/// What the gate decided for one call.
enum FaultDecision: Sendable {
    /// Go on, after waiting this long.
    case proceed(delay: Duration)
    /// Fail with this return value and `Retry` flag, after waiting this long.
    case fail(HSMFailure, retry: Bool, delay: Duration)
    /// Drop the call, after waiting this long.
    case drop(delay: Duration)
}

/// Thrown by a handler whose call a fault drops. The gRPC servers answer it with `unavailable` (what a client sees
/// of a broken connection); `HSMMock.dispatch(_:request:)` turns it into `GREP11DispatchOutcome.connectionDropped`.
struct InjectedConnectionDrop: Error, RPCErrorConvertible {
    var rpcErrorCode: RPCError.Code { .unavailable }
    var rpcErrorMessage: String { "the connection was dropped (HSM mock fault injection)" }
}

extension HSMCore {
    /// Counts the call and applies the faults and the allow-list to it.
    ///
    /// - Parameter mechanisms: the mechanisms the request names (none for a call that continues a state).
    func gate(_ method: GREP11Method, mechanisms: [UInt64]) -> FaultDecision {
        faults.withLock { state in
            state.callCounts[method, default: 0] += 1
            var delay = Duration.zero
            var index = 0
            while index < state.faults.count {
                let fault = state.faults[index]
                guard Self.matches(fault.target, method, mechanisms),
                    fault.probability >= 1 || Double.random(in: 0..<1) < fault.probability
                else {
                    index += 1
                    continue
                }
                if let times = fault.times {
                    if times <= 1 {
                        state.faults.remove(at: index)
                    } else {
                        state.faults[index].times = times - 1
                        index += 1
                    }
                    if times <= 0 { continue }
                } else {
                    index += 1
                }
                switch fault.action {
                case .delay(let duration):
                    delay += duration
                case .returnValue(let value, let retry):
                    return .fail(HSMFailure(value, "injected fault"), retry: retry, delay: delay)
                case .dropConnection:
                    return .drop(delay: delay)
                }
            }
            if let allowed = state.allowedMechanisms {
                for raw in mechanisms where !allowed.contains(MechanismType(rawValue: raw)) {
                    return .fail(
                        HSMFailure(.mechanismInvalid, "the mechanism is not enabled in this domain"), retry: false,
                        delay: delay)
                }
            }
            return .proceed(delay: delay)
        }
    }

    static func matches(_ target: HSMMock.Fault.Target, _ method: GREP11Method, _ mechanisms: [UInt64]) -> Bool {
        switch target {
        case .all: true
        case .rpc(let targeted): targeted == method
        case .mechanism(let mechanism): mechanisms.contains(mechanism.rawValue)
        }
    }

    /// Whether the allow-list lets `mechanism` through.
    func isAllowed(_ mechanism: MechanismType) -> Bool {
        faults.withLock { $0.allowedMechanisms?.contains(mechanism) ?? true }
    }
}
