#!/usr/bin/env bash
# Regenerates the Swift code for the GREP11 wire contract (protos/*.proto) into Sources/EP11/GREP11/Generated.
# Needs protoc (Debian protobuf-compiler). The two Swift plugins are built from the pinned packages into
# .build-plugins/ (about a minute, once). The output is committed; CI never runs this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/Sources/EP11/GREP11/Generated"
plugins="$root/.build-plugins"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }

if [ ! -x "$plugins/pkg/.build/release/protoc-gen-swift" ] || [ ! -x "$plugins/pkg/.build/release/protoc-gen-grpc-swift-2" ]; then
    mkdir -p "$plugins/pkg"
    cat >"$plugins/pkg/Package.swift" <<'PKG'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: []
)
PKG
    (cd "$plugins/pkg" && swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2)
fi

rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
protoc -I "$root/protos" \
    --plugin=protoc-gen-swift="$plugins/pkg/.build/release/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift="$plugins/pkg/.build/release/protoc-gen-grpc-swift-2" \
    --swift_out="$out" --swift_opt=Visibility=Package \
    --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Package,Client=true,Server=true \
    "$root/protos/server.proto" "$root/protos/errors.proto"
echo "generated: $(ls "$out")"
