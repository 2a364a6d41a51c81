import IAM

extension CoreCallFailure {
    /// The connection failure behind an `UNAVAILABLE` status, read from the C core's status text and debug text,
    /// worded and classed as the NIO path's (so a refused certificate is not retried on either).
    var transportFailure: TransportFailure? {
        // grpc_status_code GRPC_STATUS_UNAVAILABLE.
        guard status == 14 else { return nil }
        let text = (message + " " + debugText).lowercased()
        if text.contains("certificate verify failed") || text.contains("certificate_verify_failed") {
            return TransportFailure(
                kind: .certificateRefused,
                explanation: "the server certificate was refused: CERTIFICATE_VERIFY_FAILED (it is not signed by a "
                    + "trusted CA, e.g. unable to get local issuer certificate, or it is expired or not yet valid)")
        }
        if text.contains("peer name") || text.contains("hostname") && text.contains("mismatch") {
            return TransportFailure(
                kind: .certificateRefused,
                explanation: "the server certificate was refused: it is not valid for the host name "
                    + "(hostname mismatch)")
        }
        if text.contains("alert") && text.contains("certificate") || text.contains("unknown ca") {
            return TransportFailure(
                kind: .tlsHandshake,
                explanation: "the server refused this client's certificate during the TLS handshake "
                    + "(\(Self.reason(in: text)))")
        }
        if text.contains("handshake") || text.contains("ssl_error") || text.contains("tls") {
            return TransportFailure(
                kind: .tlsHandshake, explanation: "the TLS handshake failed (\(Self.reason(in: text)))")
        }
        if text.contains("connection refused") {
            return TransportFailure(kind: .connectionRefused, explanation: "connection refused")
        }
        if text.contains("dns resolution failed") || text.contains("name or service not known")
            || text.contains("could not resolve")
        {
            return TransportFailure(kind: .nameResolution, explanation: "the host name could not be resolved")
        }
        if text.contains("no route to host") {
            return TransportFailure(kind: .unreachable, explanation: "no route to host")
        }
        if text.contains("network is unreachable") {
            return TransportFailure(kind: .unreachable, explanation: "network unreachable")
        }
        if text.contains("connection reset") {
            return TransportFailure(kind: .other, explanation: "connection reset by the server")
        }
        if text.contains("failed to connect") || text.contains("connect failed") {
            return TransportFailure(kind: .unreachable, explanation: "no connection could be made")
        }
        return nil
    }

    /// The OpenSSL reason in `error:0A000086:SSL routines::certificate verify failed`: its last field.
    private static func reason(in text: String) -> String {
        guard let range = text.range(of: "error:") else { return "no detail" }
        let entry = text[range.lowerBound...].prefix { $0 != "," && $0 != "\n" && $0 != "\"" }
        return String(entry.split(separator: ":").last ?? Substring(entry)).trimmingCharacters(in: .whitespaces)
    }
}
