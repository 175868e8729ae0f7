#!/bin/bash
# What each feature of a small PutObject costs the stack's CPU, measured by switching it off.
#
#   Benchmarks/ablate.sh [ROUNDS] [PUTS]
#
# Builds osswire-bench (static Swift runtime, as shipped) from the committed HEAD with
# Benchmarks/ablate.patch applied, in Benchmarks/.build-ablate. The patch adds switches read from
# OSSWIRE_ABLATE: `sign` (fixed headers instead of a V4 signature), `crc` (no CRC64 of the
# upload), `signal` (no cancellation links or handlers), `valid` (no header checks in the encoder
# or the signer), `metrics` (no metrics sink; the request-sent and first-byte
# clock reads skipped, its start and total still timed). Such a build is never shipped: it
# only measures.
#
# Then runs `profile-small --layer memory` (PutObjects against an in-memory server: the stack's
# CPU alone, no kernel, no other process) on CPU 1, each variant once a round, for ROUNDS rounds,
# and prints each variant's median µs and the median of what it saved against the full stack in
# the same round. What is left with every switch off is the plumbing between the layers.
#
# The patch names lines of the sources; when they change it stops applying, and this script
# says so.
set -euo pipefail
ROUNDS=${1:-15}; PUTS=${2:-30000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$here/.build-ablate
rm -rf "$work/src"
mkdir -p "$work/src"
git -C "$root" archive HEAD | tar -x -C "$work/src"
# Inside this repository's tree, a plain `git apply` would skip every path as outside it, and
# say nothing: the ceiling keeps git from finding the repository, so the patch applies as a patch.
if ! (cd "$work/src" && GIT_CEILING_DIRECTORIES="$work" git apply "$here/ablate.patch") \
  || ! grep -q 'Ablate.sign' "$work/src/Sources/OSSClient/SignerAdapter.swift"; then
  echo "ablate.sh: Benchmarks/ablate.patch does not apply to HEAD; refresh it" >&2
  exit 1
fi
swift build -c release --static-swift-stdlib --package-path "$work/src/Benchmarks" --scratch-path "$work/build" 2>&1 | tail -1
bench=$work/build/release/osswire-bench
variants="none sign crc signal valid metrics sign,crc,signal,valid,metrics"
out=$work/results
: > "$out"
for _ in $(seq "$ROUNDS"); do
  for v in $variants; do
    t=$(OSSWIRE_ABLATE=$v taskset -c 1 "$bench" profile-small --port 1 --count "$PUTS" --layer memory | awk '{print $(NF-2)}')
    echo "$v $t" >> "$out"
  done
done
python3 - "$out" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
saved = collections.defaultdict(list)
base = None
for line in open(sys.argv[1]):
    v, t = line.split()
    t = float(t)
    times[v].append(t)
    if v == "none":
        base = t
    else:
        saved[v].append(base - t)
print("PutObject of 4 KiB in memory, static runtime; medians of %d rounds" % len(times["none"]))
for v, ts in times.items():
    line = "  %-32s %6.2f us" % ("all features" if v == "none" else "without " + v.replace(",", "+"), statistics.median(ts))
    if v in saved:
        s = sorted(saved[v])
        line += "   saves %5.2f us (quartiles %.2f to %.2f)" % (statistics.median(s), s[len(s) // 4], s[3 * len(s) // 4])
    print(line)
PY
