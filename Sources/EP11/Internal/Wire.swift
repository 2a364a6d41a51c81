import Foundation
import SwiftProtobuf

// Conversions between the public vocabulary and the generated GREP11 wire types. `package` so the HSM mock,
// which speaks the same wire, can decode what clients send with the same vocabulary; the mock must not use the
// client's request building, only these value conversions.

extension AttributeValue {
    package init(wire: Grep11_AttributeValue) {
        switch wire.oneAttr {
        case .attributeB(let data): self = .bytes(Array(data))
        case .attributeTf(let flag): self = .bool(flag)
        case .attributeI(let integer): self = .integer(UInt64(bitPattern: integer))
        case nil: self = .empty
        }
    }

    package var wire: Grep11_AttributeValue {
        var value = Grep11_AttributeValue()
        switch self {
        case .bytes(let bytes): value.attributeB = Data(bytes)
        case .bool(let flag): value.attributeTf = flag
        case .integer(let integer): value.attributeI = Int64(bitPattern: integer)
        case .empty: break
        }
        return value
    }
}

extension AttributeTemplate {
    /// Decodes a wire attribute map. Map order is undefined on the wire; attributes are sorted by type.
    /// Linear after the sort: a map's keys are unique, so no attribute is searched for (a hostile server's
    /// 700,000-attribute answer costs a sort, not a quadratic scan).
    package init(wire: [UInt64: Grep11_AttributeValue]) {
        self.init(
            uniqueTypes: wire.sorted { $0.key < $1.key }.map {
                Attribute(AttributeType(rawValue: $0.key), AttributeValue(wire: $0.value))
            })
    }

    package var wire: [UInt64: Grep11_AttributeValue] {
        var map: [UInt64: Grep11_AttributeValue] = [:]
        for attribute in self {
            map[attribute.type.rawValue] = attribute.value.wire
        }
        return map
    }
}

extension KeyBlob {
    package init(wire: Grep11_KeyBlob) {
        self.init(
            bytes: wire.keyBlobs.first.map { Array($0) } ?? [],
            attributes: AttributeTemplate(wire: wire.attributes),
            identifier: Array(wire.keyBlobID),
            version: wire.version,
            transactionID: Array(wire.txID)
        )
    }

    /// The key a key-creating call (`method`, for the message) returned, whose raw bytes may come in a separate
    /// field; a response without a key is malformed.
    package init(returnedBy method: String, wire: Grep11_KeyBlob, fallbackBytes: Data) throws {
        self.init(wire: wire)
        if bytes.isEmpty { bytes = Array(fallbackBytes) }
        guard !bytes.isEmpty else {
            throw EP11Error(code: .malformedResponse, message: "\(method) returned no key")
        }
    }
}

extension Mechanism {
    package var wire: Grep11_Mechanism {
        var mechanism = Grep11_Mechanism()
        mechanism.mechanism = type.rawValue
        switch parameter {
        case .none:
            break
        case .bytes(let bytes):
            if !bytes.isEmpty { mechanism.parameterB = Data(bytes) }
        case .rsaOAEP(let oaep):
            var wire = Grep11_RSAOAEPParm()
            wire.hashMech = oaep.hash.rawValue
            wire.mgf = protoEnum(oaep.mgf.rawValue, unknown: .ckgMgf1None)
            if oaep.label.isEmpty {
                wire.encodingParmType = .ckzNoDataSpecified
            } else {
                wire.encodingParmType = .ckzDataSpecifiied
                wire.encodingParm = Data(oaep.label)
            }
            mechanism.rsaoaepparameter = wire
        case .rsaPSS(let pss):
            var wire = Grep11_RSAPSSParm()
            wire.hashMech = pss.hash.rawValue
            wire.mgf = protoEnum(pss.mgf.rawValue, unknown: .ckgMgf1None)
            wire.saltByteCount = pss.saltLength
            mechanism.rsapssparameter = wire
        case .ecdh1Derive(let ecdh):
            var wire = Grep11_ECDH1DeriveParm()
            wire.kdf = protoEnum(ecdh.kdf.rawValue, unknown: .ckdNull)
            wire.sharedData = Data(ecdh.sharedData)
            wire.publicData = Data(ecdh.publicData)
            mechanism.ecdh1DeriveParameter = wire
        case .btcDerive(let btc):
            var wire = Grep11_BTCDeriveParm()
            wire.type = protoEnum(btc.type.rawValue, unknown: .ckBip0032NotUsed)
            wire.childKeyIndex = btc.childKeyIndex
            wire.chainCode = Data(btc.chainCode)
            wire.version = btc.version
            mechanism.btcderiveParameter = wire
        case .ecsg(let ecsg):
            var wire = Grep11_ECSGParm()
            wire.type = protoEnum(ecsg.type.rawValue, unknown: .ckEcsgIbmNotUsed)
            mechanism.ecsgparameter = wire
        }
        return mechanism
    }
}

/// The case of the generated enum `E` whose number is `value`, or `unknown` for a value the proto does not list.
private func protoEnum<E: SwiftProtobuf.Enum>(_ value: UInt64, unknown: E) -> E {
    E(rawValue: Int(truncatingIfNeeded: value)) ?? unknown
}
