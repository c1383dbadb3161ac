#!/usr/bin/env bash
# Set up, train the default model from generated sample data if the store has none, then serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
STORE="${CHRONOGAN_STORE:-models}"
if ! .venv/bin/chronogan models --store "$STORE" | grep -qx "energy"; then
  mkdir -p var
  .venv/bin/chronogan sample-data energy --out var/energy_meters.csv
  # Two trials side by side (one core each, the better kept): the same three minutes, less seed luck.
  .venv/bin/chronogan train var/energy_meters.csv --name energy --sequence-key meter_id \
    --max-minutes "${CHRONOGAN_DEMO_MINUTES:-3}" --trials "${CHRONOGAN_DEMO_TRIALS:-2}" --store "$STORE"
fi
exec .venv/bin/chronogan serve --store "$STORE" "$@"
