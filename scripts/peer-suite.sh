#!/usr/bin/env bash
# Runs the official OSS Python SDK's integration suite (alibabacloud-oss-v2 1.3.2, pinned under
# shared/peer-suites, never copied here) against `osswire mock-server`: a fresh mock per file on a
# free loopback port, stopped by its PID; prints the counts of each file and the total.
#
# Usage: scripts/peer-suite.sh SUITE_DIR [--all | FILE...]
#   SUITE_DIR  the folder that holds integration/ (../shared/peer-suites/alibabacloud-oss-v2)
#   FILE       paths under integration/; default: the files of the features the mock implements;
#              --all: every test file of the suite (about three minutes)
# Environment: OSSWIRE_BIN (default .build/debug/osswire, built when missing), OSSWIRE_PEER_VENV
# (default .build/peer-suite-venv, created with the SDK from PyPI when missing),
# PEER_TEST_TIMEOUT (seconds a test may take, default 180), PEER_FILE_TIMEOUT (a file, 1800).
#
# The tests that need operations the mock does not implement are listed by operation in
# Sources/OSSMockServer/Docs.docc/PeerSuite.md; they are expected to fail. Exit status 1 when any
# other test fails or errors, or when a listed test passes (the list must stay exact).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ]; then
    echo "usage: scripts/peer-suite.sh SUITE_DIR [--all | FILE...]" >&2
    exit 2
fi
suite="$(cd "$1" 2>/dev/null && pwd)" || { echo "peer-suite: no folder $1" >&2; exit 2; }
shift
[ -d "$suite/integration" ] || { echo "peer-suite: $suite has no integration/ folder" >&2; exit 2; }
files=("$@")
if [ "${1:-}" = "--all" ]; then
    mapfile -t files < <(cd "$suite/integration" && find . -name 'test_*.py' | sed 's|^\./||' | LC_ALL=C sort)
