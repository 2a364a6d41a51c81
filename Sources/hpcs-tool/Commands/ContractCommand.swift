import ArgumentParser
import CommandLineSupport
import Contract
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `hpcs-tool contract ...`: Hyper Protect contracts: section tokens, signature, attestation checksums.
struct ContractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Hyper Protect contracts: encrypt and decrypt sections, build, sign and verify, checksums.",
        discussion: """
            Sections are encrypted into `hyper-protect-basic.<A>.<B>` tokens (RSA PKCS#1 v1.5 for a 32-byte password, \
            `openssl enc -aes-256-cbc -pbkdf2` for the data), byte-compatible with IBM's tooling; use --prefix \
            contract-basic for CCRT/CCRV. Private keys and passphrases come from files, never from flags. \
            Errors go to stderr with a non-zero exit status.
            """,
        subcommands: [Encrypt.self, Decrypt.self, Build.self, Sign.self, Verify.self, Checksums.self, Validate.self]
    )
}

extension ContractValidation.Target: ExpressibleByArgument {}

/// `hpcs-tool attestation ...`: open and check an HPVS/HPCR attestation record.
struct AttestationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation",
        abstract:
            "Attestation records: decrypt se-checksums.txt.enc, verify se-signature.bin and the contract checksums.",
        subcommands: [Decrypt.self, Verify.self]
    )
}

// MARK: - Shared options

extension ContractCommand {
    /// A private key file and its optional passphrase file.
    struct PrivateKeyOptions: ParsableArguments {
        @Option(name: .customLong("key-passphrase-file"), help: "File holding the private key's passphrase.")
        var passphraseFile: String?

        func decryptor(keyFile: String) throws -> ContractDecryptor {
            let pem = try contractCLIReadText(keyFile, what: "private key")
            if let passphrase = try contractCLIReadPassphrase(passphraseFile) {
                return try ContractDecryptor(privateKeyPEM: pem, passphrase: passphrase)
            }
            return try ContractDecryptor(privateKeyPEM: pem)
        }
    }

    /// The token prefix.
    struct PrefixOption: ParsableArguments {
        @Option(help: "Token prefix: hyper-protect-basic (HPVS, HPCR) or contract-basic (CCRT, CCRV).")
        var prefix: String = TokenPrefix.hyperProtectBasic.rawValue

        func validate() throws { _ = try tokenPrefix() }

        func tokenPrefix() throws -> TokenPrefix {
            guard let prefix = TokenPrefix(rawValue: prefix) else {
                throw ValidationError("--prefix must be letters, digits and '-', e.g. contract-basic")
            }
            return prefix
        }
    }

    /// The inputs of a whole-contract build.
    struct BuildOptions: ParsableArguments {
        @Option(help: "The image's encryption certificate (PEM), or a PEM public key.")
        var cert: String

        @Option(help: "The workload section body (YAML, without the top-level `workload:` key).")
        var workload: String

        @Option(help: "The env section body (YAML, without the top-level `env:` key).")
        var env: String

        @Option(help: "The auditor's PEM public key, encrypted into attestationPublicKey.")
        var attestationKey: String?

        @OptionGroup var prefix: PrefixOption

        @Option(help: "Write the contract to this file (mode 0600) instead of stdout; an existing file is replaced.")
        var output: String?

        @Flag(help: "Machine-readable JSON on stdout (the contract and its checksums).")
        var json = false
    }
}

// MARK: - contract subcommands

