import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one rule for the http(s) endpoints this package sends credentials to (IAM, the KMS, token introspection):
/// https anywhere, plain http only to this machine.
///
/// The URL is read with Foundation's parser, the one the HTTP client uses, and the decision is made on the host the
/// connection will actually go to:
/// - the scheme is `http` or `https` (any case);
/// - there is no user name or password (`user:pass@host`): credentials in a URL leak into logs and, with a host
///   that looks like loopback in the user part (`http://127.0.0.1@10.0.0.1`), hide where the request really goes;
/// - there is a host, and no query or fragment (an endpoint is a base URL that paths are appended to);
/// - plain `http` goes only to an IP literal in 127.0.0.0/8, to `::1`, or to the name `localhost` (any case),
///   unless `allowPlaintext` says the network is trusted. IP literals are read with `inet_pton`, so shorthand
///   forms (`127.1`, `0x7f.1`) and names that merely start with `127.` (`127.0.0.1.attacker.example`) are not
///   loopback.
///
/// Messages never repeat the URL itself (it may hold a password), only the host.
package enum HTTPEndpointPolicy {
    /// What is wrong with an endpoint.
    package enum Refusal: Error, Sendable, Equatable {
        /// Not a URL Foundation can read, or one without a host.
        case notAURL
        /// A scheme other than http and https.
        case unsupportedScheme
        /// A user name or password before the host.
        case userInfo
        /// A query (`?`) or a fragment (`#`).
        case queryOrFragment
        /// Plain http to a host that is not loopback.
        case plaintextToRemoteHost(String)
    }

    /// Checks `endpoint` and returns it parsed.
    ///
    /// - Parameters:
    ///   - endpoint: an http(s) base URL, e.g. `https://iam.cloud.ibm.com` or `http://127.0.0.1:8080`.
    ///   - allowPlaintext: accept plain http to any host (a trusted network). Userinfo is refused regardless.
    ///   - what: names the endpoint in messages, e.g. `IAM endpoint`.
    /// - Throws: ``IAMError/invalidConfiguration`` with a message that names the problem and, for plain http,
    ///   the host.
    package static func check(_ endpoint: String, allowPlaintext: Bool, what: String) throws(IAMError) -> URL {
        switch evaluate(endpoint, allowPlaintext: allowPlaintext) {
        case .success(let url):
            return url
        case .failure(let refusal):
            throw IAMError(code: .invalidConfiguration, message: message(for: refusal, what: what))
        }
    }

    /// The decision of ``check(_:allowPlaintext:what:)``, without an error.
    package static func evaluate(_ endpoint: String, allowPlaintext: Bool) -> Result<URL, Refusal> {
        guard let components = URLComponents(string: endpoint), let url = URL(string: endpoint) else {
            return .failure(.notAURL)
        }
        let scheme = components.scheme?.lowercased()
        guard scheme == "http" || scheme == "https" else { return .failure(.unsupportedScheme) }
        guard components.percentEncodedUser == nil, components.percentEncodedPassword == nil,
            url.user == nil, url.password == nil
        else {
            return .failure(.userInfo)
        }
        guard components.percentEncodedQuery == nil, components.percentEncodedFragment == nil else {
            return .failure(.queryOrFragment)
        }
        // The HTTP client connects to `url.host`; the components must agree with it, or the text is ambiguous.
        guard let host = components.host.map(unbracketed), !host.isEmpty,
            let urlHost = url.host.map(unbracketed), urlHost == host
        else {
            return .failure(.notAURL)
        }
        if scheme == "http", !allowPlaintext, !isLoopback(host: host) {
            return .failure(.plaintextToRemoteHost(host))
        }
        return .success(url)
    }

    /// Whether `host` (without brackets) is an IP literal in 127.0.0.0/8, the IPv6 loopback `::1`, or the name
    /// `localhost` (any case, no trailing dot).
    package static func isLoopback(host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            // s_addr is in network byte order: its first byte in memory is the first octet.
            return withUnsafeBytes(of: &ipv4) { $0.first == 127 }
        }
        var ipv6 = in6_addr()
        if inet_pton(AF_INET6, host, &ipv6) == 1 {
            return withUnsafeBytes(of: &ipv6) { bytes in
                bytes.prefix(15).allSatisfy { $0 == 0 } && bytes.last == 1
            }
        }
        return false
    }

    /// The text of an error for `refusal`.
    package static func message(for refusal: Refusal, what: String) -> String {
        switch refusal {
        case .notAURL:
            "the \(what) is not a valid URL with a host"
        case .unsupportedScheme:
            "the \(what) must be an http(s) URL"
        case .userInfo:
            "the \(what) must not contain a user name or password before the host (user:password@host); "
                + "credentials in a URL are a leak, and the part before @ is not where the connection goes"
        case .queryOrFragment:
            "the \(what) must be a base URL without a query (?) or fragment (#)"
        case .plaintextToRemoteHost(let host):
            "refusing plain HTTP to \(sanitized(host)) for the \(what): use https (plain http is allowed only to "
                + "127.0.0.0/8, ::1 or localhost)"
        }
    }

    private static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The host as it may be printed: control characters escaped, at most 255 characters.
    private static func sanitized(_ host: String) -> String {
        String(
            host.unicodeScalars.prefix(255).map { scalar in
                scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
            }.joined())
    }
}
