import Foundation
import Testing

@testable import KeyDaemon

@Suite("ToolRunner: pipes, descriptor 3, status, timeouts")
struct ToolRunnerTests {
    static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], descriptor3: MemoryFile? = nil,
        timeout: Duration = .seconds(30), outputLimit: Int = 8 << 20
    ) async throws -> ToolResult {
        try await ToolRunner.run(
            ToolRequest(
                executable: executable, arguments: arguments, standardInput: input, descriptor3: descriptor3,
                timeout: timeout, standardOutputLimit: outputLimit))
    }

    @Test("stdin reaches the child byte for byte, no newline added")
    func standardInput() async throws {
        let bytes: [UInt8] = Array(0...255) + Array("no newline".utf8)
        let result = try await Self.run("/bin/cat", [], input: bytes)
        #expect(result.status == 0)
        #expect(result.standardOutput == bytes)
    }

    @Test("a megabyte in and out does not deadlock on full pipes")
    func largeStreams() async throws {
        let bytes = (0..<(1 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let result = try await Self.run("/bin/cat", [], input: bytes)
        #expect(result.standardOutput == bytes)
    }

    @Test("stdout over the limit is cut and flagged")
    func outputLimit() async throws {
        let result = try await Self.run("/usr/bin/head", ["-c", "100000", "/dev/zero"], outputLimit: 1000)
        #expect(result.status == 0)
        #expect(result.standardOutput.count == 1000)
        #expect(result.standardOutputTruncated)
    }

    @Test("a child that reads no stdin does not kill us with SIGPIPE")
    func unreadInput() async throws {
        let result = try await Self.run("/bin/true", [], input: [UInt8](repeating: 1, count: 1 << 20))
        #expect(result.status == 0)
    }

    @Test("the memory file is readable as /dev/fd/3 and writable by the child")
    func descriptor3() async throws {
        let file = try MemoryFile.make(contents: Array("second secret".utf8), scratchDirectory: "/dev/shm")
        let read = try await Self.run("/bin/sh", ["-c", "cat /dev/fd/3"], descriptor3: file)
        #expect(read.standardOutput == Array("second secret".utf8))
        let written = try await Self.run("/bin/sh", ["-c", "printf replaced > /dev/fd/3"], descriptor3: file)
        #expect(written.status == 0)
        #expect(try file.contents(limit: 100) == Array("replaced".utf8))
        #expect(try file.contents(limit: 3) == nil)
    }

    @Test("exit statuses and signals come back", arguments: [("exit 0", 0), ("exit 7", 7), ("kill -TERM $$", 143)])
    func status(script: String, expected: Int32) async throws {
        let result = try await Self.run("/bin/sh", ["-c", script])
        #expect(result.status == expected)
        #expect(result.timedOut == false)
    }

    @Test("a child past its timeout is killed")
    func timeout() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await Self.run("/bin/sleep", ["30"], timeout: .milliseconds(300))
        #expect(result.timedOut)
        #expect(result.status == 128 + 9)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("a missing executable is toolMissing")
    func missingExecutable() async throws {
        await #expect(throws: VolumeError.toolMissing) {
            try await Self.run("/nonexistent/cryptsetup", [])
        }
    }

    @Test("children get a minimal environment, not ours")
    func environment() async throws {
        let result = try await Self.run("/usr/bin/env", [])
        let lines = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.sorted() == ToolRunner.environment.sorted())
    }

    @Test("stderr keeps only its tail")
    func standardErrorTail() async throws {
        let result = try await Self.run("/bin/sh", ["-c", "head -c 100000 /dev/zero | tr '\\0' a >&2; echo END >&2"])
        #expect(result.standardError.count == ToolRunner.standardErrorLimit)
        #expect(String(decoding: result.standardError.suffix(4), as: UTF8.self) == "END\n")
    }

    @Test("many runs at once keep their pipes apart")
    func concurrentRuns() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<24 {
                group.addTask {
                    let bytes = Array("run \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: 5000)
                    let result = try await Self.run("/bin/cat", [], input: bytes)
                    return result.standardOutput == bytes && result.status == 0
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
