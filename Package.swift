// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// Which package provides each external product the targets use: declared once, so that a target lists its
/// products by name only.
let productPackages: [String: String] = [
    "ArgumentParser": "swift-argument-parser",
    "AsyncHTTPClient": "async-http-client",
    "Crypto": "swift-crypto", "_CryptoExtras": "swift-crypto",
    "GRDB": "GRDB.swift",
    "GRPCCore": "grpc-swift-2", "GRPCInProcessTransport": "grpc-swift-2",
    "GRPCNIOTransportHTTP2": "grpc-swift-nio-transport",
    "GRPCProtobuf": "grpc-swift-protobuf",
    "Hummingbird": "hummingbird", "HummingbirdTLS": "hummingbird",
    "JWTKit": "jwt-kit",
    "Logging": "swift-log",
    "Metrics": "swift-metrics",
    "NIOCore": "swift-nio", "NIOFoundationCompat": "swift-nio", "NIOHTTP1": "swift-nio", "NIOPosix": "swift-nio",
    "NIOHPACK": "swift-nio-http2", "NIOHTTP2": "swift-nio-http2",
    "NIOSSL": "swift-nio-ssl",
    "PostgresNIO": "postgres-nio",
    "Prometheus": "swift-prometheus",
    "ServiceLifecycle": "swift-service-lifecycle",
    "Subprocess": "swift-subprocess",
    "SwiftASN1": "swift-asn1",
    "SwiftProtobuf": "swift-protobuf",
    "X509": "swift-certificates",
    "Yams": "Yams",
]

/// The named external products, each from the package `productPackages` says provides it.
func products(_ names: String...) -> [Target.Dependency] {
    names.map { name in
        guard let package = productPackages[name] else {
            fatalError("Package.swift: no package is listed for the product \(name) in productPackages")
        }
        return .product(name: name, package: package)
    }
}

