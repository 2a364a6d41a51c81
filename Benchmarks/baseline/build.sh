#!/usr/bin/env bash
# Builds the C++ baselines of hpcs-bench on the gRPC C core (Debian libgrpc++-dev, protobuf-compiler-grpc):
#   grep11-fast-server  answers grep11.Crypto at once (fixed signature, n random bytes, fixed key blobs)
#   grep11-cpp-client   the same load as `hpcs-bench --endpoint`, printing the same RESULT line (transport=cpp)
# The protobuf and gRPC code is generated from protos/ into .build-baseline/gen; binaries go to .build-baseline/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.build-baseline"
gen="$out/gen"
mkdir -p "$gen"
for tool in protoc grpc_cpp_plugin g++ pkg-config; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
stamp="$gen/.stamp"
if [ ! -f "$stamp" ] || [ "$root/protos/server.proto" -nt "$stamp" ] || [ "$root/protos/errors.proto" -nt "$stamp" ]; then
    protoc -I "$root/protos" --cpp_out="$gen" --grpc_out="$gen" \
        --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" "$root/protos/server.proto" "$root/protos/errors.proto"
    touch "$stamp"
fi
flags=(-O2 -std=c++17 -pthread -I "$gen")
libs=$(pkg-config --libs grpc++ protobuf)
objects=()
for source in server.pb.cc server.grpc.pb.cc errors.pb.cc; do
    object="$out/${source%.cc}.o"
    if [ ! -f "$object" ] || [ "$gen/$source" -nt "$object" ]; then
        g++ "${flags[@]}" -c "$gen/$source" -o "$object"
    fi
    objects+=("$object")
done
for program in grep11-fast-server grep11-cpp-client; do
    source="$root/Benchmarks/baseline/$program.cc"
    if [ ! -x "$out/$program" ] || [ "$source" -nt "$out/$program" ]; then
        # shellcheck disable=SC2086
        g++ "${flags[@]}" "$source" "${objects[@]}" -o "$out/$program" $libs
    fi
done
echo "built $out/grep11-fast-server $out/grep11-cpp-client"
