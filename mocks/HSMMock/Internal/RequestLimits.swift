import EP11

/// Caps on what one request may ask of the mock, so that its work stays small and linear in the request.
///
/// - A template (``maximumTemplateAttributes``, 256 attributes) and a `GetAttributeValue` request name at most
///   256 attribute types; a key keeps at most 256 attributes after `SetAttributeValue`. More fail with
///   `CKR_ARGUMENTS_BAD` before any work is done. (PKCS #11 defines fewer than 150 attribute types; the EP11
///   client sends a few dozen at most.)
/// - A request message is at most ``maximumRequestBytes`` (4 MiB) on the wire; a larger one is refused by the gRPC
///   transport with `resourceExhausted`.
/// - One HTTP/2 connection carries up to ``maximumConcurrentStreams`` (4,096) calls at once; a client queues the
///   calls beyond it, as it does for a real GREP11 endpoint.
package enum HSMRequestLimits {
    /// The most attributes in one template, one `GetAttributeValue` request, or one key.
    package static let maximumTemplateAttributes = 256
    /// The largest request message the standalone server accepts: 4 MiB.
    package static let maximumRequestBytes = 4 << 20
    /// The concurrent calls (HTTP/2 streams) the standalone server allows on one connection.
    package static let maximumConcurrentStreams = 4096
}

extension AttributeTemplate {
    /// Decodes a wire attribute map of at most ``HSMRequestLimits/maximumTemplateAttributes`` entries.
    ///
    /// - Throws: `CKR_ARGUMENTS_BAD` for a larger map, checked before it is decoded.
    init(limitedWire wire: [UInt64: Grep11_AttributeValue], role: String = "template") throws(HSMFailure) {
        try HSMRequestLimits.checkAttributeCount(wire.count, role: role)
        self.init(wire: wire)
    }
}

extension HSMRequestLimits {
    /// Refuses more than ``maximumTemplateAttributes`` attributes.
    static func checkAttributeCount(_ count: Int, role: String) throws(HSMFailure) {
        guard count <= maximumTemplateAttributes else {
            throw HSMFailure(
                .argumentsBad, "the \(role) has \(count) attributes; at most \(maximumTemplateAttributes) are accepted")
        }
    }
}
