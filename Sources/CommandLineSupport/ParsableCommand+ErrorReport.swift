import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension AsyncParsableCommand {
    /// ArgumentParser's `main()`, with one way to fail for every command: the failure becomes an ``ErrorReport``
    /// (a stable code, a plain sentence, an exit status), printed as `Error: <message>` on stderr or, when the
    /// command line has `--json`, as `{"error": {...}}` on stdout. `domains` name the library errors the tool
    /// knows (IAM's always). Help and usage texts have their `USAGE:` line wrapped to the terminal's width.
    package static func mainReportingErrors(domains: [ErrorDomain]) async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitReporting(error, json: wantsJSON(arguments), domains: domains)
        }
    }

    private static func exitReporting(_ error: any Error, json: Bool, domains: [ErrorDomain]) -> Never {
        // A command that chose its exit status (and said what it had to) ends with it, silently.
        if let exitCode = error as? ExitCode { terminate(exitCode.rawValue) }
        let columns = terminalColumns()
        if exitCode(for: error) == .success {
            // --help, --version, `help`: ArgumentParser's text, the usage wrapped.
            let text = wrappingUsageLines(fullMessage(for: error, columns: columns), width: columns)
            if !text.isEmpty { print(text) }
            terminate(0)
        }
        let report = ErrorReport.of(error, command: self, domains: domains)
        if json, (error as? CommandFailure)?.isInJSONOutput == true {
            // Already on stdout, inside the command's own JSON object.
        } else if json {
            printJSON(report.jsonObject)
        } else if report.code == ErrorReport.usageCode {
            // ArgumentParser's wording, with the usage and the pointer to --help.
            printError(wrappingUsageLines(fullMessage(for: error, columns: columns), width: columns))
        } else {
            printError("Error: " + report.message)
        }
        terminate(report.exitStatus)
    }
}

/// Ends the process with `status`, standard output flushed.
private func terminate(_ status: Int32) -> Never {
    fflush(nil)
    exit(status)
}

/// Whether the command line asks for JSON: `--json` before any `--`. Read from the arguments rather than the
/// parsed command, so that a command line that does not parse still gets its error as JSON.
package func wantsJSON(_ arguments: [String]) -> Bool {
    for argument in arguments {
        if argument == "--" { return false }
        if argument == "--json" { return true }
    }
    return false
}

/// The width help is wrapped to: COLUMNS, else the terminal's, else 80 (as ArgumentParser decides).
package func terminalColumns() -> Int {
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
        return columns
    }
    var size = winsize()
    let status = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size)
    if status == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
}

/// `text` with each `USAGE:` or `Usage:` line longer than `width` broken between options (an option and its
/// value, `[--name <name>]`, stay together), continuation lines indented under the first option: ArgumentParser
/// prints the synopsis on one line however long it is.
package func wrappingUsageLines(_ text: String, width: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
        guard line.count > width, line.hasPrefix("USAGE: ") || line.hasPrefix("Usage: ") else { return String(line) }
        let prefixLength = "USAGE: ".count
        let words = synopsisWords(line.dropFirst(prefixLength))
        guard let command = words.first else { return String(line) }
        // Continuation lines start under the first option, after the command path.
        let path = words.prefix { !$0.hasPrefix("[") && !$0.hasPrefix("-") && !$0.hasPrefix("<") }
        let pathLength = path.joined(separator: " ").count + 1
        // Under the first option when every option fits there, else under the command.
        let longest = words.map(\.count).max() ?? 0
        let underOption = prefixLength + pathLength
        let indentWidth = underOption <= width / 2 && underOption + longest <= width ? underOption : prefixLength
        let indent = String(repeating: " ", count: indentWidth)
        var lines: [String] = []
        var current = String(line.prefix(prefixLength)) + command
        for word in words.dropFirst() {
            if current.count + 1 + word.count > width, current.count > indent.count {
                lines.append(current)
                current = indent + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }.joined(separator: "\n")
}

/// The words of a synopsis, a bracketed group (`[--ca-cert <ca-cert>]`, `<a b>`) being one word.
private func synopsisWords(_ text: Substring) -> [String] {
    var words: [String] = []
    var current = ""
    var depth = 0
    for character in text {
        switch character {
        case "[", "<": depth += 1
        case "]", ">": depth = max(0, depth - 1)
        default: break
        }
        if character == " ", depth == 0 {
            if !current.isEmpty { words.append(current) }
            current = ""
        } else {
            current.append(character)
        }
    }
    if !current.isEmpty { words.append(current) }
    return words
}