elif [ ${#files[@]} -eq 0 ]; then
    files=(test_client.py test_client_filelike.py test_paginator.py test_presign.py test_encryption_client.py
        aio/test_object_basic_async.py aio/test_multipart_upload_async.py aio/test_paginator_async.py
        aio/test_presign_async.py aio/test_client_extension_async.py aio/test_bucket_basic_async.py
        test_bucket_cors_client.py test_bucket_lifecycle_client.py test_bucket_website_client.py
        test_bucket_referer_client.py test_bucket_logging_client.py test_bucket_encryption_client.py
        test_bucket_tags_client.py test_bucket_policy_client.py
        test_object_basic.py test_clean_restored_object_client.py test_public_access_block_client.py
        test_bucket_public_access_block_client.py)
fi
listed="$root/Sources/OSSMockServer/Docs.docc/PeerSuite.md"

# The mock under test.
bin="${OSSWIRE_BIN:-$root/.build/debug/osswire}"
if [ ! -x "$bin" ]; then
    echo "peer-suite: building osswire" >&2
    (cd "$root" && swift build --product osswire >&2)
fi

# The SDK in a virtual environment of our own (PyPI, pinned to the suite's version).
venv="${OSSWIRE_PEER_VENV:-$root/.build/peer-suite-venv}"
if ! "$venv/bin/python" -c 'import alibabacloud_oss_v2, pytest, pytest_timeout, aiohttp' 2>/dev/null; then
    echo "peer-suite: installing alibabacloud-oss-v2==1.3.2 into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        'alibabacloud-oss-v2==1.3.2' pytest pytest-timeout aiohttp
fi

work="$(mktemp -d)"
mock_pid=""
stop_mock() {
    if [ -n "$mock_pid" ] && kill -0 "$mock_pid" 2>/dev/null; then
        kill -TERM "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
    fi
    mock_pid=""
}
trap 'stop_mock; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# tests/integration as the suite expects it: a folder of links to the pinned files (a link to the
# folder itself would send the tests' `__file__/../data` into the read-only suite), and
# tests/data/example.jpg, a file the suite reads but does not ship (any bytes do: the tests upload
# it and compare what they read back).
mkdir -p "$work/tests/integration" "$work/tests/data"
: >"$work/tests/__init__.py"
for entry in "$suite/integration"/*; do ln -s "$entry" "$work/tests/integration/$(basename "$entry")"; done
head -c 21839 /dev/urandom >"$work/tests/data/example.jpg"

access_id="peer-suite-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
access_secret="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

# Starts a mock on a free port; sets mock_pid and endpoint.
start_mock() {
    local out="$work/mock.out"
    : >"$out"
    "$bin" mock-server --host 127.0.0.1 --port 0 --access-key-id "$access_id" --access-key-secret "$access_secret" \
        >"$out" 2>"$work/mock.err" &
    mock_pid=$!
    endpoint=""
    for _ in $(seq 1 600); do
        endpoint="$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$out")"
        [ -n "$endpoint" ] && return 0
        kill -0 "$mock_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "peer-suite: the mock did not start: $(cat "$work/mock.err")" >&2
    return 1
}

status=0
for f in "${files[@]}"; do
    if [ ! -f "$suite/integration/$f" ]; then
        echo "peer-suite: no file integration/$f" >&2
        status=1
        continue
    fi
    start_mock
    xml="$work/$(echo "$f" | tr '/' '_').xml"
    set +e
    # The lifecycle tests were written in China Standard Time: they send a naive local time
    # stamp as a date and expect the UTC+8 day back, so they run in that zone.
    tz="${TZ:-UTC}"
    case "$f" in *lifecycle*) tz=CST-8 ;; esac
    (cd "$work" && TZ="$tz" OSS_TEST_ACCESS_KEY_ID="$access_id" OSS_TEST_ACCESS_KEY_SECRET="$access_secret" \
        OSS_TEST_ENDPOINT="$endpoint" OSS_TEST_REGION=cn-hangzhou \
        timeout --kill-after=10 "${PEER_FILE_TIMEOUT:-1800}" "$venv/bin/python" -m pytest "tests/integration/$f" \
        -p no:cacheprovider -q --timeout="${PEER_TEST_TIMEOUT:-180}" --junitxml="$xml" \
        >"$work/pytest.out" 2>&1)
    rc=$?
    set -e
    stop_mock
    if [ ! -s "$xml" ]; then
        echo "peer-suite: $f: pytest wrote no report (exit $rc):" >&2
        tail -n 30 "$work/pytest.out" >&2
        status=1
        continue
    fi
    cp "$work/pytest.out" "$xml.log"
done

# Counts per file against the list of tests that are not reproduced.
"$venv/bin/python" - "$listed" "$work" "${files[@]}" <<'EOF' || status=1
import re, sys, xml.etree.ElementTree as ET
listed_path, work, files = sys.argv[1], sys.argv[2], sys.argv[3:]
listed = set(re.findall(r"`([\w/]+\.py::\w+::\w+)`", open(listed_path, encoding="utf-8").read()))
total = {"passed": 0, "failed": 0, "listed": 0, "skipped": 0}
unexpected, exact = [], []
for f in files:
    path = "%s/%s.xml" % (work, f.replace("/", "_"))
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        print("peer-suite: %s: no report" % f)
        unexpected.append(f + " (no report)")
        continue
    outcome = {}
    for case in tree.iter("testcase"):
        cls = case.get("classname", "").split(".")
        node = "%s.py::%s::%s" % ("/".join(cls[2:-1]), cls[-1], case.get("name"))
        bad = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        state = "failed" if bad else ("skipped" if skipped else "passed")
        if outcome.get(node) != "failed":
            outcome[node] = state
    c = {"passed": 0, "failed": 0, "listed": 0, "skipped": 0}
    for node, state in sorted(outcome.items()):
        if node in listed:
            if state == "failed":
                c["listed"] += 1
            else:
                exact.append(node)
                c[state] += 1
        else:
            c[state] += 1
            if state == "failed":
                unexpected.append(node)
    for k in total:
        total[k] += c[k]
    print("peer-suite: %-40s %4d passed, %3d failed, %3d not reproduced (listed), %2d skipped"
          % (f, c["passed"], c["failed"], c["listed"], c["skipped"]))
for node in unexpected:
    print("peer-suite: FAILED %s" % node)
for node in exact:
    print("peer-suite: listed as not reproduced in PeerSuite.md but %s: %s" % ("did not fail", node))
print("peer-suite: %d passed, %d failed, %d not reproduced (listed), %d skipped"
      % (total["passed"], total["failed"], total["listed"], total["skipped"]))
sys.exit(1 if unexpected or exact else 0)
EOF
if [ -n "${PEER_SUITE_KEEP:-}" ]; then
    rm -rf "$PEER_SUITE_KEEP" && cp -r "$work" "$PEER_SUITE_KEEP"
fi
exit "$status"
