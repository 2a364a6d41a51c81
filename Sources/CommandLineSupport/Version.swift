/// The version `hpcs-tool --version` and `hpcs-keyd --version` print: kept by hand here, the one place, and raised
/// with each release (semantic versioning; docs/cli.md).
package enum ToolVersion {
    /// The released version of the command-line tools.
    package static let current = "0.9.0"
}
