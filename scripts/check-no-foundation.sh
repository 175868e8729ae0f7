#!/usr/bin/env bash
# DESIGN.md: nothing under Sources/ imports Foundation (the CLI included).
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rnE '^\s*(@preconcurrency\s+)?(@_exported\s+)?((public|internal|private|fileprivate|package)\s+)?import\s+(Foundation|FoundationEssentials|FoundationNetworking|FoundationXML)\b' Sources || true)
if [ -n "$hits" ]; then
    echo "Foundation imported under Sources/ (DESIGN.md forbids it):"
    echo "$hits"
    exit 1
fi
echo "no-foundation check: ok (no Foundation import under Sources/)"
