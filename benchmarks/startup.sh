#!/usr/bin/env bash
# Paired start-up ratios with the interpreter of a non-editable install (see startup.py).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.bench-venv
if [[ ! -x $venv/bin/python || pyproject.toml -nt $venv/.installed || -n "$(find gitopsctl -newer $venv/.installed -name '*.py' -print -quit 2>/dev/null)" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q .
  touch "$venv/.installed"
fi
exec "$venv/bin/python" benchmarks/startup.py "$@"
