public import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// The HTTP client `IAMTokenProvider` and `KeyProtectClient` use unless they are given another.
    ///
    /// It differs from `HTTPClient.shared` where credentials and time are at stake:
    /// - a connection that cannot be made (refused, unreachable) fails the request at once instead of being retried
    ///   by the pool until the request's deadline, so the caller's retry policy and deadline decide, and the error
    ///   says why;
    /// - redirects are not followed: IAM and the KMS API never redirect, and following one could carry an API key or
    ///   a bearer token to another host, or over plain HTTP;
    /// - connecting is bounded by 10 s; TLS uses the system trust roots with full verification.
    ///
    /// Like `HTTPClient.shared`, it lives for the whole process and must not be shut down.
    public static var failFast: HTTPClient { failFastHTTPClient }
}

private let failFastHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.timeout = .init(connect: .seconds(10), read: .seconds(90))
    configuration.decompression = .disabled
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()
