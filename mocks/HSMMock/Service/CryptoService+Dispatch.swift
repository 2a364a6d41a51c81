import EP11
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// The mock's name for ``HSMMock/RPC`` inside the module (the transports' dispatch tables use it).
package typealias GREP11Method = HSMMock.RPC

extension HSMMock {
    /// An RPC of `grep11.Crypto`, as `protos/server.proto` names it (`GenerateKeyPair`): what a fault targets
    /// (``HSMMock/Fault/Target/rpc(_:)``) and what ``HSMMock/callCount(_:)`` counts. The RPCs are those of the
    /// generated service description, so a new RPC needs no change here.
    public struct RPC: Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The RPC's name in `protos/server.proto`, such as `GenerateKeyPair`.
        public let name: String

        /// Every RPC of `grep11.Crypto`, in the order of `protos/server.proto`.
        public static let allCases: [RPC] = Grep11_Crypto.Method.descriptors.map(RPC.init)

        /// The RPC named `name` (`GenerateKeyPair`; case does not matter), or `nil` for a name that is not one.
        public init?(name: String) {
            let lowered = name.lowercased()
            guard let method = Self.allCases.first(where: { $0.name.lowercased() == lowered }) else { return nil }
            self = method
        }

        /// The RPC named `name` (`"SignSingle"`; case does not matter).
        ///
        /// - Throws: `EP11Error` with code `invalidArgument` when `grep11.Crypto` has no RPC of that name.
        public static func named(_ name: String) throws -> RPC {
            guard let rpc = RPC(name: name) else {
                throw EP11Error(code: .invalidArgument, message: "grep11.Crypto has no RPC named \(name)")
            }
            return rpc
        }

        /// The RPC of a typed GREP11 method, such as `Grep11_Crypto.Method.SignSingle.self`.
        package init<Method: GREP11UnaryMethod>(_ method: Method.Type) {
            self.init(Method.descriptor)
        }

        /// The RPC a call to `descriptor` makes.
        init(_ descriptor: MethodDescriptor) {
            self.name = descriptor.method
        }

        public var description: String { name }
    }
}

/// What one request dispatched without a transport produced.
package enum GREP11DispatchOutcome: Sendable, Equatable {
    /// The serialized response message.
    case response([UInt8])
    /// The call failed as a real HSM fails: gRPC `unknown` with a `Grep11Error` detail carrying this CKR.
    case hsmFailure(returnValue: UInt64)
    /// The bytes are not a request message of that RPC (the gRPC layer would answer `internal`).
    case undecodable
    /// An injected fault dropped the call (``HSMMock/Fault/Action/dropConnection``): a transport answers gRPC
    /// `unavailable` or closes the connection.
    case connectionDropped
    /// Anything else: a failure that does not look like an HSM's, which the fuzzer reports.
    case unexpected(String)
}

extension HSMMock {
    /// Decodes `request` as the serialized request message of `method` and runs it through the mock's service
    /// exactly as a gRPC call would reach it, minus the transport (and minus ``BearerTokenVerifier`` checks). For
    /// the fuzzer (`hsm-fuzz`) and its regression tests.
    package func dispatch(_ method: GREP11Method, request bytes: [UInt8]) async -> GREP11DispatchOutcome {
        guard let handler = CryptoService.handlersByName[method.name] else {
            return .unexpected("the mock has no handler for \(method)")
        }
        switch await handler.answer(CryptoService(core: core, logger: logger), request: bytes, peer: "in-memory") {
        case .response(let serialized):
            return .response(serialized)
        case .undecodable:
            return .undecodable
        case .failed(is InjectedConnectionDrop):
            return .connectionDropped
        case .failed(let status as GoogleRPCStatus):
            guard status.code == .unknown, status.details.count == 1, let any = status.details.first?.any,
                any.typeURL == "type.googleapis.com/grep11.Grep11Error",
                let detail = try? Grep11_Grep11Error(serializedBytes: any.value), detail.code != 0
            else {
                return .unexpected("a status that is not an HSM failure: \(status.code) \(status.message)")
            }
            return .hsmFailure(returnValue: detail.code)
        case .failed(let error):
            return .unexpected("\(type(of: error))")
        }
    }
}
