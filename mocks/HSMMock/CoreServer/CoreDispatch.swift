import EP11
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// A call's answer on the wire, whatever the transport: a response message, or a status with its message and
/// (for an HSM failure) the serialized `google.rpc.Status` that travels as `grpc-status-details-bin`.
struct CoreAnswer: Sendable {
    /// The serialized response message, for status OK.
    var message: [UInt8]?
    /// The gRPC status code (`RPCError.Code.rawValue`; 0 for OK).
    var status: Int
    var statusMessage: String
    /// The serialized `google.rpc.Status` with the call's error details, when there are any.
    var statusDetails: [UInt8]?

    static func ok(_ message: [UInt8]) -> CoreAnswer {
        CoreAnswer(message: message, status: 0, statusMessage: "", statusDetails: nil)
    }

    static func failure(_ code: RPCError.Code, _ message: String) -> CoreAnswer {
        CoreAnswer(message: nil, status: code.rawValue, statusMessage: message, statusDetails: nil)
    }
}

/// Runs one GREP11 call through the mock's ``CryptoService`` (the same handlers the grpc-swift server calls) and
/// encodes what it produced exactly as the grpc-swift server does: an HSM failure leaves as status `unknown`, the
/// CKR name as message and the `google.rpc.Status` (one `Grep11Error` detail) in `grpc-status-details-bin`.
struct CoreDispatch: Sendable {
    let service: CryptoService

    /// The request path of `method`, e.g. `/grep11.Crypto/SignSingle`.
    static func path(_ method: GREP11Method) -> String {
        "/" + descriptor(method).fullyQualifiedMethod
    }

    static func descriptor(_ method: GREP11Method) -> MethodDescriptor {
        switch method {
        case .generateRandom: return Grep11_Crypto.Method.GenerateRandom.descriptor
        case .digestInit: return Grep11_Crypto.Method.DigestInit.descriptor
        case .digest: return Grep11_Crypto.Method.Digest.descriptor
        case .digestUpdate: return Grep11_Crypto.Method.DigestUpdate.descriptor
        case .digestKey: return Grep11_Crypto.Method.DigestKey.descriptor
        case .digestFinal: return Grep11_Crypto.Method.DigestFinal.descriptor
        case .digestSingle: return Grep11_Crypto.Method.DigestSingle.descriptor
        case .encryptInit: return Grep11_Crypto.Method.EncryptInit.descriptor
        case .decryptInit: return Grep11_Crypto.Method.DecryptInit.descriptor
        case .encryptUpdate: return Grep11_Crypto.Method.EncryptUpdate.descriptor
        case .decryptUpdate: return Grep11_Crypto.Method.DecryptUpdate.descriptor
        case .encrypt: return Grep11_Crypto.Method.Encrypt.descriptor
        case .decrypt: return Grep11_Crypto.Method.Decrypt.descriptor
        case .encryptFinal: return Grep11_Crypto.Method.EncryptFinal.descriptor
        case .decryptFinal: return Grep11_Crypto.Method.DecryptFinal.descriptor
        case .encryptSingle: return Grep11_Crypto.Method.EncryptSingle.descriptor
        case .decryptSingle: return Grep11_Crypto.Method.DecryptSingle.descriptor
        case .signInit: return Grep11_Crypto.Method.SignInit.descriptor
        case .verifyInit: return Grep11_Crypto.Method.VerifyInit.descriptor
        case .signUpdate: return Grep11_Crypto.Method.SignUpdate.descriptor
        case .verifyUpdate: return Grep11_Crypto.Method.VerifyUpdate.descriptor
        case .signFinal: return Grep11_Crypto.Method.SignFinal.descriptor
        case .verifyFinal: return Grep11_Crypto.Method.VerifyFinal.descriptor
        case .sign: return Grep11_Crypto.Method.Sign.descriptor
        case .verify: return Grep11_Crypto.Method.Verify.descriptor
        case .signSingle: return Grep11_Crypto.Method.SignSingle.descriptor
        case .verifySingle: return Grep11_Crypto.Method.VerifySingle.descriptor
        case .reencryptSingle: return Grep11_Crypto.Method.ReencryptSingle.descriptor
        case .generateKey: return Grep11_Crypto.Method.GenerateKey.descriptor
        case .generateKeyPair: return Grep11_Crypto.Method.GenerateKeyPair.descriptor
        case .wrapKey: return Grep11_Crypto.Method.WrapKey.descriptor
        case .unwrapKey: return Grep11_Crypto.Method.UnwrapKey.descriptor
        case .deriveKey: return Grep11_Crypto.Method.DeriveKey.descriptor
        case .getMechanismList: return Grep11_Crypto.Method.GetMechanismList.descriptor
        case .getMechanismInfo: return Grep11_Crypto.Method.GetMechanismInfo.descriptor
        case .getAttributeValue: return Grep11_Crypto.Method.GetAttributeValue.descriptor
        case .setAttributeValue: return Grep11_Crypto.Method.SetAttributeValue.descriptor
        case .login: return Grep11_Crypto.Method.Login.descriptor
        case .logout: return Grep11_Crypto.Method.Logout.descriptor
        case .rewrapKeyBlob: return Grep11_Crypto.Method.RewrapKeyBlob.descriptor
        }
    }

