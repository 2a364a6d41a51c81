import EP11
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// What one handler made of one serialized request, before a transport encodes it.
enum CryptoHandlerResult: Sendable {
    /// The serialized response message.
    case response([UInt8])
    /// The bytes are not a request message of the RPC.
    case undecodable
    /// The handler threw (an HSM failure as a `GoogleRPCStatus`, an injected drop, a cancellation...).
    case failed(any Error)
}

/// One RPC of ``CryptoService``: its typed method (``GREP11UnaryMethod``, from the generated code) and its handler.
/// Every server path takes its calls from ``CryptoService/handlers``: grpc-swift-2 registers them with its router,
/// the gRPC C core and the fuzzer run them on raw bytes.
protocol CryptoHandler: Sendable {
    /// The method this handler answers.
    var descriptor: MethodDescriptor { get }

    /// Registers the handler, bound to `service`, with a grpc-swift-2 router.
    func register<Transport: ServerTransport>(_ service: CryptoService, with router: inout RPCRouter<Transport>)

    /// Decodes `bytes` as the request, runs the handler and serializes its response.
    func answer(_ service: CryptoService, request bytes: [UInt8], context: ServerContext) async -> CryptoHandlerResult
}

extension CryptoHandler {
    /// Runs a call that reached the mock without grpc-swift (the gRPC C core, the fuzzer) in a fresh context whose
    /// peers read `peer`.
    func answer(_ service: CryptoService, request bytes: [UInt8], peer: String) async -> CryptoHandlerResult {
        let context = ServerContext(
            descriptor: descriptor, remotePeer: peer, localPeer: peer,
            cancellation: ServerContext.RPCCancellationHandle())
        return await answer(service, request: bytes, context: context)
    }
}

/// A ``CryptoHandler`` for method `Method`.
struct TypedCryptoHandler<Method: GREP11UnaryMethod>: CryptoHandler {
    typealias Body = @Sendable (CryptoService) -> @Sendable (Method.Input, ServerContext) async throws -> Method.Output

    let body: Body

    init(_ method: Method.Type, _ body: @escaping Body) {
        self.body = body
    }

    var descriptor: MethodDescriptor { Method.descriptor }

    func register<Transport: ServerTransport>(_ service: CryptoService, with router: inout RPCRouter<Transport>) {
        let handler = body(service)
        router.registerHandler(
            forMethod: Method.descriptor,
            deserializer: ProtobufDeserializer<Method.Input>(),
            serializer: ProtobufSerializer<Method.Output>()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: try await handler(single.message, context)))
        }
    }

    func answer(_ service: CryptoService, request bytes: [UInt8], context: ServerContext) async -> CryptoHandlerResult {
        let request: Method.Input
        do {
            request = try Method.Input(serializedBytes: bytes)
        } catch {
            return .undecodable
        }
        do {
            let response = try await body(service)(request, context)
            return .response(try response.serializedBytes())
        } catch {
            return .failed(error)
        }
    }
}

