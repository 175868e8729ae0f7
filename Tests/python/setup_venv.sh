#!/usr/bin/env bash
# Creates the virtual environment the mock-server tests run in, with the official OSS Python SDK
# (alibabacloud-oss-v2) from PyPI: a client we did not write, to check the mock against.
# Usage: Tests/python/setup_venv.sh [VENV_DIR]   (default: Tests/python/.venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-${OSSWIRE_PY_VENV:-$here/.venv}}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import alibabacloud_oss_v2" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
echo "$venv"
