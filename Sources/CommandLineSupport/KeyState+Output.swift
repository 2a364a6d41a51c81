import KeyProtect

// One representation of a root key's state in every command's output (`kms key`, `kms enable`, `volume status`):
// `state` is the name (a string), `stateCode` the service's number.

extension KeyState {
    /// The state's name for output: `Pre-activation`, `Active`, `Suspended`, `Deactivated`, `Destroyed`, or
    /// `unknown` for a value this version does not know (its number is in ``stateFields``).
    package var outputName: String {
        [.preActivation, .active, .suspended, .deactivated, .destroyed].contains(self) ? description : "unknown"
    }

    /// The JSON members: `"state"` (the name) and `"stateCode"` (the service's number).
    package var stateFields: [String: Any] { ["state": outputName, "stateCode": rawValue] }
}
