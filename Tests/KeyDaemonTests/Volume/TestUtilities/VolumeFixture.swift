import Foundation
import Testing

@testable import KeyDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary folder with an image file in it, a private scratch folder on /dev/shm, and a ``DiskVolume`` on the
/// image. Every test gets its own, so tests run in parallel; both folders go when the test ends.
struct VolumeFixture: Sendable {
    static let mebibyte: UInt64 = 1 << 20
    static let metadataSize: UInt64 = 100 * mebibyte
    static let imageSize: UInt64 = 160 * mebibyte
    /// Fast keyslots: the KDF is not what these tests measure.
    static let fastKDF = LUKSKeyDerivation.pbkdf2(iterations: 1000)

    let directory: String
    let scratchDirectory: String
    let imagePath: String
    let volume: DiskVolume
    let tools: VolumeTools

    /// A sparse image of `size` bytes (nil: no image file at all), not yet partitioned.
    static func with<T>(
        imageSize size: UInt64? = imageSize,
        _ body: (VolumeFixture) async throws -> T
    ) async throws -> T {
        let directory = try makeTemporaryDirectory(in: NSTemporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scratch = try makeTemporaryDirectory(in: "/dev/shm")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let imagePath = directory + "/disk.img"
        if let size { try makeSparseFile(imagePath, size: size) }
        let tools = VolumeTools()
        let volume = DiskVolume(
            path: imagePath,
            tools: tools,
            configuration: DiskVolume.Configuration(
                toolTimeout: .seconds(60), lockTimeout: .seconds(60), scratchDirectory: scratch)
        )
        return try await body(
            VolumeFixture(
                directory: directory, scratchDirectory: scratch, imagePath: imagePath, volume: volume, tools: tools))
    }

    /// An image with the metadata/data layout already made by ``DiskVolume/createLayout(metadataSize:)``.
    static func withLayout<T>(_ body: (VolumeFixture) async throws -> T) async throws -> T {
        try await with { fixture async throws in
            try await fixture.volume.createLayout(metadataSize: metadataSize)
            return try await body(fixture)
        }
    }

    static func makeTemporaryDirectory(in base: String) throws -> String {
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "keyd-volume-test.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
        }
        guard made else { throw FixtureError("mkdtemp failed in \(base)") }
        return String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func makeSparseFile(_ path: String, size: UInt64) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw FixtureError("cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: size)
    }

    // MARK: - Looking inside the image

    func bytes(at offset: UInt64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: imagePath))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: imagePath))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }

    func partition(named name: String) async throws -> PartitionInfo {
        try #require(try await volume.partitions().first { $0.name == name })
    }

    /// Runs a tool by hand (test set-up and inspection only; the data passed here is test data, not a secret).
    func run(_ tool: VolumeTools.Tool, _ arguments: [String], input: [UInt8] = []) async throws -> ToolResult {
        try await ToolRunner.run(
            ToolRequest(
                executable: try tools.path(for: tool), arguments: arguments, standardInput: input,
                timeout: .seconds(60)))
    }

    /// `image?offset=N` of the metadata partition, as debugfs and e2fsck take it.
    func metadataFilesystem() async throws -> String {
        "\(imagePath)?offset=\(try await partition(named: DiskVolume.metadataPartitionName).offset)"
    }

    /// Runs debugfs commands on the metadata filesystem (one writable session).
    func debugfs(_ commands: [String]) async throws {
        let result = try await run(
            .debugfs, ["-w", "-f", "-", try await metadataFilesystem()],
            input: Array((commands.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0)
    }

    /// Writes `contents` into the metadata filesystem as `name`, the way a crashed replacement might leave it.
    func writeMetadataFile(_ name: String, _ contents: [UInt8]) async throws {
        let source = directory + "/source-\(UUID().uuidString)"
        try Data(contents).write(to: URL(fileURLWithPath: source))
        defer { try? FileManager.default.removeItem(atPath: source) }
        try await debugfs(["write \(source) \(name)"])
    }

    /// The names in the metadata filesystem's root, without `.`, `..` and `lost+found`.
    func metadataNames() async throws -> [String] {
        let result = try await run(.debugfs, ["-R", "ls -p", try await metadataFilesystem()])
        return DirectoryEntry.parseListing(result.standardOutput).map(\.name)
            .filter { ![".", "..", "lost+found"].contains($0) }.sorted()
    }

    /// Whether `e2fsck -fn` finds the metadata filesystem clean (link counts, bitmaps, ...).
    func metadataFilesystemIsClean() async throws -> Bool {
        guard let e2fsck = ["/usr/sbin/e2fsck", "/sbin/e2fsck"].first(where: VolumeTools.isExecutableFile) else {
            throw FixtureError("e2fsck not found")
        }
        let result = try await ToolRunner.run(
            ToolRequest(executable: e2fsck, arguments: ["-fn", try await metadataFilesystem()], timeout: .seconds(60)))
        return result.status == 0
    }

    /// The LUKS2 JSON metadata of the data partition, read by cryptsetup from a copy of the partition's first
    /// 16 MiB (a test-side check that the copy-back put a complete header there).
    func dataPartitionLUKSMetadata() async throws -> [String: Any] {
        let data = try await partition(named: DiskVolume.dataPartitionName)
        let copy = directory + "/data-header-copy"
        try VolumeFixture.makeSparseFile(copy, size: data.size)
        let header = try bytes(at: data.offset, count: Int(min(data.size, 16 * VolumeFixture.mebibyte)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        try handle.write(contentsOf: Data(header))
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try await run(.cryptsetup, ["luksDump", "--dump-json-metadata", copy])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput))
        return try #require(object as? [String: Any])
    }

    /// Whether the scratch folder is empty (windows and key files removed).
    func scratchIsEmpty() throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: scratchDirectory).isEmpty
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SecretBytes {
    static let first = SecretBytes(utf8: "first passphrase: 6f1c2e0a9b")
    static let second = SecretBytes(utf8: "second passphrase: 44d1e7a3c5")
    static let wrong = SecretBytes(utf8: "not the passphrase")
}
