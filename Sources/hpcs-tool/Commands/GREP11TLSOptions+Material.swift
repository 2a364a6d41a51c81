import ArgumentParser
import EP11

extension GREP11TLSOptions {
    /// TLS from the options, else from the environment: `GREP11_CA_CERT`, `GREP11_CLIENT_CERT` and
    /// `GREP11_CLIENT_KEY` hold PEM or base64 of PEM, as a Confidential Computing contract's `env` section carries
    /// them. Each part is decoded and parsed here; a bad one is named (the option or the variable), never shown.
    func tlsSettings(environment: [String: String]) throws -> EP11Client.TLS {
        func material(_ path: String?, option: String, variable: String) throws -> (EP11Client.TLS.Material, String)? {
            if let path { return (.text(String(decoding: try readFile(path), as: UTF8.self)), option) }
            if let value = environment[variable], !value.isEmpty { return (.text(value), variable) }
            return nil
        }
        var tls = EP11Client.TLS()
        if let (roots, setting) = try material(caCert, option: "--ca-cert", variable: "GREP11_CA_CERT") {
            tls.trustRootsPEM = try EP11Client.TLS.certificatesPEM(from: roots, setting: setting)
        }
        let certificate = try material(clientCert, option: "--client-cert", variable: "GREP11_CLIENT_CERT")
        let key = try material(clientKey, option: "--client-key", variable: "GREP11_CLIENT_KEY")
        switch (certificate, key) {
        case (let (certificate, certificateSetting)?, let (key, keySetting)?):
            let chainPEM = try EP11Client.TLS.certificatesPEM(from: certificate, setting: certificateSetting)
            let keyPEM = try EP11Client.TLS.privateKeyPEM(from: key, setting: keySetting)
            try EP11Client.TLS.checkClientIdentity(
                certificatePEM: chainPEM, keyPEM: keyPEM, certificateSetting: certificateSetting,
                keySetting: keySetting)
            tls.clientCertificateChainPEM = chainPEM
            tls.clientPrivateKeyPEM = keyPEM
        case (nil, nil):
            break
        default:
            throw ValidationError(
                "a client certificate (--client-cert or GREP11_CLIENT_CERT) and its key (--client-key or "
                    + "GREP11_CLIENT_KEY) go together")
        }
        if let serverNameCheck {
            guard let check = EP11Client.ServerNameCheck(serverNameCheck) else {
                throw ValidationError(
                    "--server-name-check takes standard or host-or-host-and-port, not \(serverNameCheck)")
            }
            tls.serverNameCheck = check
        }
        return tls
    }
}
