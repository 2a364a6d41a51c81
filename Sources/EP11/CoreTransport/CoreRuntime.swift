import CGRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The gRPC C core is initialised once per process and never shut down (the C core keeps its own threads).
///
/// Package-wide, so that the mock's C-core server can initialise the core the same way (with Abseil's deadlock
/// detection off) by reading ``initialised`` instead of calling `grpc_init` itself.
package enum CoreRuntime {
    package static let initialised: Bool = {
        _ = abslDeadlockDetectionOff
        grpc_init()
        return true
    }()

    /// Whether Abseil's mutex deadlock detection was turned off (see ``abslDeadlockDetectionOff``).
    static var withoutDeadlockDetection: Bool {
        _ = initialised
        return abslDeadlockDetectionOff
    }

    /// Turns off Abseil's mutex deadlock detection, process-wide; false when the library offers no way to.
    ///
    /// Debian builds Abseil (under the C core) without `NDEBUG`, so every `absl::Mutex` the core locks, creates and
    /// destroys (several per call) also updates a process-wide lock-order graph under one global spin lock: about a
    /// twentieth of a C-core client's CPU per call, and a point where all its threads meet. The check only reports
    /// lock-order cycles of Abseil's own users; it changes no behaviour. The setter is a C++ function, found by its
    /// mangled name (one per Abseil inline namespace that Debian has shipped); without it nothing changes.
    private static let abslDeadlockDetectionOff: Bool = {
        // absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle), with the enum's kIgnore = 0.
        let names = [
            "_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE",
            "_ZN4absl7debian429SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE",
            "_ZN4absl7debian529SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE",
            "_ZN4absl29SetMutexDeadlockDetectionModeENS_15OnDeadlockCycleE",
        ]
        typealias SetMode = @convention(c) (Int32) -> Void
        for name in names {
            // A nil handle is RTLD_DEFAULT: every library the process has loaded (libgrpc brings Abseil's).
            if let symbol = dlsym(nil, name) {
                unsafeBitCast(symbol, to: SetMode.self)(0)
                return true
            }
        }
        return false
    }()
}
