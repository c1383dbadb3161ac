"""The long schemathesis run: every operation of the app's OpenAPI schema, positive and negative cases,
until at least --min-requests requests were sent (through the ASGI transport, on a temp store holding one
tiny trained model). Prints requests sent / server errors / schema violations.

    .venv/bin/python benchmarks/reliability/fuzz_long.py --min-requests 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-requests", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=60, help="generated cases per operation and mode")
    args = parser.parse_args(argv)

    from chronogan.service.api.main import create_app
    from chronogan.training.api import train_version
    from chronogan.training.data.samples import energy_meters
    from fastapi.testclient import TestClient

    from chronogan.artifacts.tables import write_table
    from tests.helpers import MODEL, TINY, fixed_quality, make_settings
    from tests.reliability.fuzzing import FuzzReport, fuzz

    with tempfile.TemporaryDirectory(prefix="chronogan-fuzz-") as tmp:
        data = Path(tmp) / "energy.csv"
        write_table(energy_meters(n_entities=16, seed=0), data)
        store = Path(tmp) / "models"
        with fixed_quality(0.3):
            train_version(data, name=MODEL, store=store, options=TINY)
        app = create_app(make_settings(store))
        total = FuzzReport()
        started = time.monotonic()
        examples = args.examples
        with TestClient(app):
            app.state.services.registry.warm_active()
            while total.requests < args.min_requests:
                report = fuzz(app, examples=examples, model=MODEL)
                total.requests += report.requests
                total.server_errors += report.server_errors
                total.violations += report.violations
                total.by_status.update(report.by_status)
                total.problems.update(report.problems)
                for key, curl in report.repro.items():
                    total.repro.setdefault(key, curl)
                examples *= 2  # derandomized: a second pass with the same count would repeat the same cases
        print(total.summary())
        print(f"seconds: {time.monotonic() - started:.0f}")
    return 0 if total.server_errors == 0 and total.violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
