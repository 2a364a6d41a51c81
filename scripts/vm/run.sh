#!/usr/bin/env bash
# Boots a Debian kernel under QEMU (TCG; KVM is used when /dev/kvm works) and runs one command in the guest, as
# root, on the host's own userland: the host's root filesystem is shared read-only over 9p and the guest chroots
# into it, so the guest runs exactly the binaries the host built (hpcs-keyd, cryptsetup, mkfs.ext4, ...).
# A working directory is shared read-write at the same path in the guest, so paths mean the same on both sides; the
# repository is shared again at its own path, so a checkout under /tmp (hidden by the guest's own /tmp) works too.
# Neither path may contain a space (they travel on the kernel command line).
#
#   scripts/vm/run.sh --work DIR [--disk IMAGE]... [--memory MB] [--timeout SECONDS] -- COMMAND [ARG...]
#
# Disks appear in the guest as /dev/vda, /dev/vdb, ... in the order given. The command runs with /proc, /sys,
# /dev (devtmpfs, with /dev/fd), a fresh /tmp and /run; device-mapper works without udev (DM_DISABLE_UDEV=1).
# Exit status: the command's own, or 124 when the guest did not finish within --timeout, or 125 when the guest
# ended without reporting one (the kernel powered off, e.g. after `poweroff -f` from the command).
# Needs: qemu-system-x86 (qemu-system-x86_64), linux-image-amd64, busybox-static, cpio (Debian).
set -euo pipefail

work="" memory=1024 timeout=300 disks=()
while [ $# -gt 0 ]; do
    case "$1" in
        --work) work="$2"; shift 2 ;;
        --disk) disks+=("$2"); shift 2 ;;
        --memory) memory="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --) shift; break ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$work" ] && [ -d "$work" ] || { echo "run.sh: --work DIR must be an existing directory" >&2; exit 2; }
[ $# -gt 0 ] || { echo "run.sh: no command given" >&2; exit 2; }
work="$(cd "$work" && pwd)"

command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 not found" >&2; exit 3; }
kernel="$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$kernel" ] || { echo "run.sh: no /boot/vmlinuz-*-amd64 (install linux-image-amd64)" >&2; exit 3; }
version="${kernel#/boot/vmlinuz-}"
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' \
    || { busybox=/bin/busybox; [ -x "$busybox" ] || { echo "run.sh: busybox-static needed" >&2; exit 3; }; }

# The initramfs: static busybox, the modules in dependency order, and an init that chroots into the host's root.
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.build-vm"
initrd="$cache/initrd-$version.cpio.gz"
if [ ! -s "$initrd" ] || [ "$0" -nt "$initrd" ]; then
    mkdir -p "$cache"
    staging="$(mktemp -d)"
    trap 'rm -rf "$staging"' EXIT
    mkdir -p "$staging"/{bin,proc,sys,dev,host,modules}
    cp "$busybox" "$staging/bin/busybox"
    for tool in sh mount umount insmod mkdir chroot poweroff cat echo sleep ln; do
        ln -s busybox "$staging/bin/$tool"
    done
    modules=(virtio_pci virtio_blk 9pnet_virtio 9p dm_mod dm_crypt xts ecb crc32c_generic crc32c_intel ext4
        af_alg algif_skcipher)
    : > "$staging/modules/order"
    for module in "${modules[@]}"; do
        modprobe --show-depends -S "$version" "$module" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
    done | awk '!seen[$0]++' | while read -r path; do
        name="$(basename "$path")"
        case "$path" in
            *.ko.xz) xz -dc "$path" > "$staging/modules/${name%.xz}"; name="${name%.xz}" ;;
            *.ko.zst) zstd -qdc "$path" > "$staging/modules/${name%.zst}"; name="${name%.zst}" ;;
            *) cp "$path" "$staging/modules/$name" ;;
        esac
        echo "$name" >> "$staging/modules/order"
    done
    cat > "$staging/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /modules/order); do insmod "/modules/$module" 2>/dev/null; done
work=$(sed -n 's/.*hpcs.work=\([^ ]*\).*/\1/p' /proc/cmdline)
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host || { echo "vm: no host root"; poweroff -f; }
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
ln -sf /proc/self/fd /host/dev/fd 2>/dev/null
mkdir -p /host/dev/shm && mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
mount -t tmpfs -o mode=1777 tmpfs /host/tmp
mount -t tmpfs -o mode=755 tmpfs /host/run
mount -t tmpfs -o mode=755 tmpfs /host/mnt
# The repository again, at its own path: a checkout under /tmp (CI's clones, say) is hidden by the tmpfs above.
repo=$(sed -n 's/.*hpcs.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p "/host$repo" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose repo "/host$repo" || { echo "vm: no repo share"; poweroff -f; }
mkdir -p "/host$work" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work "/host$work" \
    || { echo "vm: no work share"; poweroff -f; }
echo "vm: ready"
DM_DISABLE_UDEV=1 chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
    DM_DISABLE_UDEV=1 HPCS_VM=1 /bin/sh "$work/.vm-command" > "/host$work/.vm-output" 2>&1
echo $? > "/host$work/.vm-status"
cat "/host$work/.vm-output"
sync
umount "/host$work" 2>/dev/null
poweroff -f
INIT
    chmod 755 "$staging/init"
    (cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
fi

# The command, quoted once for the guest's sh.
{
    printf 'cd %q || exit 126\n' "$work"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} > "$work/.vm-command"
rm -f "$work/.vm-status" "$work/.vm-output"

accel="tcg"
[ -w /dev/kvm ] && [ "${HPCS_VM_KVM:-0}" = 1 ] && accel="kvm:tcg"
drives=()
for disk in "${disks[@]}"; do drives+=(-drive "file=$disk,format=raw,if=virtio,cache=unsafe"); done
set +e
timeout --foreground "$timeout" qemu-system-x86_64 -machine pc,accel="$accel" -smp 1 -m "$memory" \
    -nographic -no-reboot -nodefaults -serial stdio \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 earlyprintk=serial loglevel=4 panic=-1 hpcs.work=$work hpcs.repo=$root" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$root,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$work,mount_tag=work,security_model=none" \
    "${drives[@]}" > "$work/.vm-console" 2>&1
qemu_status=$?
set -e
if [ -f "$work/.vm-output" ]; then cat "$work/.vm-output"; fi
if [ "$qemu_status" -eq 124 ]; then
    echo "run.sh: the guest did not finish within ${timeout}s (console: $work/.vm-console)" >&2
    exit 124
fi
if [ -f "$work/.vm-status" ]; then exit "$(cat "$work/.vm-status")"; fi
echo "run.sh: the guest ended without a status (console: $work/.vm-console)" >&2
exit 125
