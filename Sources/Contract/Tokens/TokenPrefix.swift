/// The first part of an encrypted section token, before the first `.`.
///
/// `hyper-protect-basic` is the historical prefix (HPVS for VPC, HPCR on IBM Cloud and on-premises); the
/// Confidential Computing Container Runtime targets (CCRT, CCRV) expect `contract-basic`.
public struct TokenPrefix: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The prefix text, without the separating dot.
    public let rawValue: String

    /// A prefix: non-empty ASCII letters, digits and `-` only (it may not contain the `.` separator).
    /// Returns `nil` for anything else.
    public init?(rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
            rawValue.utf8.allSatisfy({ byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2D
            })
        else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) { self.rawValue = known }

    /// `hyper-protect-basic`: HPVS for VPC, HPCR and Hyper Protect Confidential Container (CCCO) targets.
    public static let hyperProtectBasic = TokenPrefix(known: "hyper-protect-basic")
    /// `contract-basic`: IBM Confidential Computing Container Runtime targets (CCRT, CCRV).
    public static let contractBasic = TokenPrefix(known: "contract-basic")

    /// The prefixes accepted when decrypting unless others are named.
    public static let known: [TokenPrefix] = [.hyperProtectBasic, .contractBasic]

    public var description: String { rawValue }
}
