import IAM

extension KeyDaemonError: HumanReadableError {
    public var humanReadableMessage: String { IAM.humanReadableMessage(message, cause: underlying) }
}
