import CGRPC
import Foundation

/// The channel credentials of a ``CoreChannel``: plaintext, or TLS with the chain verified against the roots and
/// the server name checked as ``EP11Client/TLS`` says.
enum CoreCredentials {
    /// `grpc_channel_credentials*` for `security`; the caller releases it. With a `verifier`
    /// (``EP11Client/ServerNameCheck/hostOrHostAndPort``), the core verifies the chain and the verifier the name.
    static func make(
        _ security: EP11Client.TransportSecurity, verifier: ServerCertificateVerifier?
    ) throws -> OpaquePointer {
        switch security.mode {
        case .plaintext:
            guard let credentials = grpc_insecure_credentials_create() else {
                throw EP11Error(code: .invalidArgument, message: "cannot set up plaintext HTTP/2")
            }
            return credentials
        case .tls(let tls):
            let roots = try tls.trustRootsPEM.map { try PEMText.normalised($0, what: "trust roots") }
            let chain = try tls.clientCertificateChainPEM.map {
                try PEMText.normalised($0, what: "client certificate")
            }
            let key = try tls.clientPrivateKeyPEM.map { try PEMText.normalised($0, what: "client private key") }
            let pair = chain.flatMap { chain in key.map { (chain, $0) } }
            let credentials: OpaquePointer?
            if let verifier {
                credentials = customVerifierCredentials(roots: roots, pair: pair, verifier: nameVerifier(verifier))
            } else if tls.insecureSkipHostnameVerification {
                credentials = customVerifierCredentials(
                    roots: roots, pair: pair, verifier: grpc_tls_certificate_verifier_no_op_create())
            } else {
                credentials = fullVerificationCredentials(roots: roots, pair: pair)
            }
            guard let credentials else {
                throw EP11Error(code: .invalidArgument, message: "cannot set up TLS for the GREP11 channel")
            }
            return credentials
        }
    }

    /// TLS with the chain and the server name checked (`grpc_ssl_credentials_create`); system roots when `roots`
    /// is nil.
    private static func fullVerificationCredentials(roots: [CChar]?, pair: ([CChar], [CChar])?) -> OpaquePointer? {
        withOptionalCString(roots) { roots in
            guard let pair else { return grpc_ssl_credentials_create(roots, nil, nil, nil) }
            return pair.1.withUnsafeBufferPointer { key in
                pair.0.withUnsafeBufferPointer { chain in
                    var keyPair = grpc_ssl_pem_key_cert_pair(
                        private_key: key.baseAddress, cert_chain: chain.baseAddress)
                    return grpc_ssl_credentials_create(roots, &keyPair, nil, nil)
                }
            }
        }
    }

    /// TLS whose chain the core verifies against the roots (system roots when nil) and whose server name is left
    /// to `verifier`: the no-op verifier for ``EP11Client/TLS/insecureSkipHostnameVerification``, the name
    /// verifier for ``EP11Client/ServerNameCheck/hostOrHostAndPort``. Takes `verifier`'s reference.
    private static func customVerifierCredentials(
        roots: [CChar]?, pair: ([CChar], [CChar])?, verifier: OpaquePointer?
    ) -> OpaquePointer? {
        guard let verifier else { return nil }
        defer { grpc_tls_certificate_verifier_release(verifier) }
        guard let options = grpc_tls_credentials_options_create() else { return nil }
        var identities: OpaquePointer?
        if let pair {
            identities = grpc_tls_identity_pairs_create()
            pair.1.withUnsafeBufferPointer { key in
                pair.0.withUnsafeBufferPointer { chain in
                    grpc_tls_identity_pairs_add_pair(identities, key.baseAddress, chain.baseAddress)
                }
            }
        }
        let provider = withOptionalCString(roots) { roots in
            // Takes ownership of `identities`.
            grpc_tls_certificate_provider_static_data_create(roots, identities)
        }
        grpc_tls_credentials_options_set_certificate_provider(options, provider)
        if roots != nil { grpc_tls_credentials_options_watch_root_certs(options) }
        if pair != nil { grpc_tls_credentials_options_watch_identity_key_cert_pairs(options) }
        grpc_tls_credentials_options_set_verify_server_cert(options, 1)
        grpc_tls_credentials_options_set_certificate_verifier(options, verifier)
        // The per-call authority is the target's own host: the handshake's check covers it.
        grpc_tls_credentials_options_set_check_call_host(options, 0)
        // Takes ownership of `options`; holds its own references to the provider and the verifier.
        let credentials = grpc_tls_credentials_create(options)
        grpc_tls_certificate_provider_release(provider)
        return credentials
    }

    /// An external verifier that asks `verifier` about the leaf certificate; it holds a reference to `verifier`
    /// until the core destroys it.
    private static func nameVerifier(_ verifier: ServerCertificateVerifier) -> OpaquePointer? {
        let context = Unmanaged.passRetained(verifier).toOpaque()
        return hpcs_tls_name_verifier_create(
            context,
            { context, pem, length, details in
                guard let context, let pem else { return 0 }
                let verifier = Unmanaged<ServerCertificateVerifier>.fromOpaque(context).takeUnretainedValue()
                let text = String(
                    decoding: UnsafeRawBufferPointer(start: pem, count: length), as: UTF8.self)
                guard let refusal = verifier.checkName(leafPEM: text) else { return 1 }
                // "certificate verify failed" lets the failure read as a refused certificate.
                details?.pointee = gpr_strdup("certificate verify failed: \(refusal)")
                return 0
            },
            { context in
                guard let context else { return }
                Unmanaged<ServerCertificateVerifier>.fromOpaque(context).release()
            })
    }

    private static func withOptionalCString<T>(_ text: [CChar]?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let text else { return body(nil) }
        return text.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
