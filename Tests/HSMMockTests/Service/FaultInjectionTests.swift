import EP11
import Foundation
import HSMMock
import Testing

/// Fault injection and restriction: forced return values per RPC and per mechanism with the `Retry` flag, delays,
/// dropped calls, and a mechanism allow-list, seen through the EP11 client as a caller's error path sees them.
@Suite("HSM mock: fault injection and restricted domains")
struct FaultInjectionTests {
    /// A client that retries up to `attempts` times with a negligible backoff.
    static func configuration(attempts: Int, deadline: Duration = .seconds(30)) -> EP11Client.Configuration {
        EP11Client.Configuration(
            host: "in-process",
            timeouts: .init(call: deadline),
            retryPolicy: .init(
                maximumAttempts: attempts, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2))
        )
    }

    @Test("a forced CKR without Retry reaches the client once and is not retried")
    func forcedWithoutRetry() async throws {
        let mock = try HSMMock()
        try mock.injectFault(
            .init(.returnValue(.deviceError), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self))))
        try await mock.withClient(configuration: Self.configuration(attempts: 3)) { (client) async throws in
            let failure = await #expect(throws: EP11Error.self) { try await client.generateRandom(count: 8) }
            #expect(failure?.returnValue == .deviceError)
            #expect(failure?.isRetryable == false)
            // Other RPCs are untouched.
            #expect(try await client.digest([1, 2, 3], mechanism: .sha256).count == 32)
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 1)
        #expect(mock.callCount(.init(Grep11_Crypto.Method.DigestSingle.self)) == 1)
    }

    @Test("a forced CKR with Retry is retried by the client: two failures, then success on the third call")
    func forcedWithRetry() async throws {
        let mock = try HSMMock()
        try mock.injectFault(
            .init(
                .returnValue(.ibmWKIDMismatch, retry: true),
                target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)), times: 2))
        try await mock.withClient(configuration: Self.configuration(attempts: 3)) { (client) async throws in
            #expect(try await client.generateRandom(count: 8).count == 8)
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 3)
        #expect(mock.faults.isEmpty)

        // A fault that never stops: the client gives up after its attempts and says the error is retryable.
        mock.resetCallCounts()
        try mock.injectFault(
            .init(
                .returnValue(.deviceError, retry: true), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self))))
        try await mock.withClient(configuration: Self.configuration(attempts: 4)) { (client) async throws in
            let failure = await #expect(throws: EP11Error.self) { try await client.generateRandom(count: 8) }
            #expect(failure?.returnValue == .deviceError)
            #expect(failure?.isRetryable == true)
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 4)
    }

    @Test("a fault per mechanism hits only requests naming that mechanism")
    func perMechanism() async throws {
        let mock = try HSMMock()
        try mock.injectFault(.init(.returnValue(.ibmWKIDMismatch), target: .mechanism(.sha256)))
        try await mock.withClient { (client) async throws in
            await #expect(throws: EP11Error.wrappingKeyIDMismatch) { try await client.digest([1], mechanism: .sha256) }
            await #expect(throws: EP11Error.wrappingKeyIDMismatch) { try await client.digestInit(mechanism: .sha256) }
            #expect(try await client.digest([1], mechanism: .sha512).count == 64)
        }
        mock.clearFaults()
        try await mock.withClient { (client) async throws in
            #expect(try await client.digest([1], mechanism: .sha256).count == 32)
        }
    }

    @Test("an allow-list emulates a restricted domain: no raw RSA, no PSS")
    func allowList() async throws {
        let mock = try HSMMock()
        let allowed: Set<MechanismType> = [
            .rsaPKCS, .rsaPKCSKeyPairGen, .sha256RSAPKCS, .aesKeyGen, .aesCBCPad, .sha256,
        ]
        mock.allowedMechanisms = allowed
        try await mock.withClient { (client) async throws in
            let list = try await client.mechanismList()
            #expect(Set(list) == allowed)
            #expect(list.first == .rsaPKCS)
            let pair = try await client.generateKeyPair(
                .rsaKeyPairGen, publicKeyTemplate: [.modulusBits(2048), .verify(true), .encrypt(true)],
                privateKeyTemplate: [.sign(true), .decrypt(true)])
            let signature = try await client.sign([1, 2, 3], key: pair.privateKey, mechanism: .sha256RSAPKCS)
            #expect(signature.count == 256)
            await #expect(throws: EP11Error.mechanismInvalid) {
                try await client.sign([1, 2, 3], key: pair.privateKey, mechanism: .sha256RSAPSS())
            }
            await #expect(throws: EP11Error.mechanismInvalid) {
                try await client.encrypt(
                    [UInt8](repeating: 1, count: 256), key: pair.publicKey, mechanism: .insecureRSAX509Raw)
            }
            await #expect(throws: EP11Error.mechanismInvalid) { try await client.mechanismInfo(.rsaPKCSPSS) }
            await #expect(throws: EP11Error.mechanismInvalid) {
                try await client.generateKey(.genericSecretKeyGen, template: [.valueLength(32)])
            }
            #expect(try await client.mechanismInfo(.rsaPKCS).maxKeySize == 4096)
        }
        mock.allowedMechanisms = nil
        try await mock.withClient { (client) async throws in
            #expect(try await client.mechanismList().contains(.rsaPKCSPSS))
        }
    }

    @Test("an injected delay trips a short client deadline; the server stops waiting when the call is cancelled")
    func latencyTripsDeadline() async throws {
        let mock = try HSMMock()
        try mock.injectFault(.init(.delay(.seconds(20)), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self))))
        let clock = ContinuousClock()
        let started = clock.now
        // The deadline is short against the 20 s delay, yet long enough for the digest after it on a busy machine
        // (a debug build beside three other suites on 2 cores took over 300 ms for it).
        try await mock.withClient(configuration: Self.configuration(attempts: 1, deadline: .seconds(2))) {
            (client) async throws in
            await #expect(throws: EP11Error.timeout) { try await client.generateRandom(count: 8) }
            #expect(try await client.digest([1], mechanism: .sha256).count == 32)
        }
        // The scoped server waited for the delayed call to end: it ended with the cancellation, not after 20 s.
        #expect(clock.now - started < .seconds(15))
    }

    @Test("a dropped call is a retryable transport failure; the client's retry gets through")
    func dropped() async throws {
        let mock = try HSMMock()
        try mock.injectFault(
            .init(.dropConnection, target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)), times: 1))
        try await mock.withClient(configuration: Self.configuration(attempts: 2)) { (client) async throws in
            #expect(try await client.generateRandom(count: 4).count == 4)
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 2)

        try mock.injectFault(.init(.dropConnection, target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self))))
        try await mock.withClient(configuration: Self.configuration(attempts: 1)) { (client) async throws in
            let failure = await #expect(throws: EP11Error.transportFailure) {
                try await client.generateRandom(count: 4)
            }
            #expect(failure?.isRetryable == true)
        }
    }

    @Test("the transport-free dispatch sees the same faults: a CKR, a dropped connection, the allow-list")
    func dispatchOutcomes() async throws {
        let mock = try HSMMock()
        let generateRandom: [UInt8] = [0x08, 0x04]  // GenerateRandomRequest { Len: 4 }
        try mock.injectFault(
            .init(.returnValue(.deviceError), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)), times: 1))
        try mock.injectFault(
            .init(.dropConnection, target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)), times: 1))
        #expect(
            await mock.dispatch(.init(Grep11_Crypto.Method.GenerateRandom.self), request: generateRandom)
                == .hsmFailure(returnValue: ReturnValue.deviceError.rawValue))
        #expect(
            await mock.dispatch(.init(Grep11_Crypto.Method.GenerateRandom.self), request: generateRandom)
                == .connectionDropped)
        guard
            case .response = await mock.dispatch(
                .init(Grep11_Crypto.Method.GenerateRandom.self), request: generateRandom)
        else {
            Issue.record("the faults were used up; the third call must succeed")
            return
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 3)

        mock.allowedMechanisms = [.sha512]
        // DigestSingleRequest { Mech: { Mechanism: CKM_SHA256 (0x250) }, Data: "x" }
        let digest: [UInt8] = [0x0A, 0x03, 0x08, 0xD0, 0x04, 0x12, 0x01, 0x78]
        #expect(
            await mock.dispatch(.init(Grep11_Crypto.Method.DigestSingle.self), request: digest)
                == .hsmFailure(returnValue: ReturnValue.mechanismInvalid.rawValue))
    }

    @Test("a fault with a probability applies to some calls, not all")
    func probability() async throws {
        let mock = try HSMMock()
        try mock.injectFault(
            .init(
                .returnValue(.deviceError), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)),
                probability: 0.5))
        var failures = 0
        for _ in 0..<200 {
            if case .hsmFailure = await mock.dispatch(
                .init(Grep11_Crypto.Method.GenerateRandom.self), request: [0x08, 0x01])
            {
                failures += 1
            }
        }
        // Binomial(200, 0.5): outside 40...160 with probability far below 1e-15.
        #expect((40...160).contains(failures))
        try mock.injectFault(.init(.dropConnection, probability: 0))
        #expect(await mock.dispatch(.init(Grep11_Crypto.Method.DigestInit.self), request: []) != .connectionDropped)
    }

    @Test("every RPC has its proto name, and names read back case-insensitively")
    func rpcNames() throws {
        let names = HSMMock.RPC.allCases.map(\.name)
        #expect(Set(names) == Set(Grep11_Crypto.Method.descriptors.map(\.method)))
        #expect(names.count == Grep11_Crypto.Method.descriptors.count)
        for method in HSMMock.RPC.allCases {
            #expect(HSMMock.RPC(name: method.name) == method)
            #expect(HSMMock.RPC(name: method.name.uppercased()) == method)
            #expect("\(method)" == method.name)
        }
        #expect(HSMMock.RPC(Grep11_Crypto.Method.GenerateKeyPair.self).name == "GenerateKeyPair")
        #expect(HSMMock.RPC(name: "Foo") == nil)
        #expect(HSMMock.RPC(name: "") == nil)
        #expect(try HSMMock.RPC.named("signsingle").name == "SignSingle")
        #expect(throws: EP11Error.invalidArgument) { try HSMMock.RPC.named("Foo") }
        // The client's typed list and the mock's are the generated one, in the same order.
        #expect(grep11Methods.map { $0.descriptor.method } == names)
    }

    @Test("bad faults are refused with a clear error")
    func badFaults() throws {
        let mock = try HSMMock()
        #expect(throws: EP11Error.invalidArgument) { try mock.injectFault(.init(.dropConnection, probability: 1.5)) }
        #expect(throws: EP11Error.invalidArgument) { try mock.injectFault(.init(.dropConnection, times: -1)) }
        #expect(throws: EP11Error.invalidArgument) { try mock.injectFault(.init(.delay(.seconds(-1)))) }
        #expect(mock.faults.isEmpty)
    }

    @Test("over HTTP/2, the forced CKR carries its Retry flag and a per-mechanism fault works the same")
    func overHTTP2() async throws {
        let mock = try HSMMock()
        try mock.injectFault(
            .init(
                .returnValue(.deviceError, retry: true), target: .rpc(.init(Grep11_Crypto.Method.GenerateRandom.self)),
                times: 1))
        try mock.injectFault(.init(.returnValue(.ibmWKIDMismatch), target: .mechanism(.sha384)))
        try await mock.withServer { port in
            var configuration = EP11Client.Configuration(
                host: "127.0.0.1", port: port, transportSecurity: .plaintext,
                retryPolicy: .init(maximumAttempts: 1))
            configuration.timeouts = .init(call: .seconds(20))
            try await withEP11Client(configuration) { (client) async throws in
                let failure = await #expect(throws: EP11Error.self) { try await client.generateRandom(count: 4) }
                #expect(failure?.returnValue == .deviceError)
                #expect(failure?.isRetryable == true)
                #expect(try await client.generateRandom(count: 4).count == 4)
                await #expect(throws: EP11Error.wrappingKeyIDMismatch) {
                    try await client.digest([1], mechanism: .sha384)
                }
            }
        }
        #expect(mock.callCount(.init(Grep11_Crypto.Method.GenerateRandom.self)) == 2)
    }
}
