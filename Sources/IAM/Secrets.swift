/// An IBM Cloud API key.
///
/// The value never appears in `description`, `debugDescription`, logs or errors: printing an `APIKey` prints
/// `APIKey(redacted)`. Read it from the environment or a file, never from a command-line flag.
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let secret: SecretText
    /// The secret value. Use it only to build the token request.
    public var secretValue: String { secret.value }

    public init(_ secretValue: String) {
        self.secret = SecretText(secretValue)
    }

    public var description: String { "APIKey(redacted)" }
    public var debugDescription: String { description }
}

/// An IAM access token, ready to send as `authorization: Bearer <token>`.
///
/// The token text never appears in `description`: it prints `BearerToken(redacted)`.
public struct BearerToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let secret: SecretText
    /// The raw access token (without the `Bearer ` prefix).
    public var secretValue: String { secret.value }

    public init(_ secretValue: String) {
        self.secret = SecretText(secretValue)
    }

    /// The value of an `authorization` header: `Bearer <token>`.
    public var authorizationHeaderValue: String { "Bearer \(secretValue)" }

    public var description: String { "BearerToken(redacted)" }
    public var debugDescription: String { description }
}

/// The text of a secret, as ``APIKey`` and ``BearerToken`` hold it: equal in constant time, hashed by its length
/// only, so that neither comparing nor hashing leaks the value.
private struct SecretText: Sendable, Hashable {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    static func == (lhs: SecretText, rhs: SecretText) -> Bool {
        constantTimeEquals(Array(lhs.value.utf8), Array(rhs.value.utf8))
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(value.utf8.count)
    }
}

/// Compares two byte strings in time that depends only on their lengths.
package func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices {
        difference |= lhs[index] ^ rhs[index]
    }
    return difference == 0
}

/// Something that hands out bearer tokens for outgoing calls.
///
/// ``IAMTokenProvider`` exchanges an API key and refreshes ahead of expiry; ``StaticTokenSource`` returns a
/// token the caller already holds.
public protocol BearerTokenSource: Sendable {
    /// A token valid for at least the next call.
    func bearerToken() async throws -> BearerToken
    /// Forgets a cached token, e.g. after the service rejected it; the next call fetches a new one.
    func invalidate() async
}

/// A token the caller obtained elsewhere. It is never refreshed.
public struct StaticTokenSource: BearerTokenSource {
    public let token: BearerToken

    public init(_ token: BearerToken) {
        self.token = token
    }

    public func bearerToken() async throws -> BearerToken { token }
    public func invalidate() async {}
}
