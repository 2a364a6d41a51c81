import Contract
import IAM
import KeyProtect

/// An error as a plain sentence for the operator: the message and its context, never a Swift type name
/// (`KeyProtectError.unauthorized: "..."`) or a debug dump. None of these errors carries secret material in its
/// message or context, so neither does the text.
package func plainErrorText(_ error: any Error) -> String {
    switch error {
    case let error as KeyDaemonError:
        if let underlying = error.underlying {
            let cause = plainErrorText(underlying)
            if !error.message.contains(cause) { return "\(error.message) (\(cause))" }
        }
        return error.message
    case let error as VolumeError:
        var context: [String] = []
        if let device = error.device { context.append("device \(device)") }
        if let tool = error.tool {
            context.append("\(tool) exited with status \(error.exitStatus.map(String.init) ?? "?")")
        }
        if let package = error.debianPackage { context.append("Debian package \(package)") }
        if let diagnostics = error.diagnostics, !diagnostics.isEmpty { context.append("it said: \(diagnostics)") }
        return context.isEmpty ? error.message : "\(error.message) (\(context.joined(separator: "; ")))"
    case let error as KeyProtectError:
        var text = error.message
        if let status = error.httpStatus {
            text += " (HTTP \(status)" + (error.reasonCode.map { ", \($0)" } ?? "") + ")"
        }
        if let correlationID = error.correlationID { text += " (correlation id \(correlationID))" }
        if let cause = error.cause { text += ": " + plainErrorText(cause) }
        return text
    case let error as IAMError:
        var text = error.message
        if let status = error.httpStatus { text += " (HTTP \(status))" }
        if let cause = error.cause { text += ": " + plainErrorText(cause) }
        return text
    case let error as ContractError:
        var text = error.message
        if let field = error.field { text += " (in \(field))" }
        if let cause = error.cause { text += ": " + plainErrorText(cause) }
        return text
    default:
        return "\(error)"
    }
}
