import Foundation
import Yams

/// The outcome of a successful ``HyperProtectContract/verifySignature(decryptor:now:)``.
public struct ContractSignatureVerification: Sendable {
    /// The key that verified the signature, from `env.signingKey`.
    public var signingKey: ContractSigningKey
    /// The signing certificate's validity (its `notAfter` is the contract's expiry), when `signingKey` is a
    /// certificate.
    public var certificateValidity: CertificateValidity? { signingKey.certificateValidity }
}

extension HyperProtectContract {
    /// The contract with `envWorkloadSignature` set by `signer` over the current `workload` and `env` strings.
    ///
    /// The signer's key must be the one in `env.signingKey` for ``verifySignature(decryptor:now:)`` to accept
    /// the result; ``ContractBuilder`` takes care of that.
    /// - Throws: ``ContractError/unsupportedSection`` when `workload` or `env` is a plaintext map.
    public func signed(by signer: ContractSigner) throws -> HyperProtectContract {
        var contract = self
        contract.envWorkloadSignature = try signer.signature(
            workload: signedString(.workload), env: signedString(.env))
        return contract
    }

    /// The `signingKey` inside `env`, decrypting `env` when it is a token.
    /// - Throws: ``ContractError/decryptorRequired``, ``ContractError/missingSigningKey``,
    ///   ``ContractError/invalidSigningKey``, ``ContractError/malformedContract`` when `env` is not a YAML map.
    public func signingKey(decryptor: ContractDecryptor?) throws -> ContractSigningKey {
        let text = try sectionText(of: .env, decryptor: decryptor)
        let root = try YAMLSupport.compose(
            text, what: env.isEncrypted ? "the decrypted env section" : "the env section", code: .malformedContract,
            field: .env)
        guard case .mapping(let mapping)? = root else {
            throw ContractError(code: .malformedContract, message: "the env section is not a YAML map", field: .env)
        }
        guard let value = mapping["signingKey"], !YAMLSupport.isNull(value) else {
            throw ContractError(
                code: .missingSigningKey, message: "the env section has no signingKey to verify the signature with",
                field: .env)
        }
        guard case .scalar(let scalar) = value else {
            throw ContractError(code: .invalidSigningKey, message: "signingKey is not a string", field: .env)
        }
        return try ContractSigningKey(signingKeyValue: scalar.string)
    }

    /// Verifies `envWorkloadSignature` against `env.signingKey`.
    ///
    /// 1. reads `signingKey` from `env` (decrypted with `decryptor` when `env` is a token);
    /// 2. checks the signature over the exact `workload` string followed by the exact `env` string;
    /// 3. when `signingKey` is a certificate, refuses it outside its validity at `now` (its `notAfter` is the
    ///    contract's expiry).
    ///
    /// - Throws: ``ContractError/missingSignature``, ``ContractError/malformedSignature``,
    ///   ``ContractError/signatureInvalid``, ``ContractError/certificateExpired``,
    ///   ``ContractError/certificateNotYetValid``, ``ContractError/unsupportedSection`` for a plaintext map
    ///   section, and the errors of ``signingKey(decryptor:)``.
    public func verifySignature(decryptor: ContractDecryptor?, now: Date = Date()) throws
        -> ContractSignatureVerification
    {
        guard let envWorkloadSignature else {
            throw ContractError(
                code: .missingSignature, message: "the contract has no envWorkloadSignature",
                field: .envWorkloadSignature)
        }
        guard let signatureBytes = StrictBase64.decodeIgnoringWhitespace(envWorkloadSignature) else {
            throw ContractError(
                code: .malformedSignature, message: "envWorkloadSignature is not base64", field: .envWorkloadSignature)
        }
        let workload = try signedString(.workload)
        let env = try signedString(.env)
        let key = try signingKey(decryptor: decryptor)
        guard key.isValidSignature(bytes: signatureBytes, over: Array(workload.utf8) + Array(env.utf8)) else {
            throw ContractError(
                code: .signatureInvalid,
                message: "envWorkloadSignature does not verify with env.signingKey: workload, env or the signature "
                    + "was changed, or another key signed",
                field: .envWorkloadSignature)
        }
        try key.certificateValidity?.check(
            at: now, role: "the signing certificate (the contract's expiry)", field: .env)
        return ContractSignatureVerification(signingKey: key)
    }
}
