#!/usr/bin/env bash
# Set up and run the test suite (and the linter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check chronogan service training tests benchmarks setup.py
.venv/bin/ruff format --check chronogan service training tests benchmarks setup.py
exec .venv/bin/python -m pytest "$@"
