import Contract
import Foundation
public import IAM
public import KeyProtect
import Yams

/// One `kms` entry of a volume: the API key, the root key's CRN, the network the KMS is reached over and, for a
/// Key Protect CRN, its plan.
public struct KMSEntry: Sendable, Hashable, CustomStringConvertible {
    /// The API key of a service ID that may wrap and unwrap with the root key. Never printed.
    public var apiKey: APIKey
    /// The customer root key.
    public var crn: CRN
    /// `type: public|private` of the contract: which endpoint of the KMS to use.
    public var network: CRN.Network
    /// `plan: standard|dedicated` (an hpcs-keyd field, see ``KeyDaemonConfiguration``): whether a `kms` CRN names a
    /// Key Protect Dedicated instance, whose endpoint is `https://<instance>.api.<region>.kms.appdomain.cloud`.
    /// Default `.standard`. Always `.standard` for an `hs-crypto` CRN.
    public var plan: CRN.Plan

    public init(apiKey: APIKey, crn: CRN, network: CRN.Network, plan: CRN.Plan = .standard) {
        self.apiKey = apiKey
        self.crn = crn
        self.network = network
        self.plan = plan
    }

    /// The KMS base URL this entry derives from its CRN, `type` and `plan`.
    /// - Throws: `KeyProtectError` when none can be derived (see `CRN.endpoint(network:plan:)`).
    public func derivedEndpoint() throws -> String {
        try crn.endpoint(network: network, plan: plan)
    }

    public var description: String {
        "KMSEntry(crn: \(crn), type: \(network.rawValue)\(plan == .dedicated ? ", plan: dedicated" : ""))"
    }
}

/// One data volume as the contract describes it: `seed` in both `env` and `workload`, and in `env` the `kms`
/// entries and `kmsTimeout`.
public struct VolumeConfiguration: Sendable, CustomStringConvertible {
    /// The volume's name: the key under `volumes:` in both sections. Also the device-mapper name.
    public var name: String
    /// `env.volumes.<name>.seed`. Never printed.
    public var envSeed: SecretBytes
    /// `workload.volumes.<name>.seed`. Never printed.
    public var workloadSeed: SecretBytes
    /// `env.volumes.<name>.kms`: 0 entries for a two-seed volume, else 1 to 5; the first one wraps.
    public var kms: [KMSEntry]
    /// `env.volumes.<name>.kmsTimeout`, in minutes in the contract (default 10).
    public var kmsTimeout: Duration
    /// `mount` (either section): where the opened volume is mounted.
    public var mount: String?
    /// `filesystem` (either section): the filesystem made on the opened volume.
    public var filesystem: String?
    /// `env.volumes.<name>.volumeName` (schema 1.0.116): the cloud volume's name, which CCRT looks up with the
    /// Global Search API. hpcs-keyd does no lookup (the device is given to it); the value is kept for messages.
    public var volumeName: String?
    /// `env.volumes.<name>.volumeID` (schema 1.0.116): the cloud volume's id (IBM Cloud, or the UUID in ICIC).
    /// Kept as ``volumeName`` is.
    public var volumeID: String?
    /// `env.volumes.<name>.apiKey` (schema 1.0.116): the API key CCRT uses for the volume lookup. Never printed;
    /// hpcs-keyd makes no call with it.
    public var lookupAPIKey: APIKey?

    public init(
        name: String,
        envSeed: SecretBytes,
        workloadSeed: SecretBytes,
        kms: [KMSEntry] = [],
        kmsTimeout: Duration = .seconds(600),
        mount: String? = nil,
        filesystem: String? = nil,
        volumeName: String? = nil,
        volumeID: String? = nil,
        lookupAPIKey: APIKey? = nil
    ) {
        self.name = name
        self.envSeed = envSeed
        self.workloadSeed = workloadSeed
        self.kms = kms
        self.kmsTimeout = kmsTimeout
        self.mount = mount
        self.filesystem = filesystem
        self.volumeName = volumeName
        self.volumeID = volumeID
        self.lookupAPIKey = lookupAPIKey
    }

    /// Whether the volume takes a third seed from a KMS.
    public var usesKMS: Bool { !kms.isEmpty }

    public var description: String {
        "VolumeConfiguration(name: \(name), kms: \(kms.count) entries, kmsTimeout: \(kmsTimeout))"
    }
}

