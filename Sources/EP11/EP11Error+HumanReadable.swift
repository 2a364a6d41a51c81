import IAM

extension EP11Error: HumanReadableError {
    public var humanReadableMessage: String {
        var text = message.isEmpty ? "the HSM call failed" : message
        if !detail.isEmpty, !text.contains(detail) { text += " (\(detail))" }
        if isRetryable { text += "; this may succeed if tried again" }
        return IAM.humanReadableMessage(text, cause: cause)
    }
}
