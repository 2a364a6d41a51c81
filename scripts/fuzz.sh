#!/usr/bin/env bash
# Builds the libFuzzer harness over the HSM mock's request decoding and dispatch (Fuzz/hsm-fuzz) and runs it for a
# bounded time on a seed corpus generated at start.
#
#   scripts/fuzz.sh [SECONDS]        default 120
#
# Build products go to .build-fuzz (its own scratch path: every module is instrumented). Findings (crash-*, leak-*,
# timeout-*) land in .build-fuzz/findings/; replay one with a plain build: .build/debug/hsm-fuzz FILE.
# Environment: HSM_FUZZ_SANITIZERS (default "fuzzer"; e.g. "fuzzer address").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
sanitizers=()
for sanitizer in ${HSM_FUZZ_SANITIZERS:-fuzzer}; do sanitizers+=(--sanitize="$sanitizer"); done

start=$(date +%s)
swift build --scratch-path .build-fuzz --product hsm-fuzz "${sanitizers[@]}" -Xswiftc -DHSM_FUZZER
built=$(date +%s)
echo "fuzz: build took $((built - start)) s"

binary=".build-fuzz/debug/hsm-fuzz"
corpus=".build-fuzz/corpus"
findings=".build-fuzz/findings"
mkdir -p "$corpus" "$findings"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
HSM_FUZZ_WRITE_SEEDS="$seeds" "$binary"

# -rss_limit_mb: the mock keeps no state, so growth is a finding. -timeout: one request never takes 10 s
# (an RSA-4096 generation takes about 1 s here).
status=0
"$binary" "$corpus" "$seeds" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -artifact_prefix="$findings/" -print_final_stats=1 || status=$?
echo "fuzz: ran $(( $(date +%s) - built )) s; corpus $(ls "$corpus" | wc -l) inputs; findings in $findings: $(ls "$findings" | wc -l)"
exit "$status"