/// The key daemon's configuration: the volumes of a contract's `env` and `workload` sections.
///
/// ```yaml
/// # workload                      # env
/// volumes:                        volumes:
///   data:                           data:
///     seed: "workload seed"           seed: "env seed"
///     mount: /mnt/data                kmsTimeout: 10
///     filesystem: ext4                kms:
///                                       - apiKey: "..."
///                                         crn: "crn:v1:bluemix:public:hs-crypto:us-south:a/...:...:key:..."
///                                         type: public
/// ```
///
/// ``parse(env:workload:)`` refuses an invalid configuration before anything is touched, with an error that names
/// the field (`env.volumes.data.kms[1].crn: ...`). It never quotes a value that may be a secret (a seed, an API
/// key, or anything typed in their place): only field names, volume names, CRNs and numbers appear in errors.
///
/// The volume fields of the CCRT/HPCR contract schema 1.0.116 (IBM's `hpse-contract-schema-1.0.116.json`,
/// `allOf[3]` "volumes"):
///
/// | field | section | here |
/// | --- | --- | --- |
/// | `seed` | both | required in both (the two-seed and KMS forms) |
/// | `kms` (1 to 5 of `apiKey`, `crn`, `type`) | env | a third seed from the KMS |
/// | `kmsTimeout` | env | whole minutes, 0 to 1000 (the HPVS documentation's range; the schema's maximum is 20) |
/// | `apiKey` (at least 10 characters), `volumeName` (non-empty), `volumeID` (at least 3 characters) | env | checked and kept; hpcs-keyd does no volume lookup, the device is given to it |
/// | `previousSeed` | both | refused: how it re-keys a volume is not publicly specified |
/// | `uv-secret-id`, `uv-previous-secret-id` | env | refused: Ultravisor secrets, derivation not publicly specified |
/// | `grep11` | env | refused: how the GREP11 key blob yields the passphrase is not publicly specified |
///
/// One field is hpcs-keyd's own, not the schema's: `plan: standard|dedicated` in a `kms` entry says that a `kms`
/// CRN names a Key Protect Dedicated instance (its CRN cannot say so), so that the endpoint becomes
/// `https://<instance>.api.<region>.kms.appdomain.cloud`. It is refused with an `hs-crypto` CRN. A CCRT instance
/// validates its contract against the schema and refuses this field: use it only with hpcs-keyd (or use
/// `--kms-endpoint`, or `hpcs-keyd --dedicated`, which leave the contract as the schema has it).
///
/// Limits: each section is at most 1 MiB of YAML with at most 32 aliases (`*name`) and 100,000 nodes once they are
/// expanded, and names at most ``maximumVolumes`` volumes; parsing is linear in the number of volumes.
public struct KeyDaemonConfiguration: Sendable {
    /// At most this many `kms` entries per volume (the contract schema's `maxItems`).
    public static let maximumKMSEntries = 5
    /// At most this many volumes in a contract (a virtual server attaches far fewer data volumes).
    public static let maximumVolumes = 32
    /// The documented range of `kmsTimeout`, in minutes. IBM's JSON schema caps it at 20; the documentation
    /// allows 0 to 1000, and that is what is accepted here.
    public static let kmsTimeoutMinutes: ClosedRange<Int> = 0...1000
    /// `kmsTimeout` when the contract gives none: 10 minutes.
    public static let defaultKMSTimeoutMinutes = 10

    public var volumes: [VolumeConfiguration]

    public init(volumes: [VolumeConfiguration]) {
        self.volumes = volumes
    }

    /// The volume named `name`, or the only volume when `name` is nil.
    public func volume(named name: String?) throws -> VolumeConfiguration {
        if let name {
            guard let volume = volumes.first(where: { $0.name == name }) else {
                throw KeyDaemonError.invalid("volumes", "no volume named '\(name)' in the contract")
            }
            return volume
        }
        guard volumes.count == 1, let only = volumes.first else {
            throw KeyDaemonError.invalid(
                "volumes",
                "the contract has \(volumes.count) volumes; name one (\(volumes.map(\.name).joined(separator: ", ")))")
        }
        return only
    }

