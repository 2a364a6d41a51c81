import EP11
import Foundation
import HSMMock
import Testing

@Suite("Random sources")
struct RandomSourceTests {
    @Test("the system source and a readable device give the requested number of bytes")
    func systemAndDevice() async throws {
        let system = try await RandomSource.system.bytes(count: 64)
        #expect(system.count == 64)
        #expect(Set(system).count > 8)
        let device = try await RandomSource.device(path: "/dev/urandom").bytes(count: 100)
        #expect(device.count == 100)
        #expect(try await RandomSource.system.bytes(count: 0).isEmpty)
        await #expect(throws: EP11Error.invalidArgument) { try await RandomSource.system.bytes(count: -1) }
    }

    @Test("a missing device is a clear error naming it, never a silent fallback")
    func missingDevice() async throws {
        let path = "/dev/hpcs-no-such-device-\(UUID().uuidString)"
        let error = await #expect(throws: EP11Error.unsupported) {
            try await RandomSource.device(path: path).bytes(count: 8)
        }
        #expect(error?.message.contains(path) == true)
        #expect(throws: EP11Error.unsupported) { try RandomSource.device(path: path).makeGenerator() }
        if !FileManager.default.fileExists(atPath: "/dev/trng") {
            await #expect(throws: EP11Error.unsupported) { try await RandomSource.trng.bytes(count: 8) }
        }
        if !FileManager.default.fileExists(atPath: "/dev/prandom") {
            await #expect(throws: EP11Error.unsupported) { try await RandomSource.prandom.bytes(count: 8) }
        }
    }

    @Test("automatic picks a hardware device when one is readable, else the system source")
    func automatic() {
        let choice = RandomSource.automatic().description
        if FileManager.default.isReadableFile(atPath: "/dev/trng") {
            #expect(choice == "the random device /dev/trng")
        } else if FileManager.default.isReadableFile(atPath: "/dev/prandom") {
            #expect(choice == "the random device /dev/prandom")
        } else {
            #expect(choice == "the system generator (getrandom)")
        }
    }

    @Test("RandomNumberGenerator conformance over a device")
    func generator() throws {
        let generator = try RandomSource.device(path: "/dev/urandom").makeGenerator()
        var values = Set<UInt64>()
        for _ in 0..<200 { values.insert(generator.next()) }
        #expect(values.count == 200)
        var copy = generator
        let shuffled = (0..<50).shuffled(using: &copy)
        #expect(shuffled.sorted() == Array(0..<50))
        let system = try RandomSource.system.makeGenerator()
        #expect(system.next() != system.next())
    }

    @Test("the HSM source uses GenerateRandom and has no synchronous generator")
    func hsm() async throws {
        try await withMockHSM { client in
            let source = RandomSource.hsm(client)
            let bytes = try await source.bytes(count: 48)
            #expect(bytes.count == 48)
            #expect(throws: EP11Error.unsupported) { try source.makeGenerator() }
        }
    }
}
