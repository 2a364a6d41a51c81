/// The state of a key (the service's integer `state`). Extensible: an unknown value survives decoding.
public struct KeyState: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// 0: created but not yet usable.
    public static let preActivation = KeyState(rawValue: 0)
    /// 1: usable for every action.
    public static let active = KeyState(rawValue: 1)
    /// 2: disabled; `enable` brings it back.
    public static let suspended = KeyState(rawValue: 2)
    /// 3: expired; only unwrap, rewrap, rotate and delete are allowed.
    public static let deactivated = KeyState(rawValue: 3)
    /// 5: deleted; restorable for 30 days, then purged.
    public static let destroyed = KeyState(rawValue: 5)

    public var description: String {
        switch self {
        case .preActivation: "Pre-activation"
        case .active: "Active"
        case .suspended: "Suspended"
        case .deactivated: "Deactivated"
        case .destroyed: "Destroyed"
        default: "KeyState(\(rawValue))"
        }
    }
}
