#!/usr/bin/env bash
# Creates the virtual environment the multipart benchmark runs the official Python SDK's
# uploader in (alibabacloud-oss-v2, the same pin as the mock-server tests). Reuses
# Tests/python/setup_venv.sh; prints the venv's directory.
# Usage: Benchmarks/python/setup_venv.sh [VENV_DIR]   (default: Benchmarks/python/.venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../../Tests/python/setup_venv.sh" "${1:-${OSSWIRE_BENCH_VENV:-$here/.venv}}"
