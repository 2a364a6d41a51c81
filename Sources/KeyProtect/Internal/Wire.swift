import Foundation

// The client's own view of the Key Protect v2 wire format, written from the API contract. The mock has its own
// types; the two are never shared, so that a disagreement shows up in tests.

enum Wire {
    struct VersionRef: Codable {
        var id: String?
        var creationDate: String?
    }

    /// Body of wrap, unwrap and rewrap requests.
    struct KeyActionRequest: Encodable {
        var plaintext: String?
        var ciphertext: String?
        var aad: [String]?
    }

    /// Body of wrap, unwrap and rewrap responses.
    struct KeyActionResponse: Decodable {
        var plaintext: String?
        var ciphertext: String?
        var keyVersion: VersionRef?
        var rewrappedKeyVersion: VersionRef?
    }

    struct CollectionMetadata: Decodable {
        var collectionType: String?
        var collectionTotal: Int?
    }

    struct Collection<Resource: Decodable>: Decodable {
        var metadata: CollectionMetadata?
        var resources: [Resource]?
    }

    struct Key: Decodable {
        var id: String
        var name: String?
        var aliases: [String]?
        var state: Int
        var extractable: Bool?
        var crn: String?
        var keyVersion: VersionRef?
        var creationDate: String?
        var lastUpdateDate: String?
        var lastRotateDate: String?
        var deleted: Bool?
        var payload: String?
    }

    struct ErrorReason: Decodable {
        struct Target: Decodable {
            var type: String?
            var name: String?
        }
        var code: String?
        var message: String?
        var status: Int?
        var moreInfo: String?
        var target: Target?
    }

    struct ErrorResource: Decodable {
        var errorMsg: String?
        var reasons: [ErrorReason]?
    }
}

enum WireDate {
    /// Parses the service's RFC 3339 timestamps, with or without fractional seconds. Unparseable text gives nil.
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}

extension KeyMetadata {
    init(wire key: Wire.Key) {
        self.init(
            id: key.id,
            name: key.name,
            aliases: key.aliases ?? [],
            state: KeyState(rawValue: key.state),
            extractable: key.extractable ?? false,
            crn: key.crn,
            keyVersion: key.keyVersion.flatMap { ref in
                ref.id.map { KeyVersion(id: $0, creationDate: WireDate.parse(ref.creationDate)) }
            },
            creationDate: WireDate.parse(key.creationDate),
            lastUpdateDate: WireDate.parse(key.lastUpdateDate),
            lastRotateDate: WireDate.parse(key.lastRotateDate),
            deleted: key.deleted ?? false
        )
    }
}
