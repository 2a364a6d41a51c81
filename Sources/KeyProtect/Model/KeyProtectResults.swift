import Foundation

/// A data encryption key wrapped by a root key: what to store beside the data.
public struct WrappedKey: Sendable, Hashable, Codable {
    /// The wrapped key (WDEK), opaque base64 text exactly as the service returned it.
    public var ciphertext: String
    /// The id of the root key version that wrapped it, if the service said.
    public var keyVersionID: String?

    public init(ciphertext: String, keyVersionID: String?) {
        self.ciphertext = ciphertext
        self.keyVersionID = keyVersionID
    }
}

/// A data encryption key the service generated (wrap without plaintext): the key and its wrapped form.
public struct GeneratedDataKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The plaintext key bytes (32 bytes from Key Protect). Never printed.
    public var plaintext: [UInt8]
    /// The wrapped key to store.
    public var wrapped: WrappedKey

    public init(plaintext: [UInt8], wrapped: WrappedKey) {
        self.plaintext = plaintext
        self.wrapped = wrapped
    }

    public var description: String {
        "GeneratedDataKey(plaintext: \(plaintext.count) bytes redacted, keyVersionID: \(wrapped.keyVersionID ?? "nil"))"
    }
    public var debugDescription: String { description }
}

/// The result of an unwrap.
public struct UnwrapResult: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The plaintext key bytes. Never printed.
    public var plaintext: [UInt8]
    /// The root key version that had wrapped the ciphertext.
    public var keyVersionID: String?
    /// When the ciphertext was wrapped by an older version: the same key wrapped by the latest version.
    /// Store it in place of the old ciphertext.
    public var rewrapped: WrappedKey?

    public init(plaintext: [UInt8], keyVersionID: String?, rewrapped: WrappedKey?) {
        self.plaintext = plaintext
        self.keyVersionID = keyVersionID
        self.rewrapped = rewrapped
    }

    public var description: String {
        "UnwrapResult(plaintext: \(plaintext.count) bytes redacted, keyVersionID: \(keyVersionID ?? "nil"), "
            + "rewrapped: \(rewrapped == nil ? "no" : "yes"))"
    }
    public var debugDescription: String { description }
}

/// The result of a rewrap: the key wrapped by the latest root key version, without exposing it.
public struct RewrapResult: Sendable, Hashable {
    /// The new wrapped key; its ``WrappedKey/keyVersionID`` is the latest version.
    public var wrapped: WrappedKey
    /// The version that had wrapped the old ciphertext.
    public var previousKeyVersionID: String?

    public init(wrapped: WrappedKey, previousKeyVersionID: String?) {
        self.wrapped = wrapped
        self.previousKeyVersionID = previousKeyVersionID
    }
}

/// A version of a root key (each rotation adds one).
public struct KeyVersion: Sendable, Hashable {
    public var id: String
    public var creationDate: Date?

    public init(id: String, creationDate: Date?) {
        self.id = id
        self.creationDate = creationDate
    }
}

/// What the service says about a key: state, latest version, dates. Never holds key material.
public struct KeyMetadata: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var aliases: [String]
    public var state: KeyState
    /// Whether the key is a standard key (`true`) or a root key (`false`).
    public var extractable: Bool
    public var crn: String?
    /// The latest version: compare its id with the one stored at wrap time to detect rotation.
    public var keyVersion: KeyVersion?
    public var creationDate: Date?
    public var lastUpdateDate: Date?
    /// Absent until the key is first rotated.
    public var lastRotateDate: Date?
    public var deleted: Bool

    public init(
        id: String,
        name: String? = nil,
        aliases: [String] = [],
        state: KeyState,
        extractable: Bool = false,
        crn: String? = nil,
        keyVersion: KeyVersion? = nil,
        creationDate: Date? = nil,
        lastUpdateDate: Date? = nil,
        lastRotateDate: Date? = nil,
        deleted: Bool = false
    ) {
        self.id = id
        self.name = name
        self.aliases = aliases
        self.state = state
        self.extractable = extractable
        self.crn = crn
        self.keyVersion = keyVersion
        self.creationDate = creationDate
        self.lastUpdateDate = lastUpdateDate
        self.lastRotateDate = lastRotateDate
        self.deleted = deleted
    }
}

/// A key as `GET /keys/{id}` returns it: the metadata and, for a standard key only, its payload.
public struct KeyProtectKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var metadata: KeyMetadata
    /// The key material of a standard (extractable) key; nil for root keys. Never printed.
    public var payload: [UInt8]?

    public init(metadata: KeyMetadata, payload: [UInt8]?) {
        self.metadata = metadata
        self.payload = payload
    }

    public var description: String {
        "KeyProtectKey(id: \(metadata.id), state: \(metadata.state), payload: "
            + (payload.map { "\($0.count) bytes redacted" } ?? "none") + ")"
    }
    public var debugDescription: String { description }
}
