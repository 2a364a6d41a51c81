import Foundation

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

/// Runs a program with Foundation's `Process`, feeding `stdin` and collecting both outputs through files (no pipe
/// can fill up and block), and kills it after `timeout`.
func runProcess(
    _ executable: String, _ arguments: [String], stdin: [UInt8] = [], directory: String? = nil,
    timeout: Duration = .seconds(30)
) async throws -> ChildProcessResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("contract-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let inURL = scratch.appendingPathComponent("stdin")
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    try Data(stdin).write(to: inURL)
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)

    let input = try FileHandle(forReadingFrom: inURL)
    let output = try FileHandle(forWritingTo: outURL)
    let errors = try FileHandle(forWritingTo: errURL)
    defer {
        try? input.close()
        try? output.close()
        try? errors.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    try process.run()

    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while process.isRunning {
        if clock.now >= deadline {
            process.terminate()
            process.waitUntilExit()
            throw ChildProcessError(description: "\(executable) \(arguments.joined(separator: " ")) timed out")
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    process.waitUntilExit()
    let stdout = try Data(contentsOf: outURL)
    let stderr = try String(contentsOf: errURL, encoding: .utf8)
    return ChildProcessResult(status: process.terminationStatus, stdout: Array(stdout), stderr: stderr)
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
