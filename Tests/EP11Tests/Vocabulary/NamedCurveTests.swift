import EP11
import Testing

extension VocabularyTests {
    /// A small deterministic generator (SplitMix64) for reproducible random inputs.
    struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) {
            self.state = seed
        }

        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Suite("NamedCurve and DER object identifiers")
    struct NamedCurveTests {
        static let encodings: [(curve: NamedCurve, oid: String, der: String)] = [
            (.p224, "1.3.132.0.33", "06 05 2b 81 04 00 21"),
            (.p256, "1.2.840.10045.3.1.7", "06 08 2a 86 48 ce 3d 03 01 07"),
            (.p384, "1.3.132.0.34", "06 05 2b 81 04 00 22"),
            (.p521, "1.3.132.0.35", "06 05 2b 81 04 00 23"),
            (.secp256k1, "1.3.132.0.10", "06 05 2b 81 04 00 0a"),
            (.x25519, "1.3.101.110", "06 03 2b 65 6e"),
            (.x448, "1.3.101.111", "06 03 2b 65 6f"),
            (.ed25519, "1.3.101.112", "06 03 2b 65 70"),
            (.ed448, "1.3.101.113", "06 03 2b 65 71"),
            (.brainpoolP256r1, "1.3.36.3.3.2.8.1.1.7", "06 09 2b 24 03 03 02 08 01 01 07"),
            (.brainpoolP512t1, "1.3.36.3.3.2.8.1.1.14", "06 09 2b 24 03 03 02 08 01 01 0e"),
        ]

        @Test("Curves encode to their DER OIDs and decode back", arguments: encodings)
        func encoding(curve: NamedCurve, oid: String, der: String) throws {
            #expect(curve.objectIdentifier == oid)
            #expect(curve.ecParameters == hexBytes(der))
            let decoded = try #require(NamedCurve(ecParameters: hexBytes(der)))
            #expect(decoded == curve)
            #expect(decoded.name == curve.name)
            #expect(decoded.coordinateByteCount == curve.coordinateByteCount)
        }

        @Test("Every known curve round-trips", arguments: NamedCurve.allKnown)
        func roundTrip(curve: NamedCurve) throws {
            #expect(!curve.ecParameters.isEmpty)
            #expect(curve.ecParameters.first == 0x06)
            #expect(ObjectIdentifiers.derEncoding(of: curve.objectIdentifier) == curve.ecParameters)
            let decoded = try #require(NamedCurve(ecParameters: curve.ecParameters))
            #expect(decoded.name == curve.name)
            #expect(decoded.orderBitCount == curve.orderBitCount)
        }

        @Test("Sizes")
        func sizes() {
            #expect(NamedCurve.p256.coordinateByteCount == 32)
            #expect(NamedCurve.p384.coordinateByteCount == 48)
            #expect(NamedCurve.p521.coordinateByteCount == 66)
            #expect(NamedCurve.secp256k1.coordinateByteCount == 32)
            #expect(NamedCurve.ed25519.coordinateByteCount == 32)
            #expect(NamedCurve.p521.orderBitCount == 521)
            #expect(NamedCurve.p256.name == "P-256")
            #expect(NamedCurve.p256.description == "P-256")
        }

        @Test("An unknown but valid OID gives a curve without sizes")
        func unknownCurve() throws {
            let der = hexBytes("06 06 2b 81 04 00 81 00")  // 1.3.132.0.128
            let curve = try #require(NamedCurve(ecParameters: der))
            #expect(curve.objectIdentifier == "1.3.132.0.128")
            #expect(curve.name == "1.3.132.0.128")
            #expect(curve.coordinateByteCount == nil)
            #expect(curve.ecParameters == der)
            let named = try #require(NamedCurve(objectIdentifier: "1.3.132.0.128", name: "test"))
            #expect(named.name == "test")
            #expect(named == curve)
        }

        @Test("A known OID, even written with leading zeros, gives the known curve")
        func knownByObjectIdentifier() throws {
            let curve = try #require(NamedCurve(objectIdentifier: "1.2.840.10045.3.1.07", name: "ignored"))
            #expect(curve == .p256)
            #expect(curve.name == "P-256")
        }

        @Test(
            "Malformed DER returns nil",
            arguments: [
                "",  // empty
                "06",  // no length
                "06 00",  // empty content
                "04 03 2b 65 70",  // OCTET STRING tag
                "30 03 2b 65 70",  // SEQUENCE tag
                "06 08 2a 86 48 ce",  // truncated content
                "06 03 2b 65 70 00",  // trailing byte
                "06 02 2b 86",  // last subidentifier unfinished
                "06 03 2b 80 01",  // non-minimal subidentifier
                "06 02 80 01",  // non-minimal first subidentifier
                "06 80 2b 65 70 00 00",  // indefinite length
                "06 81 03 2b 65 70",  // non-minimal long-form length
                "06 84 ff ff ff ff 2b",  // oversized length
                "06 88 00 00 00 00 00 00 00 03 2b 65 70",  // 8-byte length
                "06 85 00 00 00 00 03 2b 65 70",  // 5-byte length
                "06 81",  // long form, length byte missing
                "06 0b 2a 82 ff ff ff ff ff ff ff ff 7f",  // arc beyond UInt64
                "06 0c 2a 81 80 80 80 80 80 80 80 80 80 00",  // arc beyond UInt64, more bytes
            ])
        func malformed(der: String) {
            let bytes = hexBytes(der)
            #expect(NamedCurve(ecParameters: bytes) == nil)
            #expect(ObjectIdentifiers.dottedString(derEncoded: bytes) == nil)
        }

        @Test("Every truncation of a valid encoding is rejected", arguments: NamedCurve.allKnown)
        func truncations(curve: NamedCurve) {
            for length in 0..<curve.ecParameters.count {
                #expect(NamedCurve(ecParameters: Array(curve.ecParameters.prefix(length))) == nil)
            }
        }

        @Test("Random input never traps")
        func randomInput() {
            var generator = SplitMix64(seed: 0x5EED)
            var decoded = 0
            for _ in 0..<5000 {
                let count = Int(generator.next() % 16)
                var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                if !bytes.isEmpty && generator.next() % 2 == 0 {
                    // Make half of the inputs look like OIDs so decoding gets past the header.
                    bytes[0] = 0x06
                    if bytes.count > 1 {
                        bytes[1] = UInt8(bytes.count - 2)
                    }
                }
                if let oid = ObjectIdentifiers.dottedString(derEncoded: bytes) {
                    decoded += 1
                    // Whatever decodes must re-encode to the same bytes: the decoder only accepts DER.
                    #expect(ObjectIdentifiers.derEncoding(of: oid) == bytes)
                }
            }
            #expect(decoded > 0)
        }

        @Test(
            "Large arcs encode exactly",
            arguments: [
                ("1.2.268435456", "06 06 2a 81 80 80 80 00"),  // 2^28
                ("1.2.4294967296", "06 06 2a 90 80 80 80 00"),  // 2^32
                ("1.2.18446744073709551615", "06 0b 2a 81 ff ff ff ff ff ff ff ff 7f"),  // UInt64.max
                ("2.999.3", "06 03 88 37 03"),  // X.690 example
                ("2.18446744073709551535", "06 0a 81 ff ff ff ff ff ff ff ff 7f"),  // 80 + arc == UInt64.max
                ("0.0", "06 01 00"),
                ("1.39", "06 01 4f"),
            ])
        func largeArcs(oid: String, der: String) {
            #expect(ObjectIdentifiers.derEncoding(of: oid) == hexBytes(der))
            #expect(ObjectIdentifiers.dottedString(derEncoded: hexBytes(der)) == oid)
        }

        @Test(
            "Invalid dotted OIDs do not encode",
            arguments: [
                "", "1", "3.1", "1.40", "0.40", "1..2", "1.2.", ".1.2", "a.b", "+1.2", "1.-2", "1.2 .3", "1.2.3x",
                "1.2.18446744073709551616", "2.18446744073709551536",
            ])
        func invalidDotted(oid: String) {
            #expect(ObjectIdentifiers.derEncoding(of: oid) == nil)
            #expect(NamedCurve(objectIdentifier: oid) == nil)
        }

        @Test(
            "Algorithm OIDs",
            arguments: [
                (ObjectIdentifiers.ecPublicKey, "06 07 2a 86 48 ce 3d 02 01"),
                (ObjectIdentifiers.rsaEncryption, "06 09 2a 86 48 86 f7 0d 01 01 01"),
                (ObjectIdentifiers.dsa, "06 07 2a 86 48 ce 38 04 01"),
                (ObjectIdentifiers.dhKeyAgreement, "06 09 2a 86 48 86 f7 0d 01 03 01"),
                (ObjectIdentifiers.dilithiumR3_65, "06 0b 2b 06 01 04 01 02 82 0b 07 06 05"),
            ])
        func algorithmIdentifiers(oid: String, der: String) {
            #expect(ObjectIdentifiers.derEncoding(of: oid) == hexBytes(der))
            #expect(ObjectIdentifiers.dottedString(derEncoded: hexBytes(der)) == oid)
        }
    }
}
