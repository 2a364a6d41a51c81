/// An error of the key daemon: a refused configuration, a refused volume, a KMS that cannot be used.
///
/// ``code`` says what kind; ``message`` says what exactly, naming the configuration field or the device
/// state involved. No message ever contains a seed, a passphrase, an API key or key material.
public struct KeyDaemonError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The configuration (contract `env`/`workload` volumes) is invalid; nothing was touched.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The device's state does not allow the configured action (a row of the decision table that refuses).
        public static let refused = Code("refused")
        /// No configured KMS entry could unwrap the seed, or the KMS stayed unreachable past `kmsTimeout`.
        public static let kmsUnavailable = Code("kmsUnavailable")
        /// A freshly wrapped seed did not unwrap to the same seed; the keyfile was left as it was.
        public static let seedMismatch = Code("seedMismatch")
        /// The keyfile on the metadata partition cannot be read as a wrapped seed.
        public static let malformedKeyfile = Code("malformedKeyfile")
        /// A volume operation failed (a partition, filesystem or LUKS tool).
        public static let volumeFailure = Code("volumeFailure")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The error that led to this one, if any (a `KeyProtectError`, a `VolumeError`).
    public var underlying: (any Error)?
    /// The row of the decision table that refused, for ``Code/refused`` errors that come from one.
    public var refusal: Refusal?

    public init(code: Code, message: String, underlying: (any Error)? = nil, refusal: Refusal? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.refusal = refusal
    }

    public var description: String {
        if let underlying { return "\(code): \(message) (\(underlying))" }
        return "\(code): \(message)"
    }

    public static func == (lhs: KeyDaemonError, rhs: KeyDaemonError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    static func invalid(_ field: String, _ problem: String) -> KeyDaemonError {
        KeyDaemonError(code: .invalidConfiguration, message: "\(field): \(problem)")
    }
}
