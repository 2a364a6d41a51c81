import EP11
import Foundation
import HSMMock
import SwiftProtobuf
import Synchronization

/// libFuzzer harness over the HSM mock's request decoding and dispatch, with no network: the first byte of an
/// input picks the RPC (modulo their number), the rest is that RPC's serialized request message. A finding is a
/// crash (a trap on bad input) or a failure that does not look like an HSM's (``GREP11DispatchOutcome/unexpected``).
enum Harness {
    /// A fixed master key, so that key blobs in the seed corpus stay valid from one run to the next.
    static let masterKey = [UInt8](repeating: 0x11, count: 32)

    static let mock: HSMMock? = try? HSMMock(masterKey: masterKey)

    /// Runs one input.
    static func run(_ input: [UInt8]) {
        guard let mock, let first = input.first else { return }
        let methods = GREP11Method.allCases
        let method = methods[Int(first) % methods.count]
        let request = Array(input.dropFirst())
        let outcome = blocking { await mock.dispatch(method, request: request) }
        if case .unexpected(let why) = outcome {
            preconditionFailure("hsm-fuzz: \(method) failed unlike an HSM: \(why)")
        }
    }

    /// Runs `body` on the cooperative pool and waits for it on this (libFuzzer's) thread.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T? {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    // MARK: - Seed corpus

