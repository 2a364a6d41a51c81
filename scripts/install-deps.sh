#!/usr/bin/env bash
# Installs the Debian packages swift-hpcs needs to build and test (idempotent; quick when all are present).
# Swift itself is expected on PATH (Swift 6.1 or newer).
set -euo pipefail
packages=(libssl-dev pkg-config openssl)
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
