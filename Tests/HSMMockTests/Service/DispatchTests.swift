import EP11
import Foundation
import HSMMock
import Testing

/// The dispatch entry the fuzzer (`hsm-fuzz`, scripts/fuzz.sh) drives: every RPC's request decoding and handling
/// without a transport. Inputs the fuzzer found interesting are kept here as regression cases.
@Suite("HSM mock: request dispatch without a transport (the fuzzer's entry)")
struct DispatchTests {
    @Test("a well-formed request gets the RPC's response", arguments: [1, 32, 257])
    func generateRandom(length: Int) async throws {
        let mock = try HSMMock()
        // GenerateRandomRequest { Len = 1: uint64 }
        let request: [UInt8] = [0x08] + Self.varint(UInt64(length))
        let outcome = await mock.dispatch(.init(Grep11_Crypto.Method.GenerateRandom.self), request: request)
        guard case .response(let bytes) = outcome else {
            Issue.record("GenerateRandom: \(outcome)")
            return
        }
        // GenerateRandomResponse { Rnd = 1: bytes }: tag, length, then the random bytes.
        #expect(bytes.first == 0x0A)
        #expect(bytes.count == 1 + Self.varint(UInt64(length)).count + length)
    }

    @Test("every RPC answers an empty request like an HSM: a response or a CKR, never anything else")
    func emptyRequests() async throws {
        let mock = try HSMMock()
        for method in HSMMock.RPC.allCases {
            let outcome = await mock.dispatch(method, request: [])
            if case .unexpected(let why) = outcome { Issue.record("\(method): \(why)") }
            if case .undecodable = outcome { Issue.record("\(method): an empty message must decode") }
        }
    }

    @Test("bytes that are not a message are undecodable, for every RPC")
    func garbage() async throws {
        let mock = try HSMMock()
        // Field 1 with wire type 2 (length-delimited) claiming 100 bytes that are not there.
        let truncated: [UInt8] = [0x0A, 0x64, 0x01]
        for method in HSMMock.RPC.allCases {
            #expect(await mock.dispatch(method, request: truncated) == .undecodable, "\(method)")
        }
    }

    @Test("a key blob that is not the mock's is CKR_IBM_BLOB_ERROR-like, not a crash")
    func foreignBlob() async throws {
        let mock = try HSMMock()
        // SignSingleRequest { Mech = 2 { Mechanism = 1: CKM_ECDSA }, Data = 3: "x", PrivKey = 5 { KeyBlobs = 5: [7 bytes] } }
        let request: [UInt8] =
            [0x12, 0x03, 0x08, 0xC1, 0x20, 0x1A, 0x01, 0x78, 0x2A, 0x09, 0x2A, 0x07] + Array("garbage".utf8)
        let outcome = await mock.dispatch(.init(Grep11_Crypto.Method.SignSingle.self), request: request)
        guard case .hsmFailure(let code) = outcome else {
            Issue.record("SignSingle with a foreign blob: \(outcome)")
            return
        }
        #expect(code != 0)
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(remaining & 0x7F) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
        return bytes
    }
}