let package = Package(
    name: "swift-hpcs",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IAM", targets: ["IAM"]),
        .library(name: "EP11", targets: ["EP11"]),
        .library(name: "KeyProtect", targets: ["KeyProtect"]),
        .library(name: "HSMMock", targets: ["HSMMock"]),
        .library(name: "KeyProtectMock", targets: ["KeyProtectMock"]),
        .library(name: "CertificateAuthority", targets: ["CertificateAuthority"]),
        .library(name: "KeyDaemon", targets: ["KeyDaemon"]),
        .library(name: "Contract", targets: ["Contract"]),
        .library(name: "CertificateAuthorityServer", targets: ["CertificateAuthorityServer"]),
        .executable(name: "hpcs-tool", targets: ["hpcs-tool"]),
        .executable(name: "hpcs-keyd", targets: ["hpcs-keyd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        // MARK: Libraries
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The gRPC C core (Debian libgrpc-dev): the `.cgrpc` GREP11 transport of EP11 and the HSM mock's server.
        // No pkgConfig: `pkg-config --libs grpc` lists ~100 static abseil flags, which SwiftPM repeats once per
        // path through the target graph (the link line outgrew ARG_MAX). The shared libgrpc carries its own
        // dependencies; the module map links -lgrpc -lgpr, and the headers are in /usr/include.
        .systemLibrary(
            name: "CGRPC",
            providers: [.apt(["libgrpc-dev"])]
        ),
        .target(
            name: "IAM",
            dependencies: products(
                "AsyncHTTPClient", "Logging", "NIOCore", "NIOFoundationCompat", "NIOPosix", "NIOSSL"
            ),
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EP11",
            dependencies: ["IAM", "CGRPC"]
                + products(
                    "GRPCCore", "GRPCProtobuf", "SwiftProtobuf", "Crypto", "_CryptoExtras", "X509", "SwiftASN1",
                    "Logging", "NIOSSL", "NIOCore", "NIOPosix", "NIOHTTP2", "NIOHPACK"
                ),
            exclude: ["GREP11/Generated/README.md"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "KeyProtect",
            dependencies: ["IAM"]
                + products(
                    "AsyncHTTPClient", "Logging", "NIOCore", "NIOHTTP1", "NIOFoundationCompat"
                ),
            swiftSettings: swiftSettings
        ),

        .target(
            name: "CertificateAuthority",
            dependencies: ["EP11", "IAM"]
                + products(
                    "X509", "SwiftASN1", "Crypto", "_CryptoExtras", "GRDB", "PostgresNIO", "NIOSSL", "Logging"
                ),
            path: "Sources/CertificateAuthority",
            swiftSettings: swiftSettings
        ),

        // The CA as an HTTP service (`hpcs-tool ca serve`): step-ca-shaped API on Hummingbird, provisioner tokens,
        // health and Prometheus metrics; several nodes share one PostgreSQL store.
        .target(
            name: "CertificateAuthorityServer",
            dependencies: ["CertificateAuthority", "EP11", "IAM"]
                + products(
                    "Hummingbird", "HummingbirdTLS", "JWTKit", "Metrics", "Prometheus", "ServiceLifecycle", "X509",
                    "Crypto", "Logging", "NIOSSL"
                ),
            swiftSettings: swiftSettings
        ),

        .target(
            name: "KeyDaemon",
            dependencies: ["IAM", "KeyProtect", "Contract"]
                + products(
                    "AsyncHTTPClient", "Crypto", "Logging", "ServiceLifecycle", "Yams"
                ),
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Contract",
            dependencies: ["IAM"] + products("Crypto", "_CryptoExtras", "X509", "Yams"),
            swiftSettings: swiftSettings
        ),

        // MARK: Mocks
        .target(
            name: "HSMMock",
            dependencies: ["EP11", "IAM", "COpenSSL", "CGRPC"]
                + products(
                    "AsyncHTTPClient", "NIOCore", "NIOPosix", "GRPCCore", "GRPCInProcessTransport",
                    "GRPCNIOTransportHTTP2", "GRPCProtobuf", "SwiftProtobuf", "SwiftASN1", "Logging", "NIOSSL"
                ),
            path: "mocks/HSMMock",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "KeyProtectMock",
            dependencies: products("Hummingbird", "Crypto", "Logging", "NIOCore"),
            path: "mocks/KeyProtectMock",
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        // The command-line toolkit of hpcs-tool and hpcs-keyd: option groups, the error report (text or --json) and
        // exit statuses, --version, reading and writing the files named on the command line. Not a product.
        .target(
            name: "CommandLineSupport",
            dependencies: ["Contract", "IAM", "KeyProtect"] + products("ArgumentParser", "Logging"),
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeyDaemonCLI",
            dependencies: ["CommandLineSupport", "KeyDaemon", "Contract", "KeyProtect"]
                + products(
                    "ArgumentParser", "Logging", "ServiceLifecycle"
                ),
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hpcs-keyd",
            dependencies: ["CommandLineSupport", "KeyDaemonCLI"] + products("ArgumentParser"),
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hpcs-tool",
            dependencies: [
                "CommandLineSupport", "EP11", "HSMMock", "IAM", "KeyProtect", "KeyProtectMock", "CertificateAuthority",
                "CertificateAuthorityServer", "KeyDaemon", "KeyDaemonCLI", "Contract",
            ]
                + products(
                    "ArgumentParser", "Logging", "ServiceLifecycle", "X509", "Crypto", "Subprocess"
                ),
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hpcs-bench",
            dependencies: [
                "EP11", "HSMMock", "IAM", "KeyProtect", "KeyProtectMock", "CertificateAuthority",
                "CertificateAuthorityServer", "KeyDaemon", "TestSupport",
            ]
                + products(
                    "ArgumentParser", "GRPCCore", "X509", "Crypto", "AsyncHTTPClient", "Logging", "NIOCore",
                    "NIOFoundationCompat", "NIOHTTP1", "NIOPosix", "ServiceLifecycle"
                ),
            path: "Benchmarks/hpcs-bench",
            exclude: ["keyprotect_pairs.py"],
            swiftSettings: swiftSettings
        ),

        // MARK: Fuzzing
        // libFuzzer harness over the HSM mock's request decoding and dispatch; scripts/fuzz.sh builds it with
        // -sanitize=fuzzer. A plain build gives a replayer (hsm-fuzz FILE...).
        .executableTarget(
            name: "hsm-fuzz",
            dependencies: ["HSMMock", "EP11"] + products("SwiftProtobuf"),
            path: "Fuzz/hsm-fuzz",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: products("Subprocess"),
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IAMTests",
            dependencies: ["IAM", "TestSupport"] + products("AsyncHTTPClient", "Hummingbird", "Logging", "NIOCore"),
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EP11Tests",
            dependencies: ["EP11", "HSMMock", "IAM", "TestSupport"]
                + products(
                    "Crypto", "_CryptoExtras", "X509", "SwiftASN1", "GRPCCore", "GRPCInProcessTransport",
                    "GRPCNIOTransportHTTP2", "GRPCProtobuf", "SwiftProtobuf", "NIOCore", "NIOPosix", "NIOHTTP2",
                    "NIOHPACK"
                ),
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeyProtectTests",
            dependencies: ["IAM", "KeyProtect", "KeyProtectMock", "TestSupport"]
                + products(
                    "AsyncHTTPClient", "NIOCore", "NIOHTTP1", "NIOFoundationCompat"
                ),
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CertificateAuthorityTests",
            dependencies: ["CertificateAuthority", "TestSupport", "EP11", "HSMMock"]
                + products(
                    "X509", "SwiftASN1", "Crypto", "_CryptoExtras"
                ),
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CertificateAuthorityServerTests",
            dependencies: [
                "CertificateAuthorityServer", "CertificateAuthority", "TestSupport", "EP11", "HSMMock",
            ]
                + products(
                    "AsyncHTTPClient", "JWTKit", "X509", "Crypto", "NIOSSL", "NIOFoundationCompat", "Logging",
                    "ServiceLifecycle"
                ),
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeyDaemonTests",
            dependencies: ["KeyDaemon", "Contract", "KeyProtect", "KeyProtectMock", "IAM", "TestSupport"]
                + products(
                    "Crypto", "Logging"
                ),
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContractTests",
            dependencies: ["Contract", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HSMMockTests",
            dependencies: ["HSMMock", "EP11", "IAM", "KeyProtectMock", "COpenSSL", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
