import IAM

/// A failure of a command at run time (bad input, an unusable configuration, a refusal): printed as
/// `Error: <message>` on stderr, or as the `--json` error object on stdout, and the process exits with
/// ``exitStatus``.
///
/// ``code`` is the stable, machine-readable name of the failure (docs/cli.md lists them), for example
/// `file.unreadable`, `output.refused` or `volume.foreign-content`; the default is `failed`.
package struct CommandFailure: Error, CustomStringConvertible, HumanReadableError {
    /// What went wrong, for a person: no type names, no dumps, no secret.
    package var message: String
    /// The stable code in the `--json` error object.
    package var code: String
    /// The process's exit status (1 unless a command documents another).
    package var exitStatus: Int32
    /// Whether the command's `--json` output already holds this failure as its `error` member (as `volume provision
    /// --dry-run` puts a refusal beside the decision), so that stdout stays one JSON object.
    package var isInJSONOutput = false

    package init(_ message: String, code: String = CommandFailure.defaultCode, exitStatus: Int32 = 1) {
        self.message = message
        self.code = code
        self.exitStatus = exitStatus
    }

    /// The code of a failure that has no more specific one.
    package static let defaultCode = "failed"

    /// The report: ``code``, ``message`` and ``exitStatus``.
    package var report: ErrorReport { ErrorReport(code: code, message: message, exitStatus: exitStatus) }

    package var description: String { message }
    package var humanReadableMessage: String { message }
}
