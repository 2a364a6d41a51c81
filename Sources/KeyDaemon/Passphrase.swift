import Crypto

/// The LUKS passphrase of a Hyper Protect data volume, derived from its seeds.
///
/// The documented two-seed rule is `hex(SHA-256(utf8(env seed) ‖ utf8(workload seed)))`, the 64 lowercase hex
/// characters being the passphrase (check: `printf %s seed1seed2 | sha256sum`). With a KMS the third seed is
/// appended. The documentation says only "three seeds"; this function is the one place that fixes the order:
/// **env seed, workload seed, third seed**, the order of the documentation's seed table, where the third seed
/// is the base64 text of the data key the KMS unwrapped, exactly as the KMS returns it.
public enum LUKSPassphrase {
    /// The passphrase for `envSeed`, `workloadSeed` and, for a KMS volume, `thirdSeed`.
    public static func derive(envSeed: SecretBytes, workloadSeed: SecretBytes, thirdSeed: SecretBytes?) -> SecretBytes {
        var hash = SHA256()
        hash.update(data: envSeed.bytes)
        hash.update(data: workloadSeed.bytes)
        if let thirdSeed { hash.update(data: thirdSeed.bytes) }
        let digest = hash.finalize()
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return SecretBytes(text)
    }

    /// The passphrase of `volume`, with `thirdSeed` when the volume uses a KMS.
    public static func derive(for volume: VolumeConfiguration, thirdSeed: SecretBytes?) -> SecretBytes {
        derive(envSeed: volume.envSeed, workloadSeed: volume.workloadSeed, thirdSeed: thirdSeed)
    }
}
