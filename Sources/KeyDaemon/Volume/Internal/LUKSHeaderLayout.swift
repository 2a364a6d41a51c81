import Foundation

/// Just enough of the LUKS on-disk format to know where a header ends, so that a scratch window holds all of it
/// and its two LUKS2 header copies are written back in a safe order. Validation is cryptsetup's job: this only
/// reads sizes, every one of them checked for overflow, and gives up (nil) on anything odd.
enum LUKSHeaderLayout {
    /// `LUKS\xba\xbe`: the primary header (LUKS1 and LUKS2).
    static let primaryMagic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]
    /// `SKUL\xba\xbe`: the LUKS2 secondary header.
    static let secondaryMagic: [UInt8] = [0x53, 0x4B, 0x55, 0x4C, 0xBA, 0xBE]
    /// Where a LUKS2 secondary header may sit (one per allowed header size); cryptsetup looks there when the
    /// primary is damaged.
    static let secondaryHeaderOffsets: [UInt64] = (0..<9).map { UInt64(16 * 1024) << $0 }
    /// The binary part of a LUKS2 header; the JSON area follows it.
    static let binaryHeaderSize = 4096
    /// A header claiming more than this is not believed.
    static let maximumAreaSize: UInt64 = 512 << 20

    struct Geometry: Sendable, Hashable {
        /// The size of one LUKS2 header copy (binary + JSON), 0 for LUKS1.
        var headerSize: UInt64
        /// The first byte after all header copies and keyslot areas: where the encrypted data begins.
        var areaEnd: UInt64
    }

    static func hasPrimaryMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 6 && Array(bytes[0..<6]) == primaryMagic
    }

    static func hasSecondaryMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 6 && Array(bytes[0..<6]) == secondaryMagic
    }

    /// The LUKS2 header size from a binary header (either copy), if it is one of the allowed sizes.
    static func luks2HeaderSize(binaryHeader bytes: [UInt8]) -> UInt64? {
        guard bytes.count >= 16, hasPrimaryMagic(bytes) || hasSecondaryMagic(bytes),
            bigEndian(bytes, at: 6, count: 2) == 2,
            let size = bigEndian(bytes, at: 8, count: 8),
            secondaryHeaderOffsets.contains(size)
        else { return nil }
        return size
    }

    /// The geometry of a LUKS1 header from its first 592 bytes.
    static func luks1Geometry(header bytes: [UInt8]) -> Geometry? {
        guard bytes.count >= 592, hasPrimaryMagic(bytes), bigEndian(bytes, at: 6, count: 2) == 1,
            let payloadSectors = bigEndian(bytes, at: 104, count: 4),
            let keyBytes = bigEndian(bytes, at: 108, count: 4)
        else { return nil }
        var end = payloadSectors * 512
        for slot in 0..<8 {
            let base = 208 + slot * 48
            guard let active = bigEndian(bytes, at: base, count: 4), active == 0x00AC_71F3,
                let materialSectors = bigEndian(bytes, at: base + 40, count: 4),
                let stripes = bigEndian(bytes, at: base + 44, count: 4)
            else { continue }
            let (material, overflow) = keyBytes.multipliedReportingOverflow(by: stripes)
            guard !overflow, material <= maximumAreaSize,
                let slotEnd = sum(materialSectors * 512, (material + 511) / 512 * 512)
            else { return nil }
            end = max(end, slotEnd)
        }
        guard end > 0, end <= maximumAreaSize else { return nil }
        return Geometry(headerSize: 0, areaEnd: end)
    }

    /// The geometry of a LUKS2 header from its binary header and JSON area (`[4096, headerSize)`).
    static func luks2Geometry(headerSize: UInt64, jsonArea: [UInt8]) -> Geometry? {
        let text = jsonArea.prefix(while: { $0 != 0 })
        guard let object = try? JSONSerialization.jsonObject(with: Data(text)) as? [String: Any] else { return nil }
        var end = headerSize * 2
        func include(_ value: UInt64?) {
            if let value { end = max(end, value) }
        }
        if let config = object["config"] as? [String: Any], let keyslots = number(config["keyslots_size"]) {
            include(sum(headerSize * 2, keyslots))
        }
        if let keyslots = object["keyslots"] as? [String: Any] {
            for case let slot as [String: Any] in keyslots.values {
                if let area = slot["area"] as? [String: Any] {
                    include(sum(number(area["offset"]), number(area["size"])))
                }
            }
        }
        if let segments = object["segments"] as? [String: Any] {
            for case let segment as [String: Any] in segments.values {
                include(number(segment["offset"]))
            }
        }
        guard end <= maximumAreaSize else { return nil }
        return Geometry(headerSize: headerSize, areaEnd: end)
    }

    /// LUKS2 writes sizes and offsets as decimal strings; accept plain numbers too.
    private static func number(_ value: Any?) -> UInt64? {
        switch value {
        case let text as String: UInt64(text)
        case let number as NSNumber where number.int64Value >= 0: UInt64(number.int64Value)
        default: nil
        }
    }

    private static func sum(_ lhs: UInt64?, _ rhs: UInt64?) -> UInt64? {
        guard let lhs, let rhs else { return nil }
        let (total, overflow) = lhs.addingReportingOverflow(rhs)
        return overflow ? nil : total
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64? {
        guard offset >= 0, count <= 8, offset + count <= bytes.count else { return nil }
        var value: UInt64 = 0
        for index in offset..<(offset + count) { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
}
