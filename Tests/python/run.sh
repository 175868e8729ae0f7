#!/usr/bin/env bash
# Runs the mock-server checks with clients we did not write: the official Python SDK and curl,
# against the built `osswire mock-server` (<package root>/.build/debug/osswire, or $OSSWIRE_BIN).
# Usage: Tests/python/run.sh   (builds nothing: run `swift build --product osswire` first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export OSSWIRE_BIN="${OSSWIRE_BIN:-$root/.build/debug/osswire}"
if [ ! -x "$OSSWIRE_BIN" ]; then
    echo "run.sh: $OSSWIRE_BIN is missing; build it with: swift build --product osswire" >&2
    exit 1
fi
venv="$("$here/setup_venv.sh" | tail -n 1)"
cd "$here"
exec "$venv/bin/python" -m unittest -v test_mock_server_sdk test_mock_server_curl
