import Logging

/// The message ids of the key daemon's log lines: every decision and every action on a volume or a key is logged
/// once with one of these, in the message text (`[KD101I] ...`) and as the `msgid` metadata value. The last
/// letter is the severity: I(nfo), W(arning), E(rror). Ids are stable; new ones are only added.
public enum MessageID: String, Sendable, CaseIterable {
    // Provisioning decisions (1xx).
    case decisionTwoSeedFormat = "KD101I"
    case decisionTwoSeedOpen = "KD102I"
    case decisionCreateLayout = "KD103I"
    case decisionFormatWithNewSeed = "KD104I"
    case decisionMigrate = "KD105I"
    case decisionUnwrapAndFormat = "KD106I"
    case decisionUnwrapAndOpen = "KD107I"
    case decisionRefused = "KD110E"
    /// Refused: the device holds a filesystem, swap, a RAID member, a foreign partition table or a damaged LUKS
    /// header. Nothing was written.
    case refusedForeignContent = "KD111E"
    /// Refused: the device is not zeros but carries no known signature (random bytes, a text file).
    case refusedUnclassifiableContent = "KD112E"
    /// Refused: the device (or data partition) is smaller than the row needs.
    case refusedDeviceTooSmall = "KD113E"
    // Provisioning actions (12x).
    case layoutCreated = "KD120I"
    case metadataReformatted = "KD121W"
    case seedGenerated = "KD122I"
    case seedUnwrapped = "KD123I"
    case seedUnwrapFailedForEntry = "KD124W"
    case seedMovedToFirstEntry = "KD125I"
    case keyfileReplaced = "KD126I"
    case luksFormatted = "KD127I"
    case migratedToThreeSeeds = "KD128I"
    case migrationCompleted = "KD129W"
    case volumeOpened = "KD130I"
    case activationSkipped = "KD131W"
    case kmsRetry = "KD132W"
    case firstEntryRewrapFailed = "KD133W"
    case volumeMounted = "KD134I"
    case mountSkipped = "KD135W"
    /// Scratch folders left by a run that was killed were removed.
    case staleScratchRemoved = "KD136W"
    /// A keyfile in the JSON envelope of earlier versions was rewritten as the documented ciphertext text.
    case keyfileUpgraded = "KD137I"
    // Monitor (2xx).
    case monitorStarted = "KD200I"
    case keyActive = "KD201I"
    case keyNotActiveAtBoot = "KD202W"
    case kmsUnreachableAtBoot = "KD203W"
    case shutdownAtBoot = "KD204E"
    case keyNotActive = "KD205E"
    case kmsUnreachable = "KD206W"
    case restartUnreachable = "KD207E"
    case rotationDetected = "KD208I"
    case seedRewrapped = "KD209I"
    case rewrapFailed = "KD210W"
    case monitorStopped = "KD211I"

    /// The log level its severity letter stands for.
    public var level: Logger.Level {
        switch rawValue.last {
        case "E": .error
        case "W": .warning
        default: .info
        }
    }
}

extension Logger {
    /// Logs `message` as `[<id>] <message>` at the id's level, with `msgid` and `volume` metadata.
    func log(_ id: MessageID, volume: String, _ message: String) {
        log(
            level: id.level, "[\(id.rawValue)] \(message)",
            metadata: ["msgid": "\(id.rawValue)", "volume": "\(volume)"])
    }
}
