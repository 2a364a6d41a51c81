#!/usr/bin/env bash
# Builds old-ep11-client: the EP11 client library as it was at commit f9bc0c1 (the build issue 19 measured), driven
# by the same load as `hpcs-bench --endpoint` and printing the same RESULT line (transport=nio-f9bc0c1), so that
# `hpcs-bench --grpc-baseline` measures it beside the current client in the same run.
#   .build-old-client/swift-hpcs   a git worktree of this repository at that commit
#   .build-old-client/build        SwiftPM's scratch directory (release)
#   .build-old-client/old-ep11-client  the binary hpcs-bench looks for
# A cold build takes 15-20 minutes on 2 cores; later runs are incremental. Usage: build.sh [nice level, default 10]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.build-old-client"
commit=f9bc0c18c6a188cb67a96347996c291544a2ff45
mkdir -p "$out"
if [ ! -e "$out/swift-hpcs/Package.swift" ]; then
    git -C "$root" worktree add --detach "$out/swift-hpcs" "$commit"
fi
test "$(git -C "$out/swift-hpcs" rev-parse HEAD)" = "$commit" || {
    echo "build.sh: $out/swift-hpcs is not at $commit" >&2
    exit 1
}
nice -n "${1:-10}" swift build -c release --package-path "$root/Benchmarks/old-client" \
    --scratch-path "$out/build" --product old-ep11-client
cp "$out/build/release/old-ep11-client" "$out/old-ep11-client"
echo "built $out/old-ep11-client"