extension ContractCommand {
    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt a section file into a token for the encryption certificate; prints the token.",
            discussion: """
                The file's bytes are encrypted exactly, as IBM's documented shell pipeline does; --trim first strips \
                surrounding whitespace, as contract-go does. An expired certificate is refused; fewer than 180 days \
                left gives a warning on stderr.
                """
        )
        @Option(help: "The encryption certificate (PEM), or a PEM public key.") var cert: String
        @OptionGroup var prefix: PrefixOption
        @Flag(help: "Trim surrounding whitespace of the section before encrypting.") var trim = false
        @Flag(help: "Machine-readable JSON on stdout.") var json = false
        @Argument(help: "The section file (YAML body), or - for standard input.") var sectionFile: String

        func run() async throws {
            let encryptor = try ContractEncryptor(
                encryptionKeyPEM: contractCLIReadText(cert, what: "encryption certificate"),
                prefix: prefix.tokenPrefix())
            if let warning = encryptor.expiryWarning { printError(warning) }
            var plaintext = try contractCLIReadInput(sectionFile, what: "section")
            if trim { plaintext = Array(String(decoding: plaintext, as: UTF8.self).contractCLITrimmed().utf8) }
            guard !plaintext.isEmpty else { throw CommandFailure("the section is empty") }
            let token = try encryptor.encrypt(plaintext)
            if json {
                printJSON([
                    "token": token,
                    "sha256": ContractChecksums.sha256Hex(token),
                    "certificateNotAfter": jsonDate(encryptor.certificateValidity?.notAfter),
                ])
            } else {
                print(token)
            }
        }
    }

    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a token (or one section of a contract) with the private key; prints the plaintext.",
            discussion: """
                The input file holds one token, or a contract when --section names the section to open. The \
                password is read as openssl does (cut at the first 0x0A or 0x00 byte), so tokens made by IBM's shell \
                pipeline and contract-go open too.
                """
        )
        @Option(help: "The private key (PEM, PKCS#1 or PKCS#8) of the encryption certificate.") var key: String
        @OptionGroup var keyOptions: PrivateKeyOptions
        @Option(help: "With a contract file: the section to decrypt (workload, env, attestationPublicKey).")
        var section: String?
        @Option(help: "Write the plaintext to this new file (mode 0600) instead of stdout; an existing file is kept.")
        var output: String?
        @Argument(help: "A file holding a token, or a contract with --section; - for standard input.")
        var inputFile: String

        func run() async throws {
            try contractCLICheckOutput(output, .plaintext)
            let decryptor = try keyOptions.decryptor(keyFile: key)
            let input = String(decoding: try contractCLIReadInput(inputFile, what: "token"), as: UTF8.self)
            let plaintext: [UInt8]
            if let section {
                let contract = try HyperProtectContract.parse(yaml: input)
                let field = ContractField(rawValue: section)
                guard let value = contract.section(field) else {
                    throw CommandFailure("the contract has no \(section) section")
                }
                plaintext = Array(try contract.sectionText(value, decryptor: decryptor).utf8)
            } else {
                plaintext = try decryptor.decrypt(token: input)
            }
            if let output {
                try contractCLIWrite(plaintext, to: output, .plaintext)
            } else {
                FileHandle.standardOutput.write(Data(plaintext))
            }
        }
    }

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build an encrypted contract from workload and env files; signed when --key is given.",
            discussion: """
                Order of operations as in IBM's contract-go: encrypt workload; put signingKey (base64 of the PEM public \
                key or of --signing-cert) into env; encrypt env; sign workload+env; encrypt attestationPublicKey. \
                Every value is written as one single-line scalar.
                """
        )
        @OptionGroup var build: BuildOptions
        @Option(help: "The signer's PEM RSA private key (omit for an unsigned contract).") var key: String?
        @OptionGroup var keyOptions: PrivateKeyOptions
        @Option(help: "A certificate for the signer's key; its notAfter is the contract's expiry.")
        var signingCert: String?

        func run() async throws {
            try ContractCommand.runBuild(
                cert: build.cert, workload: build.workload, env: build.env, attestationKey: build.attestationKey,
                prefix: build.prefix.tokenPrefix(), output: build.output, json: build.json,
                signerKeyFile: key, keyOptions: keyOptions, signingCert: signingCert)
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a contract: build a signed contract, or (re)sign an existing CONTRACT_FILE.",
            discussion: """
                With --cert, --workload and --env: as `contract build` with a signer (signingKey is injected into env \
                before env is encrypted). With CONTRACT_FILE: envWorkloadSignature is set over the file's exact \
                workload and env strings, which must already carry the matching signingKey in env.
                """
        )
        @Option(help: "The signer's PEM RSA private key.") var key: String
        @OptionGroup var keyOptions: PrivateKeyOptions
        @Option(help: "A certificate for the signer's key; its notAfter is the contract's expiry.")
        var signingCert: String?
        @Option(help: "The image's encryption certificate (PEM) for a new contract.") var cert: String?
        @Option(help: "The workload section body (YAML) for a new contract.") var workload: String?
        @Option(help: "The env section body (YAML) for a new contract.") var env: String?
        @Option(help: "The auditor's PEM public key, encrypted into attestationPublicKey.") var attestationKey: String?
        @OptionGroup var prefix: PrefixOption
        @Option(help: "Write the contract to this file (mode 0600) instead of stdout; an existing file is replaced.")
        var output: String?
        @Flag(help: "Machine-readable JSON on stdout (the contract and its checksums).") var json = false
        @Argument(help: "An existing contract whose workload and env are strings (usually tokens).")
        var contractFile: String?

        func validate() throws {
            let building = cert != nil || workload != nil || env != nil
            if building, contractFile != nil {
                throw ValidationError("give either CONTRACT_FILE or --cert, --workload and --env")
            }
            if !building, contractFile == nil {
                throw ValidationError("give CONTRACT_FILE, or --cert, --workload and --env to build a new contract")
            }
            if building, cert == nil || workload == nil || env == nil {
                throw ValidationError("building a contract needs --cert, --workload and --env")
            }
        }

        func run() async throws {
            if let cert, let workload, let env {
                try ContractCommand.runBuild(
                    cert: cert, workload: workload, env: env, attestationKey: attestationKey,
                    prefix: prefix.tokenPrefix(), output: output, json: json,
                    signerKeyFile: key, keyOptions: keyOptions, signingCert: signingCert)
                return
            }
            guard let contractFile else { return }
            try contractCLICheckOutput(output, .ordinary)
            let contract = try HyperProtectContract.parse(
                yaml: contractCLIReadText(contractFile, what: "contract"))
            if !contract.ignoredKeys.isEmpty {
                printError(
                    "warning: dropping unknown top-level keys: \(contract.ignoredKeys.joined(separator: ", "))")
            }
            let signer = try ContractSigner(
                privateKeyPEM: contractCLIReadText(key, what: "signing key"),
                passphrase: contractCLIReadPassphrase(keyOptions.passphraseFile),
                certificatePEM: signingCert.map { try contractCLIReadText($0, what: "signing certificate") })
            let signed = try contract.signed(by: signer)
            if !contract.env.isEncrypted {
                // The plaintext env can be checked right away.
                do {
                    let inEnv = try signed.signingKey(decryptor: nil)
                    if inEnv.publicKeyPEM != signer.publicKeyPEM {
                        printError("warning: env.signingKey is not the signer's key; verification will fail")
                    }
                } catch {
                    // The plain sentence, never a Swift type name (contract messages hold no secret material).
                    let reason = plainMessage(of: error)
                    printError("warning: env has no usable signingKey: \(reason)")
                }
            } else {
                printError(
                    "note: env is encrypted; its signingKey must be this signer's key (check with `contract verify`)")
            }
            try contractCLIEmitContract(signed, output: output, json: json)
        }
    }

    /// The body of `build` and of `sign` with --workload/--env.
    fileprivate static func runBuild(
        cert: String, workload: String, env: String, attestationKey: String?, prefix: TokenPrefix, output: String?,
        json: Bool, signerKeyFile: String?, keyOptions: PrivateKeyOptions, signingCert: String?
    ) throws {
        try contractCLICheckOutput(output, .ordinary)
        let encryptor = try ContractEncryptor(
            encryptionKeyPEM: contractCLIReadText(cert, what: "encryption certificate"), prefix: prefix)
        if let warning = encryptor.expiryWarning { printError(warning) }
        var signer: ContractSigner?
        if let signerKeyFile {
            signer = try ContractSigner(
                privateKeyPEM: contractCLIReadText(signerKeyFile, what: "signing key"),
                passphrase: contractCLIReadPassphrase(keyOptions.passphraseFile),
                certificatePEM: signingCert.map { try contractCLIReadText($0, what: "signing certificate") })
        } else if signingCert != nil {
            throw ValidationError("--signing-cert needs --key")
        }
        let builder = try ContractBuilder(
            encryptor: encryptor, signer: signer,
            attestationPublicKeyPEM: attestationKey.map {
                try contractCLIReadText($0, what: "attestation public key")
            })
        let built = try builder.build(
            workload: contractCLIReadText(workload, what: "workload"),
            env: contractCLIReadText(env, what: "env"))
        if let validity = signer?.certificateValidity {
            printError(
                "the contract expires with the signing certificate on \(iso8601Text(validity.notAfter))")
        }
        try contractCLIEmitContract(built.contract, yaml: built.yaml, output: output, json: json)
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a contract's envWorkloadSignature against the signingKey inside env.",
            discussion: """
                An encrypted env is opened with --key, the private key of the encryption certificate. A signingKey \
                that is a certificate is refused when expired or not yet valid (its notAfter is the contract's \
                expiry). The certificate's chain is not checked: HPCR receives no CA either.
                """
        )
        @Option(help: "The private key of the encryption certificate (needed when env is encrypted).")
        var key: String?
        @OptionGroup var keyOptions: PrivateKeyOptions
        @Flag(help: "Machine-readable JSON on stdout.") var json = false
        @Argument(help: "The contract file.") var contractFile: String

        func run() async throws {
            let contract = try HyperProtectContract.parse(yaml: contractCLIReadText(contractFile, what: "contract"))
            let decryptor = try key.map { try keyOptions.decryptor(keyFile: $0) }
            let verification = try contract.verifySignature(decryptor: decryptor)
            let validity = verification.certificateValidity
            if json {
                printJSON([
                    "signatureValid": true,
                    "signingKey": validity == nil ? "publicKey" : "certificate",
                    "certificateSubject": validity.map { $0.subject as Any } ?? NSNull(),
                    "contractExpiry": jsonDate(validity?.notAfter),
                ])
                return
            }
            if let validity {
                print("signature valid: signingKey is a certificate (\(validity.subject))")
                print("contract expires on \(iso8601Text(validity.notAfter))")
                if validity.remaining(at: Date()) < 30 * 86_400 {
                    printError("warning: the contract expires in less than 30 days")
                }
            } else {
                print("signature valid: signingKey is a public key (the contract does not expire)")
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a contract against the CCRT/HPCR contract schema 1.0.116 rules; prints each problem.",
            discussion: """
                Each problem is printed on stdout as `path: message` (e.g. `env.volumes.data.kmsTimeout: must be 0-20 \
                (minutes)`); notes (encrypted sections left unchecked, forms hpcs-keyd refuses) go to stderr. No value \
                from the contract is ever printed. An encrypted section is checked only when --key opens it. With \
                --target hpcs-keyd the key daemon's rules apply too: grep11, uv-secret-id, uv-previous-secret-id and \
                previousSeed are refused (their behaviour is not publicly specified), kms[].plan is allowed, and each \
                volume must be named in both sections. Exit status: 0 valid, 1 invalid, 2 unreadable (the file, the \
                key, or YAML that does not parse or exceeds the limits).
                """
        )
        @Option(help: "The private key (PEM) of the encryption certificate, to check encrypted sections too.")
        var key: String?
        @OptionGroup var keyOptions: PrivateKeyOptions
        @Option(help: "Whose rules: ccrt (IBM's schema) or hpcs-keyd (the schema and the key daemon's own rules).")
        var target: ContractValidation.Target = .confidentialComputing
        @Flag(help: "Machine-readable JSON on stdout.") var json = false
        @Argument(help: "The contract file (YAML), or - for standard input.") var contractFile: String

        func run() async throws {
            let report: ContractValidation
            do {
                let text = try contractCLIReadText(contractFile, what: "contract")
                let decryptor = try key.map { try keyOptions.decryptor(keyFile: $0) }
                report = try ContractValidation.validate(yaml: text, decryptor: decryptor, target: target)
            } catch {
                // Unreadable: exit status 2 (1 is an invalid contract), the failure's own code and message.
                let report = ErrorReport.of(error, command: ContractCommand.self, domains: [])
                throw CommandFailure(report.message, code: report.code, exitStatus: 2)
            }
            let name = contractFile == "-" ? "the contract" : contractFile
            if json {
                let findings = { (list: [ContractValidation.Finding]) in
                    list.map { ["path": $0.path, "message": $0.message] }
                }
                printJSON([
                    "valid": report.isValid, "target": target.rawValue, "problems": findings(report.problems),
                    "notes": findings(report.notes),
                ])
            } else {
                for problem in report.problems { print(problem) }
                for note in report.notes { printError("note: \(note)") }
                let count = report.problems.count
                printError(
                    report.isValid
                        ? "\(name): valid (\(target.rawValue) rules)"
                        : "\(name): \(count) problem\(count == 1 ? "" : "s") (\(target.rawValue) rules)")
            }
            if !report.isValid { throw ExitCode(1) }
        }
    }

    struct Checksums: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the contract:* lines expected in the attestation record (sha256 of each section string)."
        )
        @Flag(help: "Machine-readable JSON on stdout.") var json = false
        @Argument(help: "The contract file.") var contractFile: String

        func run() async throws {
            let contract = try HyperProtectContract.parse(yaml: contractCLIReadText(contractFile, what: "contract"))
            let checksums = contract.checksums
            for field in checksums.undetermined {
                printError(
                    "note: \(field) is a plaintext YAML map; the digest HPCR records for it is undocumented")
            }
            if json {
                var object: [String: Any] = [:]
                for entry in checksums.entries { object[entry.field.attestationLabel] = entry.sha256 }
                printJSON(object)
            } else {
                for line in checksums.lines { print(line) }
            }
        }
    }
}

