#!/bin/bash
# Compares two builds of osswire-bench on small PUTs, in pairs of alternating runs: on a VM whose
# speed drifts from minute to minute, only runs next to each other compare.
#
#   Benchmarks/ab-small.sh OLD_BENCH NEW_BENCH [PAIRS] [PUTS]
#   LAYER=memory Benchmarks/ab-small.sh OLD_BENCH NEW_BENCH [PAIRS] [PUTS]
#
# Starts Benchmarks/C/refserver (CRC64 on) on CPU 0, runs `profile-small --count PUTS` of each
# binary on CPU 0, A then B or B then A by turns, and prints the median of the B/A time ratios
# with its quartiles (below 1: B is faster). The server is stopped at the end. With LAYER set,
# each run is `profile-small --layer LAYER` instead (`memory`: the stack's CPU alone, against an
# in-memory server; the refserver is then unused).
set -euo pipefail
A=$1; B=$2; PAIRS=${3:-20}; PUTS=${4:-3000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 -o "$work/refserver" "$here/C/refserver.c" -lssl -lcrypto -llzma
head -c 4096 /dev/urandom > "$work/body"
taskset -c 0 "$work/refserver" -f "$work/body" -c > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.log" && break; sleep 0.05; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")
run() { taskset -c 0 "$1" profile-small --port "$port" --count "$PUTS" ${LAYER:+--layer "$LAYER"} | tail -1 | awk '{print $(NF-2)}'; }
for i in $(seq "$PAIRS"); do
  if [ $((i % 2)) = 0 ]; then a=$(run "$A"); b=$(run "$B"); else b=$(run "$B"); a=$(run "$A"); fi
  echo "$a $b" >> "$work/pairs"
done
python3 - "$work/pairs" <<'PY'
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
r = sorted(b / a for a, b in pairs)
print("pairs %d: median A %.1f us, B %.1f us; median B/A %.3f (quartiles %.3f-%.3f)" % (
    len(pairs), statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
    statistics.median(r), r[len(r) // 4], r[3 * len(r) // 4]))
PY