    /// Decodes `bytes` as the request of `method`, runs it and encodes the answer.
    func answer(_ method: GREP11Method, request bytes: [UInt8]) async -> CoreAnswer {
        let service = self.service
        switch method {
        case .generateRandom:
            return await answer(bytes, Grep11_Crypto.Method.GenerateRandom.descriptor, service.generateRandom)
        case .digestInit: return await answer(bytes, Grep11_Crypto.Method.DigestInit.descriptor, service.digestInit)
        case .digest: return await answer(bytes, Grep11_Crypto.Method.Digest.descriptor, service.digest)
        case .digestUpdate:
            return await answer(bytes, Grep11_Crypto.Method.DigestUpdate.descriptor, service.digestUpdate)
        case .digestKey: return await answer(bytes, Grep11_Crypto.Method.DigestKey.descriptor, service.digestKey)
        case .digestFinal: return await answer(bytes, Grep11_Crypto.Method.DigestFinal.descriptor, service.digestFinal)
        case .digestSingle:
            return await answer(bytes, Grep11_Crypto.Method.DigestSingle.descriptor, service.digestSingle)
        case .encryptInit: return await answer(bytes, Grep11_Crypto.Method.EncryptInit.descriptor, service.encryptInit)
        case .decryptInit: return await answer(bytes, Grep11_Crypto.Method.DecryptInit.descriptor, service.decryptInit)
        case .encryptUpdate:
            return await answer(bytes, Grep11_Crypto.Method.EncryptUpdate.descriptor, service.encryptUpdate)
        case .decryptUpdate:
            return await answer(bytes, Grep11_Crypto.Method.DecryptUpdate.descriptor, service.decryptUpdate)
        case .encrypt: return await answer(bytes, Grep11_Crypto.Method.Encrypt.descriptor, service.encrypt)
        case .decrypt: return await answer(bytes, Grep11_Crypto.Method.Decrypt.descriptor, service.decrypt)
        case .encryptFinal:
            return await answer(bytes, Grep11_Crypto.Method.EncryptFinal.descriptor, service.encryptFinal)
        case .decryptFinal:
            return await answer(bytes, Grep11_Crypto.Method.DecryptFinal.descriptor, service.decryptFinal)
        case .encryptSingle:
            return await answer(bytes, Grep11_Crypto.Method.EncryptSingle.descriptor, service.encryptSingle)
        case .decryptSingle:
            return await answer(bytes, Grep11_Crypto.Method.DecryptSingle.descriptor, service.decryptSingle)
        case .signInit: return await answer(bytes, Grep11_Crypto.Method.SignInit.descriptor, service.signInit)
        case .verifyInit: return await answer(bytes, Grep11_Crypto.Method.VerifyInit.descriptor, service.verifyInit)
        case .signUpdate: return await answer(bytes, Grep11_Crypto.Method.SignUpdate.descriptor, service.signUpdate)
        case .verifyUpdate:
            return await answer(bytes, Grep11_Crypto.Method.VerifyUpdate.descriptor, service.verifyUpdate)
        case .signFinal: return await answer(bytes, Grep11_Crypto.Method.SignFinal.descriptor, service.signFinal)
        case .verifyFinal: return await answer(bytes, Grep11_Crypto.Method.VerifyFinal.descriptor, service.verifyFinal)
        case .sign: return await answer(bytes, Grep11_Crypto.Method.Sign.descriptor, service.sign)
        case .verify: return await answer(bytes, Grep11_Crypto.Method.Verify.descriptor, service.verify)
        case .signSingle: return await answer(bytes, Grep11_Crypto.Method.SignSingle.descriptor, service.signSingle)
        case .verifySingle:
            return await answer(bytes, Grep11_Crypto.Method.VerifySingle.descriptor, service.verifySingle)
        case .reencryptSingle:
            return await answer(bytes, Grep11_Crypto.Method.ReencryptSingle.descriptor, service.reencryptSingle)
        case .generateKey: return await answer(bytes, Grep11_Crypto.Method.GenerateKey.descriptor, service.generateKey)
        case .generateKeyPair:
            return await answer(bytes, Grep11_Crypto.Method.GenerateKeyPair.descriptor, service.generateKeyPair)
        case .wrapKey: return await answer(bytes, Grep11_Crypto.Method.WrapKey.descriptor, service.wrapKey)
        case .unwrapKey: return await answer(bytes, Grep11_Crypto.Method.UnwrapKey.descriptor, service.unwrapKey)
        case .deriveKey: return await answer(bytes, Grep11_Crypto.Method.DeriveKey.descriptor, service.deriveKey)
        case .getMechanismList:
            return await answer(bytes, Grep11_Crypto.Method.GetMechanismList.descriptor, service.getMechanismList)
        case .getMechanismInfo:
            return await answer(bytes, Grep11_Crypto.Method.GetMechanismInfo.descriptor, service.getMechanismInfo)
        case .getAttributeValue:
            return await answer(bytes, Grep11_Crypto.Method.GetAttributeValue.descriptor, service.getAttributeValue)
        case .setAttributeValue:
            return await answer(bytes, Grep11_Crypto.Method.SetAttributeValue.descriptor, service.setAttributeValue)
        case .login: return await answer(bytes, Grep11_Crypto.Method.Login.descriptor, service.login)
        case .logout: return await answer(bytes, Grep11_Crypto.Method.Logout.descriptor, service.logout)
        case .rewrapKeyBlob:
            return await answer(bytes, Grep11_Crypto.Method.RewrapKeyBlob.descriptor, service.rewrapKeyBlob)
        }
    }

