import EP11

/// A secret or private key as the mock holds it inside a sealed blob.
struct KeyObject: Sendable {
    var objectClass: ObjectClass
    var keyType: KeyType
    /// The effective attributes: the template as given, plus the defaults the mock applied.
    var attributes: AttributeTemplate
    /// The raw secret value, or the PKCS#8 DER of a private key.
    var material: [UInt8]

    /// A usage flag is permitted unless the key says explicitly `false` (EP11's permissive defaults).
    func permits(_ type: AttributeType) -> Bool {
        attributes[type]?.boolValue ?? true
    }

    func require(_ type: AttributeType, for operation: String) throws(HSMFailure) {
        guard permits(type) else {
            throw HSMFailure(.keyFunctionNotPermitted, "\(operation) not permitted by \(type)")
        }
    }

    func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(objectClass.rawValue)
        writer.write(keyType.rawValue)
        writer.write(UInt64(attributes.count))
        for attribute in attributes {
            writer.write(attribute.type.rawValue)
            switch attribute.value {
            case .empty: writer.write(UInt8(0))
            case .bool(let flag):
                writer.write(UInt8(1))
                writer.write(flag)
            case .integer(let value):
                writer.write(UInt8(2))
                writer.write(value)
            case .bytes(let bytes):
                writer.write(UInt8(3))
                writer.write(bytes)
            }
        }
        writer.write(material)
        return writer.bytes
    }

    init(objectClass: ObjectClass, keyType: KeyType, attributes: AttributeTemplate, material: [UInt8]) {
        self.objectClass = objectClass
        self.keyType = keyType
        self.attributes = attributes
        self.material = material
    }

    init(serialized bytes: [UInt8]) throws(HSMFailure) {
        var reader = ByteReader(bytes)
        objectClass = ObjectClass(rawValue: try reader.readUInt64())
        keyType = KeyType(rawValue: try reader.readUInt64())
        let count = try reader.readUInt64()
        guard count <= 4096 else { throw HSMFailure.malformed }
        var template = AttributeTemplate()
        for _ in 0..<count {
            let type = AttributeType(rawValue: try reader.readUInt64())
            switch try reader.readByte() {
            case 0: template[type] = .empty
            case 1: template[type] = .bool(try reader.readBool())
            case 2: template[type] = .integer(try reader.readUInt64())
            case 3: template[type] = .bytes(try reader.readBytes())
            default: throw HSMFailure.malformed
            }
        }
        attributes = template
        material = try reader.readBytes()
        guard reader.isAtEnd else { throw HSMFailure.malformed }
    }
}
