import EP11
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// The mock's name for ``HSMMock/RPC`` inside the module (the transports' dispatch tables use it).
package typealias GREP11Method = HSMMock.RPC

extension HSMMock {
    /// The RPCs of `grep11.Crypto`, in the order of `protos/server.proto`: what a fault targets
    /// (``HSMMock/Fault/Target/rpc(_:)``) and what ``HSMMock/callCount(_:)`` counts.
    public enum RPC: Int, CaseIterable, Sendable {
        case generateRandom
        case digestInit
        case digest
        case digestUpdate
        case digestKey
        case digestFinal
        case digestSingle
        case encryptInit
        case decryptInit
        case encryptUpdate
        case decryptUpdate
        case encrypt
        case decrypt
        case encryptFinal
        case decryptFinal
        case encryptSingle
        case decryptSingle
        case signInit
        case verifyInit
        case signUpdate
        case verifyUpdate
        case signFinal
        case verifyFinal
        case sign
        case verify
        case signSingle
        case verifySingle
        case reencryptSingle
        case generateKey
        case generateKeyPair
        case wrapKey
        case unwrapKey
        case deriveKey
        case getMechanismList
        case getMechanismInfo
        case getAttributeValue
        case setAttributeValue
        case login
        case logout
        case rewrapKeyBlob
    }
}

extension HSMMock.RPC: CustomStringConvertible {
    /// The RPC's name in `protos/server.proto`, such as `GenerateKeyPair`.
    public var name: String { Self.names[rawValue] }

    /// The RPC names, in case order.
    private static let names = [
        "GenerateRandom", "DigestInit", "Digest", "DigestUpdate", "DigestKey", "DigestFinal", "DigestSingle",
        "EncryptInit", "DecryptInit", "EncryptUpdate", "DecryptUpdate", "Encrypt", "Decrypt", "EncryptFinal",
        "DecryptFinal", "EncryptSingle", "DecryptSingle", "SignInit", "VerifyInit", "SignUpdate", "VerifyUpdate",
        "SignFinal", "VerifyFinal", "Sign", "Verify", "SignSingle", "VerifySingle", "ReencryptSingle", "GenerateKey",
        "GenerateKeyPair", "WrapKey", "UnwrapKey", "DeriveKey", "GetMechanismList", "GetMechanismInfo",
        "GetAttributeValue", "SetAttributeValue", "Login", "Logout", "RewrapKeyBlob",
    ]

    /// The RPC named `name` (`GenerateKeyPair`; case does not matter), or `nil` for a name that is not one.
    public init?(name: String) {
        let lowered = name.lowercased()
        guard let method = Self.allCases.first(where: { $0.name.lowercased() == lowered }) else { return nil }
        self = method
    }

