import IAM

/// An error as a plain sentence for the operator: ``HumanReadableError``'s message (never a Swift type name or a
/// debug dump), the one rule the command line uses too. None of these errors carries secret material in its
/// message or context, so neither does the text.
package func plainErrorText(_ error: any Error) -> String {
    humanReadableMessage(of: error) ?? "\(error)"
}
