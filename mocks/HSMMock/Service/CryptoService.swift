import EP11
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging
import NIOPosix
import SwiftProtobuf

/// The `grep11.Crypto` gRPC service over ``HSMCore``. Failures leave as a real HSM sends them: gRPC status
/// `Unknown`, the CKR name as the message, and exactly one `Grep11Error` detail.
struct CryptoService: Sendable {
    let core: HSMCore
    let logger: Logger

    /// Runs one call: counts it and applies the injected faults and the mechanism allow-list
    /// (``HSMCore/gate(_:mechanisms:)``), then `body`; a failure leaves as a real HSM sends it.
    private func run<T>(
        _ context: ServerContext,
        mechanisms: [Grep11_Mechanism] = [],
        _ body: () throws(HSMFailure) -> T
    ) async throws -> T {
        try await run(context, mechanismTypes: mechanisms.map(\.mechanism), body)
    }

    /// `run` for the calls that answer with one field: `body`'s value goes into `field` of a new response.
    private func run<Response: SwiftProtobuf.Message, Value>(
        _ context: ServerContext,
        mechanisms: [Grep11_Mechanism] = [],
        into field: WritableKeyPath<Response, Value>,
        _ body: () throws(HSMFailure) -> Value
    ) async throws -> Response {
        try await run(context, mechanisms: mechanisms) { () throws(HSMFailure) in
            var response = Response()
            response[keyPath: field] = try body()
            return response
        }
    }

    /// As the first, for the call of `context.descriptor`.
    private func run<T>(
        _ context: ServerContext,
        mechanismTypes: [UInt64],
        _ body: () throws(HSMFailure) -> T
    ) async throws -> T {
        try await admit(context, mechanismTypes: mechanismTypes)
        do {
            return try body()
        } catch {
            throw refused(HSMMock.RPC(context.descriptor), error)
        }
    }

    /// The failure as the HSM sends it, logged.
    private func refused(_ method: HSMMock.RPC, _ failure: HSMFailure) -> GoogleRPCStatus {
        logger.debug(
            "GREP11 call refused",
            metadata: ["hpcs.ep11.method": "\(method.name)", "hpcs.ep11.return_value": "\(failure.returnValue)"]
        )
        return Self.status(for: failure)
    }

    /// Counts the call and applies the injected faults and the allow-list; returns when the call may go on.
    private func admit(_ context: ServerContext, mechanismTypes: [UInt64]) async throws {
        let method = HSMMock.RPC(context.descriptor)
        switch core.gate(method, mechanisms: mechanismTypes) {
        case .proceed(let delay):
            try await Self.wait(delay, context: context)
        case .fail(let failure, let retry, let delay):
            try await Self.wait(delay, context: context)
            logger.debug(
                "GREP11 call failed by an injected fault",
                metadata: ["hpcs.ep11.method": "\(method.name)", "hpcs.ep11.return_value": "\(failure.returnValue)"]
            )
            throw Self.status(for: failure, retry: retry)
        case .drop(let delay):
            try await Self.wait(delay, context: context)
            logger.debug("GREP11 call dropped by an injected fault", metadata: ["hpcs.ep11.method": "\(method.name)"])
            throw InjectedConnectionDrop()
        }
    }

