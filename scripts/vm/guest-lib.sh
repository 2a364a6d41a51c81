# Functions for the key daemon's VM scenarios, sourced by a scenario script that scripts/vm/run.sh runs in the
# guest (bash, as root, on the host's userland; the work folder is the current directory and is kept between
# boots). Everything runs on the guest's loopback: the Key Protect mock, the daemon and the `kms` commands.
#
# Files in the work folder: apikey (the mock's API key), kms-state.json (the mock's keys, kept between boots),
# contract.yaml, keyd.log (the daemon's stderr of this boot), mock.log. Variables a scenario may set before
# sourcing: VM_PORT (the mock's port), VM_ITERATIONS (PBKDF2 iterations of new keyslots; empty: cryptsetup's
# argon2id default), VM_VOLUME (the volume and device-mapper name), VM_MOUNT (its mount point).
set -u
VM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VM_TOOL="${VM_TOOL:-$VM_ROOT/.build/debug/hpcs-tool}"
VM_PORT="${VM_PORT:-9877}"
VM_URL="http://127.0.0.1:$VM_PORT"
VM_INSTANCE="${VM_INSTANCE:-0b5c2f4e-6a51-4d0c-9b7e-3f1c2a9d8e70}"
VM_KEY="${VM_KEY:-vm-root-key-1}"
VM_KEY2="${VM_KEY2:-vm-root-key-2}"
VM_VOLUME="${VM_VOLUME:-data}"
VM_MOUNT="${VM_MOUNT:-/mnt/data}"
VM_ITERATIONS="${VM_ITERATIONS-1000}"
VM_DEVICE="${VM_DEVICE:-/dev/vda}"
# The guest has no network but loopback, which the kernel brings up down.
ip link set lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null

# Seconds since the kernel booted.
vm_elapsed() { awk '{ printf "%.1f", $1 }' /proc/uptime; }

# A line the host test reads: `vm-mark: NAME SECONDS-SINCE-BOOT`.
vm_mark() { echo "vm-mark: $1 $(vm_elapsed)"; }

vm_fail() { echo "vm-fail: $*"; exit 99; }

vm_crn() { echo "crn:v1:bluemix:public:kms:us-south:a/mock-account:$VM_INSTANCE:key:$1"; }

# Starts `hpcs-tool mock kms` on 127.0.0.1:VM_PORT with its state in kms-state.json, and waits until it answers.
# With a second argument `second`, the mock also has the root key VM_KEY2.
vm_start_mock() {
    [ -s apikey ] || echo "vm-test-api-key-$(date +%s%N)" > apikey
    "$VM_TOOL" mock kms --listen "127.0.0.1:$VM_PORT" --api-key-file apikey --instance-id "$VM_INSTANCE" \
        --key-id "$VM_KEY" --state-file kms-state.json --rotation-interval 0 --enable-delay 0 --json \
        >> mock.log 2>&1 &
    VM_MOCK_PID=$!
    local tries=0
    until curl -sf -o /dev/null "$VM_URL/admin/stats"; do
        tries=$((tries + 1))
        [ "$tries" -lt 300 ] || vm_fail "the Key Protect mock did not start: $(tail -5 mock.log)"
        kill -0 "$VM_MOCK_PID" 2>/dev/null || vm_fail "the Key Protect mock exited: $(tail -5 mock.log)"
        sleep 0.1
    done
    if [ "${1:-}" = second ] && ! curl -sf -o /dev/null "$VM_URL/admin/keys/$VM_KEY2"; then
        curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
            -d "{\"instanceID\":\"$VM_INSTANCE\",\"id\":\"$VM_KEY2\",\"name\":\"second\"}" "$VM_URL/admin/keys" \
            || vm_fail "cannot create the second root key"
    fi
    vm_mark mock-started
}

vm_stop_mock() {
    [ -n "${VM_MOCK_PID:-}" ] || return 0
    kill "$VM_MOCK_PID" 2>/dev/null
    wait "$VM_MOCK_PID" 2>/dev/null
    VM_MOCK_PID=""
}