    /// Writes one file per seed into `directory`: well-formed requests for most RPCs, with real key blobs and
    /// states made by the mock under the fixed master key, so the fuzzer starts deep inside the mechanisms.
    static func writeSeeds(to directory: String) throws -> Int {
        guard let mock else { return 0 }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var seeds: [(GREP11Method, any SwiftProtobuf.Message)] = []
        func response<R: SwiftProtobuf.Message>(
            _ method: GREP11Method, _ request: some SwiftProtobuf.Message, as: R.Type
        )
            -> R?
        {
            seeds.append((method, request))
            guard let bytes: [UInt8] = try? request.serializedBytes(),
                case .response(let out)? = blocking({ await mock.dispatch(method, request: bytes) })
            else { return nil }
            return try? R(serializedBytes: out)
        }

        var random = Grep11_GenerateRandomRequest()
        random.len = 32
        _ = response(.generateRandom, random, as: Grep11_GenerateRandomResponse.self)

        var digest = Grep11_DigestSingleRequest()
        digest.mech = mechanism(0x250)
        digest.data = Data("abc".utf8)
        _ = response(.digestSingle, digest, as: Grep11_DigestSingleResponse.self)
        var digestInit = Grep11_DigestInitRequest()
        digestInit.mech = mechanism(0x270)
        if let state = response(.digestInit, digestInit, as: Grep11_DigestInitResponse.self)?.state {
            var update = Grep11_DigestUpdateRequest()
            update.state = state
            update.data = Data("hello".utf8)
            _ = response(.digestUpdate, update, as: Grep11_DigestUpdateResponse.self)
            var final = Grep11_DigestFinalRequest()
            final.state = state
            _ = response(.digestFinal, final, as: Grep11_DigestFinalResponse.self)
        }

        var aesGen = Grep11_GenerateKeyRequest()
        aesGen.mech = mechanism(0x1080)
        aesGen.template = [
            0x161: int(32), 0x104: bool(true), 0x105: bool(true), 0x106: bool(true), 0x107: bool(true),
            0x162: bool(true), 0x108: bool(true), 0x10A: bool(true), 0x10C: bool(true),
        ]
        let aes = response(.generateKey, aesGen, as: Grep11_GenerateKeyResponse.self)?.key ?? Grep11_KeyBlob()

        var ecGen = Grep11_GenerateKeyPairRequest()
        ecGen.mech = mechanism(0x1040)
        ecGen.pubKeyTemplate = [
            0x180: bytes([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]), 0x10A: bool(true),
        ]
        ecGen.privKeyTemplate = [0x108: bool(true), 0x10C: bool(true), 0x162: bool(true)]
        let ec = response(.generateKeyPair, ecGen, as: Grep11_GenerateKeyPairResponse.self)

        var rsaGen = Grep11_GenerateKeyPairRequest()
        rsaGen.mech = mechanism(0x0)
        rsaGen.pubKeyTemplate = [
            0x121: int(2048), 0x122: int(65537), 0x104: bool(true), 0x10A: bool(true), 0x106: bool(true),
        ]
        rsaGen.privKeyTemplate = [0x108: bool(true), 0x105: bool(true), 0x107: bool(true)]
        let rsa = response(.generateKeyPair, rsaGen, as: Grep11_GenerateKeyPairResponse.self)

        let iv = Data(repeating: 0x42, count: 16)
        var encrypt = Grep11_EncryptSingleRequest()
        encrypt.mech = mechanism(0x1085, parameter: iv)
        encrypt.plain = Data("fuzz me gently, fuzz me well".utf8)
        encrypt.key = aes
        let ciphered = response(.encryptSingle, encrypt, as: Grep11_EncryptSingleResponse.self)?.ciphered ?? Data()
        var decrypt = Grep11_DecryptSingleRequest()
        decrypt.mech = mechanism(0x1085, parameter: iv)
        decrypt.ciphered = ciphered
        decrypt.key = aes
        _ = response(.decryptSingle, decrypt, as: Grep11_DecryptSingleResponse.self)
        var gcm = Grep11_EncryptSingleRequest()
        gcm.mech = mechanism(0x1086, parameter: iv)
        gcm.plain = Data("counter mode".utf8)
        gcm.key = aes
        _ = response(.encryptSingle, gcm, as: Grep11_EncryptSingleResponse.self)

        var encryptInit = Grep11_EncryptInitRequest()
        encryptInit.mech = mechanism(0x1085, parameter: iv)
        encryptInit.key = aes
        if let state = response(.encryptInit, encryptInit, as: Grep11_EncryptInitResponse.self)?.state {
            var update = Grep11_EncryptUpdateRequest()
            update.state = state
            update.plain = Data(repeating: 0x61, count: 21)
            let next = response(.encryptUpdate, update, as: Grep11_EncryptUpdateResponse.self)?.state ?? state
            var final = Grep11_EncryptFinalRequest()
            final.state = next
            _ = response(.encryptFinal, final, as: Grep11_EncryptFinalResponse.self)
        }
        var decryptInit = Grep11_DecryptInitRequest()
        decryptInit.mech = mechanism(0x1085, parameter: iv)
        decryptInit.key = aes
        if let state = response(.decryptInit, decryptInit, as: Grep11_DecryptInitResponse.self)?.state {
            var update = Grep11_DecryptUpdateRequest()
            update.state = state
            update.ciphered = ciphered
            _ = response(.decryptUpdate, update, as: Grep11_DecryptUpdateResponse.self)
        }

        let message = Data("sign this".utf8)
        for (key, mechanismType) in [(ec?.privKey, UInt64(0x1044)), (rsa?.privKey, UInt64(0x40))] {
            guard let key else { continue }
            var sign = Grep11_SignSingleRequest()
            sign.mech = mechanism(mechanismType)
            sign.data = message
            sign.privKey = key
            let signature = response(.signSingle, sign, as: Grep11_SignSingleResponse.self)?.signature ?? Data()
            var verify = Grep11_VerifySingleRequest()
            verify.mech = mechanism(mechanismType)
            verify.data = message
            verify.signature = signature
            verify.pubKey = (mechanismType == 0x1044 ? ec?.pubKey : rsa?.pubKey) ?? Grep11_KeyBlob()
            _ = response(.verifySingle, verify, as: Grep11_VerifySingleResponse.self)
            var signInit = Grep11_SignInitRequest()
            signInit.mech = mechanism(mechanismType)
            signInit.privKey = key
            if let state = response(.signInit, signInit, as: Grep11_SignInitResponse.self)?.state {
                var update = Grep11_SignUpdateRequest()
                update.state = state
                update.data = message
                _ = response(.signUpdate, update, as: Grep11_SignUpdateResponse.self)
                var single = Grep11_SignRequest()
                single.state = state
                single.data = message
                _ = response(.sign, single, as: Grep11_SignResponse.self)
            }
        }
        if let rsa {
            var pss = Grep11_SignSingleRequest()
            var parameter = Grep11_RSAPSSParm()
            parameter.hashMech = 0x250
            parameter.mgf = .ckgMgf1Sha256
            parameter.saltByteCount = 32
            pss.mech = mechanism(0x43)
            pss.mech.rsapssparameter = parameter
            pss.data = message
            pss.privKey = rsa.privKey
            _ = response(.signSingle, pss, as: Grep11_SignSingleResponse.self)
        }

        var wrap = Grep11_WrapKeyRequest()
        wrap.mech = mechanism(0x1085, parameter: iv)
        wrap.key = aes
        wrap.keK = aes
        let wrapped = response(.wrapKey, wrap, as: Grep11_WrapKeyResponse.self)?.wrapped ?? Data()
        var unwrap = Grep11_UnwrapKeyRequest()
        unwrap.mech = mechanism(0x1085, parameter: iv)
        unwrap.wrapped = wrapped
        unwrap.keK = aes
        unwrap.template = [0x0: int(4), 0x100: int(0x1F), 0x161: int(32), 0x104: bool(true)]
        _ = response(.unwrapKey, unwrap, as: Grep11_UnwrapKeyResponse.self)

        if let ec {
            var derive = Grep11_DeriveKeyRequest()
            let point = ec.pubKeyBytes.count >= 65 ? Data(ec.pubKeyBytes.dropFirst(26).prefix(65)) : Data()
            derive.mech = mechanism(0x1050, parameter: point)
            derive.baseKey = ec.privKey
            derive.template = [0x0: int(4), 0x100: int(0x10), 0x161: int(32), 0x10C: bool(true)]
            if let secret = response(.deriveKey, derive, as: Grep11_DeriveKeyResponse.self)?.newKey {
                var master = Grep11_DeriveKeyRequest()
                var parameter = Grep11_BTCDeriveParm()
                parameter.type = .ckBip0032Masterk
                parameter.version = 1
                master.mech = mechanism(0x80070001)
                master.mech.btcderiveParameter = parameter
                master.baseKey = secret
                master.template = [0x108: bool(true), 0x10C: bool(true)]
                _ = response(.deriveKey, master, as: Grep11_DeriveKeyResponse.self)
            }
        }

        _ = response(.getMechanismList, Grep11_GetMechanismListRequest(), as: Grep11_GetMechanismListResponse.self)
        var info = Grep11_GetMechanismInfoRequest()
        info.mech = 0x1
        _ = response(.getMechanismInfo, info, as: Grep11_GetMechanismInfoResponse.self)
        var attributes = Grep11_GetAttributeValueRequest()
        attributes.object = aes.keyBlobs.first ?? Data()
        attributes.attributes = [0x161: Grep11_AttributeValue(), 0x104: Grep11_AttributeValue()]
        _ = response(.getAttributeValue, attributes, as: Grep11_GetAttributeValueResponse.self)
        var rewrap = Grep11_RewrapKeyBlobRequest()
        rewrap.wrappedKey = aes
        _ = response(.rewrapKeyBlob, rewrap, as: Grep11_RewrapKeyBlobResponse.self)

        var written = 0
        for (index, (method, request)) in seeds.enumerated() {
            guard let body: [UInt8] = try? request.serializedBytes() else { continue }
            let path = (directory as NSString).appendingPathComponent(
                String(format: "seed-%03d-%@", index, "\(method)"))
            try Data([UInt8(method.rawValue)] + body).write(to: URL(fileURLWithPath: path))
            written += 1
        }
        return written
    }

