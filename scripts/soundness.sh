#!/usr/bin/env bash
# Checks before the tests: forbidden constructs on input paths, repository hygiene, formatting lint, zero compiler
# warnings in our code, and the documentation of every library.
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

# 5. Zero compiler warnings in our own code. SwiftPM prints a file's warnings only when it compiles the file, so the
#    sources are touched first: our modules are recompiled (dependencies stay built), and the log then holds every
#    warning. Warnings in dependency packages (.build/checkouts) are not ours and are ignored.
ours='^(Sources|mocks|Tests|Benchmarks|Fuzz)/[^:]*:[0-9]+:[0-9]+: warning:'
build_log=$(mktemp)
git ls-files -z 'Sources/*.swift' 'mocks/*.swift' 'Tests/*.swift' 'Benchmarks/*.swift' 'Fuzz/*.swift' | xargs -0 touch
if ! swift build --build-tests >"$build_log" 2>&1; then
    grep -E 'error:' "$build_log" | head -20 >&2 || true
    fail "the build failed (full log: $build_log)"
fi
warnings=$(sed "s|^$PWD/||" "$build_log" | grep -E "$ours" | sort -u || true)
if [ -n "$warnings" ]; then
    echo "$warnings" >&2
    fail "$(echo "$warnings" | wc -l) compiler warning(s) in our code"
fi

# 6. The documentation of every library builds, and our DocC catalogs have no unresolved links. `--target` is
#    given once per library (executables and tests have no public API to document); `--ide-console-output` makes
#    DocC print `file:line:column: warning:` lines. Warnings in doc comments and in the catalogs fail.
libraries=(IAM EP11 KeyProtect HSMMock KeyProtectMock CertificateAuthority CertificateAuthorityServer KeyDaemon Contract)
docs_log=$(mktemp)
docs_started=$SECONDS
target_flags=()
for library in "${libraries[@]}"; do target_flags+=(--target "$library"); done
if ! swift package generate-documentation "${target_flags[@]}" --ide-console-output >"$docs_log" 2>&1; then
    tail -20 "$docs_log" >&2
    fail "the documentation did not build (full log: $docs_log)"
fi
echo "soundness: documentation for ${#libraries[@]} libraries built in $((SECONDS - docs_started)) s"
# In the catalogs (`.docc/…`) and in doc comments (`.swift`): an unresolved link, most often.
doc_warnings=$(grep -E '(\.docc/[^:]*|\.swift):[0-9]+:[0-9]+: warning:' "$docs_log" | sort -u || true)
if [ -n "$doc_warnings" ]; then
    echo "$doc_warnings" >&2
    fail "$(echo "$doc_warnings" | wc -l) documentation warning(s) in our catalogs and doc comments (unresolved links?)"
else
    echo "soundness: 0 documentation warnings in our catalogs and doc comments"
fi

[ "$status" -eq 0 ] && echo "soundness: ok"
exit "$status"