// MARK: - attestation subcommands

extension AttestationCommand {
    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt se-checksums.txt.enc with the auditor's private key; prints the record's exact bytes."
        )
        @Option(help: "The auditor's private key (PEM) matching the contract's attestationPublicKey.") var key: String
        @OptionGroup var keyOptions: ContractCommand.PrivateKeyOptions
        @Option(help: "Write the record to this file (mode 0600) instead of stdout; an existing file is replaced.")
        var output: String?
        @Argument(help: "The encrypted record (se-checksums.txt.enc).") var recordFile: String

        func run() async throws {
            try contractCLICheckOutput(output, .ordinary)
            let decryptor = try keyOptions.decryptor(keyFile: key)
            let record = try AttestationRecord.decrypt(
                token: contractCLIReadText(recordFile, what: "encrypted record"), decryptor: decryptor)
            if let output {
                try contractCLIWrite(record.bytes, to: output, .ordinary)
            } else {
                FileHandle.standardOutput.write(Data(record.bytes))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an attestation record's signature, then compare its contract:* lines with a contract.",
            discussion: """
                The signature (se-signature.bin) is RSASSA-PKCS1-v1_5/SHA-256 over the exact decrypted record bytes, \
                under the attestation certificate's key; the certificate's chain to IBM is not checked here. An \
                encrypted record (se-checksums.txt.enc) is opened with --key first. Labels contract:workload, \
                contract: workload and bare workload (24.3.3) are all understood. Exit status 1 on any mismatch.
                """
        )
        @Option(help: "The attestation certificate (PEM) of the image, or a PEM public key.") var cert: String
        @Option(help: "The record signature (se-signature.bin).") var signature: String
        @Option(help: "The contract the instance was started with.") var contract: String
        @Option(help: "The auditor's private key, when RECORD is encrypted.") var key: String?
        @OptionGroup var keyOptions: ContractCommand.PrivateKeyOptions
        @Flag(help: "Machine-readable JSON on stdout.") var json = false
        @Argument(help: "The record: se-checksums.txt, or se-checksums.txt.enc with --key.") var recordFile: String

        func run() async throws {
            let raw = try contractCLIReadInput(recordFile, what: "record")
            let text = String(decoding: raw, as: UTF8.self).contractCLITrimmed()
            let record: AttestationRecord
            if TokenPrefix.known.contains(where: { text.hasPrefix($0.rawValue + ".") }) {
                guard let key else {
                    throw CommandFailure("the record is encrypted: pass the auditor's private key with --key")
                }
                record = try AttestationRecord.decrypt(token: text, decryptor: keyOptions.decryptor(keyFile: key))
            } else {
                record = AttestationRecord(bytes: raw)
            }
            let signatureBytes = try contractCLIReadInput(signature, what: "signature")
            let validity = try record.verifySignature(
                signatureBytes, attestationCertificatePEM: contractCLIReadText(cert, what: "attestation certificate"))
            let parsed = try HyperProtectContract.parse(yaml: contractCLIReadText(contract, what: "contract"))
            let comparison = record.compare(with: parsed.checksums)
            if json {
                printJSON([
                    "signatureValid": true,
                    "version": record.version.map { $0 as Any } ?? NSNull(),
                    "attestationCertificateNotAfter": jsonDate(validity?.notAfter),
                    "match": comparison.isMatch,
                    "matched": comparison.matched.map(\.rawValue),
                    "mismatched": comparison.mismatched.map {
                        ["field": $0.field.rawValue, "expected": $0.expected, "found": $0.found] as [String: Any]
                    },
                    "missing": comparison.missing.map(\.rawValue),
                    "unexpected": comparison.unexpected.map(\.rawValue),
                    "undetermined": comparison.undetermined.map(\.rawValue),
                ])
            } else {
                print("record signature valid\(record.version.map { " (image \($0))" } ?? "")")
                if let validity, !validity.contains(Date()) {
                    printError("warning: the attestation certificate is outside its validity: \(validity)")
                }
                print(comparison.description)
                print(comparison.isMatch ? "the record matches the contract" : "the record does NOT match the contract")
            }
            if !comparison.isMatch { throw ExitCode.failure }
        }
    }
}

