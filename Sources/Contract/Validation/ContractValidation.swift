import Foundation
import Yams

/// The outcome of checking a contract against the rules of IBM's Hyper Protect / CCRT contract JSON schema 1.0.116
/// that this module implements (see ``validate(yaml:decryptor:target:)``).
///
/// ```swift
/// let report = try ContractValidation.validate(yaml: contractText)
/// for problem in report.problems { print(problem) }   // "env.volumes.data.kmsTimeout: must be 0-20 ..."
/// ```
///
/// No problem or note ever quotes a value from the contract (seeds, API keys and key blobs live there): only
/// paths, field names that look like names, and the rule that was broken.
public struct ContractValidation: Sendable {
    /// One finding: where (`env.volumes.data.kms[0].crn`) and what.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        /// The dotted path of the field, e.g. `env.volumes.data.kmsTimeout`; `contract` for the whole document.
        public var path: String
        /// What is wrong (a problem) or worth knowing (a note).
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String { "\(path): \(message)" }
    }

    /// Whose rules apply.
    public enum Target: String, Sendable, Hashable, CaseIterable {
        /// IBM's schema 1.0.116, as a CCRT/HPCR instance validates a contract. Forms hpcs-keyd refuses are notes.
        case confidentialComputing = "ccrt"
        /// The schema plus hpcs-keyd's own rules: the forms whose behaviour is not publicly specified (`grep11`,
        /// `uv-secret-id`, `uv-previous-secret-id`, `previousSeed`) are problems, `kms[].plan` is allowed, and every
        /// volume must be named in both sections.
        case keyDaemon = "hpcs-keyd"
    }

    /// What breaks a rule: a contract with any problem is invalid.
    public var problems: [Finding]
    /// What was not checked (an encrypted section without a key) or is valid but noteworthy.
    public var notes: [Finding]

    /// Whether no rule was broken.
    public var isValid: Bool { problems.isEmpty }

    /// Checks a contract.
    ///
    /// The rules, each from IBM's `hpse-contract-schema-1.0.116.json` (contract-go, `schema/contract/`) unless said
    /// otherwise:
    /// - the document: a map with `workload` and `env` (IBM documentation, "Contract sections");
    ///   `envWorkloadSignature` base64 (`allOf[6]`); `attestationPublicKey` a PEM public key (`allOf[7]`);
    /// - each section: an encrypted token (checked only when `decryptor` opens it; otherwise a note), or a map with
    ///   `type: workload` / `type: env` (`$defs/workload`, `$defs/env`);
    /// - `workload`: exactly one of `compose`, `play`, `confidential-containers`; `compose.archive` base64 of at
    ///   least 4 characters; `play` only `resources`, `templates` (lists) and `archive`; `env` as below
    ///   (`allOf[1]`). The Kubernetes resource definitions inside `play` are not checked;
    /// - `env.env` and `workload.env`: names `^[A-Za-z_][A-Za-z0-9_]*$`, string values (`allOf[1]`);
    /// - `env.signingKey`: a PEM public key, a PEM certificate, or base64 (`allOf[6]`);
    /// - `volumes` in both sections (`allOf[3]`): names `^[a-z_][a-z0-9-_]*$`; in `env` exactly one of `seed` and
    ///   `uv-secret-id`, `uv-previous-secret-id` only with `uv-secret-id`, `previousSeed`, `kms` (1 to 5 entries of
    ///   `apiKey` of at least 10 characters, `crn` of the schema's pattern, `type` public|private), `kmsTimeout` an
    ///   integer 0 to 20, `grep11` (`address` host:port, base64 `clientCert`, `clientKey`, `caCert`, `metadata` with
    ///   `aesKeyBlob` and optional `previousaesKeyBlob`, base64 or asterisks), `apiKey` (at least 10 characters),
    ///   `volumeName` (at least 1), `volumeID` (at least 3); in `workload` `seed` (required), `previousSeed`, `mount`
    ///   (`^(/[^/]+)+$`), `filesystem` (xfs, ext4, btrfs); seeds at least 15 of `a-zA-Z0-9!@#$%^&*(),.?":{}|<>_-`;
    ///   no other field.
    ///
    /// With ``Target/keyDaemon``, `grep11`, `uv-secret-id`, `uv-previous-secret-id` and `previousSeed` are problems
    /// (hpcs-keyd refuses them: their behaviour is not publicly specified), `kms[].plan` is allowed, and a volume
    /// named in one section only is a problem; with ``Target/confidentialComputing`` these are notes.
    ///
    /// Not checked: `logging`, `images`, `auths`, `cacerts` and other parts of the schema outside the rules above.
    ///
    /// - Throws: ``ContractError/malformedContract`` when the text is not YAML or exceeds the YAML limits (1 MiB,
    ///   32 aliases, 100,000 expanded nodes): such a contract cannot be checked at all.
    public static func validate(
        yaml: String, decryptor: ContractDecryptor? = nil, target: Target = .confidentialComputing
    ) throws -> ContractValidation {
        let root = try YAMLSupport.compose(yaml, what: "the contract", code: .malformedContract, field: nil)
        var checker = Checker(decryptor: decryptor, target: target)
        checker.checkContract(root)
        return ContractValidation(problems: checker.problems, notes: checker.notes)
    }
}

