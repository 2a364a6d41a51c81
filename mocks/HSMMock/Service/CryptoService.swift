import EP11
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging
import SwiftProtobuf

/// The `grep11.Crypto` gRPC service over ``HSMCore``. Failures leave as a real HSM sends them: gRPC status
/// `Unknown`, the CKR name as the message, and exactly one `Grep11Error` detail.
struct CryptoService: Grep11_Crypto.SimpleServiceProtocol {
    let core: HSMCore
    let logger: Logger

    private func run<T>(_ method: String, _ body: () throws(HSMFailure) -> T) throws -> T {
        do {
            return try body()
        } catch {
            logger.debug(
                "GREP11 call refused",
                metadata: ["hpcs.ep11.method": "\(method)", "hpcs.ep11.return_value": "\(error.returnValue)"]
            )
            throw Self.status(for: error)
        }
    }

    static func status(for failure: HSMFailure) -> GoogleRPCStatus {
        var detail = Grep11_Grep11Error()
        detail.code = failure.returnValue.rawValue
        detail.detail = failure.detail
        detail.retry = false
        let any = (try? Google_Protobuf_Any(message: detail)) ?? Google_Protobuf_Any()
        let name = failure.returnValue.name ?? failure.returnValue.description
        return GoogleRPCStatus(code: .unknown, message: name, details: [.any(any)])
    }

    func generateRandom(request: Grep11_GenerateRandomRequest, context: ServerContext) async throws
        -> Grep11_GenerateRandomResponse
    {
        try run("GenerateRandom") { () throws(HSMFailure) in try core.generateRandom(request) }
    }

    func digestInit(request: Grep11_DigestInitRequest, context: ServerContext) async throws -> Grep11_DigestInitResponse
    {
        try run("DigestInit") { () throws(HSMFailure) in
            var response = Grep11_DigestInitResponse()
            response.state = try core.digestInit(mechanism: request.mech)
            return response
        }
    }

    func digest(request: Grep11_DigestRequest, context: ServerContext) async throws -> Grep11_DigestResponse {
        try run("Digest") { () throws(HSMFailure) in
            var response = Grep11_DigestResponse()
            response.digest = try core.digestFinal(state: request.state, extra: request.data)
            return response
        }
    }

    func digestUpdate(request: Grep11_DigestUpdateRequest, context: ServerContext) async throws
        -> Grep11_DigestUpdateResponse
    {
        try run("DigestUpdate") { () throws(HSMFailure) in
            var response = Grep11_DigestUpdateResponse()
            response.state = try core.digestUpdate(state: request.state, data: request.data)
            return response
        }
    }

    func digestKey(request: Grep11_DigestKeyRequest, context: ServerContext) async throws -> Grep11_DigestKeyResponse {
        try run("DigestKey") { () throws(HSMFailure) in
            var response = Grep11_DigestKeyResponse()
            response.state = try core.digestKey(state: request.state, key: request.key, hasKey: request.hasKey)
            return response
        }
    }

    func digestFinal(request: Grep11_DigestFinalRequest, context: ServerContext) async throws
        -> Grep11_DigestFinalResponse
    {
        try run("DigestFinal") { () throws(HSMFailure) in
            var response = Grep11_DigestFinalResponse()
            response.digest = try core.digestFinal(state: request.state, extra: nil)
            return response
        }
    }

    func digestSingle(request: Grep11_DigestSingleRequest, context: ServerContext) async throws
        -> Grep11_DigestSingleResponse
    {
        try run("DigestSingle") { () throws(HSMFailure) in
            var response = Grep11_DigestSingleResponse()
            response.digest = try core.digestSingle(mechanism: request.mech, data: request.data)
            return response
        }
    }

    func encryptInit(request: Grep11_EncryptInitRequest, context: ServerContext) async throws
        -> Grep11_EncryptInitResponse
    {
        try run("EncryptInit") { () throws(HSMFailure) in
            var response = Grep11_EncryptInitResponse()
            response.state = try core.cipherInit(
                mechanism: request.mech, key: request.key, hasKey: request.hasKey, encrypt: true)
            return response
        }
    }

    func decryptInit(request: Grep11_DecryptInitRequest, context: ServerContext) async throws
        -> Grep11_DecryptInitResponse
    {
        try run("DecryptInit") { () throws(HSMFailure) in
            var response = Grep11_DecryptInitResponse()
            response.state = try core.cipherInit(
                mechanism: request.mech, key: request.key, hasKey: request.hasKey, encrypt: false)
            return response
        }
    }

