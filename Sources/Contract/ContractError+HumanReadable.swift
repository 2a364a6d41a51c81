import IAM

extension ContractError: HumanReadableError {
    public var humanReadableMessage: String {
        var text = message
        if let field, !text.contains("\(field)") { text += " (section \(field))" }
        return IAM.humanReadableMessage(text, cause: cause)
    }
}
