#!/usr/bin/env bash
# Create .venv (if missing) and install chronogan with training and dev extras, torch pinned to the CPU wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[train,dev]"
