import ArgumentParser
import EP11
import Foundation
import HSMMock

/// `hpcs-tool mock hsm` options that inject faults and restrict the mechanisms, so that callers can test their
/// error paths against the standalone server.
struct MockHSMFaultOptions: ParsableArguments {
    @Option(
        name: .customLong("fault"),
        help: ArgumentHelp(
            "Fail every call of an RPC with a return value: RPC=CKR_NAME[,retry][,times=N] (repeatable).",
            discussion: """
                RPC is a GREP11 RPC name (GenerateKeyPair, SignSingle, ...); CKR_NAME a return value name \
                (CKR_IBM_WKID_MISMATCH, CKR_DEVICE_ERROR, ...) or a hex value (0x80010010). With retry, the \
                Grep11Error carries Retry = true; with times=N, only the next N calls fail.
                """,
            valueName: "rpc=ckr"))
    var rpcFaults: [String] = []

    @Option(
        name: .customLong("fault-mechanism"),
        help: ArgumentHelp(
            "Fail every request naming a mechanism: MECH=CKR_NAME[,retry][,times=N] (repeatable).",
            valueName: "mech=ckr"))
    var mechanismFaults: [String] = []

    @Option(help: ArgumentHelp("Delay every call by this many milliseconds.", valueName: "ms"))
    var latency: Int?

    @Option(help: ArgumentHelp("Drop this share of calls (0 to 1) as a broken connection does.", valueName: "p"))
    var dropRate: Double?

    @Option(
        help: ArgumentHelp(
            "Offer only these mechanisms, comma-separated (CKM_AES_KEY_GEN,AES_CBC_PAD,0x1085); others fail with "
                + "CKR_MECHANISM_INVALID and are not listed.",
            valueName: "list"))
    var allowMechanisms: String?

    func validate() throws {
        _ = try faults()
        _ = try allowedMechanisms()
    }

    /// Applies the faults and the allow-list to `mock`.
    func apply(to mock: HSMMock) throws {
        for fault in try faults() { try mock.injectFault(fault) }
        if let allowed = try allowedMechanisms() { mock.allowedMechanisms = allowed }
    }

    /// The faults the options describe, in the order: latency, drops, RPC faults, mechanism faults.
    func faults() throws -> [HSMMock.Fault] {
        var faults: [HSMMock.Fault] = []
        if let latency {
            guard latency >= 0, latency <= 600_000 else {
                throw ValidationError("--latency must be 0 to 600000 milliseconds, not \(latency)")
            }
            faults.append(HSMMock.Fault(.delay(.milliseconds(latency))))
        }
        if let dropRate {
            guard dropRate >= 0, dropRate <= 1 else {
                throw ValidationError("--drop-rate must be between 0 and 1, not \(dropRate)")
            }
            faults.append(HSMMock.Fault(.dropConnection, probability: dropRate))
        }
        for text in rpcFaults {
            let (name, action, times) = try Self.parse(text, option: "--fault")
            guard let method = HSMMock.RPC(name: name) else {
                throw ValidationError(
                    "--fault \(text): \(name) is not a GREP11 RPC (GenerateRandom, GenerateKey, SignSingle, ...)")
            }
            faults.append(HSMMock.Fault(action, target: .rpc(method), times: times))
        }
        for text in mechanismFaults {
            let (name, action, times) = try Self.parse(text, option: "--fault-mechanism")
            guard let mechanism = Self.mechanism(name) else {
                throw ValidationError("--fault-mechanism \(text): \(name) is not a mechanism name or hex value")
            }
            faults.append(HSMMock.Fault(action, target: .mechanism(mechanism), times: times))
        }
        return faults
    }

    /// The allow-list, or `nil` without `--allow-mechanisms`.
    func allowedMechanisms() throws -> Set<MechanismType>? {
        guard let allowMechanisms else { return nil }
        var allowed: Set<MechanismType> = []
        for item in allowMechanisms.split(separator: ",", omittingEmptySubsequences: false) {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let mechanism = Self.mechanism(name) else {
                throw ValidationError(
                    "--allow-mechanisms: \(name.isEmpty ? "an empty entry" : name) is not a mechanism name or hex value"
                )
            }
            allowed.insert(mechanism)
        }
        return allowed
    }

    /// `NAME=CKR[,retry][,times=N]`.
    static func parse(_ text: String, option: String) throws -> (String, HSMMock.Fault.Action, Int?) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ValidationError("\(option) \(text): expected NAME=CKR_NAME[,retry][,times=N]")
        }
        let name = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let parts = text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let valueText = parts.first, let value = returnValue(valueText) else {
            throw ValidationError(
                "\(option) \(text): \(parts.first ?? "") is not a return value name (CKR_DEVICE_ERROR) or hex value")
        }
        guard value != .ok else { throw ValidationError("\(option) \(text): CKR_OK is not a failure") }
        var retry = false
        var times: Int?
        for flag in parts.dropFirst() {
            if flag == "retry", !retry {
                retry = true
            } else if flag.hasPrefix("times="), times == nil, let count = Int(flag.dropFirst(6)), count > 0 {
                times = count
            } else {
                throw ValidationError("\(option) \(text): \(flag) is not retry or times=N (N > 0), each at most once")
            }
        }
        return (name, .returnValue(value, retry: retry), times)
    }

    static func returnValue(_ text: String) -> ReturnValue? {
        if let hex = hexValue(text) { return ReturnValue(rawValue: hex) }
        return ReturnValue(name: text) ?? ReturnValue(name: text.uppercased())
    }

    static func mechanism(_ text: String) -> MechanismType? {
        if let hex = hexValue(text) { return MechanismType(rawValue: hex) }
        return MechanismType(name: text) ?? MechanismType(name: text.uppercased())
    }

    static func hexValue(_ text: String) -> UInt64? {
        guard text.lowercased().hasPrefix("0x"), text.count > 2, text.count <= 18 else { return nil }
        return UInt64(text.dropFirst(2), radix: 16)
    }
}
