#!/usr/bin/env bash
# Set up and run the linter, the formatter check, the type checker and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check chronogan service training tests benchmarks setup.py
.venv/bin/ruff format --check chronogan service training tests benchmarks setup.py
bash scripts/typecheck.sh
exec .venv/bin/python -m pytest "$@"
