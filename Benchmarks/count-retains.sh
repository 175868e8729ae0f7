#!/bin/bash
# Counts what one small PUT costs the Swift runtime and the allocator: swift_retain,
# swift_release and malloc calls a PutObject, with uprobes (`perf probe`, root needed).
#
#   Benchmarks/count-retains.sh [BENCH] [LAYER] [PUTS]
#
# BENCH is an osswire-bench binary (default: Benchmarks/.build/release/osswire-bench), LAYER a
# `profile-small` layer that needs no server (memory, memory-http, memory-exchange; default
# memory). It runs PUTS and 2 x PUTS requests (default 10,000) and prints the difference divided
# by PUTS, so start-up and set-up cancel out. The counts are deterministic for one build: the
# measure of ARC traffic that wall time on a shared VM is too noisy to show.
set -euo pipefail
command -v perf >/dev/null || { echo "count-retains: perf is missing (Debian: apt-get install linux-perf)" >&2; exit 1; }
cd "$(dirname "$0")/.."
bench=${1:-Benchmarks/.build/release/osswire-bench}
layer=${2:-memory}
puts=${3:-10000}
# The Swift runtime is in libswiftCore.so for a build that links it dynamically, and in the
# binary itself for one built with --static-swift-stdlib (as the benchmarks are built).
# A static binary keeps the runtime's functions as local symbols, which `perf probe` finds by
# address only.
core=$(ldd "$bench" | awk '/libswiftCore.so/ { print $3 }')
if [ -n "$core" ]; then
    retain=swift_retain; release=swift_release
else
    core=$bench
    address() { nm "$bench" | awk -v f="$1" '$3 == f && !n++ { print "0x" $1 }'; }
    retain=$(address swift_retain); release=$(address swift_release)
fi
[ -n "$retain" ] && [ -n "$release" ] || { echo "count-retains: no swift_retain/swift_release in $bench" >&2; exit 1; }
libc=$(ldd "$bench" | awk '/libc.so.6/ { print $3 }')
[ -n "$libc" ] || { echo "count-retains: $bench does not link libc.so.6" >&2; exit 1; }
scratch=$(mktemp -d)
cleanup() {
    perf probe -q -d 'countretains:*' 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
# By address, perf says it found no debug information and adds the probe anyway: that line is
# dropped, and a probe that cannot be added still stops the script, saying so.
probe() { perf probe -q -x "$1" "$2" 2>/dev/null || { echo "count-retains: perf probe $2 in $1 failed" >&2; exit 1; }; }
probe "$core" "countretains:swift_retain=$retain"
probe "$core" "countretains:swift_release=$release"
perf probe -q -x "$libc" 'countretains:malloc=malloc'
events=countretains:swift_retain,countretains:swift_release,countretains:malloc
for n in "$puts" $((2 * puts)); do
    perf stat -x, -e "$events" -o "$scratch/$n" "$bench" profile-small --port 1 --count "$n" --layer "$layer" >/dev/null
done
awk -F, -v puts="$puts" -v layer="$layer" '
    /^[0-9]/ { split($3, e, ":"); count[FILENAME, e[2]] = $1 }
    END {
        split("swift_retain swift_release malloc", names, " ")
        printf "%s, a PutObject:", layer
        for (i = 1; i <= 3; i++) printf " %s %.1f", names[i], (count[ARGV[2], names[i]] - count[ARGV[1], names[i]]) / puts
        printf "\n"
    }' "$scratch/$puts" "$scratch/$((2 * puts))"
