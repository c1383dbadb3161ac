"""A short load run (8 clients x 5 s) against a real `chronogan serve` while a batch job runs: 0 errors.

The 64-client, 60-second run is `benchmarks/reliability/load.py` (figures in RELIABILITY.md).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.helpers import MODEL, ServeProcess
from tests.reliability.load_driver import drive, start_background_jobs

KEY = "load-key"


def test_short_load_has_no_errors(model_store: Path, tmp_path: Path) -> None:
    server = ServeProcess(model_store, tmp_path / "serve.log", CHRONOGAN_API_KEY=KEY, CHRONOGAN_ORT_THREADS="1")
    try:
        server.wait_ready()
        job_ids = start_background_jobs(server.url, MODEL, KEY, None, n_batch=20_000)
        result = asyncio.run(
            drive(server.url, clients=8, duration=5, model=MODEL, job_ids=job_ids, api_pid=server.proc.pid)
        )
    finally:
        server.stop()
    summary = result.summary()
    print(summary)
    assert result.requests > 50, summary
    assert result.errors == 0, summary
    assert summary["rss_api_mb"], "the server's memory was not sampled"
