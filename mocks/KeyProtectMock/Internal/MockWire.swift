import Foundation

// The mock's own view of the wire format, written from the API contract (never shared with the client).

struct MockVersionRef: Codable {
    var id: String
    var creationDate: String?
}

/// Body of wrap, unwrap, rewrap and rotate requests. Every field is optional; wrong types fail decoding.
struct MockActionBody: Decodable {
    var plaintext: String?
    var ciphertext: String?
    var aad: [String]?
    var payload: String?
}

struct MockActionAnswer: Encodable {
    var plaintext: String?
    var ciphertext: String?
    var keyVersion: MockVersionRef?
    var rewrappedKeyVersion: MockVersionRef?
}

struct MockCollectionMetadata: Encodable {
    var collectionType: String
    var collectionTotal: Int
    var totalCount: Int?
}

struct MockCollection<Resource: Encodable>: Encodable {
    var metadata: MockCollectionMetadata
    var resources: [Resource]
}

struct MockKeyResource: Encodable {
    struct DualAuth: Encodable { var enabled = false }
    struct AlgorithmMetadata: Encodable {
        var bitLength = "256"
        var mode = "Deprecated"
    }

    var type = "application/vnd.ibm.kms.key+json"
    var id: String
    var name: String
    var aliases: [String]?
    var state: Int
    var extractable: Bool
    var crn: String
    var imported = false
    var creationDate: String
    var createdBy = "IBMid-mock"
    var lastUpdateDate: String
    var lastRotateDate: String?
    var keyVersion: MockVersionRef
    var dualAuthDelete = DualAuth()
    var deleted: Bool
    var deletionDate: String?
    var algorithmType = "AES"
    var algorithmMetadata = AlgorithmMetadata()
    var algorithmBitSize = 256
    var algorithmMode = "Deprecated"
    var payload: String?
}

/// Body of `POST /api/v2/keys`.
struct MockCreateBody: Decodable {
    struct Resource: Decodable {
        var name: String?
        var extractable: Bool?
        var payload: String?
        var aliases: [String]?
    }
    var resources: [Resource]?
}

struct MockErrorReason: Encodable {
    struct Target: Encodable {
        var type: String
        var name: String
    }
    var code: String
    var message: String
    var status: Int
    var moreInfo = "https://cloud.ibm.com/apidocs/key-protect"
    var target: Target?
}

struct MockErrorResource: Encodable {
    var errorMsg: String
    var reasons: [MockErrorReason]?
}

/// The envelope inside the mock's wrapped keys: base64 of this JSON is the WDEK, shaped like the service's.
struct MockEnvelope: Codable {
    var ciphertext: String
    var iv: String
    var version: String
    var handle: String
}

enum MockDate {
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

enum MockJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
    }
}
