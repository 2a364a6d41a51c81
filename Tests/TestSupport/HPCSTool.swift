import Foundation

/// The `hpcs-tool` that `swift build --build-tests` builds into `.build/debug`, which the command-line tests run as a
/// user would.
package enum HPCSTool {
    /// Where it is.
    package static let path = PythonInterpreter.repositoryRoot.appendingPathComponent(".build/debug/hpcs-tool").path

    /// Whether it has been built.
    package static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: path) }
}
