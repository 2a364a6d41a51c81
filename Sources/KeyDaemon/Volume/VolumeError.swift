/// An error of the volume layer: a tool that is missing or failed, a passphrase that opens no keyslot, a device
/// without the expected layout.
///
/// Equality compares the ``code`` only, so tests can write `#expect(throws: VolumeError.wrongPassphrase)`.
/// No field ever holds a passphrase, a seed, a volume key or the keyfile's contents: secrets reach the tools only
/// through pipes and memory files, and what a tool prints on stdout (where `debugfs cat` and `luksDump` put data)
/// never becomes part of an error. Only the tail of a tool's stderr does, capped in size.
public struct VolumeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. An extensible set: new codes may appear, so `switch` over it with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case toolMissing
            case toolFailed
            case toolTimedOut
            case wrongPassphrase
            case notLUKS
            case partitionMissing
            case invalidPartitionTable
            case deviceNotFound
            case metadataUnreadable
            case keyfileTooLarge
            case invalidArgument
            case deviceBusy
            case ioFailed
            case unexpectedToolOutput
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public var description: String { base.rawValue }

        /// A tool is not installed; ``VolumeError/debianPackage`` names the package that brings it.
        public static let toolMissing = Code(.toolMissing)
        /// A tool exited with a failure status; see ``VolumeError/tool``, ``VolumeError/exitStatus`` and
        /// ``VolumeError/diagnostics``.
        public static let toolFailed = Code(.toolFailed)
        /// A tool did not finish within the configured timeout and was killed.
        public static let toolTimedOut = Code(.toolTimedOut)
        /// The passphrase opens no keyslot (cryptsetup's exit status 2, "No key available with this passphrase").
        public static let wrongPassphrase = Code(.wrongPassphrase)
        /// The target carries no LUKS header.
        public static let notLUKS = Code(.notLUKS)
        /// The device has no partition named `metadata` or `data` (or no partition table at all).
        public static let partitionMissing = Code(.partitionMissing)
        /// The partition table describes partitions that do not fit the device (a truncated image, say).
        public static let invalidPartitionTable = Code(.invalidPartitionTable)
        /// The device path does not exist, or is neither a block device nor a regular file.
        public static let deviceNotFound = Code(.deviceNotFound)
        /// The `metadata` partition holds no readable ext4 filesystem, or its `keyfile` is not a regular file.
        public static let metadataUnreadable = Code(.metadataUnreadable)
        /// The keyfile exceeds ``DiskVolume/maximumKeyfileSize``.
        public static let keyfileTooLarge = Code(.keyfileTooLarge)
        /// An argument is out of range (a metadata size, an iteration count, a mapping name).
        public static let invalidArgument = Code(.invalidArgument)
        /// Another operation holds the device's lock for longer than the configured timeout.
        public static let deviceBusy = Code(.deviceBusy)
        /// A read, write or sync of the device or of a scratch file failed.
        public static let ioFailed = Code(.ioFailed)
        /// A tool printed something this layer cannot parse (malformed JSON, missing fields, absurd numbers).
        public static let unexpectedToolOutput = Code(.unexpectedToolOutput)
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation. Never contains secrets.
    public var message: String
    /// The device or image path concerned, when there is one.
    public var device: String?
    /// The tool concerned (`cryptsetup`, `debugfs`, ...), when there is one.
    public var tool: String?
    /// The tool's exit status (128 + the signal number when a signal ended it).
    public var exitStatus: Int32?
    /// The last lines of the tool's stderr, at most ``VolumeError/maximumDiagnosticsLength`` characters, with
    /// control characters replaced.
    public var diagnostics: String?
    /// The Debian package that provides a missing tool.
    public var debianPackage: String?

    /// The cap on ``diagnostics``.
    public static let maximumDiagnosticsLength = 1024

    public init(
        code: Code,
        message: String,
        device: String? = nil,
        tool: String? = nil,
        exitStatus: Int32? = nil,
        diagnostics: String? = nil,
        debianPackage: String? = nil
    ) {
        self.code = code
        self.message = message
        self.device = device
        self.tool = tool
        self.exitStatus = exitStatus
        self.diagnostics = diagnostics
        self.debianPackage = debianPackage
    }

    public static func == (lhs: VolumeError, rhs: VolumeError) -> Bool { lhs.code == rhs.code }

    public var description: String {
        var text = "VolumeError.\(code): \"\(message)\""
        var context: [String] = []
        if let device { context.append("device: \(device)") }
        if let tool { context.append("tool: \(tool)") }
        if let exitStatus { context.append("exit status: \(exitStatus)") }
        if let debianPackage { context.append("Debian package: \(debianPackage)") }
        if let diagnostics, !diagnostics.isEmpty { context.append("stderr: \(diagnostics)") }
        if !context.isEmpty { text += " (" + context.joined(separator: ", ") + ")" }
        return text
    }

    // Instances to compare against: `#expect(throws: VolumeError.wrongPassphrase) { ... }`.
    public static let toolMissing = VolumeError(code: .toolMissing, message: "tool missing")
    public static let toolFailed = VolumeError(code: .toolFailed, message: "tool failed")
    public static let toolTimedOut = VolumeError(code: .toolTimedOut, message: "tool timed out")
    public static let wrongPassphrase = VolumeError(code: .wrongPassphrase, message: "no keyslot opens")
    public static let notLUKS = VolumeError(code: .notLUKS, message: "no LUKS header")
    public static let partitionMissing = VolumeError(code: .partitionMissing, message: "partition missing")
    public static let invalidPartitionTable = VolumeError(code: .invalidPartitionTable, message: "invalid table")
    public static let deviceNotFound = VolumeError(code: .deviceNotFound, message: "device not found")
    public static let metadataUnreadable = VolumeError(code: .metadataUnreadable, message: "metadata unreadable")
    public static let keyfileTooLarge = VolumeError(code: .keyfileTooLarge, message: "keyfile too large")
    public static let invalidArgument = VolumeError(code: .invalidArgument, message: "invalid argument")
    public static let deviceBusy = VolumeError(code: .deviceBusy, message: "device busy")
    public static let ioFailed = VolumeError(code: .ioFailed, message: "I/O failed")
    public static let unexpectedToolOutput = VolumeError(code: .unexpectedToolOutput, message: "unexpected output")
}

extension VolumeError {
    /// The last lines of a tool's stderr, fit for an error: at most `maximumDiagnosticsLength` characters, the
    /// last 6 non-empty lines, control characters replaced by `?`, lines joined with ` | `.
    static func diagnostics(fromStandardError bytes: [UInt8]) -> String {
        // Look only at the tail: the runner already caps what it keeps, this caps what we print.
        let tail = bytes.suffix(8 * 1024)
        let text = String(decoding: tail, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in
                String(
                    line.unicodeScalars.map { scalar -> Character in
                        scalar.value < 0x20 || scalar.value == 0x7F ? "?" : Character(scalar)
                    }
                ).trimmingSpaces()
            }
            .filter { !$0.isEmpty }
        var joined = lines.suffix(6).joined(separator: " | ")
        if joined.count > maximumDiagnosticsLength {
            joined = "..." + String(joined.suffix(maximumDiagnosticsLength - 3))
        }
        return joined
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
