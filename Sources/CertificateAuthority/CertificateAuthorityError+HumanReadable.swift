import IAM

extension CertificateAuthorityError: HumanReadableError {
    public var humanReadableMessage: String {
        ControlCharacters.escaped(IAM.humanReadableMessage(message, cause: cause))
    }
}