    /// Waits `delay`, or less when the call is cancelled meanwhile (its deadline passed, the client went away).
    private static func wait(_ delay: Duration, context: ServerContext) async throws {
        guard delay > .zero else { return }
        let cancellation = context.cancellation
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await Task.sleep(for: delay)
                return true
            }
            group.addTask {
                try await cancellation.cancelled
                return false
            }
            let slept = try await group.next() ?? false
            group.cancelAll()
            if !slept { throw RPCError(code: .cancelled, message: "the call was cancelled during an injected delay") }
        }
    }

    static func status(for failure: HSMFailure, retry: Bool = false) -> GoogleRPCStatus {
        var detail = Grep11_Grep11Error()
        detail.code = failure.returnValue.rawValue
        detail.detail = failure.detail
        detail.retry = retry
        let any = (try? Google_Protobuf_Any(message: detail)) ?? Google_Protobuf_Any()
        let name = failure.returnValue.name ?? failure.returnValue.description
        return GoogleRPCStatus(code: .unknown, message: name, details: [.any(any)])
    }

    func generateRandom(request: Grep11_GenerateRandomRequest, context: ServerContext) async throws
        -> Grep11_GenerateRandomResponse
    {
        try await run(context) { () throws(HSMFailure) in try core.generateRandom(request) }
    }

    func digestInit(request: Grep11_DigestInitRequest, context: ServerContext) async throws -> Grep11_DigestInitResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.state) { () throws(HSMFailure) in
            try core.digestInit(mechanism: request.mech)
        }
    }

    func digest(request: Grep11_DigestRequest, context: ServerContext) async throws -> Grep11_DigestResponse {
        try await run(context, into: \.digest) { () throws(HSMFailure) in
            try core.digestFinal(state: request.state, extra: request.data)
        }
    }

    func digestUpdate(request: Grep11_DigestUpdateRequest, context: ServerContext) async throws
        -> Grep11_DigestUpdateResponse
    {
        try await run(context, into: \.state) { () throws(HSMFailure) in
            try core.digestUpdate(state: request.state, data: request.data)
        }
    }

    func digestKey(request: Grep11_DigestKeyRequest, context: ServerContext) async throws -> Grep11_DigestKeyResponse {
        try await run(context, into: \.state) { () throws(HSMFailure) in
            try core.digestKey(state: request.state, key: request.key, hasKey: request.hasKey)
        }
    }

    func digestFinal(request: Grep11_DigestFinalRequest, context: ServerContext) async throws
        -> Grep11_DigestFinalResponse
    {
        try await run(context, into: \.digest) { () throws(HSMFailure) in
            try core.digestFinal(state: request.state, extra: nil)
        }
    }

    func digestSingle(request: Grep11_DigestSingleRequest, context: ServerContext) async throws
        -> Grep11_DigestSingleResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.digest) { () throws(HSMFailure) in
            try core.digestSingle(mechanism: request.mech, data: request.data)
        }
    }

    func encryptInit(request: Grep11_EncryptInitRequest, context: ServerContext) async throws
        -> Grep11_EncryptInitResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.state) { () throws(HSMFailure) in
            try core.cipherInit(
                mechanism: request.mech, key: request.key, hasKey: request.hasKey, encrypt: true)
        }
    }

    func decryptInit(request: Grep11_DecryptInitRequest, context: ServerContext) async throws
        -> Grep11_DecryptInitResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.state) { () throws(HSMFailure) in
            try core.cipherInit(
                mechanism: request.mech, key: request.key, hasKey: request.hasKey, encrypt: false)
        }
    }

    func encryptUpdate(request: Grep11_EncryptUpdateRequest, context: ServerContext) async throws
        -> Grep11_EncryptUpdateResponse
    {
        try await run(context) { () throws(HSMFailure) in
            let (state, output) = try core.cipherUpdate(request.state, input: request.plain, encrypt: true)
            var response = Grep11_EncryptUpdateResponse()
            response.state = state
            response.ciphered = output
            return response
        }
    }

    func decryptUpdate(request: Grep11_DecryptUpdateRequest, context: ServerContext) async throws
        -> Grep11_DecryptUpdateResponse
    {
        try await run(context) { () throws(HSMFailure) in
            let (state, output) = try core.cipherUpdate(request.state, input: request.ciphered, encrypt: false)
            var response = Grep11_DecryptUpdateResponse()
            response.state = state
            response.plain = output
            return response
        }
    }

    func encrypt(request: Grep11_EncryptRequest, context: ServerContext) async throws -> Grep11_EncryptResponse {
        try await run(context, into: \.ciphered) { () throws(HSMFailure) in
            try core.cipherWithState(request.state, input: request.plain, encrypt: true)
        }
    }

    func decrypt(request: Grep11_DecryptRequest, context: ServerContext) async throws -> Grep11_DecryptResponse {
        try await run(context, into: \.plain) { () throws(HSMFailure) in
            try core.cipherWithState(request.state, input: request.ciphered, encrypt: false)
        }
    }

    func encryptFinal(request: Grep11_EncryptFinalRequest, context: ServerContext) async throws
        -> Grep11_EncryptFinalResponse
    {
        try await run(context, into: \.ciphered) { () throws(HSMFailure) in
            try core.cipherFinal(request.state, encrypt: true)
        }
    }

    func decryptFinal(request: Grep11_DecryptFinalRequest, context: ServerContext) async throws
        -> Grep11_DecryptFinalResponse
    {
        try await run(context, into: \.plain) { () throws(HSMFailure) in
            try core.cipherFinal(request.state, encrypt: false)
        }
    }

    func encryptSingle(request: Grep11_EncryptSingleRequest, context: ServerContext) async throws
        -> Grep11_EncryptSingleResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.ciphered) { () throws(HSMFailure) in
            let key = try core.openKey(request.key, hasKey: request.hasKey, role: "encryption")
            return Data(
                try core.cipherSingle(mechanism: request.mech, key: key, data: Array(request.plain), encrypt: true))
        }
    }

    func decryptSingle(request: Grep11_DecryptSingleRequest, context: ServerContext) async throws
        -> Grep11_DecryptSingleResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.plain) { () throws(HSMFailure) in
            let key = try core.openKey(request.key, hasKey: request.hasKey, role: "decryption")
            return Data(
                try core.cipherSingle(mechanism: request.mech, key: key, data: Array(request.ciphered), encrypt: false))
        }
    }

    func signInit(request: Grep11_SignInitRequest, context: ServerContext) async throws -> Grep11_SignInitResponse {
        try await run(context, mechanisms: [request.mech], into: \.state) { () throws(HSMFailure) in
            try core.signInit(
                mechanism: request.mech, key: request.privKey, hasKey: request.hasPrivKey, signing: true)
        }
    }

    func verifyInit(request: Grep11_VerifyInitRequest, context: ServerContext) async throws -> Grep11_VerifyInitResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.state) { () throws(HSMFailure) in
            try core.signInit(
                mechanism: request.mech, key: request.pubKey, hasKey: request.hasPubKey, signing: false)
        }
    }

    func signUpdate(request: Grep11_SignUpdateRequest, context: ServerContext) async throws -> Grep11_SignUpdateResponse
    {
        try await run(context, into: \.state) { () throws(HSMFailure) in
            try core.signUpdate(request.state, input: request.data, signing: true)
        }
    }

    func verifyUpdate(request: Grep11_VerifyUpdateRequest, context: ServerContext) async throws
        -> Grep11_VerifyUpdateResponse
    {
        try await run(context, into: \.state) { () throws(HSMFailure) in
            try core.signUpdate(request.state, input: request.data, signing: false)
        }
    }

    func signFinal(request: Grep11_SignFinalRequest, context: ServerContext) async throws -> Grep11_SignFinalResponse {
        try await run(context, into: \.signature) { () throws(HSMFailure) in
            try core.signWithState(request.state, input: nil)
        }
    }

    func verifyFinal(request: Grep11_VerifyFinalRequest, context: ServerContext) async throws
        -> Grep11_VerifyFinalResponse
    {
        try await run(context) { () throws(HSMFailure) in
            try core.verifyWithState(request.state, input: nil, signature: request.signature)
            return Grep11_VerifyFinalResponse()
        }
    }

    func sign(request: Grep11_SignRequest, context: ServerContext) async throws -> Grep11_SignResponse {
        try await run(context, into: \.signature) { () throws(HSMFailure) in
            try core.signWithState(request.state, input: request.data)
        }
    }

    func verify(request: Grep11_VerifyRequest, context: ServerContext) async throws -> Grep11_VerifyResponse {
        try await run(context) { () throws(HSMFailure) in
            try core.verifyWithState(request.state, input: request.data, signature: request.signature)
            return Grep11_VerifyResponse()
        }
    }

    func signSingle(request: Grep11_SignSingleRequest, context: ServerContext) async throws -> Grep11_SignSingleResponse
    {
        try await run(context, mechanisms: [request.mech], into: \.signature) { () throws(HSMFailure) in
            let key = try core.openKey(request.privKey, hasKey: request.hasPrivKey, role: "signing")
            let scheme = try HSMCore.signatureScheme(request.mech)
            return Data(try core.signData(Array(request.data), key: key, scheme: scheme))
        }
    }

    func verifySingle(request: Grep11_VerifySingleRequest, context: ServerContext) async throws
        -> Grep11_VerifySingleResponse
    {
        try await run(context, mechanisms: [request.mech]) { () throws(HSMFailure) in
            let key = try core.openKey(request.pubKey, hasKey: request.hasPubKey, role: "verification")
            let scheme = try HSMCore.signatureScheme(request.mech)
            try core.verifyData(Array(request.data), signature: Array(request.signature), key: key, scheme: scheme)
            return Grep11_VerifySingleResponse()
        }
    }

    func reencryptSingle(request: Grep11_ReencryptSingleRequest, context: ServerContext) async throws
        -> Grep11_ReencryptSingleResponse
    {
        try await run(context, mechanisms: [request.decMech, request.encMech], into: \.reciphered) {
            () throws(HSMFailure) in try core.reencrypt(request)
        }
    }

    func generateKey(request: Grep11_GenerateKeyRequest, context: ServerContext) async throws
        -> Grep11_GenerateKeyResponse
    {
        try await run(context, mechanisms: [request.mech]) { () throws(HSMFailure) in
            try core.generateKey(request)
        }
    }

    func generateKeyPair(request: Grep11_GenerateKeyPairRequest, context: ServerContext) async throws
        -> Grep11_GenerateKeyPairResponse
    {
        try await admit(context, mechanismTypes: [request.mech.mechanism])
        // RSA and DSA/DH key generation take from milliseconds to seconds: run it on the bounded blocking pool,
        // not on the cooperative pool, which the transports and every other call of the process need.
        let core = self.core
        let result = try await Self.blockingPool.runIfActive {
            Result { () throws(HSMFailure) in try core.generateKeyPair(request) }
        }
        switch result {
        case .success(let response): return response
        case .failure(let failure): throw refused(HSMMock.RPC(context.descriptor), failure)
        }
    }

    /// Where blocking work (key generation) runs: NIO's shared pool of one thread per core, so that many callers
    /// queue instead of each getting a thread.
    static var blockingPool: NIOThreadPool { NIOThreadPool.singleton }

    func wrapKey(request: Grep11_WrapKeyRequest, context: ServerContext) async throws -> Grep11_WrapKeyResponse {
        try await run(context, mechanisms: [request.mech]) { () throws(HSMFailure) in
            try core.wrapKey(request)
        }
    }

    func unwrapKey(request: Grep11_UnwrapKeyRequest, context: ServerContext) async throws -> Grep11_UnwrapKeyResponse {
        try await run(context, mechanisms: [request.mech]) { () throws(HSMFailure) in
            try core.unwrapKey(request)
        }
    }

    func deriveKey(request: Grep11_DeriveKeyRequest, context: ServerContext) async throws -> Grep11_DeriveKeyResponse {
        try await run(context, mechanisms: [request.mech]) { () throws(HSMFailure) in
            try core.deriveKey(request)
        }
    }

    func getMechanismList(request: Grep11_GetMechanismListRequest, context: ServerContext) async throws
        -> Grep11_GetMechanismListResponse
    {
        try await run(context) { () throws(HSMFailure) in core.mechanismList() }
    }

    func getMechanismInfo(request: Grep11_GetMechanismInfoRequest, context: ServerContext) async throws
        -> Grep11_GetMechanismInfoResponse
    {
        try await run(context, mechanismTypes: [request.mech]) { () throws(HSMFailure) in
            try core.mechanismInfo(request)
        }
    }

    func getAttributeValue(request: Grep11_GetAttributeValueRequest, context: ServerContext) async throws
        -> Grep11_GetAttributeValueResponse
    {
        try await run(context) { () throws(HSMFailure) in try core.getAttributeValue(request) }
    }

    func setAttributeValue(request: Grep11_SetAttributeValueRequest, context: ServerContext) async throws
        -> Grep11_SetAttributeValueResponse
    {
        try await run(context) { () throws(HSMFailure) in try core.setAttributeValue(request) }
    }

    func login(request: Grep11_LoginRequest, context: ServerContext) async throws -> Grep11_LoginResponse {
        try await run(context) { () throws(HSMFailure) in
            throw HSMFailure(.functionNotSupported, "the mock has no login sessions")
        }
    }

    func logout(request: Grep11_LogoutRequest, context: ServerContext) async throws -> Grep11_LogoutResponse {
        try await run(context) { () throws(HSMFailure) in
            throw HSMFailure(.functionNotSupported, "the mock has no login sessions")
        }
    }

    func rewrapKeyBlob(request: Grep11_RewrapKeyBlobRequest, context: ServerContext) async throws
        -> Grep11_RewrapKeyBlobResponse
    {
        try await run(context) { () throws(HSMFailure) in try core.rewrapKeyBlob(request) }
    }
}
