import EP11
import Testing

extension VocabularyTests {
    @Suite("MechanismInfo")
    struct MechanismInfoTests {
        @Test(
            "Flags have the CKF values",
            arguments: [
                (MechanismInfo.Flags.hw, UInt64(0x1)), (.encrypt, 0x100), (.decrypt, 0x200), (.digest, 0x400),
                (.sign, 0x800), (.signRecover, 0x1000), (.verify, 0x2000), (.verifyRecover, 0x4000),
                (.generate, 0x8000), (.generateKeyPair, 0x1_0000), (.wrap, 0x2_0000), (.unwrap, 0x4_0000),
                (.derive, 0x8_0000), (.ecFp, 0x10_0000), (.ecF2m, 0x20_0000), (.ecParameters, 0x40_0000),
                (.ecNamedCurve, 0x80_0000), (.ecUncompress, 0x100_0000), (.ecCompress, 0x200_0000),
                (.extension, 0x8000_0000),
            ])
        func flagValues(flag: MechanismInfo.Flags, value: UInt64) {
            #expect(flag.rawValue == value)
        }

        @Test("Info keeps sizes, known and unknown flags")
        func info() {
            let flags: MechanismInfo.Flags = [.hw, .sign, .verify, .generateKeyPair, .ecNamedCurve]
            let info = MechanismInfo(minKeySize: 256, maxKeySize: 521, flags: flags)
            #expect(info.minKeySize == 256)
            #expect(info.maxKeySize == 521)
            #expect(info.flags.contains(.sign))
            #expect(!info.flags.contains(.encrypt))
            #expect(info.flags.rawValue == 0x0081_2801)
            #expect(info.flags.description == "CKF_HW|CKF_SIGN|CKF_VERIFY|CKF_GENERATE_KEY_PAIR|CKF_EC_NAMEDCURVE")

            let unknown = MechanismInfo.Flags(rawValue: 0x0400_0100)
            #expect(unknown.contains(.encrypt))
            #expect(unknown.description == "CKF_ENCRYPT|0x04000000")
            #expect(MechanismInfo.Flags().description == "[]")
        }
    }
}
