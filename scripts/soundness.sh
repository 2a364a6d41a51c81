#!/usr/bin/env bash
# Cheap checks: formatting lint, forbidden constructs on input paths, repository hygiene.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "soundness: $*" >&2; status=1; }

# Hand-written sources (generated protobuf code excluded).
mapfile -t sources < <(git ls-files 'Sources/*.swift' 'mocks/*.swift' 'Benchmarks/*.swift' | grep -v '/Generated/')

# 1. No force-try, force-cast or fatalError in library and mock code.
if grep -nE 'try!|as! |fatalError\(' "${sources[@]}"; then
    fail "force-try, force-cast or fatalError in sources (throw a typed error instead)"
fi

# 2. Build products and resolved pins are never committed.
if git ls-files | grep -qE '(^|/)\.build(/|-|_)|(^|/)Package\.resolved$'; then
    fail ".build or Package.resolved is committed"
fi

# 3. Generated code is present for every proto.
for proto in protos/*.proto; do
    name=$(basename "$proto" .proto)
    [ -f "Sources/EP11/GREP11/Generated/$name.pb.swift" ] || fail "generated code missing for $proto"
done

# 4. Format lint (reported; style findings do not fail the build).
if swift format --version >/dev/null 2>&1; then
    swift format lint --configuration .swift-format "${sources[@]}" 2>/tmp/swift-format-lint.txt || true
    count=$(grep -c 'warning' /tmp/swift-format-lint.txt || true)
    echo "soundness: swift format lint reported $count findings (see /tmp/swift-format-lint.txt)"
else
    echo "soundness: swift format not available; lint skipped"
fi

[ "$status" -eq 0 ] && echo "soundness: ok"
exit "$status"
