import EP11
import Foundation
import HSMMock
import TestSupport
import Testing

/// Schnorr signatures through CKM_IBM_ECDSA_OTHER: signed and verified by the mock, and verified again by an
/// independent pure-Python implementation of the two equations (no OpenSSL on that side).
@Suite("EP11 client and HSM mock: Schnorr signatures (ECSDSA)")
struct SchnorrTests {
    /// Verifies `variant` (3 = ECSDSA_S256, 5 = ECSDSA_COMPR_MULTI) over secp256k1 or P-256 with integer arithmetic.
    static let verifier = #"""
        import hashlib, sys
        curves = {
            "secp256k1": (2**256 - 2**32 - 977, 0, 7,
                0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
                0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
                0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141),
            "p256": (2**256 - 2**224 + 2**192 + 2**96 - 1, -3,
                0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
                0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
                0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
                0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551),
        }
        name, variant, point, message, signature = sys.argv[1], int(sys.argv[2]), *map(bytes.fromhex, sys.argv[3:6])
        p, a, b, gx, gy, n = curves[name]
        def add(P, Q):
            if P is None: return Q
            if Q is None: return P
            if P[0] == Q[0] and (P[1] + Q[1]) % p == 0: return None
            if P == Q: l = (3 * P[0] * P[0] + a) * pow(2 * P[1], -1, p) % p
            else: l = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
            x = (l * l - P[0] - Q[0]) % p
            return (x, (l * (P[0] - x) - P[1]) % p)
        def mul(k, P):
            R = None
            while k:
                if k & 1: R = add(R, P)
                P, k = add(P, P), k >> 1
            return R
        def compress(P): return bytes([2 + (P[1] & 1)]) + P[0].to_bytes(32, "big")
        P = (int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:65], "big"))
        assert (P[1] ** 2 - P[0] ** 3 - a * P[0] - b) % p == 0
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        ok = len(signature) == 64 and 0 < r < n and 0 < s < n
        if ok and variant == 3:
            Q = add(mul(s, (gx, gy)), mul(n - r, P))
            ok = Q is not None and hashlib.sha256(Q[0].to_bytes(32, "big") + Q[1].to_bytes(32, "big") + message).digest() == signature[:32]
        elif ok and variant == 5:
            Q = add(mul(s, (gx, gy)), mul(r, P))
            ok = Q is not None and int.from_bytes(hashlib.sha256(compress(Q) + compress(P) + message).digest(), "big") % n == r
        print("valid" if ok else "invalid")
        """#

    static func independentlyVerifies(
        curve: String, variant: ECSGType, point: [UInt8], message: [UInt8], signature: [UInt8]
    ) async throws -> Bool {
        // Only the standard library is needed, so no interpreter search (which would block a cooperative thread).
        let configured = ProcessInfo.processInfo.environment["HPCS_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        let executable = configured ?? "/usr/bin/env"
        let leading = configured == nil ? ["python3"] : [String]()
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        let output = try await ChildProcess.run(
            executable,
            leading + [
                "-c", verifier, curve, String(variant.rawValue), hex(point), hex(message), hex(signature),
            ],
            timeout: .seconds(60))
        #expect(output.status == 0, "\(output.text)")
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines) == "valid"
    }

    @Test(
        "Schnorr signs in the mock, verifies in the mock and in an independent implementation; tampering is caught",
        arguments: [(NamedCurve.secp256k1, "secp256k1"), (.p256, "p256")],
        [ECSGType.ecsdsaS256, .ecsdsaCompressedMulti])
    func signAndVerify(curve: (NamedCurve, String), variant: ECSGType) async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(curve.0), privateKeyTemplate: Templates.ecPrivate)
            let mechanism = Mechanism.ecdsaOther(variant)
            let message = Array("Schnorr over \(curve.1), variant \(variant)".utf8)
            let signature = try await client.sign(message, key: pair.privateKey, mechanism: mechanism)
            #expect(signature.count == 64)
            try await client.verify(signature, for: message, key: pair.publicKey, mechanism: mechanism)
            // Randomized: a second signature differs and verifies too.
            let second = try await client.sign(message, key: pair.privateKey, mechanism: mechanism)
            #expect(second != signature)
            try await client.verify(second, for: message, key: pair.publicKey, mechanism: mechanism)
            // Multi-part signing and verification.
            var state = try await client.signInit(key: pair.privateKey, mechanism: mechanism)
            state = try await client.signUpdate(state: state, data: Array(message.prefix(5)))
            state = try await client.signUpdate(state: state, data: Array(message.dropFirst(5)))
            let multi = try await client.signFinal(state: state)
            try await client.verify(multi, for: message, key: pair.publicKey, mechanism: mechanism)

            let point = try pair.publicKey.publicKeyInfo().keyBytes
            #expect(
                try await Self.independentlyVerifies(
                    curve: curve.1, variant: variant, point: point, message: message, signature: signature))
            var tampered = signature
            tampered[40] ^= 0x01
            #expect(
                !(try await Self.independentlyVerifies(
                    curve: curve.1, variant: variant, point: point, message: message, signature: tampered)))
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(tampered, for: message, key: pair.publicKey, mechanism: mechanism)
            }
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(signature, for: message + [0], key: pair.publicKey, mechanism: mechanism)
            }
            // The other variant does not accept this one's signature.
            let other: ECSGType = variant == .ecsdsaS256 ? .ecsdsaCompressedMulti : .ecsdsaS256
            await #expect(throws: EP11Error.signatureInvalid) {
                try await client.verify(signature, for: message, key: pair.publicKey, mechanism: .ecdsaOther(other))
            }
        }
    }

    @Test("Schnorr refusals: out-of-range and short signatures, unknown variants, wrong keys")
    func refusals() async throws {
        try await withClient(.inProcess) { client in
            let pair = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.secp256k1),
                privateKeyTemplate: Templates.ecPrivate)
            let mechanism = Mechanism.ecdsaOther(.ecsdsaCompressedMulti)
            let message = Array("m".utf8)
            let order = hexBytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
            for (signature, error) in [
                ([UInt8](repeating: 0, count: 64), EP11Error.signatureInvalid),
                (order + [UInt8](repeating: 1, count: 32), .signatureInvalid),
                ([UInt8](repeating: 1, count: 32) + order, .signatureInvalid),
                ([UInt8](repeating: 1, count: 63), .signatureLengthRange),
            ] {
                await #expect(throws: error) {
                    try await client.verify(signature, for: message, key: pair.publicKey, mechanism: mechanism)
                }
            }
            for bad in [Mechanism(.ibmECDSAOther), .ecdsaOther(.bls), .ecdsaOther(ECSGType(rawValue: 4))] {
                await #expect(throws: EP11Error.mechanismParameterInvalid, "\(bad)") {
                    try await client.sign(message, key: pair.privateKey, mechanism: bad)
                }
            }
            for curve in [NamedCurve.p384, .ed25519] {
                let other = try await client.generateKeyPair(
                    .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(curve), privateKeyTemplate: Templates.ecPrivate
                )
                await #expect(throws: EP11Error.keyTypeInconsistent, "\(curve)") {
                    try await client.sign(message, key: other.privateKey, mechanism: mechanism)
                }
            }
            let noSign = try await client.generateKeyPair(
                .ecKeyPairGen, publicKeyTemplate: Templates.ecPublic(.secp256k1), privateKeyTemplate: [.sign(false)])
            await #expect(throws: EP11Error.keyFunctionNotPermitted) {
                try await client.sign(message, key: noSign.privateKey, mechanism: mechanism)
            }
            let info = try await client.mechanismInfo(.ibmECDSAOther)
            #expect(info.minKeySize == 256 && info.maxKeySize == 256)
        }
    }
}