// MARK: - The checker

/// Walks a composed contract and records findings. Every `check...` takes the node and its path.
struct Checker {
    let decryptor: ContractDecryptor?
    let target: ContractValidation.Target
    var problems: [ContractValidation.Finding] = []
    var notes: [ContractValidation.Finding] = []
    /// Volume names seen per section, for the cross-section rule; nil when the section's volumes were not seen.
    var volumeNames: [String: Set<String>] = [:]

    init(decryptor: ContractDecryptor?, target: ContractValidation.Target) {
        self.decryptor = decryptor
        self.target = target
    }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(.init(path: path, message: message))
    }

    mutating func note(_ path: String, _ message: String) {
        notes.append(.init(path: path, message: message))
    }

    // MARK: Document

    mutating func checkContract(_ root: Node?) {
        guard let root, case .mapping(let mapping) = root else {
            problem(
                "contract", "must be a YAML map of sections (workload, env, envWorkloadSignature, attestationPublicKey)"
            )
            return
        }
        var seen: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = Schema.stringValue(keyNode) else {
                problem("contract", "a top-level key is not a string")
                continue
            }
            seen[key] = value
        }
        for section in ["workload", "env"] where seen[section] == nil || seen[section].map(Schema.isNull) == true {
            problem(section, "missing; every contract has a workload and an env section")
        }
        if let workload = seen["workload"], !Schema.isNull(workload) {
            if let map = sectionMap(workload, path: "workload") { checkWorkload(map) }
        }
        if let env = seen["env"], !Schema.isNull(env) {
            if let map = sectionMap(env, path: "env") { checkEnv(map) }
        }
        if let signature = seen["envWorkloadSignature"], !Schema.isNull(signature) {
            if let text = Schema.stringValue(signature) {
                if !Schema.isBase64WithWhitespace(text) || text.isEmpty {
                    problem("envWorkloadSignature", "must be base64 (whitespace allowed between groups of four)")
                }
            } else {
                problem("envWorkloadSignature", "must be a string")
            }
        }
        if let attestation = seen["attestationPublicKey"], !Schema.isNull(attestation) {
            checkAttestationKey(attestation)
        }
        for key in seen.keys.sorted()
        where !["workload", "env", "envWorkloadSignature", "attestationPublicKey"].contains(key) {
            note(Schema.displayKey(key, in: "contract"), "not a contract section; ignored")
        }
        checkVolumeNamesMatch()
    }

    /// The map of a section: the map itself, a plaintext YAML string, or a token opened with the decryptor.
    mutating func sectionMap(_ node: Node, path: String) -> [(String, Node)]? {
        switch node {
        case .mapping:
            return entries(node, path: path)
        case .scalar:
            guard let text = Schema.stringValue(node) else {
                problem(path, "must be a map or an encrypted token")
                return nil
            }
            let plaintext: String
            if case .encrypted(let token) = ContractSection.classify(text) {
                guard let decryptor else {
                    note(path, "encrypted; its contents were not checked (pass the private key to check them)")
                    return nil
                }
                do {
                    let bytes = try decryptor.decrypt(
                        token: token, acceptedPrefixes: TokenPrefix.known, field: ContractField(rawValue: path))
                    guard let decoded = String(validating: bytes, as: UTF8.self) else {
                        problem(path, "decrypts to bytes that are not UTF-8 text")
                        return nil
                    }
                    plaintext = decoded
                } catch let error as ContractError {
                    problem(path, "cannot be decrypted with the given key (\(error.message))")
                    return nil
                } catch {
                    problem(path, "cannot be decrypted with the given key")
                    return nil
                }
            } else {
                plaintext = text
            }
            let inner: Node?
            do {
                inner = try YAMLSupport.compose(
                    plaintext, what: "the \(path) section", code: .malformedContract, field: nil)
            } catch let error as ContractError {
                problem(path, error.message.replacingOccurrences(of: "the \(path) section ", with: ""))
                return nil
            } catch {
                problem(path, "is not valid YAML")
                return nil
            }
            guard let inner, case .mapping = inner else {
                problem(path, "must hold a YAML map")
                return nil
            }
            return entries(inner, path: path)
        default:
            problem(path, "must be a map or an encrypted token")
            return nil
        }
    }

    /// A map's entries with string keys; a key that is not a string is a problem.
    mutating func entries(_ node: Node, path: String) -> [(String, Node)]? {
        guard case .mapping(let mapping) = node else { return nil }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = Schema.stringValue(keyNode) else {
                problem(path, "has a key that is not a string")
                continue
            }
            result.append((key, value))
        }
        return result
    }

    mutating func checkAttestationKey(_ node: Node) {
        guard let text = Schema.stringValue(node) else {
            problem("attestationPublicKey", "must be a string")
            return
        }
        if ContractSection.classify(text).isEncrypted {
            note("attestationPublicKey", "encrypted; not checked")
            return
        }
        if !Schema.isPEM(text, label: "PUBLIC KEY") {
            problem("attestationPublicKey", "must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
        }
    }

    // MARK: Sections

    mutating func checkType(_ map: [(String, Node)], path: String, expected: String) {
        guard let node = map.first(where: { $0.0 == "type" })?.1 else {
            problem("\(path).type", "missing; must be \(expected)")
            return
        }
        if Schema.stringValue(node) != expected { problem("\(path).type", "must be \(expected)") }
    }

    mutating func checkWorkload(_ map: [(String, Node)]) {
        volumeNames["workload"] = volumeNames["workload"] ?? []
        checkType(map, path: "workload", expected: "workload")
        let kinds = ["compose", "play", "confidential-containers"].filter { kind in map.contains { $0.0 == kind } }
        if kinds.count != 1 {
            problem(
                "workload",
                kinds.isEmpty
                    ? "needs one of compose, play or confidential-containers"
                    : "has \(kinds.joined(separator: " and ")); exactly one of compose, play or "
                        + "confidential-containers is allowed")
        }
        for (key, value) in map {
            switch key {
            case "compose": checkCompose(value)
            case "play": checkPlay(value)
            case "confidential-containers":
                if !Schema.isMap(value) { problem("workload.confidential-containers", "must be a map") }
            case "env": checkEnvironmentVariables(value, path: "workload.env")
            case "volumes": checkVolumes(value, section: "workload")
            default: break
            }
        }
    }

    mutating func checkCompose(_ node: Node) {
        guard let map = entries(node, path: "workload.compose") else {
            problem("workload.compose", "must be a map")
            return
        }
        checkAllowedKeys(map, path: "workload.compose", allowed: ["archive"])
        guard let archive = map.first(where: { $0.0 == "archive" })?.1 else {
            problem("workload.compose.archive", "missing")
            return
        }
        checkArchive(archive, path: "workload.compose.archive")
    }

    mutating func checkPlay(_ node: Node) {
        guard let map = entries(node, path: "workload.play") else {
            problem("workload.play", "must be a map")
            return
        }
        checkAllowedKeys(map, path: "workload.play", allowed: ["resources", "templates", "archive"])
        for (key, value) in map {
            switch key {
            case "resources", "templates":
                if case .sequence = value {} else { problem("workload.play.\(key)", "must be a list") }
            case "archive":
                checkArchive(value, path: "workload.play.archive")
            default: break
            }
        }
    }

    /// `$defs/tgz`: base64 (`^[-A-Za-z0-9+/]*={0,3}$`), at least 4 characters.
    mutating func checkArchive(_ node: Node, path: String) {
        guard let text = Schema.stringValue(node) else {
            problem(path, "must be a string (base64 of a .tgz)")
            return
        }
        if text.utf8.count < 4 || !Schema.isArchiveBase64(text) {
            problem(path, "must be base64 of a .tgz, at least 4 characters")
        }
    }

    mutating func checkEnv(_ map: [(String, Node)]) {
        volumeNames["env"] = volumeNames["env"] ?? []
        checkType(map, path: "env", expected: "env")
        for (key, value) in map {
            switch key {
            case "env": checkEnvironmentVariables(value, path: "env.env")
            case "volumes": checkVolumes(value, section: "env")
            case "signingKey": checkSigningKey(value)
            default: break
            }
        }
    }

    /// `allOf[1].$defs.env`: names `^[A-Za-z_][A-Za-z0-9_]*$`, string values, nothing else.
    mutating func checkEnvironmentVariables(_ node: Node, path: String) {
        guard let map = entries(node, path: path) else {
            problem(path, "must be a map of variable names to strings")
            return
        }
        for (name, value) in map {
            guard Schema.isVariableName(name) else {
                problem(path, "a variable name does not match ^[A-Za-z_][A-Za-z0-9_]*$ (the name is not shown)")
                continue
            }
            if Schema.stringValue(value) == nil { problem("\(path).\(name)", "must be a string") }
        }
    }

    /// `allOf[6]`: `signingKey` is `oneOf` a PEM public key, base64, or a PEM certificate.
    mutating func checkSigningKey(_ node: Node) {
        guard let text = Schema.stringValue(node) else {
            problem("env.signingKey", "must be a string")
            return
        }
        let forms = [
            Schema.isPEM(text, label: "PUBLIC KEY"), Schema.isBase64WithWhitespace(text) && !text.isEmpty,
            Schema.isPEM(text, label: "CERTIFICATE"),
        ]
        if forms.filter({ $0 }).count != 1 {
            problem("env.signingKey", "must be a PEM public key, a PEM certificate, or base64 of either")
        }
    }

    // MARK: Volumes (allOf[3])

    mutating func checkVolumes(_ node: Node, section: String) {
        let path = "\(section).volumes"
        guard let map = entries(node, path: path) else {
            problem(path, "must be a map of volume names")
            return
        }
        var names: Set<String> = []
        for (index, (name, value)) in map.enumerated() {
            let volumePath: String
            if Schema.isVolumeName(name) {
                volumePath = "\(path).\(name)"
                names.insert(name)
            } else {
                problem(path, "volume \(index + 1)'s name does not match ^[a-z_][a-z0-9-_]*$ (the name is not shown)")
                volumePath = "\(path).(volume \(index + 1))"
            }
            guard let volume = entries(value, path: volumePath) else {
                problem(volumePath, "must be a map")
                continue
            }
            if section == "env" {
                checkEnvVolume(volume, path: volumePath)
            } else {
                checkWorkloadVolume(volume, path: volumePath)
            }
        }
        volumeNames[section] = names
    }

    /// Fields of an `env` volume (`$defs/envVolume`, `additionalProperties: false`).
    static let envVolumeFields: Set<String> = [
        "seed", "previousSeed", "uv-secret-id", "uv-previous-secret-id", "kms", "grep11", "kmsTimeout", "apiKey",
        "volumeName", "volumeID",
    ]

    /// Why hpcs-keyd refuses a form whose behaviour IBM has not published.
    static let keyDaemonRefusals: [String: String] = [
        "grep11":
            "hpcs-keyd refuses it: how a CCRT instance derives the volume passphrase from the GREP11 server and "
            + "metadata.aesKeyBlob is not publicly specified",
        "uv-secret-id":
            "hpcs-keyd refuses it: an Ultravisor secret exists only inside an IBM Secure Execution guest, and how "
            + "a passphrase is derived from it is not publicly specified",
        "uv-previous-secret-id":
            "hpcs-keyd refuses it: an Ultravisor secret exists only inside an IBM Secure Execution guest, and how a "
            + "volume is re-keyed from the previous one is not publicly specified",
        "previousSeed":
            "hpcs-keyd refuses it: how a previousSeed re-keys a volume is not publicly specified",
    ]

    /// `$defs/envVolume`: `oneOf` `seed` / `uv-secret-id`; `uv-previous-secret-id` needs `uv-secret-id`; each field
    /// by its definition; nothing else.
    mutating func checkEnvVolume(_ volume: [(String, Node)], path: String) {
        checkAllowedKeys(volume, path: path, allowed: Self.envVolumeFields)
        let has = { (key: String) in volume.contains { $0.0 == key } }
        switch (has("seed"), has("uv-secret-id")) {
        case (false, false): problem(path, "needs seed or uv-secret-id")
        case (true, true): problem(path, "has both seed and uv-secret-id; exactly one is allowed")
        default: break
        }
        if has("uv-previous-secret-id"), !has("uv-secret-id") {
            problem("\(path).uv-previous-secret-id", "needs uv-secret-id")
        }
        for (key, value) in volume {
            let fieldPath = "\(path).\(key)"
            switch key {
            case "seed", "previousSeed": checkSeed(value, path: fieldPath)
            case "uv-secret-id", "uv-previous-secret-id":
                if !(Schema.stringValue(value).map(Schema.isUltravisorIndex) ?? false) {
                    problem(fieldPath, "must be index-1 to index-8")
                }
            case "kms": checkKMS(value, path: fieldPath)
            case "grep11": checkGREP11(value, path: fieldPath)
            case "kmsTimeout":
                // `$defs/kmsTimeout`: integer, minimum 0, maximum 20 (the HPVS documentation says 0-1000; a CCRT
                // instance validates against the schema).
                guard let minutes = Schema.integerValue(value) else {
                    problem(fieldPath, "must be a whole number of minutes (0-20)")
                    break
                }
                if !(0...20).contains(minutes) { problem(fieldPath, "must be 0-20 (minutes)") }
            case "apiKey": checkString(value, path: fieldPath, minimumLength: 10)
            case "volumeName": checkString(value, path: fieldPath, minimumLength: 1)
            case "volumeID": checkString(value, path: fieldPath, minimumLength: 3)
            default: break
            }
            if let reason = Self.keyDaemonRefusals[key] {
                if target == .keyDaemon { problem(fieldPath, reason) } else { note(fieldPath, reason) }
            }
        }
    }

    /// `$defs/workloadVolume`: `mount`, `filesystem`, `seed` (required), `previousSeed`; nothing else.
    mutating func checkWorkloadVolume(_ volume: [(String, Node)], path: String) {
        checkAllowedKeys(volume, path: path, allowed: ["mount", "filesystem", "seed", "previousSeed"])
        if !volume.contains(where: { $0.0 == "seed" }) { problem("\(path).seed", "missing") }
        for (key, value) in volume {
            let fieldPath = "\(path).\(key)"
            switch key {
            case "seed", "previousSeed": checkSeed(value, path: fieldPath)
            case "mount":
                if !(Schema.stringValue(value).map(Schema.isMountPoint) ?? false) {
                    problem(fieldPath, "must be an absolute path such as /mnt/data (^(/[^/]+)+$)")
                }
            case "filesystem":
                if !["xfs", "ext4", "btrfs"].contains(Schema.stringValue(value) ?? "") {
                    problem(fieldPath, "must be xfs, ext4 or btrfs")
                }
            default: break
            }
            if key == "previousSeed", let reason = Self.keyDaemonRefusals[key] {
                if target == .keyDaemon { problem(fieldPath, reason) } else { note(fieldPath, reason) }
            }
        }
    }

    /// `$defs/seed`, `$defs/previousSeed`: at least 15 of `a-zA-Z0-9!@#$%^&*(),.?":{}|<>_-`.
    mutating func checkSeed(_ node: Node, path: String) {
        guard let text = Schema.stringValue(node) else {
            problem(path, "must be a string")
            return
        }
        if !Schema.isSeed(text) {
            problem(path, "must be at least 15 characters of letters, digits and !@#$%^&*(),.?\":{}|<>_-")
        }
    }

    mutating func checkString(_ node: Node, path: String, minimumLength: Int) {
        guard let text = Schema.stringValue(node) else {
            problem(path, "must be a string")
            return
        }
        if text.count < minimumLength {
            problem(path, "must be at least \(minimumLength) character\(minimumLength == 1 ? "" : "s")")
        }
    }

    /// `$defs/kms`: 1 to 5 `kmsEndpoint` maps of `apiKey` (at least 10 characters, required), `crn` (the schema's
    /// pattern, required) and `type` (public or private); hpcs-keyd also allows `plan: standard|dedicated`.
    mutating func checkKMS(_ node: Node, path: String) {
        guard case .sequence(let sequence) = node else {
            problem(path, "must be a list of 1 to 5 entries")
            return
        }
        if sequence.isEmpty || sequence.count > 5 {
            problem(path, "has \(sequence.count) entries; 1 to 5 are allowed")
        }
        for (index, entryNode) in sequence.enumerated() {
            let entryPath = "\(path)[\(index)]"
            guard let entry = entries(entryNode, path: entryPath) else {
                problem(entryPath, "must be a map of apiKey, crn and type")
                continue
            }
            var allowed: Set<String> = ["apiKey", "crn", "type"]
            if target == .keyDaemon { allowed.insert("plan") }
            checkAllowedKeys(entry, path: entryPath, allowed: allowed)
            let value = { (key: String) in entry.first(where: { $0.0 == key })?.1 }
            if let apiKey = value("apiKey") {
                checkString(apiKey, path: "\(entryPath).apiKey", minimumLength: 10)
            } else {
                problem("\(entryPath).apiKey", "missing")
            }
            var service: String?
            if let crn = value("crn") {
                if let text = Schema.stringValue(crn), let parsed = Schema.rootKeyCRNService(text) {
                    service = parsed
                } else {
                    problem(
                        "\(entryPath).crn",
                        "must be a root key CRN: crn:v<n>:bluemix|staging:public|dedicated|local:<service>:<region>:"
                            + "<scope>:<instance>:key:<key id>")
                }
            } else {
                problem("\(entryPath).crn", "missing")
            }
            if let type = value("type"), !["public", "private"].contains(Schema.stringValue(type) ?? "") {
                problem("\(entryPath).type", "must be public or private")
            }
            if target == .keyDaemon, let plan = value("plan") {
                switch Schema.stringValue(plan) {
                case "standard": break
                case "dedicated":
                    if let service, service != "kms" {
                        problem(
                            "\(entryPath).plan",
                            "dedicated is a Key Protect (kms) plan; the crn names service \(service)")
                    }
                default: problem("\(entryPath).plan", "must be standard or dedicated")
                }
            }
        }
    }

    /// `$defs/grep11Endpoint` and `$defs/grep11Metadata`.
    mutating func checkGREP11(_ node: Node, path: String) {
        guard let map = entries(node, path: path) else {
            problem(path, "must be a map of address, clientCert, clientKey, caCert and metadata")
            return
        }
        checkAllowedKeys(map, path: path, allowed: ["address", "clientCert", "clientKey", "caCert", "metadata"])
        for key in ["address", "clientCert", "clientKey", "caCert", "metadata"]
        where !map.contains(where: { $0.0 == key }) {
            problem("\(path).\(key)", "missing")
        }
        for (key, value) in map {
            let fieldPath = "\(path).\(key)"
            switch key {
            case "address":
                if !(Schema.stringValue(value).map(Schema.isHostAndPort) ?? false) {
                    problem(fieldPath, "must be host:port or IPv4:port")
                }
            case "clientCert", "clientKey", "caCert":
                if !(Schema.stringValue(value).map { Schema.isBase64Material($0, maskAllowed: false) } ?? false) {
                    problem(fieldPath, "must be base64 (A-Z, a-z, 0-9, +, /, =)")
                }
            case "metadata":
                guard let metadata = entries(value, path: fieldPath) else {
                    problem(fieldPath, "must be a map with aesKeyBlob")
                    break
                }
                checkAllowedKeys(metadata, path: fieldPath, allowed: ["aesKeyBlob", "previousaesKeyBlob"])
                if !metadata.contains(where: { $0.0 == "aesKeyBlob" }) {
                    problem("\(fieldPath).aesKeyBlob", "missing")
                }
                for (blobKey, blob) in metadata where blobKey == "aesKeyBlob" || blobKey == "previousaesKeyBlob" {
                    if !(Schema.stringValue(blob).map { Schema.isBase64Material($0, maskAllowed: true) } ?? false) {
                        problem("\(fieldPath).\(blobKey)", "must be base64, or asterisks where the value was consumed")
                    }
                }
            default: break
            }
        }
    }

    mutating func checkAllowedKeys(_ map: [(String, Node)], path: String, allowed: Set<String>) {
        for (key, _) in map where !allowed.contains(key) {
            problem(Schema.displayKey(key, in: path), "unknown field (not in the contract schema)")
        }
    }

    /// hpcs-keyd reads a volume from both sections; a CCRT instance's rule for a volume named in one section only
    /// is not in the schema.
    mutating func checkVolumeNamesMatch() {
        guard let env = volumeNames["env"], let workload = volumeNames["workload"] else { return }
        for name in env.symmetricDifference(workload).sorted() {
            let (present, absent) = env.contains(name) ? ("env", "workload") : ("workload", "env")
            let message = "is in \(present) but not in \(absent); hpcs-keyd needs the volume in both sections"
            if target == .keyDaemon {
                problem("\(absent).volumes.\(name)", message)
            } else {
                note("\(absent).volumes.\(name)", message)
            }
        }
    }
}