// MARK: - Input and output (file-private: hpcs-tool has its own helpers with other names)

/// Files larger than this are refused (contracts, keys and records are small).
private let contractCLIMaximumInput = 16 << 20

/// A file's bytes, or standard input for `-`, at most ``contractCLIMaximumInput`` bytes.
private func contractCLIReadInput(_ path: String, what: String) throws -> [UInt8] {
    // A named file goes through the one shared reader: a regular file, a FIFO, /dev/stdin or a process substitution,
    // read in chunks up to the limit (a size from stat is not trusted), with the system's reason on failure.
    guard path == "-" else {
        return try readInputFile(path, what: "\(what) file", limit: contractCLIMaximumInput)
    }
    let source = "the \(what) on standard input"
    var bytes: [UInt8] = []
    do {
        while let chunk = try FileHandle.standardInput.read(upToCount: 64 * 1024), !chunk.isEmpty {
            bytes += chunk
            guard bytes.count <= contractCLIMaximumInput else {
                throw CommandFailure(
                    "\(source) is larger than \(contractCLIMaximumInput) bytes", code: "file.too-large")
            }
        }
    } catch let failure as CommandFailure {
        throw failure
    } catch {
        throw CommandFailure("cannot read \(source)", code: "file.unreadable")
    }
    return bytes
}

