"""Load test on loopback: N concurrent clients for T seconds against a real `chronogan serve`, while a
batch job and a retrain run in its worker.

    .venv/bin/python benchmarks/reliability/load.py                    # 64 clients x 60 s, own server
    .venv/bin/python benchmarks/reliability/load.py --clients 8 --duration 5

Without --url it trains a tiny model into a temp store and starts `chronogan serve` on 127.0.0.1 (with an
API key, one worker). Clients mix small generate calls, model listing and job polling; every non-2xx answer
or transport error counts as an error. The server's RSS (API process and worker) is sampled twice a second.
Only loopback addresses are accepted: this is not a tool for loading other people's servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.load_driver import drive, start_background_jobs  # noqa: E402


def _own_server(workdir: Path) -> tuple[Any, bytes]:
    """Train a tiny model into a fresh store and start `chronogan serve` on loopback."""
    from chronogan.training.api import train_version
    from chronogan.training.data.samples import energy_meters

    from chronogan.artifacts.tables import table_bytes
    from tests.helpers import MODEL, TINY, ServeProcess, fixed_quality

    csv = table_bytes(energy_meters(n_entities=16, seed=0), "csv")
    data = workdir / "energy.csv"
    data.write_bytes(csv)
    store = workdir / "models"
    with fixed_quality(0.3):
        train_version(data, name=MODEL, store=store, options=TINY)
    server = ServeProcess(store, workdir / "serve.log", CHRONOGAN_API_KEY="load-key", CHRONOGAN_ORT_THREADS="1")
    server.wait_ready()
    return server, csv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--batch-sequences", type=int, default=200_000)
    parser.add_argument("--no-retrain", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the summary JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="chronogan-load-") as tmp:
        server, csv = _own_server(Path(tmp))
        try:
            from tests.helpers import MODEL

            job_ids = start_background_jobs(
                server.url, MODEL, "load-key", None if args.no_retrain else csv, args.batch_sequences
            )
            result = asyncio.run(
                drive(
                    server.url,
                    clients=args.clients,
                    duration=args.duration,
                    model=MODEL,
                    job_ids=job_ids,
                    api_pid=server.proc.pid,
                )
            )
        finally:
            server.stop()
    summary = result.summary()
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
