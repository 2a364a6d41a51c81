/// An error that can tell a person what went wrong in plain sentences: no type names, no debug dumps, and never
/// any part of a secret. The command-line tools print ``humanReadableMessage``; `description` stays the
/// developer's view (`EP11Error.signatureInvalid: "..."`).
public protocol HumanReadableError: Error {
    /// What went wrong, for a person.
    var humanReadableMessage: String { get }
}

/// The plain text of `error`: a ``HumanReadableError``'s message, else `nil` (the caller decides how to show an
/// error it does not know; a type name or a dump is never made up here).
public func humanReadableMessage(of error: any Error) -> String? {
    (error as? any HumanReadableError)?.humanReadableMessage
}

/// `text`, followed by the plain text of `cause` when it has one that adds something.
package func humanReadableMessage(_ text: String, cause: (any Error)?) -> String {
    guard let cause, let reason = humanReadableMessage(of: cause), !reason.isEmpty, !text.contains(reason) else {
        return text
    }
    return text + ": " + reason
}

extension IAMError: HumanReadableError {
    public var humanReadableMessage: String {
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if let serviceErrorCode { details.append(serviceErrorCode) }
        let text = details.isEmpty ? message : "\(message) (\(details.joined(separator: ", ")))"
        return IAM.humanReadableMessage(text, cause: cause)
    }
}
