#!/usr/bin/env bash
# DESIGN.md: the release CLI built with --static-swift-stdlib links nothing beyond libc, libm,
# libstdc++, libgcc_s, libssl and libcrypto (and the loader/vdso entries every binary has).
# The static CLI is built for size (-Osize): the binary for minimal systems, whose memory is
# mostly its own code (Benchmarks/README.md, "Multipart upload"): 6% less text, peak RSS of a
# 2 GiB multipart upload 15.6-15.8 MiB instead of 16.2-16.3, a 1 GiB PUT 5% slower.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${STATIC_SCRATCH:-.build-static}
swift build -c release --static-swift-stdlib -Xswiftc -Osize --product osswire --scratch-path "$scratch" >/dev/null
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
