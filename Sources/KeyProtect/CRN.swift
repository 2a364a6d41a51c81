import Foundation

/// An IBM Cloud Resource Name that names a root key:
/// `crn:v1:bluemix:public:<service>:<region>:a/<account>:<instance>:key:<key id>`.
///
/// It yields what a Key Protect call needs: the instance id (sent as `Bluemix-Instance`), the key id and the
/// region, and it picks the service endpoint with ``endpoint(network:plan:)``.
///
/// ```swift
/// let crn = try CRN("crn:v1:bluemix:public:hs-crypto:us-south:a/acct:1f2e...:key:02fd...")
/// crn.instanceID   // "1f2e..."
/// try crn.endpoint(network: .private)  // "https://1f2e....api.private.us-south.hs-crypto.appdomain.cloud"
/// ```
public struct CRN: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// The KMS service a CRN belongs to. Extensible: an unknown service name survives parsing.
    public struct Service: Sendable, Hashable, CustomStringConvertible {
        /// The CRN's `service-name` segment.
        public var name: String
        public init(name: String) { self.name = name }

        /// IBM Key Protect (`kms`).
        public static let keyProtect = Service(name: "kms")
        /// IBM Hyper Protect Crypto Services (`hs-crypto`).
        public static let hyperProtectCrypto = Service(name: "hs-crypto")

        public var description: String { name }
    }

    /// Which network the endpoint is reached over. This is the HPVS contract's `type: public|private`,
    /// not the CRN's cloud type.
    public enum Network: String, Sendable, Hashable, CaseIterable {
        case `public`
        case `private`
    }

    /// `crn` version, e.g. `v1`.
    public var version: String
    /// Cloud name, e.g. `bluemix`.
    public var cloudName: String
    /// Cloud type, e.g. `public` (not the network the endpoint is reached over).
    public var cloudType: String
    /// The service, `kms` or `hs-crypto`.
    public var service: Service
    /// The location segment: the region, e.g. `us-south`.
    public var region: String
    /// The scope segment, e.g. `a/<account id>`.
    public var scope: String
    /// The service instance GUID, sent as the `Bluemix-Instance` header.
    public var instanceID: String
    /// The resource type; `key` for a root key.
    public var resourceType: String
    /// The key id (the `{id}` in the API paths).
    public var keyID: String

    /// The account id when the scope is `a/<account>`.
    public var accountID: String? {
        scope.hasPrefix("a/") ? String(scope.dropFirst(2)) : nil
    }

    /// Parses a key CRN. A percent-encoded CRN (`crn%3Av1%3A...`) is decoded first.
    ///
    /// - Throws: ``KeyProtectError/invalidArgument`` unless the text has ten `:`-separated segments, starts with
    ///   `crn`, has resource type `key`, and non-empty service, region, instance and key segments.
    public init(parsing text: String) throws {
        var text = text.trimmingCharacters(in: .whitespaces)
        if text.range(of: "%3A", options: .caseInsensitive) != nil {
            text = text.removingPercentEncoding ?? text
        }
        // The resource itself may contain ':', so split into at most ten segments.
        let parts = text.split(separator: ":", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 10, parts[0] == "crn" else {
            throw KeyProtectError(
                code: .invalidArgument, message: "a CRN has ten ':'-separated segments starting with 'crn'")
        }
        guard parts[8] == "key" else {
            throw KeyProtectError(
                code: .invalidArgument, message: "the CRN does not name a key (resource type '\(parts[8])')")
        }
        for (index, name) in [(4, "service name"), (5, "region"), (7, "service instance"), (9, "key id")]
        where parts[index].isEmpty {
            throw KeyProtectError(code: .invalidArgument, message: "the CRN's \(name) segment is empty")
        }
        self.version = parts[1]
        self.cloudName = parts[2]
        self.cloudType = parts[3]
        self.service = Service(name: parts[4])
        self.region = parts[5]
        self.scope = parts[6]
        self.instanceID = parts[7]
        self.resourceType = parts[8]
        self.keyID = parts[9]
    }

    /// Parses a key CRN, or returns nil when it does not parse.
    public init?(_ description: String) {
        guard let parsed = try? CRN(parsing: description) else { return nil }
        self = parsed
    }

    public var description: String {
        [
            "crn", version, cloudName, cloudType, service.name, region, scope, instanceID, resourceType, keyID,
        ].joined(separator: ":")
    }

    /// Which Key Protect plan a `kms` CRN's instance was created with. A Dedicated instance is service `kms` with
    /// plan `dedicated`, so its CRN reads exactly like a Standard one: only the user can say which it is, and the
    /// plan decides the endpoint (Standard: one regional host; Dedicated: one host per instance).
    public enum Plan: String, Sendable, Hashable, CaseIterable {
        /// Key Protect Standard (multi-tenant): `https://<region>.kms.cloud.ibm.com`.
        case standard
        /// Key Protect Dedicated (single-tenant, KYOK): `https://<instance>.api.<region>.kms.appdomain.cloud`.
        case dedicated
    }

    /// The base URL of the service's KMS API for this CRN, without `/api/v2`.
    ///
    /// | service, plan | public | private |
    /// | --- | --- | --- |
    /// | `kms`, standard | `https://<region>.kms.cloud.ibm.com` | `https://private.<region>.kms.cloud.ibm.com` |
    /// | `kms`, dedicated | `https://<instance>.api.<region>.kms.appdomain.cloud` | `https://<instance>.api.private.<region>.kms.appdomain.cloud` |
    /// | `hs-crypto` | `https://<instance>.api.<region>.hs-crypto.appdomain.cloud` | `https://<instance>.api.private.<region>.hs-crypto.appdomain.cloud` |
    ///
    /// The Dedicated public form is the one Key Protect's documentation gives (`provision-ded-instance`); the private
    /// form follows the HPCS pattern and appears in IBM's published Terraform examples, not in the Key Protect
    /// reference itself: when in doubt, copy the instance's endpoint from the console and pass it explicitly.
    ///
    /// Legacy port-based HPCS instances (`api.<region>.hs-crypto.cloud.ibm.com:<port>`) cannot be derived from the
    /// CRN: pass their URL as an explicit endpoint. An explicit endpoint always wins over a derived one.
    ///
    /// - Throws: ``KeyProtectError/invalidArgument`` for another service, `plan: .dedicated` with a CRN that is not
    ///   `kms` (an HPCS instance is no Key Protect plan), or a region or instance that is not a DNS label.
    public func endpoint(network: Network = .public, plan: Plan = .standard) throws -> String {
        try check(plan: plan)
        guard Self.isHostLabel(region) else {
            throw KeyProtectError(code: .invalidArgument, message: "the CRN's region is not a valid host name label")
        }
        switch (service, plan) {
        case (.keyProtect, .standard):
            return network == .public
                ? "https://\(region).kms.cloud.ibm.com" : "https://private.\(region).kms.cloud.ibm.com"
        case (.keyProtect, .dedicated):
            try checkInstanceLabel()
            return network == .public
                ? "https://\(instanceID).api.\(region).kms.appdomain.cloud"
                : "https://\(instanceID).api.private.\(region).kms.appdomain.cloud"
        case (.hyperProtectCrypto, _):
            try checkInstanceLabel()
            return network == .public
                ? "https://\(instanceID).api.\(region).hs-crypto.appdomain.cloud"
                : "https://\(instanceID).api.private.\(region).hs-crypto.appdomain.cloud"
        default:
            throw KeyProtectError(
                code: .invalidArgument,
                message: "no known endpoint for service '\(service.name)'; pass an explicit endpoint"
            )
        }
    }

    /// Checks that `plan` can describe this CRN's instance: `.dedicated` only for service `kms`.
    ///
    /// - Throws: ``KeyProtectError/invalidArgument`` naming the reason: an `hs-crypto` CRN names an HPCS instance,
    ///   which has no Key Protect plan (its endpoint is per instance already); another service has no plans here.
    public func check(plan: Plan) throws {
        guard plan == .dedicated, service != .keyProtect else { return }
        if service == .hyperProtectCrypto {
            throw KeyProtectError(
                code: .invalidArgument,
                message: "the CRN names a Hyper Protect Crypto Services instance (hs-crypto), not Key Protect (kms): "
                    + "'dedicated' is a Key Protect plan, and an HPCS instance's endpoint is derived without it")
        }
        throw KeyProtectError(
            code: .invalidArgument,
            message: "'dedicated' is a Key Protect plan; the CRN names service '\(service.name)', not kms")
    }

    private func checkInstanceLabel() throws {
        guard Self.isHostLabel(instanceID) else {
            throw KeyProtectError(
                code: .invalidArgument, message: "the CRN's instance is not a valid host name label")
        }
    }

    private static func isHostLabel(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 63, !text.hasPrefix("-"), !text.hasSuffix("-") else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
        }
    }
}
