import ArgumentParser
import Contract
import Foundation
import IAM
import KeyProtect

/// One kind of library error the command line knows, so that its failures get a stable `--json` code:
/// `<prefix>.<code>` in kebab case (a ``KeyProtect`` `notFound` is `kms.not-found`, an IAM `invalidAPIKey` is
/// `iam.invalid-api-key`). The message is always the error's ``HumanReadableError`` text.
package struct ErrorDomain: Sendable {
    private let classify: @Sendable (any Error) -> String?

    /// Errors of type `type` get the code `prefix.` followed by `code(error)` in kebab case.
    package init<Failure: Error>(
        _ type: Failure.Type, prefix: String, code: @escaping @Sendable (Failure) -> String
    ) {
        classify = { error in
            guard let failure = error as? Failure else { return nil }
            return prefix + "." + kebabCase(code(failure))
        }
    }

    func code(of error: any Error) -> String? { classify(error) }

    /// IAM's errors (`iam.*`): every tool that obtains tokens knows them.
    package static let iam = ErrorDomain(IAMError.self, prefix: "iam") { $0.code.description }

    /// Key Protect's errors (`kms.*`: `kms.not-found`, `kms.transport-failure`, ...).
    package static let keyProtect = ErrorDomain(KeyProtectError.self, prefix: "kms") { $0.code.description }

    /// The contract's errors (`contract.*`: `contract.malformed-contract`, `contract.decryption-failed`, ...).
    package static let contract = ErrorDomain(ContractError.self, prefix: "contract") { $0.code.description }
}

/// What the command line says about a failure: the same three facts in text and in `--json`.
package struct ErrorReport: Sendable, Equatable {
    /// The stable machine-readable name (docs/cli.md lists them): `usage`, `failed`, `kms.not-found`, ...
    package var code: String
    /// The plain sentence: no Swift type names, no debug dumps, no secret.
    package var message: String
    /// The process's exit status.
    package var exitStatus: Int32

    /// The `--json` form: `{"error": {"code": ..., "message": ..., "exitStatus": ...}}`.
    package var jsonObject: [String: Any] {
        ["error": ["code": code, "message": message, "exitStatus": Int(exitStatus)] as [String: Any]]
    }

    /// The code of a mistake on the command line (an unknown option, a bad value, a missing argument, options
    /// that exclude each other): ArgumentParser's exit status 64 (`EX_USAGE`).
    package static let usageCode = "usage"

    /// The code of an error no domain knows.
    package static let unexpectedCode = "unexpected"

    /// The report for a failure of a command's `run()` (or of parsing, for `ArgumentParser` errors). `command` is
    /// the root command, whose parser words the usage messages.
    package static func of(
        _ error: any Error, command: any ParsableCommand.Type, domains: [ErrorDomain]
    ) -> ErrorReport {
        if let failure = error as? CommandFailure { return failure.report }
        for domain in domains + [.iam, .keyProtect, .contract] {
            if let code = domain.code(of: error) {
                return ErrorReport(code: code, message: plainMessage(of: error), exitStatus: 1)
            }
        }
        if let message = humanReadableMessage(of: error) {
            return ErrorReport(code: CommandFailure.defaultCode, message: message, exitStatus: 1)
        }
        let status = command.exitCode(for: error)
        if status == .validationFailure {
            return ErrorReport(code: usageCode, message: command.message(for: error), exitStatus: status.rawValue)
        }
        return ErrorReport(code: unexpectedCode, message: plainMessage(of: error), exitStatus: 1)
    }
}

/// `error` as a sentence for a person: its ``HumanReadableError`` text; a Foundation or POSIX error's localized
/// text; otherwise a fixed sentence (an unknown error's description may name Swift types or dump values).
package func plainMessage(of error: any Error) -> String {
    if let message = humanReadableMessage(of: error) { return message }
    if let described = (error as? any LocalizedError)?.errorDescription { return described }
    if error is CancellationError { return "the command was cancelled" }
    let bridged = error as NSError
    if bridged.domain == NSPOSIXErrorDomain || bridged.domain == NSCocoaErrorDomain {
        return bridged.localizedDescription
    }
    return "an unexpected internal error; run again with --verbose for details, and report it if it persists"
}

/// `notFound` → `not-found`, `invalidAPIKey` → `invalid-api-key`, `CKR_SIGNATURE_INVALID` → `ckr-signature-invalid`.
package func kebabCase(_ name: String) -> String {
    let characters = Array(name)
    var result = ""
    for (index, character) in characters.enumerated() {
        if character == "_" || character == " " {
            if !result.hasSuffix("-") { result.append("-") }
            continue
        }
        if character.isUppercase, index > 0, !result.hasSuffix("-") {
            let previous = characters[index - 1]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                result.append("-")
            }
        }
        result.append(contentsOf: character.lowercased())
    }
    return result
}
