#!/usr/bin/env bash
# DESIGN.md: the release CLI built with --static-swift-stdlib links nothing beyond libc, libm,
# libstdc++, libgcc_s, libssl and libcrypto (and the loader/vdso entries every binary has).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${STATIC_SCRATCH:-.build-static}
swift build -c release --static-swift-stdlib --product osswire --scratch-path "$scratch" >/dev/null
bin="$scratch/release/osswire"
echo "static CLI: $bin ($(du -h "$bin" | cut -f1))"
ldd "$bin"
bad=$(ldd "$bin" | awk '{print $1}' | grep -vE '^(linux-vdso\.so|/lib64/ld-linux-x86-64\.so|/lib/ld-linux-aarch64\.so|ld-linux|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so|libssl\.so|libcrypto\.so)' || true)
if [ -n "$bad" ]; then
    echo "the static CLI links libraries beyond libc, libm, libstdc++, libgcc_s, libssl, libcrypto:"
    echo "$bad"
    exit 1
fi
if strings "$bin" | grep -q 'libFoundation'; then
    echo "the static CLI carries Foundation"
    exit 1
fi
echo "static-link check: ok"
