import ArgumentParser
import Foundation
import IAM
import Logging

// The option groups the commands share, so that a flag is declared, documented and resolved in one place.

/// A non-empty environment variable (an empty one counts as unset).
package func environmentValue(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}

/// `--json`: machine-readable output on stdout; a failure is then `{"error": {...}}` on stdout too.
package struct OutputOptions: ParsableArguments {
    @Flag(help: "Machine-readable JSON on stdout; a failure is an {\"error\": ...} object (docs/cli.md).")
    package var json = false

    package init() {}
}

/// `--verbose`: debug logging on stderr.
package struct LoggingOptions: ParsableArguments {
    @Flag(help: "Debug logging to stderr (secrets redacted).")
    package var verbose = false

    package init() {}

    /// A logger on stderr: debug with --verbose, else `quietLevel`.
    package func logger(label: String, quietLevel: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : quietLevel
        return logger
    }
}

/// `--iam-endpoint`: where IAM tokens come from.
package struct IAMEndpointOptions: ParsableArguments {
    @Option(help: "IAM base URL (or HPCS_IAM_ENDPOINT; default https://iam.cloud.ibm.com).")
    package var iamEndpoint: String?

    package init() {}

    /// The IAM endpoint: --iam-endpoint, else a non-empty HPCS_IAM_ENDPOINT, else IAM's default.
    package var resolved: String {
        iamEndpoint ?? environmentValue("HPCS_IAM_ENDPOINT") ?? IAMTokenProvider.Configuration.defaults.endpoint
    }
}

/// `--api-key-file` and `--iam-endpoint`: the credentials a command exchanges for an IAM token.
package struct CredentialOptions: ParsableArguments {
    @Option(help: "File holding the IBM Cloud API key (otherwise HPCS_API_KEY); may be /dev/stdin or <(...).")
    package var apiKeyFile: String?

    @OptionGroup package var iam: IAMEndpointOptions

    package init() {}

    /// Whether either option was given (a command without IAM, such as one on a mock, refuses them).
    package var isGiven: Bool { apiKeyFile != nil || iam.iamEndpoint != nil }

    /// The API key: from --api-key-file, else a non-empty HPCS_API_KEY, else nil. Never from a flag.
    package func apiKey() throws -> APIKey? {
        if let text = try readSecretText(apiKeyFile) { return APIKey(text) }
        return environmentValue("HPCS_API_KEY").map { APIKey($0) }
    }
}

/// `--kms-endpoint`, `--dedicated` and `--plaintext`: where Key Protect (or HPCS KMS) calls go.
package struct KMSEndpointOptions: ParsableArguments {
    @Option(help: "KMS base URL (or HPCS_KMS_ENDPOINT), overriding the one derived from the root key CRN.")
    package var kmsEndpoint: String?

    @Flag(
        help: """
            The root key CRN names a Key Protect Dedicated instance, whose endpoint is \
            https://<instance>.api.<region>.kms.appdomain.cloud (not for an hs-crypto CRN; --kms-endpoint wins).
            """)
    package var dedicated = false

    @Flag(help: "Allow plain HTTP to a KMS or IAM endpoint that is not on loopback.")
    package var plaintext = false

    package init() {}

    /// The endpoint the user named and where: --kms-endpoint, else a non-empty HPCS_KMS_ENDPOINT, else nil (the
    /// endpoint is derived from the CRN).
    package var configuredEndpoint: (url: String, source: String)? {
        if let kmsEndpoint { return (kmsEndpoint, "--kms-endpoint") }
        return environmentValue("HPCS_KMS_ENDPOINT").map { ($0, "HPCS_KMS_ENDPOINT") }
    }

    /// Plain HTTP only to loopback unless --plaintext; the message names the flag.
    package func checkTransport(_ endpoint: String, what: String) throws {
        try checkHTTPTransport(endpoint, allowPlaintext: plaintext, what: what)
    }
}

/// Plain HTTP only to loopback, unless `allowPlaintext` (--plaintext) says otherwise; never a user name or password
/// in the URL. The rule is the one IAM and Key Protect clients apply (`HTTPEndpointPolicy`), checked here early so
/// that the message can name the flag.
package func checkHTTPTransport(_ endpoint: String, allowPlaintext: Bool, what: String) throws {
    switch HTTPEndpointPolicy.evaluate(endpoint, allowPlaintext: allowPlaintext) {
    case .success:
        return
    case .failure(let refusal):
        var message = HTTPEndpointPolicy.message(for: refusal, what: what)
        if case .plaintextToRemoteHost = refusal { message += ", or pass --plaintext for a trusted network" }
        throw CommandFailure(message, code: "endpoint.refused")
    }
}
