import Testing

/// The suites that run the real disk tools (sfdisk, mkfs.ext4, debugfs, cryptsetup, losetup, mount) and the
/// built hpcs-tool. They run one test at a time: in parallel they would saturate a 2-core machine with child
/// processes and starve the timing-sensitive tests of the other modules that share the test process.
@Suite("Real devices and tools (one test at a time)", .serialized)
enum RealDevices {}