extension CryptoService: RegistrableRPCService {
    /// The one table from RPC to handler, in the order of `protos/server.proto`. Adding an RPC means the proto,
    /// its generated code, its ``GREP11UnaryMethod`` conformance, a handler function and one line here.
    static let handlers: [any CryptoHandler] = [
        TypedCryptoHandler(Grep11_Crypto.Method.GenerateRandom.self, CryptoService.generateRandom),
        TypedCryptoHandler(Grep11_Crypto.Method.DigestInit.self, CryptoService.digestInit),
        TypedCryptoHandler(Grep11_Crypto.Method.Digest.self, CryptoService.digest),
        TypedCryptoHandler(Grep11_Crypto.Method.DigestUpdate.self, CryptoService.digestUpdate),
        TypedCryptoHandler(Grep11_Crypto.Method.DigestKey.self, CryptoService.digestKey),
        TypedCryptoHandler(Grep11_Crypto.Method.DigestFinal.self, CryptoService.digestFinal),
        TypedCryptoHandler(Grep11_Crypto.Method.DigestSingle.self, CryptoService.digestSingle),
        TypedCryptoHandler(Grep11_Crypto.Method.EncryptInit.self, CryptoService.encryptInit),
        TypedCryptoHandler(Grep11_Crypto.Method.DecryptInit.self, CryptoService.decryptInit),
        TypedCryptoHandler(Grep11_Crypto.Method.EncryptUpdate.self, CryptoService.encryptUpdate),
        TypedCryptoHandler(Grep11_Crypto.Method.DecryptUpdate.self, CryptoService.decryptUpdate),
        TypedCryptoHandler(Grep11_Crypto.Method.Encrypt.self, CryptoService.encrypt),
        TypedCryptoHandler(Grep11_Crypto.Method.Decrypt.self, CryptoService.decrypt),
        TypedCryptoHandler(Grep11_Crypto.Method.EncryptFinal.self, CryptoService.encryptFinal),
        TypedCryptoHandler(Grep11_Crypto.Method.DecryptFinal.self, CryptoService.decryptFinal),
        TypedCryptoHandler(Grep11_Crypto.Method.EncryptSingle.self, CryptoService.encryptSingle),
        TypedCryptoHandler(Grep11_Crypto.Method.DecryptSingle.self, CryptoService.decryptSingle),
        TypedCryptoHandler(Grep11_Crypto.Method.SignInit.self, CryptoService.signInit),
        TypedCryptoHandler(Grep11_Crypto.Method.VerifyInit.self, CryptoService.verifyInit),
        TypedCryptoHandler(Grep11_Crypto.Method.SignUpdate.self, CryptoService.signUpdate),
        TypedCryptoHandler(Grep11_Crypto.Method.VerifyUpdate.self, CryptoService.verifyUpdate),
        TypedCryptoHandler(Grep11_Crypto.Method.SignFinal.self, CryptoService.signFinal),
        TypedCryptoHandler(Grep11_Crypto.Method.VerifyFinal.self, CryptoService.verifyFinal),
        TypedCryptoHandler(Grep11_Crypto.Method.Sign.self, CryptoService.sign),
        TypedCryptoHandler(Grep11_Crypto.Method.Verify.self, CryptoService.verify),
        TypedCryptoHandler(Grep11_Crypto.Method.SignSingle.self, CryptoService.signSingle),
        TypedCryptoHandler(Grep11_Crypto.Method.VerifySingle.self, CryptoService.verifySingle),
        TypedCryptoHandler(Grep11_Crypto.Method.ReencryptSingle.self, CryptoService.reencryptSingle),
        TypedCryptoHandler(Grep11_Crypto.Method.GenerateKey.self, CryptoService.generateKey),
        TypedCryptoHandler(Grep11_Crypto.Method.GenerateKeyPair.self, CryptoService.generateKeyPair),
        TypedCryptoHandler(Grep11_Crypto.Method.WrapKey.self, CryptoService.wrapKey),
        TypedCryptoHandler(Grep11_Crypto.Method.UnwrapKey.self, CryptoService.unwrapKey),
        TypedCryptoHandler(Grep11_Crypto.Method.DeriveKey.self, CryptoService.deriveKey),
        TypedCryptoHandler(Grep11_Crypto.Method.GetMechanismList.self, CryptoService.getMechanismList),
        TypedCryptoHandler(Grep11_Crypto.Method.GetMechanismInfo.self, CryptoService.getMechanismInfo),
        TypedCryptoHandler(Grep11_Crypto.Method.GetAttributeValue.self, CryptoService.getAttributeValue),
        TypedCryptoHandler(Grep11_Crypto.Method.SetAttributeValue.self, CryptoService.setAttributeValue),
        TypedCryptoHandler(Grep11_Crypto.Method.Login.self, CryptoService.login),
        TypedCryptoHandler(Grep11_Crypto.Method.Logout.self, CryptoService.logout),
        TypedCryptoHandler(Grep11_Crypto.Method.RewrapKeyBlob.self, CryptoService.rewrapKeyBlob),
    ]

    /// The handler of the method named `name` (`SignSingle`).
    static let handlersByName: [String: any CryptoHandler] = Dictionary(
        handlers.map { ($0.descriptor.method, $0) }, uniquingKeysWith: { first, _ in first })

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for handler in Self.handlers {
            handler.register(self, with: &router)
        }
    }
}