# Writes contract.yaml: `vm_contract [KEY...]` with the kms entries' key ids in order (none: a two-seed volume);
# VM_KMS_TIMEOUT minutes (default 1).
vm_contract() {
    local apikey entries="" key
    apikey="$(cat apikey 2>/dev/null || echo unused)"
    for key in "$@"; do
        entries="$entries      - apiKey: \"$apikey\"
        crn: \"$(vm_crn "$key")\"
        type: public
"
    done
    {
        echo "env: |"
        echo "  volumes:"
        echo "    $VM_VOLUME:"
        echo "      seed: \"vm env seed\""
        if [ $# -gt 0 ]; then
            echo "      kmsTimeout: ${VM_KMS_TIMEOUT:-1}"
            echo "      kms:"
            printf '%s' "$entries" | sed 's/^/  /'
        fi
        echo "workload: |"
        echo "  volumes:"
        echo "    $VM_VOLUME:"
        echo "      seed: \"vm workload seed\""
        echo "      mount: $VM_MOUNT"
        echo "      filesystem: ext4"
    } > contract.yaml
}

# The options every daemon command takes.
vm_daemon_options() {
    echo --contract contract.yaml --device "$VM_DEVICE" --kms-endpoint "$VM_URL" --iam-endpoint "$VM_URL"
    [ -z "$VM_ITERATIONS" ] || echo --luks-pbkdf2-iterations "$VM_ITERATIONS"
}

# `hpcs-tool volume provision|open`; stdout and stderr into keyd.log (appended). Returns its exit status.
vm_volume() {
    # shellcheck disable=SC2046
    "$VM_TOOL" volume "$1" $(vm_daemon_options) >> keyd.log 2>&1
}

# Starts `hpcs-tool keyd run --power container --interval 1` in the background (VM_KEYD_PID), stderr into keyd.log.
vm_keyd_start() {
    # shellcheck disable=SC2046
    "$VM_TOOL" keyd run $(vm_daemon_options) --power container --interval "${VM_INTERVAL:-1}" "$@" \
        >> keyd.log 2>&1 &
    VM_KEYD_PID=$!
}

# Waits (up to $2 seconds, default 120) until keyd.log has the message id $1; fails the scenario otherwise.
vm_wait_for() {
    local id="$1" limit="${2:-120}" tries=0
    until grep -q "\[$id\]" keyd.log 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt $((limit * 10)) ] || vm_fail "no [$id] within ${limit}s: $(tail -20 keyd.log)"
        sleep 0.1
    done
}

# Waits until the volume is opened and mounted (what the kernel shows), then marks `mounted`.
vm_wait_mounted() {
    local limit="${1:-240}" tries=0
    until [ -e "/dev/mapper/$VM_VOLUME" ] && grep -q " $VM_MOUNT " /proc/mounts; do
        tries=$((tries + 1))
        [ "$tries" -lt $((limit * 10)) ] || vm_fail "not mounted within ${limit}s: $(tail -20 keyd.log)"
        if [ -n "${VM_KEYD_PID:-}" ] && ! kill -0 "$VM_KEYD_PID" 2>/dev/null; then
            wait "$VM_KEYD_PID"
            vm_fail "keyd exited with $? before mounting: $(tail -20 keyd.log)"
        fi
        sleep 0.1
    done
    vm_mark mounted
}

# What the kernel shows, for the host test to assert on: the mapping, the mount, the file.
vm_report() {
    if [ -e "/dev/mapper/$VM_VOLUME" ]; then echo "vm-mapper: present"; else echo "vm-mapper: absent"; fi
    echo "vm-mount: $(awk -v m="$VM_MOUNT" '$2 == m { print $1, $3 }' /proc/mounts)"
    if [ -f "$VM_MOUNT/proof.txt" ]; then echo "vm-file: $(cat "$VM_MOUNT/proof.txt")"; else echo "vm-file: none"; fi
    echo "vm-ids: $(grep -o '\[KD[0-9][0-9][0-9][IWE]\]' keyd.log 2>/dev/null | tr -d '[]' | tr '\n' ' ')"
}

# Ends the boot cleanly: the daemon (SIGTERM), unmount, close the mapping, the mock.
vm_finish() {
    if [ -n "${VM_KEYD_PID:-}" ] && kill -0 "$VM_KEYD_PID" 2>/dev/null; then
        kill "$VM_KEYD_PID"
        wait "$VM_KEYD_PID" 2>/dev/null
    fi
    sync
    grep -q " $VM_MOUNT " /proc/mounts && umount "$VM_MOUNT"
    [ -e "/dev/mapper/$VM_VOLUME" ] && cryptsetup close "$VM_VOLUME"
    vm_stop_mock
    return 0
}

# `hpcs-tool kms ARGS...` against the guest's mock, for the volume's (first) root key unless --key-id is given.
vm_kms() {
    local action="$1"
    shift
    HPCS_API_KEY="$(cat apikey)" "$VM_TOOL" kms "$action" --kms-endpoint "$VM_URL" --iam-endpoint "$VM_URL" \
        --instance-id "$VM_INSTANCE" --key-id "${VM_KMS_KEY:-$VM_KEY}" "$@"
}

# A digest of the keyfile on the metadata partition (its bytes are not interpreted): `vm-keyfile: SHA256`.
vm_keyfile_digest() {
    echo "vm-keyfile: $(debugfs -R 'cat keyfile' "${VM_DEVICE}1" 2>/dev/null | sha256sum | cut -c1-64)"
}
