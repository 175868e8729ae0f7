#!/usr/bin/env bash
# Issue 8, point 2: builds the FaultMatrix package and runs every fault of the mock server
# against single PUT, multipart upload and download, writing docs/FAULT-MATRIX.md.
# Usage: scripts/fault-matrix.sh [--only FAULT-SUBSTRING] (then the table goes to stdout).
# Exits 1 when a cell hangs or its integrity check fails.
set -euo pipefail
cd "$(dirname "$0")/../FaultMatrix"
swift build -c debug --product fault-matrix >&2
if [ $# -gt 0 ]; then
    exec timeout 900 .build/debug/fault-matrix "$@"
fi
exec timeout 900 .build/debug/fault-matrix ../docs/FAULT-MATRIX.md
