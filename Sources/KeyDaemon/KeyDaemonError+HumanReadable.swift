import IAM

extension KeyDaemonError: HumanReadableError {
    public var humanReadableMessage: String { IAM.humanReadableMessage(message, cause: underlying) }
}

extension VolumeError: HumanReadableError {
    /// The message with the device, the tool and its exit status, the Debian package and what the tool said.
    public var humanReadableMessage: String {
        var context: [String] = []
        if let device { context.append("device \(device)") }
        if let tool { context.append("\(tool) exited with status \(exitStatus.map(String.init) ?? "?")") }
        if let debianPackage { context.append("Debian package \(debianPackage)") }
        if let diagnostics, !diagnostics.isEmpty { context.append("it said: \(diagnostics)") }
        return context.isEmpty ? message : "\(message) (\(context.joined(separator: "; ")))"
    }
}
