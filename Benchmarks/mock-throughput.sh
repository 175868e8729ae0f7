#!/bin/bash
# The mock's own throughput under bench-like load: V4 header-signed 4 KiB PutObject, GetObject
# and HeadObject from C concurrent kept-alive connections, sent by `osswire http --count`, and the
# mock's CPU time per request (from /proc/PID/stat).
#
# The signed request heads are captured from osswire itself (a small python3 listener stands in
# for OSS once) and replayed with -H: the same signature is valid for the mock's 15-minute skew
# window, so the mock verifies a real V4 signature on every request, as under `osswire bench`.
#
# usage: Benchmarks/mock-throughput.sh [OSSWIRE] [COUNT] [CONCURRENCY]
#   OSSWIRE      default .build/release/osswire (swift build -c release --product osswire)
#   COUNT        requests per operation (default 20000)
#   CONCURRENCY  connections (default 8)
# Starts one `osswire mock-server` on 127.0.0.1 and stops it by its pid; removes its temp dir.
set -euo pipefail
BIN=${1:-.build/release/osswire}
N=${2:-20000}
C=${3:-8}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
D=$(mktemp -d /tmp/osswire-mock-throughput.XXXXXX)
MP=
cleanup() { [ -n "$MP" ] && kill "$MP" 2>/dev/null && wait "$MP" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
cd "$D"
export OSS_ACCESS_KEY_ID=LTAI-mock-demo-key OSS_ACCESS_KEY_SECRET=mock-demo-secret OSS_REGION=cn-hangzhou
head -c 4096 /dev/urandom > 4k.bin

# Answers a HEAD with a 4 KiB object's headers, records every request head as NAME.METHOD, and
# stops after a PUT or a GET. Prints its port.
cat > capture.py <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
done = False
while not done:
    c, _ = s.accept(); data = b""
    while True:
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d: break
            data += d
        if b"\r\n\r\n" not in data: break
        head, data = data.split(b"\r\n\r\n", 1)
        method = head.split(b" ")[0].decode().lower()
        open(sys.argv[1] + "." + method, "w").write(head.decode().replace("\r", "") + "\n")
        if method == "head":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nETag: \"X\"\r\nx-oss-object-type: Normal\r\n"
                      b"Last-Modified: Sat, 05 Dec 2026 08:00:00 GMT\r\n\r\n")
        else:
            done = True
            break
    c.close()
PY
capture() {  # capture NAME osswire-args...
    local name=$1; shift
    python3 capture.py "$name" > "$name.port" & local cp=$!
    for _ in $(seq 50); do [ -s "$name.port" ] && break; sleep 0.1; done
    "$BIN" "$@" --endpoint "http://127.0.0.1:$(cat "$name.port")" --timeout 2 > /dev/null 2>&1 || true
    wait $cp
}
capture up cp 4k.bin oss://bkt/obj
capture down cp oss://bkt/obj "$D/out.bin"
headers() {  # the captured head as -H arguments, without the request line, Host and Content-Length
    grep -v -i -E '^(PUT|GET|HEAD) |^host:|^content-length:' "$1" | grep . | while IFS= read -r l; do
        printf -- '-H\n%s\n' "$l"
    done
}
mapfile -t PUTH < <(headers up.put)
mapfile -t GETH < <(headers down.get)
mapfile -t HEADH < <(headers down.head)

"$BIN" mock-server --port 0 --bucket bkt > mock.out 2>&1 &
MP=$!
for _ in $(seq 100); do grep -q listening mock.out && break; sleep 0.1; done
PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' mock.out | sed 's/.*://')
URL=http://127.0.0.1:$PORT/bkt/obj
"$BIN" http put "$URL" --file 4k.bin "${PUTH[@]}" > /dev/null
cpu() { awk '{print $14 + $15}' "/proc/$MP/stat"; }
hz=$(getconf CLK_TCK)
echo "mock-server on $URL; $N requests per operation, $C connections, 4 KiB objects, V4 header-signed"
for op in put get head; do
    case $op in
        put) args=(put "$URL" --file 4k.bin "${PUTH[@]}") ;;
        get) args=(get "$URL" "${GETH[@]}") ;;
        head) args=(head "$URL" "${HEADH[@]}") ;;
    esac
    c0=$(cpu)
    "$BIN" http "${args[@]}" --count "$N" --concurrency "$C" --timeout 60 \
        | sed -n '1s|http://[^ ]*|URL|p;/status /p;/error /p;/total ms/p;/first byte ms/p'
    c1=$(cpu)
    echo "  mock CPU $(( (c1 - c0) * 1000 / hz )) ms: $(( (c1 - c0) * 1000000 / hz / N )) us a request"
done
grep -E '^VmHWM' "/proc/$MP/status" | sed 's/^/mock /'