    static func mechanism(_ type: UInt64, parameter: Data? = nil) -> Grep11_Mechanism {
        var mechanism = Grep11_Mechanism()
        mechanism.mechanism = type
        if let parameter { mechanism.parameterB = parameter }
        return mechanism
    }

    static func int(_ value: Int64) -> Grep11_AttributeValue {
        var attribute = Grep11_AttributeValue()
        attribute.attributeI = value
        return attribute
    }

    static func bool(_ value: Bool) -> Grep11_AttributeValue {
        var attribute = Grep11_AttributeValue()
        attribute.attributeTf = value
        return attribute
    }

    static func bytes(_ value: [UInt8]) -> Grep11_AttributeValue {
        var attribute = Grep11_AttributeValue()
        attribute.attributeB = Data(value)
        return attribute
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func hsmFuzzTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    Harness.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

/// `HSM_FUZZ_WRITE_SEEDS=DIR hsm-fuzz` writes the seed corpus and exits before any fuzzing.
@_cdecl("LLVMFuzzerInitialize")
public func hsmFuzzInitialize(_ argc: OpaquePointer?, _ argv: OpaquePointer?) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["HSM_FUZZ_WRITE_SEEDS"] {
        do {
            let count = try Harness.writeSeeds(to: directory)
            print("hsm-fuzz: wrote \(count) seeds to \(directory)")
            exit(count > 0 ? 0 : 1)
        } catch {
            print("hsm-fuzz: cannot write seeds: \(error)")
            exit(1)
        }
    }
    return 0
}