/// A file's text (UTF-8).
private func contractCLIReadText(_ path: String, what: String) throws -> String {
    let bytes = try contractCLIReadInput(path, what: what)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CommandFailure("the \(what) file \(path) is not UTF-8 text")
    }
    return text
}

/// A passphrase file's bytes without the final line break, or nil when no file was named.
private func contractCLIReadPassphrase(_ path: String?) throws -> [UInt8]? {
    guard let path else { return nil }
    var bytes = try contractCLIReadInput(path, what: "passphrase")
    while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
    guard !bytes.isEmpty else { throw CommandFailure("the passphrase file \(path) is empty") }
    return bytes
}

/// What an `--output` file holds, which decides whether an existing regular file may be replaced.
private enum ContractCLIOutput {
    /// A decrypted section or token (env often holds credentials): only ever written to a new file, like key
    /// material elsewhere in hpcs-tool.
    case plaintext
    /// A contract or an attestation record: an existing regular file is replaced atomically (temporary file, then
    /// rename), so a reader never sees half of it.
    case ordinary

    var replacesExisting: Bool { self == .ordinary }
}

/// Fails before any work when `writeOutput` would refuse `path`: a missing or unwritable directory, a directory, a
/// block device, or (for plaintext) an existing regular file. A character device (`/dev/null`), a FIFO or a
/// symbolic link is accepted and later written through, never replaced.
private func contractCLICheckOutput(_ path: String?, _ kind: ContractCLIOutput) throws {
    guard let path else { return }
    if kind == .plaintext {
        var status = stat()
        // stat follows symbolic links: a link to an existing regular file is refused as the file itself would be.
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG {
            throw CommandFailure("\(path) exists; decrypted plaintext is only written to a new file")
        }
    }
    try checkOutputPath(path, replacingExisting: kind.replacesExisting)
}

/// Writes an output file with mode 0600 through the one shared helper (see `writeOutput` in CommandLineSupport): devices
/// and FIFOs are written through, symbolic links are kept and their target written, regular files are written to a
/// temporary file and renamed into place.
private func contractCLIWrite(_ bytes: [UInt8], to path: String, _ kind: ContractCLIOutput) throws {
    try writeOutput(bytes, to: path, mode: 0o600, replacingExisting: kind.replacesExisting)
}

/// Prints (or writes) a contract and, with --json, its checksums.
private func contractCLIEmitContract(
    _ contract: HyperProtectContract, yaml: String? = nil, output: String?, json: Bool
) throws {
    let text = try yaml ?? contract.yamlText()
    if let output { try contractCLIWrite(Array(text.utf8), to: output, .ordinary) }
    if json {
        var object: [String: Any] = [
            "checksums": Dictionary(
                uniqueKeysWithValues: contract.checksums.entries.map { ($0.field.attestationLabel, $0.sha256) })
        ]
        if let output { object["file"] = output } else { object["contract"] = text }
        printJSON(object)
    } else if output == nil {
        print(text, terminator: "")
    }
}

extension String {
    /// Without surrounding spaces, tabs and line breaks.
    fileprivate func contractCLITrimmed() -> String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
