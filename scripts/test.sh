#!/usr/bin/env bash
# Set up and run the linter, the formatter check, the type checker and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check chronogan service training tests benchmarks setup.py
.venv/bin/ruff format --check chronogan service training tests benchmarks setup.py
bash scripts/typecheck.sh
rc=0
.venv/bin/python -m pytest --durations=15 "$@" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || exit "$rc"
# The slow tests (a two-node Ray cluster on loopback, a million sequences): a second pass, so CI runs
# them while a developer's `pytest` stays fast. Exit code 5 = nothing selected (e.g. a file without any).
rc=0
.venv/bin/python -m pytest -m slow --durations=10 "$@" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || exit "$rc"