    public var description: String { name }
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
        let service = CryptoService(core: core, logger: logger)
        switch method {
        case .generateRandom:
            return await Self.call(bytes, Grep11_Crypto.Method.GenerateRandom.descriptor, service.generateRandom)
        case .digestInit: return await Self.call(bytes, Grep11_Crypto.Method.DigestInit.descriptor, service.digestInit)
        case .digest: return await Self.call(bytes, Grep11_Crypto.Method.Digest.descriptor, service.digest)
        case .digestUpdate:
            return await Self.call(bytes, Grep11_Crypto.Method.DigestUpdate.descriptor, service.digestUpdate)
        case .digestKey: return await Self.call(bytes, Grep11_Crypto.Method.DigestKey.descriptor, service.digestKey)
        case .digestFinal:
            return await Self.call(bytes, Grep11_Crypto.Method.DigestFinal.descriptor, service.digestFinal)
        case .digestSingle:
            return await Self.call(bytes, Grep11_Crypto.Method.DigestSingle.descriptor, service.digestSingle)
        case .encryptInit:
            return await Self.call(bytes, Grep11_Crypto.Method.EncryptInit.descriptor, service.encryptInit)
        case .decryptInit:
            return await Self.call(bytes, Grep11_Crypto.Method.DecryptInit.descriptor, service.decryptInit)
        case .encryptUpdate:
            return await Self.call(bytes, Grep11_Crypto.Method.EncryptUpdate.descriptor, service.encryptUpdate)
        case .decryptUpdate:
            return await Self.call(bytes, Grep11_Crypto.Method.DecryptUpdate.descriptor, service.decryptUpdate)
        case .encrypt: return await Self.call(bytes, Grep11_Crypto.Method.Encrypt.descriptor, service.encrypt)
        case .decrypt: return await Self.call(bytes, Grep11_Crypto.Method.Decrypt.descriptor, service.decrypt)
        case .encryptFinal:
            return await Self.call(bytes, Grep11_Crypto.Method.EncryptFinal.descriptor, service.encryptFinal)
        case .decryptFinal:
            return await Self.call(bytes, Grep11_Crypto.Method.DecryptFinal.descriptor, service.decryptFinal)
        case .encryptSingle:
            return await Self.call(bytes, Grep11_Crypto.Method.EncryptSingle.descriptor, service.encryptSingle)
        case .decryptSingle:
            return await Self.call(bytes, Grep11_Crypto.Method.DecryptSingle.descriptor, service.decryptSingle)
        case .signInit: return await Self.call(bytes, Grep11_Crypto.Method.SignInit.descriptor, service.signInit)
        case .verifyInit: return await Self.call(bytes, Grep11_Crypto.Method.VerifyInit.descriptor, service.verifyInit)
        case .signUpdate: return await Self.call(bytes, Grep11_Crypto.Method.SignUpdate.descriptor, service.signUpdate)
        case .verifyUpdate:
            return await Self.call(bytes, Grep11_Crypto.Method.VerifyUpdate.descriptor, service.verifyUpdate)
        case .signFinal: return await Self.call(bytes, Grep11_Crypto.Method.SignFinal.descriptor, service.signFinal)
        case .verifyFinal:
            return await Self.call(bytes, Grep11_Crypto.Method.VerifyFinal.descriptor, service.verifyFinal)
        case .sign: return await Self.call(bytes, Grep11_Crypto.Method.Sign.descriptor, service.sign)
        case .verify: return await Self.call(bytes, Grep11_Crypto.Method.Verify.descriptor, service.verify)
        case .signSingle: return await Self.call(bytes, Grep11_Crypto.Method.SignSingle.descriptor, service.signSingle)
        case .verifySingle:
            return await Self.call(bytes, Grep11_Crypto.Method.VerifySingle.descriptor, service.verifySingle)
        case .reencryptSingle:
            return await Self.call(bytes, Grep11_Crypto.Method.ReencryptSingle.descriptor, service.reencryptSingle)
        case .generateKey:
            return await Self.call(bytes, Grep11_Crypto.Method.GenerateKey.descriptor, service.generateKey)
        case .generateKeyPair:
            return await Self.call(bytes, Grep11_Crypto.Method.GenerateKeyPair.descriptor, service.generateKeyPair)
        case .wrapKey: return await Self.call(bytes, Grep11_Crypto.Method.WrapKey.descriptor, service.wrapKey)
        case .unwrapKey: return await Self.call(bytes, Grep11_Crypto.Method.UnwrapKey.descriptor, service.unwrapKey)
        case .deriveKey: return await Self.call(bytes, Grep11_Crypto.Method.DeriveKey.descriptor, service.deriveKey)
        case .getMechanismList:
            return await Self.call(bytes, Grep11_Crypto.Method.GetMechanismList.descriptor, service.getMechanismList)
        case .getMechanismInfo:
            return await Self.call(bytes, Grep11_Crypto.Method.GetMechanismInfo.descriptor, service.getMechanismInfo)
        case .getAttributeValue:
            return await Self.call(bytes, Grep11_Crypto.Method.GetAttributeValue.descriptor, service.getAttributeValue)
        case .setAttributeValue:
            return await Self.call(bytes, Grep11_Crypto.Method.SetAttributeValue.descriptor, service.setAttributeValue)
        case .login: return await Self.call(bytes, Grep11_Crypto.Method.Login.descriptor, service.login)
        case .logout: return await Self.call(bytes, Grep11_Crypto.Method.Logout.descriptor, service.logout)
        case .rewrapKeyBlob:
            return await Self.call(bytes, Grep11_Crypto.Method.RewrapKeyBlob.descriptor, service.rewrapKeyBlob)
        }
    }

    private static func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ bytes: [UInt8],
        _ descriptor: MethodDescriptor,
        _ handler: (Request, ServerContext) async throws -> Response
    ) async -> GREP11DispatchOutcome {
        let request: Request
        do {
            request = try Request(serializedBytes: bytes)
        } catch {
            return .undecodable
        }
        let context = ServerContext(
            descriptor: descriptor,
            remotePeer: "in-memory",
            localPeer: "in-memory",
            cancellation: ServerContext.RPCCancellationHandle()
        )
        let response: Response
        do {
            response = try await handler(request, context)
        } catch is InjectedConnectionDrop {
            return .connectionDropped
        } catch let status as GoogleRPCStatus {
            guard status.code == .unknown, status.details.count == 1, let any = status.details.first?.any,
                any.typeURL == "type.googleapis.com/grep11.Grep11Error",
                let detail = try? Grep11_Grep11Error(serializedBytes: any.value), detail.code != 0
            else {
                return .unexpected("a status that is not an HSM failure: \(status.code) \(status.message)")
            }
            return .hsmFailure(returnValue: detail.code)
        } catch {
            return .unexpected("\(type(of: error))")
        }
        do {
            let serialized: [UInt8] = try response.serializedBytes()
            return .response(serialized)
        } catch {
            return .unexpected("the response does not serialize: \(error)")
        }
    }
}