    private func answer<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ bytes: [UInt8],
        _ descriptor: MethodDescriptor,
        _ handler: (Request, ServerContext) async throws -> Response
    ) async -> CoreAnswer {
        let request: Request
        do {
            request = try Request(serializedBytes: bytes)
        } catch {
            // grpc-swift's deserializer answers the same code.
            return .failure(.invalidArgument, "the request is not a \(descriptor.method) request message")
        }
        let context = ServerContext(
            descriptor: descriptor,
            remotePeer: "unknown",
            localPeer: "unknown",
            cancellation: ServerContext.RPCCancellationHandle()
        )
        do {
            let response = try await handler(request, context)
            return .ok(try response.serializedBytes())
        } catch let status as GoogleRPCStatus {
            let details: [UInt8]? = try? status.serializedBytes()
            return CoreAnswer(
                message: nil, status: status.code.rawValue, statusMessage: status.message, statusDetails: details)
        } catch let error as RPCError {
            return .failure(error.code, error.message)
        } catch let error as any RPCErrorConvertible {
            // E.g. an injected connection drop: `unavailable`, as the grpc-swift server answers it.
            return .failure(error.rpcErrorCode, error.rpcErrorMessage)
        } catch {
            return .failure(.unknown, "Service method threw an unknown error.")
        }
    }
}
