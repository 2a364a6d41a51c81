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
        let methods = HSMMock.RPC.allCases
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
        var seeds: [(HSMMock.RPC, any SwiftProtobuf.Message)] = []
        /// Records `request` as a seed of `method` and returns the mock's answer to it.
        func response<Method: GREP11UnaryMethod>(_ method: Method.Type, _ request: Method.Input) -> Method.Output? {
            let rpc = HSMMock.RPC(method)
            seeds.append((rpc, request))
            guard let bytes: [UInt8] = try? request.serializedBytes(),
                case .response(let out)? = blocking({ await mock.dispatch(rpc, request: bytes) })
            else { return nil }
            return try? Method.Output(serializedBytes: out)
        }
        /// Records a call that continues the operation in `state`, with the rest of its request set by `fill`, and
        /// returns the mock's answer.
        func continuing<Method: GREP11UnaryMethod>(
            _ method: Method.Type, _ state: Data, _ fill: (inout Method.Input) -> Void = { _ in }
        ) -> Method.Output? where Method.Input: GREP11StateRequest {
            var request = Method.Input()
            request.state = state
            fill(&request)
            return response(method, request)
        }

        var random = Grep11_GenerateRandomRequest()
        random.len = 32
        _ = response(Grep11_Crypto.Method.GenerateRandom.self, random)

        var digest = Grep11_DigestSingleRequest()
        digest.mech = mechanism(0x250)
        digest.data = Data("abc".utf8)
        _ = response(Grep11_Crypto.Method.DigestSingle.self, digest)
        var digestInit = Grep11_DigestInitRequest()
        digestInit.mech = mechanism(0x270)
        if let state = response(Grep11_Crypto.Method.DigestInit.self, digestInit)?.state {
            _ = continuing(Grep11_Crypto.Method.DigestUpdate.self, state) { $0.data = Data("hello".utf8) }
            _ = continuing(Grep11_Crypto.Method.DigestFinal.self, state)
        }

        var aesGen = Grep11_GenerateKeyRequest()
        aesGen.mech = mechanism(0x1080)
        aesGen.template = [
            0x161: int(32), 0x104: bool(true), 0x105: bool(true), 0x106: bool(true), 0x107: bool(true),
            0x162: bool(true), 0x108: bool(true), 0x10A: bool(true), 0x10C: bool(true),
        ]
        let aes = response(Grep11_Crypto.Method.GenerateKey.self, aesGen)?.key ?? Grep11_KeyBlob()

        var ecGen = Grep11_GenerateKeyPairRequest()
        ecGen.mech = mechanism(0x1040)
        ecGen.pubKeyTemplate = [
            0x180: bytes([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]), 0x10A: bool(true),
        ]
        ecGen.privKeyTemplate = [0x108: bool(true), 0x10C: bool(true), 0x162: bool(true)]
        let ec = response(Grep11_Crypto.Method.GenerateKeyPair.self, ecGen)

        var rsaGen = Grep11_GenerateKeyPairRequest()
        rsaGen.mech = mechanism(0x0)
        rsaGen.pubKeyTemplate = [
            0x121: int(2048), 0x122: int(65537), 0x104: bool(true), 0x10A: bool(true), 0x106: bool(true),
        ]
        rsaGen.privKeyTemplate = [0x108: bool(true), 0x105: bool(true), 0x107: bool(true)]
        let rsa = response(Grep11_Crypto.Method.GenerateKeyPair.self, rsaGen)

        let iv = Data(repeating: 0x42, count: 16)
        var encrypt = Grep11_EncryptSingleRequest()
        encrypt.mech = mechanism(0x1085, parameter: iv)
        encrypt.plain = Data("fuzz me gently, fuzz me well".utf8)
        encrypt.key = aes
        let ciphered = response(Grep11_Crypto.Method.EncryptSingle.self, encrypt)?.ciphered ?? Data()
        var decrypt = Grep11_DecryptSingleRequest()
        decrypt.mech = mechanism(0x1085, parameter: iv)
        decrypt.ciphered = ciphered
        decrypt.key = aes
        _ = response(Grep11_Crypto.Method.DecryptSingle.self, decrypt)
        var gcm = Grep11_EncryptSingleRequest()
        gcm.mech = mechanism(0x1086, parameter: iv)
        gcm.plain = Data("counter mode".utf8)
        gcm.key = aes
        _ = response(Grep11_Crypto.Method.EncryptSingle.self, gcm)

        var encryptInit = Grep11_EncryptInitRequest()
        encryptInit.mech = mechanism(0x1085, parameter: iv)
        encryptInit.key = aes
        if let state = response(Grep11_Crypto.Method.EncryptInit.self, encryptInit)?.state {
            let plain = Data(repeating: 0x61, count: 21)
            let next = continuing(Grep11_Crypto.Method.EncryptUpdate.self, state) { $0.plain = plain }?.state ?? state
            _ = continuing(Grep11_Crypto.Method.EncryptFinal.self, next)
        }
        var decryptInit = Grep11_DecryptInitRequest()
        decryptInit.mech = mechanism(0x1085, parameter: iv)
        decryptInit.key = aes
        if let state = response(Grep11_Crypto.Method.DecryptInit.self, decryptInit)?.state {
            _ = continuing(Grep11_Crypto.Method.DecryptUpdate.self, state) { $0.ciphered = ciphered }
        }

        let message = Data("sign this".utf8)
        for (key, mechanismType) in [(ec?.privKey, UInt64(0x1044)), (rsa?.privKey, UInt64(0x40))] {
            guard let key else { continue }
            var sign = Grep11_SignSingleRequest()
            sign.mech = mechanism(mechanismType)
            sign.data = message
            sign.privKey = key
            let signature = response(Grep11_Crypto.Method.SignSingle.self, sign)?.signature ?? Data()
            var verify = Grep11_VerifySingleRequest()
            verify.mech = mechanism(mechanismType)
            verify.data = message
            verify.signature = signature
            verify.pubKey = (mechanismType == 0x1044 ? ec?.pubKey : rsa?.pubKey) ?? Grep11_KeyBlob()
            _ = response(Grep11_Crypto.Method.VerifySingle.self, verify)
            var signInit = Grep11_SignInitRequest()
            signInit.mech = mechanism(mechanismType)
            signInit.privKey = key
            if let state = response(Grep11_Crypto.Method.SignInit.self, signInit)?.state {
                _ = continuing(Grep11_Crypto.Method.SignUpdate.self, state) { $0.data = message }
                _ = continuing(Grep11_Crypto.Method.Sign.self, state) { $0.data = message }
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
            _ = response(Grep11_Crypto.Method.SignSingle.self, pss)
        }

        var wrap = Grep11_WrapKeyRequest()
        wrap.mech = mechanism(0x1085, parameter: iv)
        wrap.key = aes
        wrap.keK = aes
        let wrapped = response(Grep11_Crypto.Method.WrapKey.self, wrap)?.wrapped ?? Data()
        var unwrap = Grep11_UnwrapKeyRequest()
        unwrap.mech = mechanism(0x1085, parameter: iv)
        unwrap.wrapped = wrapped
        unwrap.keK = aes
        unwrap.template = [0x0: int(4), 0x100: int(0x1F), 0x161: int(32), 0x104: bool(true)]
        _ = response(Grep11_Crypto.Method.UnwrapKey.self, unwrap)

        if let ec {
            var derive = Grep11_DeriveKeyRequest()
            let point = ec.pubKeyBytes.count >= 65 ? Data(ec.pubKeyBytes.dropFirst(26).prefix(65)) : Data()
            derive.mech = mechanism(0x1050, parameter: point)
            derive.baseKey = ec.privKey
            derive.template = [0x0: int(4), 0x100: int(0x10), 0x161: int(32), 0x10C: bool(true)]
            if let secret = response(Grep11_Crypto.Method.DeriveKey.self, derive)?.newKey {
                var master = Grep11_DeriveKeyRequest()
                var parameter = Grep11_BTCDeriveParm()
                parameter.type = .ckBip0032Masterk
                parameter.version = 1
                master.mech = mechanism(0x80070001)
                master.mech.btcderiveParameter = parameter
                master.baseKey = secret
                master.template = [0x108: bool(true), 0x10C: bool(true)]
                _ = response(Grep11_Crypto.Method.DeriveKey.self, master)
            }
        }

        // DH on ffdhe2048 (derive with the peer's y) and DSA on a 2048/256 group (sign and verify).
        let dh = FiniteFieldGroup.ffdhe2048
        var dhGen = Grep11_GenerateKeyPairRequest()
        dhGen.mech = mechanism(0x20)
        dhGen.pubKeyTemplate = [0x130: bytes(dh.prime), 0x132: bytes(dh.base)]
        dhGen.privKeyTemplate = [0x10C: bool(true)]
        if let pair = response(Grep11_Crypto.Method.GenerateKeyPair.self, dhGen),
            let y = try? KeyBlob(Array(pair.pubKeyBytes)).publicKeyInfo().finiteFieldPublicValue()
        {
            var derive = Grep11_DeriveKeyRequest()
            derive.mech = mechanism(0x21, parameter: Data(y))
            derive.baseKey = pair.privKey
            derive.template = [0x0: int(4), 0x100: int(0x1F), 0x161: int(32)]
            _ = response(Grep11_Crypto.Method.DeriveKey.self, derive)
        }
        var dsaGen = Grep11_GenerateKeyPairRequest()
        dsaGen.mech = mechanism(0x10)
        dsaGen.pubKeyTemplate = [
            0x130: bytes(
                hex(
                    "8D0C62761A703D7A2FB876A1CA83AE2878E250155D8744337A5F1A0C442F87ACB5755CEB1BAF7A59EF467CDC4B42802CF8CB14B7686F3BA550ABA84A019235EDE6BE22711EC4D71907ECD6F3D8FAB63702984CC5550F67D88F3A8F29C34323682212C5B9CC5992FD6ADCB6E1F32B36E7928836D1BA4A1D86F462858A828D4D741F103F7039B77C16D06F55F8A56F468FC4298C82A6C409829A855CDBF89D7B426863C561492EC6A47211D59123724A651C7085C96A7338D86FB8009C1BB9583325C50EE28F493E8282A56E4BBD3D445FC6532CAD603AC5864CA558623ACE3D2B6C7F29347C679B57834F63DF8B05C7BEFCD56C3FD1145442576F1F22D7DB8359"
                )),
            0x131: bytes(hex("ECDA8413221253DEC71FBD182201F054C9366C93879A8625D8F919F5F4E38B11")),
            0x132: bytes(
                hex(
                    "6BA0298C6B45938D1E645C01E873B8D62F14CA6D66C4C9293F90FC1A8486170B89BDDDE46A2C0DD3D4EEF215A90F0ED90CDDE59619DD51CF46BCDEBFE18141BD6F7F760CF1865DD795D0C8C34C5B67ACE0B5299400AAC23362EFEC757A8170AAFCACE243FA7EB60087A0C5D0D859AACD6A3B15DE7D05F692DDC064174C74FCE63A8EFB384F163C8DB696EC550A84E38F808E00B4BB8D498E3523D32D491C431A1B625FB8B476C6B125DC1862C58B70803EB3289D261BD9F8170FA4CB5DA1BFF591E4A1B4B26CC35445C476CF466B5D5359F333C6C2E029972641FD14694C9538E5AB801EFFE37D12EC5B7BB6E692A20136CE46F6D842562B59A77857F601A4C9"
                )),
        ]
        dsaGen.privKeyTemplate = [0x108: bool(true)]
        if let pair = response(Grep11_Crypto.Method.GenerateKeyPair.self, dsaGen) {
            var sign = Grep11_SignSingleRequest()
            sign.mech = mechanism(0x14)
            sign.data = message
            sign.privKey = pair.privKey
            let signature = response(Grep11_Crypto.Method.SignSingle.self, sign)?.signature ?? Data()
            var verify = Grep11_VerifySingleRequest()
            verify.mech = mechanism(0x14)
            verify.data = message
            verify.signature = signature
            verify.pubKey = pair.pubKey
            _ = response(Grep11_Crypto.Method.VerifySingle.self, verify)
        }

        _ = response(Grep11_Crypto.Method.GetMechanismList.self, Grep11_GetMechanismListRequest())
        var info = Grep11_GetMechanismInfoRequest()
        info.mech = 0x1
        _ = response(Grep11_Crypto.Method.GetMechanismInfo.self, info)
        var attributes = Grep11_GetAttributeValueRequest()
        attributes.object = aes.keyBlobs.first ?? Data()
        attributes.attributes = [0x161: Grep11_AttributeValue(), 0x104: Grep11_AttributeValue()]
        _ = response(Grep11_Crypto.Method.GetAttributeValue.self, attributes)
        var rewrap = Grep11_RewrapKeyBlobRequest()
        rewrap.wrappedKey = aes
        _ = response(Grep11_Crypto.Method.RewrapKeyBlob.self, rewrap)

        var written = 0
        for (index, (method, request)) in seeds.enumerated() {
            guard let body: [UInt8] = try? request.serializedBytes(),
                let selector = HSMMock.RPC.allCases.firstIndex(of: method)
            else { continue }
            let path = (directory as NSString).appendingPathComponent(
                String(format: "seed-%03d-%@", index, "\(method)"))
            try Data([UInt8(truncatingIfNeeded: selector)] + body).write(to: URL(fileURLWithPath: path))
            written += 1
        }
        return written
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
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
