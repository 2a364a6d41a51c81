#!/usr/bin/env bash
# Installs the Debian packages swift-hpcs needs to build and test (idempotent; quick when all are present).
# Swift itself is expected on PATH (Swift 6.1 or newer).
set -euo pipefail
packages=(libssl-dev pkg-config openssl python3 python3-venv cryptsetup-bin fdisk e2fsprogs util-linux curl
    xfsprogs systemd)
# The VM suite (make vm-test): QEMU boots a Debian kernel (dm-crypt, ext4, 9p) with a busybox initramfs.
packages+=(qemu-system-x86 linux-image-amd64 busybox-static cpio)
# The gRPC C core (the `.cgrpc` GREP11 transport) and, for the benchmarks' baselines, its C++ API and protoc plugin.
packages+=(libgrpc-dev libgrpc++-dev protobuf-compiler protobuf-compiler-grpc)
# The CA service's shared store: the tests start their own PostgreSQL cluster on 127.0.0.1.
packages+=(postgresql)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "swift not found on PATH" >&2; exit 1; }

# IBM's Python Key Protect client (PyPI keyprotect 3.0.1 on ibm-cloud-sdk-core) for the interop test and the
# benchmark baseline, in a venv at .build-python/ (Debian's system python is externally managed: pip --user is
# refused there). Tests find it at .build-python/bin/python3 or through HPCS_PYTHON. A failure only warns here:
# the interop test then fails in CI (CI set) with these instructions, and is skipped elsewhere.
root="$(cd "$(dirname "$0")/.." && pwd)"
if command -v python3 >/dev/null; then
    "$root/.build-python/bin/python3" -c 'import keyprotect, ibm_cloud_sdk_core, grpc, grpc_tools, grpc_status, cryptography, pkilint' 2>/dev/null \
        || { python3 -m venv --clear "$root/.build-python" \
            && "$root/.build-python/bin/python3" -m pip install -q --disable-pip-version-check \
                'keyprotect==3.0.1' 'ibm-cloud-sdk-core>=3.24,<4' \
                grpcio grpcio-tools grpcio-status cryptography pkilint; } \
        || echo "warning: could not install the Python interop packages into .build-python (python3-venv and network needed)" >&2
else
    echo "warning: python3 not found; the Python Key Protect interop test will not run" >&2
fi
