import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a connection to a service failed, in words for a user, and whether trying again can help.
///
/// Shared by the IAM, Key Protect and EP11 clients so that the same failure reads the same everywhere. The text
/// never includes a URL's path or query, a header, or any other part of the request.
package struct TransportFailure: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// Nothing listens on the port (ECONNREFUSED).
        case connectionRefused
        /// No route to the host or network, or the connection attempt timed out.
        case unreachable
        /// The host name could not be resolved.
        case nameResolution
        /// The server's TLS certificate was refused by this client (untrusted issuer, expired, wrong name).
        case certificateRefused
        /// Another TLS handshake failure (protocol, cipher, or the server refused the client certificate).
        case tlsHandshake
        /// The connection broke or another I/O error happened.
        case other
    }

    package var kind: Kind
    /// A lower-case phrase without a final period, e.g. `connection refused`.
    package var explanation: String

    /// Whether the same request can succeed if sent again within the caller's deadline: a refused connection, an
    /// unreachable host or a failed name lookup can (a service restarting, a network flapping); a refused
    /// certificate or another TLS handshake failure cannot.
    package var isRetryable: Bool {
        switch kind {
        case .certificateRefused, .tlsHandshake: false
        case .connectionRefused, .unreachable, .nameResolution, .other: true
        }
    }

    package init(kind: Kind, explanation: String) {
        self.kind = kind
        self.explanation = explanation
    }

    /// The failure `error` stands for, looking through the wrappers of AsyncHTTPClient and SwiftNIO; nil when
    /// `error` is not a connection failure this type knows.
    package static func diagnose(_ error: any Error) -> TransportFailure? {
        diagnose(error, depth: 0)
    }

    private static func diagnose(_ error: any Error, depth: Int) -> TransportFailure? {
        guard depth < 8 else { return nil }
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return TransportFailure(
                    kind: .nameResolution,
                    explanation: "the host name \(printable(error.host)) could not be resolved"
                        + (diagnose(dns, depth: depth + 1).map { " (\($0.explanation))" } ?? ""))
            }
            let inner = error.connectionErrors.compactMap { diagnose($0.error, depth: depth + 1) }
            // A refusal on one address and a timeout on another: the most telling one first.
            let order: [Kind] = [.certificateRefused, .tlsHandshake, .connectionRefused, .unreachable, .other]
            if let best = order.lazy.compactMap({ kind in inner.first { $0.kind == kind } }).first {
                return best
            }
            return TransportFailure(kind: .unreachable, explanation: "no connection could be made")
        }
        if let error = error as? IOError {
            return fromErrno(error.errnoCode)
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return TransportFailure(kind: .unreachable, explanation: "connecting timed out")
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return TransportFailure(kind: .other, explanation: "the server closed the connection")
            default: return nil
            }
        }
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch {
                return TransportFailure(
                    kind: .certificateRefused,
                    explanation: "the server certificate was refused: it is not valid for the host name "
                        + "(hostname mismatch)")
            }
            return TransportFailure(kind: .tlsHandshake, explanation: "the TLS handshake failed (\(error))")
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let stack):
                return fromBoringSSL(stack)
            case .uncleanShutdown:
                return TransportFailure(kind: .other, explanation: "the server closed the TLS connection uncleanly")
            default:
                return TransportFailure(kind: .tlsHandshake, explanation: "TLS failed (\(error))")
            }
        }
        if let error = error as? BoringSSLError {
            return fromBoringSSL(error)
        }
        if let error = error as? HTTPClientError {
            if error == .connectTimeout {
                return TransportFailure(kind: .unreachable, explanation: "connecting timed out")
            }
            if error == .remoteConnectionClosed {
                return TransportFailure(kind: .other, explanation: "the server closed the connection")
            }
            return nil
        }
        return nil
    }

    /// The connect and I/O errors a user meets, as the kind and explanation each stands for.
    private static let errnoFailures: [CInt: (kind: Kind, explanation: String)] = [
        ECONNREFUSED: (.connectionRefused, "connection refused"),
        EHOSTUNREACH: (.unreachable, "no route to host"),
        ENETUNREACH: (.unreachable, "network unreachable"),
        ETIMEDOUT: (.unreachable, "connecting timed out"),
        ECONNRESET: (.other, "connection reset by the server"),
        EPIPE: (.other, "the server closed the connection"),
    ]

    private static func fromErrno(_ code: CInt) -> TransportFailure {
        guard let known = errnoFailures[code] else {
            return TransportFailure(kind: .other, explanation: String(cString: strerror(code)).lowercased())
        }
        return TransportFailure(kind: known.kind, explanation: known.explanation)
    }

    /// BoringSSL reports a refused server certificate as `CERTIFICATE_VERIFY_FAILED`, and a TLS alert from the
    /// server as `..._ALERT_...`; the reason is the last field of each entry (`error:...:SSL routines:...:REASON`).
    private static func fromBoringSSL(_ error: BoringSSLError) -> TransportFailure {
        let reasons: [String]
        switch error {
        case .sslError(let stack), .unknownError(let stack), .invalidSNIName(let stack), .failedToSetALPN(let stack):
            reasons = stack.map { reason(of: $0) }
        default:
            reasons = ["\(error)"]
        }
        let joined = reasons.joined(separator: ", ")
        if reasons.contains(where: { $0.contains("CERTIFICATE_VERIFY_FAILED") }) {
            return TransportFailure(
                kind: .certificateRefused,
                explanation: "the server certificate was refused: CERTIFICATE_VERIFY_FAILED (it is not signed by a "
                    + "trusted CA, e.g. unable to get local issuer certificate, or it is expired or not yet valid)")
        }
        if reasons.contains(where: { $0.contains("ALERT") && $0.contains("CERTIFICATE") || $0.contains("UNKNOWN_CA") })
        {
            return TransportFailure(
                kind: .tlsHandshake,
                explanation: "the server refused this client's certificate during the TLS handshake (\(joined))")
        }
        return TransportFailure(kind: .tlsHandshake, explanation: "the TLS handshake failed (\(joined))")
    }

    /// `SSL_ROUTINE_REASON` from `Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:REASON at file:line`.
    private static func reason(of error: BoringSSLInternalError) -> String {
        var text = error.description
        if let at = text.range(of: " at ", options: .backwards) { text = String(text[..<at.lowerBound]) }
        if let colon = text.lastIndex(of: ":") { text = String(text[text.index(after: colon)...]) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    private static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(255).map { scalar in
                scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
            }.joined())
    }
}
