#!/usr/bin/env bash
# Create .venv (if missing) and install chronogan with training, ray and dev extras, torch pinned to the CPU wheel.
# (ray: ~240 MB, under a minute from a warm cache; the Ray executor tests need it.)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[train,ray,dev]"
