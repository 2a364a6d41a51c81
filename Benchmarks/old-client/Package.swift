// swift-tools-version:6.1
import PackageDescription

// The EP11 client as it was at f9bc0c1 (before the per-call deadline and request costs were cut), driven by the same
// load as `hpcs-bench --endpoint`, so that `hpcs-bench --grpc-baseline` can measure the old build beside the new in
// one run. build.sh checks that commit out as a git worktree into .build-old-client/swift-hpcs at the repository
// root (gitignored); this package builds against it, never against the current sources.
let package = Package(
    name: "old-client",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../../.build-old-client/swift-hpcs")
    ],
    targets: [
        .executableTarget(
            name: "old-ep11-client",
            dependencies: [.product(name: "EP11", package: "swift-hpcs")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