    /// Parses the plaintext YAML of the `env` and `workload` sections (the section bodies, without the top-level
    /// `env:`/`workload:` key).
    ///
    /// - Throws: ``KeyDaemonError`` with code `invalidConfiguration` naming the field: YAML that does not parse, a
    ///   volume missing from one section, a missing or empty `seed`, more than five `kms` entries, a malformed CRN,
    ///   a `type` other than public or private, a `kmsTimeout` outside 0...1000, `kms` in `workload`, more than
    ///   ``maximumVolumes`` volumes, a section over the YAML limits.
    public static func parse(env: String, workload: String) throws -> KeyDaemonConfiguration {
        let envVolumes = try volumesMapping(env, section: "env")
        let workloadVolumes = try volumesMapping(workload, section: "workload")

        let envNames = Set(envVolumes.map(\.name))
        let workloadNodes = Dictionary(
            workloadVolumes.map { ($0.name, $0.node) }, uniquingKeysWith: { first, _ in first })
        let workloadNames = Set(workloadNodes.keys)
        if let missing = envNames.subtracting(workloadNames).sorted().first {
            throw KeyDaemonError.invalid(
                "workload.volumes", "volume '\(missing)' is in env but not in workload; the names must match")
        }
        if let missing = workloadNames.subtracting(envNames).sorted().first {
            throw KeyDaemonError.invalid(
                "env.volumes", "volume '\(missing)' is in workload but not in env; the names must match")
        }

        var volumes: [VolumeConfiguration] = []
        for envVolume in envVolumes {
            guard let workloadNode = workloadNodes[envVolume.name] else { continue }
            volumes.append(try volume(name: envVolume.name, env: envVolume.node, workload: workloadNode))
        }
        return KeyDaemonConfiguration(volumes: volumes)
    }

    // MARK: Parsing helpers

    private struct NamedNode {
        var name: String
        var node: Node
    }

    private static func volumesMapping(_ text: String, section: String) throws -> [NamedNode] {
        let root: Node?
        do {
            root = try BoundedYAML.compose(text)
        } catch let failure as BoundedYAML.Failure {
            throw KeyDaemonError.invalid(section, failure.message)
        } catch {
            throw KeyDaemonError.invalid(section, "not valid YAML (\(yamlProblem(error)))")
        }
        guard let root, let mapping = root.mapping else {
            throw KeyDaemonError.invalid(section, "must be a YAML mapping with a 'volumes' key")
        }
        guard let volumesNode = mapping["volumes"] else {
            throw KeyDaemonError.invalid("\(section).volumes", "missing")
        }
        guard let volumes = volumesNode.mapping else {
            throw KeyDaemonError.invalid("\(section).volumes", "must be a mapping of volume names")
        }
        guard volumes.count <= maximumVolumes else {
            throw KeyDaemonError.invalid(
                "\(section).volumes", "names \(volumes.count) volumes; at most \(maximumVolumes) are allowed")
        }
        var result: [NamedNode] = []
        var names: Set<String> = []
        for (key, value) in volumes {
            guard let name = key.scalar?.string else {
                throw KeyDaemonError.invalid("\(section).volumes", "volume names must be strings")
            }
            try validateVolumeName(name, field: "\(section).volumes")
            guard names.insert(name).inserted else {
                throw KeyDaemonError.invalid("\(section).volumes", "volume '\(name)' appears twice")
            }
            result.append(NamedNode(name: name, node: value))
        }
        if result.isEmpty {
            throw KeyDaemonError.invalid("\(section).volumes", "names no volume")
        }
        return result
    }

