#!/bin/bash
# What a 1 GiB PUT costs the whole machine: wall time and the CPU time of both cores together
# (from /proc/stat, so the server's share and the kernel's count too), for the C raw write loop,
# `osswire cp` (one PutObject, V4, CRC64 on) and `curl -T`, against Benchmarks/C/refserver with
# CRC64 on, in alternating rounds; medians.
#
# On N cores no client finishes faster than (its CPU + its server's) / N. So a target of x times
# the raw loop's speed needs the client and its server together to cost at most
# N * raw wall / x CPU-seconds.
#
# usage: Benchmarks/put-cpu.sh [OSSWIRE] [ROUNDS]
#   OSSWIRE  default .build/release/osswire (swift build -c release --product osswire)
#   ROUNDS   default 6
# Starts one refserver on 127.0.0.1 and stops it by its pid; removes its temp dir.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../.build/release/osswire}
ROUNDS=${2:-6}
work=$(mktemp -d /tmp/osswire-put-cpu.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 -o "$work/refserver" "$here/C/refserver.c" -lssl -lcrypto -llzma
cc -O2 -o "$work/refclient" "$here/C/refclient.c" -lssl -lcrypto -llzma
head -c $((1 << 30)) /dev/urandom > "$work/file"
sync  # no write-back of the new file during the runs
"$work/refserver" -c > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.log" && break; sleep 0.05; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$work/server.log")
OSS_ACCESS_KEY_ID=LTAIbenchmark OSS_ACCESS_KEY_SECRET=bench-secret-not-real \
python3 - "$port" "$BIN" "$work" "$ROUNDS" <<'PY'
import os, statistics, subprocess, sys, time
port, osswire, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tick = os.sysconf("SC_CLK_TCK")
cores = os.cpu_count()

def busy():
    # user, nice, system, irq, softirq, in ticks: not idle, iowait, or steal (a VM's host
    # running something else), and not guest, which user already counts.
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return v[0] + v[1] + v[2] + v[5] + v[6]

clients = {
    "C raw write loop": [work + "/refclient", "put", port, "/bench/k", str(1 << 30)],
    "osswire cp (PutObject)": [osswire, "cp", work + "/file", "oss://bench/k", "--endpoint",
                               "http://127.0.0.1:" + port, "--region", "cn-hangzhou", "--part-size", "1073741824"],
    "curl -T": ["/usr/bin/curl", "-s", "-S", "-f", "-o", "/dev/null", "-T", work + "/file",
                "http://127.0.0.1:%s/bench/k" % port],
}
samples = {name: [] for name in clients}
for r in range(rounds):
    names = list(clients)
    names = names[r % len(names):] + names[:r % len(names)]
    for name in names:
        b0, t0 = busy(), time.monotonic()
        subprocess.run(clients[name], check=True, stdout=subprocess.DEVNULL)
        wall, cpu = time.monotonic() - t0, (busy() - b0) / tick
        samples[name].append((wall, cpu))
print("1 GiB PUT, %d rounds, %d cores; medians (CPU: both cores, client + server + kernel):" % (rounds, cores))
for name, s in samples.items():
    wall = statistics.median(w for w, _ in s)
    cpu = statistics.median(c for _, c in s)
    print("  %-24s wall %.3f s  CPU %.3f s  (no faster than %.3f s on %d cores)" % (name, wall, cpu, cpu / cores, cores))
raw = statistics.median(w for w, _ in samples["C raw write loop"])
print("  0.9x the raw loop's speed needs a wall of %.3f s: at most %.3f CPU-seconds for client and server"
      % (raw / 0.9, cores * raw / 0.9))
PY
