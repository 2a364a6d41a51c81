import IAM

extension KeyProtectError: HumanReadableError {
    public var humanReadableMessage: String {
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if !reasons.isEmpty { details.append("reason \(reasons.map(\.code).joined(separator: ", "))") }
        if let correlationID { details.append("correlation id \(correlationID)") }
        if attempts > 1 { details.append("after \(attempts) attempts") }
        let text = details.isEmpty ? message : "\(message) (\(details.joined(separator: "; ")))"
        return IAM.humanReadableMessage(text, cause: cause)
    }
}
