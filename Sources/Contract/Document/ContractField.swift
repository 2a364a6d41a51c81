/// The name of a top-level contract section: `workload`, `env`, `envWorkloadSignature` or
/// `attestationPublicKey`.
///
/// An open set, so that a label from a newer image survives parsing. The attestation record names the same
/// sections as `contract:<name>`.
public struct ContractField: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The key as written in the contract, e.g. `workload`.
    public var rawValue: String

    /// Creates a field from its key.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `workload`: what runs (mandatory).
    public static let workload = ContractField(rawValue: "workload")
    /// `env`: how it runs, written by the deployer; holds `signingKey` (mandatory).
    public static let env = ContractField(rawValue: "env")
    /// `envWorkloadSignature`: base64 RSA PKCS#1 v1.5/SHA-256 signature over `workload` followed by `env`.
    public static let envWorkloadSignature = ContractField(rawValue: "envWorkloadSignature")
    /// `attestationPublicKey`: the auditor's key that encrypts the attestation record.
    public static let attestationPublicKey = ContractField(rawValue: "attestationPublicKey")

    /// The four sections, in the order in which contracts are emitted and checksums listed.
    public static let allKnown: [ContractField] = [.workload, .env, .envWorkloadSignature, .attestationPublicKey]

    /// The label of this section's line in an attestation record, e.g. `contract:workload`.
    public var attestationLabel: String { "contract:" + rawValue }

    public var description: String { rawValue }

    /// Orders the known fields as ``allKnown`` does, then others by name.
    public static func < (lhs: ContractField, rhs: ContractField) -> Bool {
        let left = allKnown.firstIndex(of: lhs) ?? allKnown.count
        let right = allKnown.firstIndex(of: rhs) ?? allKnown.count
        return left != right ? left < right : lhs.rawValue < rhs.rawValue
    }
}
