import Foundation
import TestSupport

/// The outcome of a child process.
struct ChildProcessResult: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program through the shared runner (`TestSupport.ChildProcess`) with `stdin` on its standard input and
/// its two outputs apart; a run that outlives `timeout` is killed and throws.
func runProcess(
    _ executable: String, _ arguments: [String], stdin: [UInt8] = [], directory: String? = nil,
    timeout: Duration = .seconds(30)
) async throws -> ChildProcessResult {
    let result = try await ChildProcess.capture(
        executable, arguments, standardInput: stdin, workingDirectory: directory, timeout: timeout)
    guard !result.timedOut else {
        throw ChildProcessError(description: "\(executable) \(arguments.joined(separator: " ")) timed out")
    }
    return ChildProcessResult(status: result.status, stdout: result.standardOutput, stderr: result.standardErrorText)
}

/// Runs `openssl` (at /usr/bin/openssl) and requires success.
@discardableResult
func openssl(_ arguments: [String], stdin: [UInt8] = [], in directory: String? = nil) async throws -> [UInt8] {
    let result = try await runProcess("/usr/bin/openssl", arguments, stdin: stdin, directory: directory)
    guard result.status == 0 else {
        throw ChildProcessError(
            description: "openssl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return result.stdout
}

/// Runs a shell script with bash and requires success.
func bash(_ script: String, in directory: String, environment: [String: String] = [:]) async throws -> [UInt8] {
    var prefix = ""
    for (name, value) in environment.sorted(by: { $0.key < $1.key }) { prefix += "export \(name)='\(value)'\n" }
    let result = try await runProcess("/bin/bash", ["-euo", "pipefail", "-c", prefix + script], directory: directory)
    guard result.status == 0 else {
        throw ChildProcessError(description: "bash script failed (\(result.status)): \(result.stderr)")
    }
    return result.stdout
}
