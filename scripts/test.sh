#!/usr/bin/env bash
# Set up and run the test suite (and the linter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check service training tests benchmarks
exec .venv/bin/python -m pytest "$@"
