#!/usr/bin/env bash
# Median wall time of `gitopsctl --help` against a bare `python3 -c pass` (issue: at most 4x).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python benchmarks/startup.py "$@"
