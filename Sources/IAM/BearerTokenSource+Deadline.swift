/// No bearer token came within the time the caller had left; the caller reports it as its own timeout.
package struct BearerTokenTimeout: Error, Sendable {
    /// The time that was left.
    package var limit: Duration
}

extension BearerTokenSource {
    /// The token, or ``BearerTokenTimeout`` once `limit` of real time has passed, so that the deadline of a call
    /// covers the token exchange too. A token exchange that is late goes on in the background (an
    /// `IAMTokenProvider` bounds it by its own deadline) and serves the next call.
    package func bearerToken(within limit: Duration) async throws -> BearerToken {
        try await withRealTimeLimit(limit, timeout: { BearerTokenTimeout(limit: limit) }, cancelsBody: false) {
            try await self.bearerToken()
        }
    }
}