    private static func validateVolumeName(_ name: String, field: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }), !name.hasPrefix(".") else {
            throw KeyDaemonError.invalid(
                field, "a volume name must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }

    private static func volume(name: String, env: Node, workload: Node) throws -> VolumeConfiguration {
        let envField = "env.volumes.\(name)"
        let workloadField = "workload.volumes.\(name)"
        guard let envMap = env.mapping else { throw KeyDaemonError.invalid(envField, "must be a mapping") }
        guard let workloadMap = workload.mapping else {
            throw KeyDaemonError.invalid(workloadField, "must be a mapping")
        }
        for (map, field) in [(envMap, envField), (workloadMap, workloadField)] {
            for key in map.keys {
                let keyName = key.scalar?.string ?? "?"
                if !knownVolumeFields.contains(keyName) {
                    throw unknownField(keyName, in: field)
                }
            }
        }
        for key in envOnlyVolumeFields where workloadMap[key] != nil {
            throw KeyDaemonError.invalid(
                "\(workloadField).\(key)", "belongs in the env section (the deployer's), not in workload")
        }
        for (key, reason) in unsupportedVolumeFields {
            if envMap[key] != nil { throw KeyDaemonError.invalid("\(envField).\(key)", reason) }
            if workloadMap[key] != nil { throw KeyDaemonError.invalid("\(workloadField).\(key)", reason) }
        }

        let envSeed = try seed(envMap["seed"], field: "\(envField).seed")
        let workloadSeed = try seed(workloadMap["seed"], field: "\(workloadField).seed")

        var entries: [KMSEntry] = []
        if let kmsNode = envMap["kms"] {
            guard let sequence = kmsNode.sequence else {
                throw KeyDaemonError.invalid("\(envField).kms", "must be a list of entries")
            }
            guard !sequence.isEmpty else {
                throw KeyDaemonError.invalid("\(envField).kms", "is empty; give 1 to 5 entries or leave it out")
            }
            guard sequence.count <= maximumKMSEntries else {
                throw KeyDaemonError.invalid(
                    "\(envField).kms", "has \(sequence.count) entries; at most \(maximumKMSEntries) are allowed")
            }
            for (index, entryNode) in sequence.enumerated() {
                entries.append(try kmsEntry(entryNode, field: "\(envField).kms[\(index)]"))
            }
        }

        var timeoutMinutes = defaultKMSTimeoutMinutes
        if let timeoutNode = envMap["kmsTimeout"] {
            guard let text = timeoutNode.scalar?.string, let minutes = Int(text) else {
                throw KeyDaemonError.invalid("\(envField).kmsTimeout", "must be a whole number of minutes")
            }
            guard kmsTimeoutMinutes.contains(minutes) else {
                throw KeyDaemonError.invalid(
                    "\(envField).kmsTimeout",
                    "\(minutes) is outside \(kmsTimeoutMinutes.lowerBound)...\(kmsTimeoutMinutes.upperBound) minutes")
            }
            timeoutMinutes = minutes
        }

        func optionalString(_ key: String) throws -> String? {
            let fromEnv = envMap[key]
            let fromWorkload = workloadMap[key]
            guard let node = fromWorkload ?? fromEnv else { return nil }
            guard let text = node.scalar?.string, !text.isEmpty else {
                throw KeyDaemonError.invalid(
                    "\(fromWorkload != nil ? workloadField : envField).\(key)", "must be a non-empty string")
            }
            return text
        }

        /// An env-only string of at least `minimumLength` characters (the schema's `minLength`), never quoted.
        func envString(_ key: String, minimumLength: Int) throws -> String? {
            guard let node = envMap[key] else { return nil }
            guard let text = node.scalar?.string, node.tag.rawValue == Tag.Name.str.rawValue else {
                throw KeyDaemonError.invalid("\(envField).\(key)", "must be a string")
            }
            guard text.count >= minimumLength else {
                throw KeyDaemonError.invalid(
                    "\(envField).\(key)", "must be at least \(minimumLength) character\(minimumLength == 1 ? "" : "s")")
            }
            return text
        }

        return VolumeConfiguration(
            name: name,
            envSeed: envSeed,
            workloadSeed: workloadSeed,
            kms: entries,
            kmsTimeout: .seconds(timeoutMinutes * 60),
            mount: try optionalString("mount"),
            filesystem: try optionalString("filesystem"),
            volumeName: try envString("volumeName", minimumLength: 1),
            volumeID: try envString("volumeID", minimumLength: 3),
            lookupAPIKey: try envString("apiKey", minimumLength: 10).map { APIKey($0) }
        )
    }

    /// Every field a volume may name, in either section (schema 1.0.116 `envVolume` and `workloadVolume`, plus
    /// `mount` and `filesystem`, which hpcs-keyd also reads from env).
    static let knownVolumeFields: Set<String> = [
        "seed", "kms", "kmsTimeout", "mount", "filesystem", "apiKey", "volumeName", "volumeID", "previousSeed",
        "uv-secret-id", "uv-previous-secret-id", "grep11",
    ]

    /// Fields the schema allows in `env` only (`workloadVolume` has `mount`, `filesystem`, `seed`, `previousSeed`).
    static let envOnlyVolumeFields = [
        "kms", "kmsTimeout", "apiKey", "volumeName", "volumeID", "uv-secret-id", "uv-previous-secret-id", "grep11",
    ]

    /// Schema 1.0.116 volume forms whose behaviour IBM has not published, with the reason each is refused: the
    /// daemon cannot open or create such a volume the way a CCRT instance would, and must not guess.
    static let unsupportedVolumeFields: [(String, String)] = [
        (
            "grep11",
            "not supported by hpcs-keyd: how a CCRT instance derives the volume passphrase from a GREP11 server and "
                + "the metadata.aesKeyBlob is not publicly specified; use seed with kms entries instead"
        ),
        (
            "uv-secret-id",
            "not supported by hpcs-keyd: an Ultravisor secret exists only inside an IBM Secure Execution guest, and "
                + "how a volume passphrase is derived from it is not publicly specified; use seed instead"
        ),
        (
            "uv-previous-secret-id",
            "not supported by hpcs-keyd: an Ultravisor secret exists only inside an IBM Secure Execution guest, and "
                + "how a volume is re-keyed from the previous one is not publicly specified"
        ),
        (
            "previousSeed",
            "not supported by hpcs-keyd: how a previousSeed re-keys a volume (which keyslot is added or removed, and "
                + "when) is not publicly specified; change seeds by re-provisioning instead"
        ),
    ]

    private static func seed(_ node: Node?, field: String) throws -> SecretBytes {
        guard let node else {
            throw KeyDaemonError.invalid(field, "missing; every volume needs a seed in both sections")
        }
        guard let text = node.scalar?.string else { throw KeyDaemonError.invalid(field, "must be a string") }
        guard !text.isEmpty else { throw KeyDaemonError.invalid(field, "is empty") }
        return SecretBytes(utf8: text)
    }

    private static func kmsEntry(_ node: Node, field: String) throws -> KMSEntry {
        guard let map = node.mapping else { throw KeyDaemonError.invalid(field, "must be a mapping") }
        for key in map.keys {
            let name = key.scalar?.string ?? "?"
            if !["apiKey", "crn", "type", "plan"].contains(name) {
                throw unknownField(name, in: field)
            }
        }
        guard let apiKey = map["apiKey"]?.scalar?.string, !apiKey.isEmpty else {
            throw KeyDaemonError.invalid("\(field).apiKey", "missing or empty")
        }
        guard let crnText = map["crn"]?.scalar?.string, !crnText.isEmpty else {
            throw KeyDaemonError.invalid("\(field).crn", "missing or empty")
        }
        let crn: CRN
        do {
            crn = try CRN(parsing: crnText)
        } catch let error as KeyProtectError {
            throw KeyDaemonError.invalid("\(field).crn", "not a root-key CRN (\(error.message))")
        }
        let typeText = map["type"]?.scalar?.string ?? "public"
        guard let network = CRN.Network(rawValue: typeText) else {
            // Not quoted: an API key pasted into the wrong field must not reach a log.
            throw KeyDaemonError.invalid("\(field).type", "must be public or private")
        }
        var plan = CRN.Plan.standard
        if let planNode = map["plan"] {
            guard let text = planNode.scalar?.string, let parsed = CRN.Plan(rawValue: text) else {
                throw KeyDaemonError.invalid("\(field).plan", "must be standard or dedicated")
            }
            do {
                try crn.check(plan: parsed)
            } catch let error as KeyProtectError {
                throw KeyDaemonError.invalid("\(field).plan", error.message)
            }
            plan = parsed
        }
        return KMSEntry(apiKey: APIKey(apiKey), crn: crn, network: network, plan: plan)
    }

    /// An unknown key, named when it looks like a misspelled field name (letters only, at most 24), else not quoted:
    /// a seed or an API key typed as a key must not reach a log.
    private static func unknownField(_ key: String, in field: String) -> KeyDaemonError {
        let looksLikeName =
            !key.isEmpty && key.utf8.count <= 24
            && key.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
        if looksLikeName {
            return KeyDaemonError.invalid("\(field).\(key)", "unknown field")
        }
        return KeyDaemonError.invalid(field, "has an unknown field (its name is not shown, as it may be a secret)")
    }

    /// The parser's complaint without echoing the document (which holds seeds and API keys).
    private static func yamlProblem(_ error: any Error) -> String {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                return "\(problem) at line \(mark.line), column \(mark.column)"
            default:
                return "malformed document"
            }
        }
        return "malformed document"
    }
}
