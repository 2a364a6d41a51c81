// Tests of the CA HTTP service; see Sources/CertificateAuthorityServer.
