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

/// Runs one GREP11 call through the mock's ``CryptoService`` (the same handlers the grpc-swift server calls, from
/// ``CryptoService/handlers``) and encodes what it produced exactly as the grpc-swift server does: an HSM failure
/// leaves as status `unknown`, the CKR name as message and the `google.rpc.Status` (one `Grep11Error` detail) in
/// `grpc-status-details-bin`.
struct CoreDispatch: Sendable {
    let service: CryptoService

    /// The handlers the core registers, one per RPC; a call names its method by index into this list.
    static var handlers: [any CryptoHandler] { CryptoService.handlers }

    /// The request path of `handler`'s method, e.g. `/grep11.Crypto/SignSingle`.
    static func path(_ handler: any CryptoHandler) -> String {
        "/" + handler.descriptor.fullyQualifiedMethod
    }

    /// Decodes `bytes` as the request of `handler`'s method, runs it and encodes the answer.
    func answer(_ handler: any CryptoHandler, request bytes: [UInt8]) async -> CoreAnswer {
        switch await handler.answer(service, request: bytes, peer: "unknown") {
        case .response(let message):
            return .ok(message)
        case .undecodable:
            // grpc-swift's deserializer answers the same code.
            return .failure(.invalidArgument, "the request is not a \(handler.descriptor.method) request message")
        case .failed(let status as GoogleRPCStatus):
            let details: [UInt8]? = try? status.serializedBytes()
            return CoreAnswer(
                message: nil, status: status.code.rawValue, statusMessage: status.message, statusDetails: details)
        case .failed(let error as RPCError):
            return .failure(error.code, error.message)
        case .failed(let error as any RPCErrorConvertible):
            // E.g. an injected connection drop: `unavailable`, as the grpc-swift server answers it.
            return .failure(error.rpcErrorCode, error.rpcErrorMessage)
        case .failed:
            return .failure(.unknown, "Service method threw an unknown error.")
        }
    }
}
