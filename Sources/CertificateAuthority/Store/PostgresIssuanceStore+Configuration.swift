public import Foundation
import IAM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PostgresIssuanceStore {
    /// Where the PostgreSQL database is and how to reach it, read from a libpq-style URL:
    ///
    /// ```
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE&connect_timeout=SECONDS]
    /// ```
    ///
    /// - The password comes from the URL only if the user put it there; else from `HPCS_CA_DATABASE_PASSWORD`, or
    ///   the file named by `HPCS_CA_DATABASE_PASSWORD_FILE` (mode 0600 or stricter, one line). It is never printed:
    ///   ``url`` and every message leave it out.
    /// - `sslmode`: TLS is required except on loopback (127.0.0.0/8, `::1`, `localhost`, the rule of the package's
    ///   HTTP endpoints). `verify-full` (the default off loopback) checks the server certificate against the
    ///   system roots, or `sslrootcert`, and the host name; `verify-ca` checks the chain but not the name; `require`
    ///   is read as `verify-full` (stricter than libpq, which would not verify). `disable` (the default on loopback)
    ///   is refused off loopback, and so are `allow` and `prefer`, which fall back to plain text.
    /// - `connect_timeout`: how long one database operation may wait for a connection and an answer, in seconds
    ///   (default 10), before it fails with ``CertificateAuthorityError/Code/storageFailure``.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// How the connection is protected.
        public enum TLSMode: String, Sendable {
            /// Plain text: loopback only.
            case disable
            /// TLS, verifying the server certificate chain but not its host name.
            case verifyCA = "verify-ca"
            /// TLS, verifying the chain and the host name.
            case verifyFull = "verify-full"
        }

        /// The host name or IP address (without brackets).
        public var host: String
        /// The TCP port (default 5432).
        public var port: Int
        /// The user name.
        public var username: String
        /// The database name.
        public var database: String
        /// The password, if any. Never printed.
        public var password: String?
        /// How the connection is protected.
        public var tls: TLSMode
        /// A PEM file of trust roots for the server certificate (`sslrootcert`); `nil` for the system roots.
        public var rootCertificatePath: String?
        /// How long one operation may take, waiting for a connection included.
        public var operationTimeout: Duration
        /// The most connections this instance opens.
        public var maximumConnections: Int = 16

        /// The URL without the password: what `ca-config.json` records and messages show.
        public var url: String {
            var text =
                "postgres://\(Self.percentEncoded(username))@\(Self.bracketed(host)):\(port)/"
                + Self.percentEncoded(database)
            var query: [String] = []
            if tls != (HTTPEndpointPolicy.isLoopback(host: host) ? .disable : .verifyFull) {
                query.append("sslmode=\(tls.rawValue)")
            }
            if let rootCertificatePath { query.append("sslrootcert=\(Self.percentEncoded(rootCertificatePath))") }
            if operationTimeout != .seconds(10) {
                query.append("connect_timeout=\(operationTimeout.components.seconds)")
            }
            if !query.isEmpty { text += "?" + query.joined(separator: "&") }
            return text
        }

        /// `PostgreSQL host:port/database` (no user, no password).
        public var description: String { "PostgreSQL \(Self.bracketed(host)):\(port)/\(database)" }

        /// Reads `url`; the password is the URL's, else `password`.
        ///
        /// - Throws: ``CertificateAuthorityError/Code/malformedInput`` naming what is wrong (never repeating a
        ///   password): not a postgres URL, no user or database, an unknown parameter, plain text off loopback.
        public init(url: String, password: String?) throws {
            func refuse(_ message: String) -> CertificateAuthorityError {
                CertificateAuthorityError(code: .malformedInput, message: "the database URL \(message)")
            }
            guard let components = URLComponents(string: url) else {
                throw refuse("is not a valid URL (postgres://USER@HOST:PORT/DATABASE)")
            }
            guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
                throw refuse("must start with postgres:// or postgresql://")
            }
            guard let rawHost = components.host, !rawHost.isEmpty else {
                throw refuse("has no host (postgres://USER@HOST:PORT/DATABASE)")
            }
            let host =
                rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
            guard ControlCharacters.first(in: host) == nil, !host.contains("/") else {
                throw refuse("has a malformed host")
            }
            guard let username = components.user, !username.isEmpty else {
                throw refuse("has no user name (postgres://USER@\(Self.bracketed(host))/DATABASE)")
            }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard !database.isEmpty, !database.contains("/") else {
                throw refuse("has no database name (postgres://USER@\(Self.bracketed(host))/DATABASE)")
            }
            guard components.fragment == nil else { throw refuse("must not have a fragment (#)") }
            let port = components.port ?? 5432
            guard (1...65_535).contains(port) else { throw refuse("has a port outside 1 to 65535") }

            var sslmode: String?
            var rootCertificatePath: String?
            var timeout = 10
            var seen: Set<String> = []
            for item in components.queryItems ?? [] {
                guard seen.insert(item.name).inserted else { throw refuse("repeats the parameter '\(item.name)'") }
                let value = item.value ?? ""
                switch item.name {
                case "sslmode": sslmode = value
                case "sslrootcert":
                    guard !value.isEmpty else { throw refuse("has an empty sslrootcert") }
                    rootCertificatePath = value
                case "connect_timeout":
                    guard let seconds = Int(value), (1...3600).contains(seconds) else {
                        throw refuse("has a connect_timeout that is not 1 to 3600 seconds")
                    }
                    timeout = seconds
                default:
                    throw refuse(
                        "has the unknown parameter '\(ControlCharacters.escaped(item.name))' (known: sslmode, "
                            + "sslrootcert, connect_timeout)")
                }
            }
            let loopback = HTTPEndpointPolicy.isLoopback(host: host)
            let tls: TLSMode
            switch sslmode {
            case nil: tls = loopback ? .disable : .verifyFull
            case "disable", "allow", "prefer":
                guard loopback else {
                    throw refuse(
                        "asks for sslmode=\(sslmode ?? "") to \(ControlCharacters.escaped(host)): TLS is required "
                            + "except on loopback (use sslmode=verify-full, with sslrootcert=FILE for a private CA)")
                }
                tls = .disable
            case "require", "verify-full": tls = .verifyFull
            case "verify-ca": tls = .verifyCA
            default:
                throw refuse(
                    "has the unknown sslmode '\(ControlCharacters.escaped(sslmode ?? ""))' (disable, require, "
                        + "verify-ca or verify-full)")
            }
            if tls == .disable, rootCertificatePath != nil {
                throw refuse("has sslrootcert without TLS")
            }
            self.host = host
            self.port = port
            self.username = username
            self.database = database
            self.password = components.password ?? password
            self.tls = tls
            self.rootCertificatePath = rootCertificatePath
            self.operationTimeout = .seconds(timeout)
        }

        /// Reads `url`, taking the password from the URL if it holds one, else from `environment`:
        /// `HPCS_CA_DATABASE_PASSWORD`, or the file `HPCS_CA_DATABASE_PASSWORD_FILE` (mode 0600 or stricter; its
        /// first line). Setting both is an error.
        public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
            try self.init(url: url, password: nil)
            guard password == nil else { return }
            let direct = environment[Self.passwordVariable].flatMap { $0.isEmpty ? nil : $0 }
            let file = environment[Self.passwordFileVariable].flatMap { $0.isEmpty ? nil : $0 }
            switch (direct, file) {
            case (let direct?, nil): password = direct
            case (nil, let file?): password = try Self.readPasswordFile(file)
            case (.some, .some):
                throw CertificateAuthorityError(
                    code: .malformedInput,
                    message: "both \(Self.passwordVariable) and \(Self.passwordFileVariable) are set: set one")
            case (nil, nil): break
            }
        }

        /// The environment variable holding the database password.
        public static let passwordVariable = "HPCS_CA_DATABASE_PASSWORD"
        /// The environment variable naming a file that holds the database password.
        public static let passwordFileVariable = "HPCS_CA_DATABASE_PASSWORD_FILE"

        /// Whether `url` carries a password (`user:password@host`).
        public static func containsPassword(_ url: String) -> Bool {
            URLComponents(string: url)?.password != nil
        }

        static func readPasswordFile(_ path: String) throws -> String {
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw CertificateAuthorityError(
                    code: .storageFailure,
                    message: "cannot read the database password file \(path) (\(passwordFileVariable))")
            }
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw CertificateAuthorityError(
                    code: .storageFailure, message: "the database password file \(path) is not a regular file")
            }
            guard status.st_mode & 0o077 == 0 else {
                throw CertificateAuthorityError(
                    code: .storageFailure,
                    message: "the database password file \(path) is readable by group or others: chmod 600 it")
            }
            let bytes = try FileIO.read(path)
            guard bytes.count <= 4096 else {
                throw CertificateAuthorityError(
                    code: .storageFailure, message: "the database password file \(path) is longer than 4096 bytes")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            guard !password.isEmpty else {
                throw CertificateAuthorityError(
                    code: .storageFailure, message: "the database password file \(path) is empty")
            }
            return password
        }

        private static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

        private static func percentEncoded(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
    }
}
