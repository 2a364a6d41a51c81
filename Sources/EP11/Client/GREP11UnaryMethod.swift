import GRPCCore
import SwiftProtobuf

/// A unary GREP11 method: its descriptor and message types, as the generated code declares them. Both client
/// transports call through it (grpc-swift-2 by descriptor, the C core by path), and the HSM mock pairs each with
/// its handler.
package protocol GREP11UnaryMethod: SendableMetatype {
    associatedtype Input: SwiftProtobuf.Message & Sendable
    associatedtype Output: SwiftProtobuf.Message & Sendable
    static var descriptor: MethodDescriptor { get }
}

extension GREP11UnaryMethod {
    /// The method's name for messages, e.g. `SignSingle`.
    static var name: String { descriptor.method }
}

extension Grep11_Crypto.Method.GenerateRandom: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DigestInit: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Digest: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DigestUpdate: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DigestKey: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DigestFinal: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DigestSingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.EncryptInit: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DecryptInit: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.EncryptUpdate: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DecryptUpdate: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Encrypt: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Decrypt: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.EncryptFinal: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DecryptFinal: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.EncryptSingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DecryptSingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.SignInit: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.VerifyInit: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.SignUpdate: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.VerifyUpdate: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.SignFinal: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.VerifyFinal: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Sign: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Verify: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.SignSingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.VerifySingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.ReencryptSingle: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.GenerateKey: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.GenerateKeyPair: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.WrapKey: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.UnwrapKey: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.DeriveKey: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.GetMechanismList: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.GetMechanismInfo: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.GetAttributeValue: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.SetAttributeValue: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Login: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.Logout: GREP11UnaryMethod {}
extension Grep11_Crypto.Method.RewrapKeyBlob: GREP11UnaryMethod {}

/// Every unary GREP11 method, in the order of `protos/server.proto`: the one typed list of the RPCs, for the
/// client's transports that register them up front, the mock and the fuzzer.
package let grep11Methods: [any GREP11UnaryMethod.Type] = [
    Grep11_Crypto.Method.GenerateRandom.self,
    Grep11_Crypto.Method.DigestInit.self,
    Grep11_Crypto.Method.Digest.self,
    Grep11_Crypto.Method.DigestUpdate.self,
    Grep11_Crypto.Method.DigestKey.self,
    Grep11_Crypto.Method.DigestFinal.self,
    Grep11_Crypto.Method.DigestSingle.self,
    Grep11_Crypto.Method.EncryptInit.self,
    Grep11_Crypto.Method.DecryptInit.self,
    Grep11_Crypto.Method.EncryptUpdate.self,
    Grep11_Crypto.Method.DecryptUpdate.self,
    Grep11_Crypto.Method.Encrypt.self,
    Grep11_Crypto.Method.Decrypt.self,
    Grep11_Crypto.Method.EncryptFinal.self,
    Grep11_Crypto.Method.DecryptFinal.self,
    Grep11_Crypto.Method.EncryptSingle.self,
    Grep11_Crypto.Method.DecryptSingle.self,
    Grep11_Crypto.Method.SignInit.self,
    Grep11_Crypto.Method.VerifyInit.self,
    Grep11_Crypto.Method.SignUpdate.self,
    Grep11_Crypto.Method.VerifyUpdate.self,
    Grep11_Crypto.Method.SignFinal.self,
    Grep11_Crypto.Method.VerifyFinal.self,
    Grep11_Crypto.Method.Sign.self,
    Grep11_Crypto.Method.Verify.self,
    Grep11_Crypto.Method.SignSingle.self,
    Grep11_Crypto.Method.VerifySingle.self,
    Grep11_Crypto.Method.ReencryptSingle.self,
    Grep11_Crypto.Method.GenerateKey.self,
    Grep11_Crypto.Method.GenerateKeyPair.self,
    Grep11_Crypto.Method.WrapKey.self,
    Grep11_Crypto.Method.UnwrapKey.self,
    Grep11_Crypto.Method.DeriveKey.self,
    Grep11_Crypto.Method.GetMechanismList.self,
    Grep11_Crypto.Method.GetMechanismInfo.self,
    Grep11_Crypto.Method.GetAttributeValue.self,
    Grep11_Crypto.Method.SetAttributeValue.self,
    Grep11_Crypto.Method.Login.self,
    Grep11_Crypto.Method.Logout.self,
    Grep11_Crypto.Method.RewrapKeyBlob.self,
]