    func encryptUpdate(request: Grep11_EncryptUpdateRequest, context: ServerContext) async throws
        -> Grep11_EncryptUpdateResponse
    {
        try run("EncryptUpdate") { () throws(HSMFailure) in
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
        try run("DecryptUpdate") { () throws(HSMFailure) in
            let (state, output) = try core.cipherUpdate(request.state, input: request.ciphered, encrypt: false)
            var response = Grep11_DecryptUpdateResponse()
            response.state = state
            response.plain = output
            return response
        }
    }

    func encrypt(request: Grep11_EncryptRequest, context: ServerContext) async throws -> Grep11_EncryptResponse {
        try run("Encrypt") { () throws(HSMFailure) in
            var response = Grep11_EncryptResponse()
            response.ciphered = try core.cipherWithState(request.state, input: request.plain, encrypt: true)
            return response
        }
    }

    func decrypt(request: Grep11_DecryptRequest, context: ServerContext) async throws -> Grep11_DecryptResponse {
        try run("Decrypt") { () throws(HSMFailure) in
            var response = Grep11_DecryptResponse()
            response.plain = try core.cipherWithState(request.state, input: request.ciphered, encrypt: false)
            return response
        }
    }

    func encryptFinal(request: Grep11_EncryptFinalRequest, context: ServerContext) async throws
        -> Grep11_EncryptFinalResponse
    {
        try run("EncryptFinal") { () throws(HSMFailure) in
            var response = Grep11_EncryptFinalResponse()
            response.ciphered = try core.cipherFinal(request.state, encrypt: true)
            return response
        }
    }

    func decryptFinal(request: Grep11_DecryptFinalRequest, context: ServerContext) async throws
        -> Grep11_DecryptFinalResponse
    {
        try run("DecryptFinal") { () throws(HSMFailure) in
            var response = Grep11_DecryptFinalResponse()
            response.plain = try core.cipherFinal(request.state, encrypt: false)
            return response
        }
    }

    func encryptSingle(request: Grep11_EncryptSingleRequest, context: ServerContext) async throws
        -> Grep11_EncryptSingleResponse
    {
        try run("EncryptSingle") { () throws(HSMFailure) in
            let key = try core.openKey(request.key, hasKey: request.hasKey, role: "encryption")
            var response = Grep11_EncryptSingleResponse()
            response.ciphered = Data(
                try core.cipherSingle(mechanism: request.mech, key: key, data: Array(request.plain), encrypt: true))
            return response
        }
    }

    func decryptSingle(request: Grep11_DecryptSingleRequest, context: ServerContext) async throws
        -> Grep11_DecryptSingleResponse
    {
        try run("DecryptSingle") { () throws(HSMFailure) in
            let key = try core.openKey(request.key, hasKey: request.hasKey, role: "decryption")
            var response = Grep11_DecryptSingleResponse()
            response.plain = Data(
                try core.cipherSingle(mechanism: request.mech, key: key, data: Array(request.ciphered), encrypt: false))
            return response
        }
    }

    func signInit(request: Grep11_SignInitRequest, context: ServerContext) async throws -> Grep11_SignInitResponse {
        try run("SignInit") { () throws(HSMFailure) in
            var response = Grep11_SignInitResponse()
            response.state = try core.signInit(
                mechanism: request.mech, key: request.privKey, hasKey: request.hasPrivKey, signing: true)
            return response
        }
    }

    func verifyInit(request: Grep11_VerifyInitRequest, context: ServerContext) async throws -> Grep11_VerifyInitResponse
    {
        try run("VerifyInit") { () throws(HSMFailure) in
            var response = Grep11_VerifyInitResponse()
            response.state = try core.signInit(
                mechanism: request.mech, key: request.pubKey, hasKey: request.hasPubKey, signing: false)
            return response
        }
    }

    func signUpdate(request: Grep11_SignUpdateRequest, context: ServerContext) async throws -> Grep11_SignUpdateResponse
    {
        try run("SignUpdate") { () throws(HSMFailure) in
            var response = Grep11_SignUpdateResponse()
            response.state = try core.signUpdate(request.state, input: request.data, signing: true)
            return response
        }
    }

    func verifyUpdate(request: Grep11_VerifyUpdateRequest, context: ServerContext) async throws
        -> Grep11_VerifyUpdateResponse
    {
        try run("VerifyUpdate") { () throws(HSMFailure) in
            var response = Grep11_VerifyUpdateResponse()
            response.state = try core.signUpdate(request.state, input: request.data, signing: false)
            return response
        }
    }

    func signFinal(request: Grep11_SignFinalRequest, context: ServerContext) async throws -> Grep11_SignFinalResponse {
        try run("SignFinal") { () throws(HSMFailure) in
            var response = Grep11_SignFinalResponse()
            response.signature = try core.signWithState(request.state, input: nil)
            return response
        }
    }

    func verifyFinal(request: Grep11_VerifyFinalRequest, context: ServerContext) async throws
        -> Grep11_VerifyFinalResponse
    {
        try run("VerifyFinal") { () throws(HSMFailure) in
            try core.verifyWithState(request.state, input: nil, signature: request.signature)
            return Grep11_VerifyFinalResponse()
        }
    }

    func sign(request: Grep11_SignRequest, context: ServerContext) async throws -> Grep11_SignResponse {
        try run("Sign") { () throws(HSMFailure) in
            var response = Grep11_SignResponse()
            response.signature = try core.signWithState(request.state, input: request.data)
            return response
        }
    }

    func verify(request: Grep11_VerifyRequest, context: ServerContext) async throws -> Grep11_VerifyResponse {
        try run("Verify") { () throws(HSMFailure) in
            try core.verifyWithState(request.state, input: request.data, signature: request.signature)
            return Grep11_VerifyResponse()
        }
    }

    func signSingle(request: Grep11_SignSingleRequest, context: ServerContext) async throws -> Grep11_SignSingleResponse
    {
        try run("SignSingle") { () throws(HSMFailure) in
            let key = try core.openKey(request.privKey, hasKey: request.hasPrivKey, role: "signing")
            let scheme = try HSMCore.signatureScheme(request.mech)
            var response = Grep11_SignSingleResponse()
            response.signature = Data(try core.signData(Array(request.data), key: key, scheme: scheme))
            return response
        }
    }

    func verifySingle(request: Grep11_VerifySingleRequest, context: ServerContext) async throws
        -> Grep11_VerifySingleResponse
    {
        try run("VerifySingle") { () throws(HSMFailure) in
            let key = try core.openKey(request.pubKey, hasKey: request.hasPubKey, role: "verification")
            let scheme = try HSMCore.signatureScheme(request.mech)
            try core.verifyData(Array(request.data), signature: Array(request.signature), key: key, scheme: scheme)
            return Grep11_VerifySingleResponse()
        }
    }

    func reencryptSingle(request: Grep11_ReencryptSingleRequest, context: ServerContext) async throws
        -> Grep11_ReencryptSingleResponse
    {
        try run("ReencryptSingle") { () throws(HSMFailure) in
            var response = Grep11_ReencryptSingleResponse()
            response.reciphered = try core.reencrypt(request)
            return response
        }
    }

    func generateKey(request: Grep11_GenerateKeyRequest, context: ServerContext) async throws
        -> Grep11_GenerateKeyResponse
    {
        try run("GenerateKey") { () throws(HSMFailure) in try core.generateKey(request) }
    }

    func generateKeyPair(request: Grep11_GenerateKeyPairRequest, context: ServerContext) async throws
        -> Grep11_GenerateKeyPairResponse
    {
        // RSA and DSA/DH key generation take from milliseconds to seconds: run it on a thread of its own, not on
        // the cooperative pool, which the transports and every other call of the process need.
        try await Self.offCooperativePool {
            try run("GenerateKeyPair") { () throws(HSMFailure) in try core.generateKeyPair(request) }
        }
    }

    /// Runs `body` on a new thread and resumes the caller with its result.
    static func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "hsm-mock-keygen"
            thread.start()
        }
    }

    func wrapKey(request: Grep11_WrapKeyRequest, context: ServerContext) async throws -> Grep11_WrapKeyResponse {
        try run("WrapKey") { () throws(HSMFailure) in try core.wrapKey(request) }
    }

    func unwrapKey(request: Grep11_UnwrapKeyRequest, context: ServerContext) async throws -> Grep11_UnwrapKeyResponse {
        try run("UnwrapKey") { () throws(HSMFailure) in try core.unwrapKey(request) }
    }

    func deriveKey(request: Grep11_DeriveKeyRequest, context: ServerContext) async throws -> Grep11_DeriveKeyResponse {
        try run("DeriveKey") { () throws(HSMFailure) in try core.deriveKey(request) }
    }

    func getMechanismList(request: Grep11_GetMechanismListRequest, context: ServerContext) async throws
        -> Grep11_GetMechanismListResponse
    {
        core.mechanismList()
    }

    func getMechanismInfo(request: Grep11_GetMechanismInfoRequest, context: ServerContext) async throws
        -> Grep11_GetMechanismInfoResponse
    {
        try run("GetMechanismInfo") { () throws(HSMFailure) in try core.mechanismInfo(request) }
    }

    func getAttributeValue(request: Grep11_GetAttributeValueRequest, context: ServerContext) async throws
        -> Grep11_GetAttributeValueResponse
    {
        try run("GetAttributeValue") { () throws(HSMFailure) in try core.getAttributeValue(request) }
    }

    func setAttributeValue(request: Grep11_SetAttributeValueRequest, context: ServerContext) async throws
        -> Grep11_SetAttributeValueResponse
    {
        try run("SetAttributeValue") { () throws(HSMFailure) in try core.setAttributeValue(request) }
    }

    func login(request: Grep11_LoginRequest, context: ServerContext) async throws -> Grep11_LoginResponse {
        try run("Login") { () throws(HSMFailure) in
            throw HSMFailure(.functionNotSupported, "the mock has no login sessions")
        }
    }

    func logout(request: Grep11_LogoutRequest, context: ServerContext) async throws -> Grep11_LogoutResponse {
        try run("Logout") { () throws(HSMFailure) in
            throw HSMFailure(.functionNotSupported, "the mock has no login sessions")
        }
    }

    func rewrapKeyBlob(request: Grep11_RewrapKeyBlobRequest, context: ServerContext) async throws
        -> Grep11_RewrapKeyBlobResponse
    {
        try run("RewrapKeyBlob") { () throws(HSMFailure) in try core.rewrapKeyBlob(request) }
    }
}
