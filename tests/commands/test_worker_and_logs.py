"""`chronogan worker --once` as a real process, and the structured access log."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from chronogan.service.api.logs import JsonFormatter
from fastapi.testclient import TestClient

from tests.helpers import MODEL, ROOT, subprocess_env


def test_worker_once_runs_queued_jobs(model_client: TestClient, model_store: Path) -> None:
    job = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 20, "format": "csv"}).json()
    proc = subprocess.run(
        [sys.executable, "-m", "chronogan.cli", "worker", "--once", "--store", str(model_store)],
        env=subprocess_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert model_client.get(f"/v1/jobs/{job['id']}").json()["state"] == "succeeded"
    events = [json.loads(line)["msg"] for line in proc.stderr.splitlines() if line.startswith("{")]
    assert {"worker started", "job started", "job finished", "worker stopped"} <= set(events)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access_log() -> Iterator[_Capture]:
    handler = _Capture()
    logger = logging.getLogger("chronogan.access")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_access_log_fields_and_no_data(model_client: TestClient, access_log: _Capture) -> None:
    resp = model_client.post(
        f"/v1/models/{MODEL}/generate", json={"n_sequences": 2, "seed": 8}, headers={"X-Request-ID": "req-1"}
    )
    entry = json.loads(access_log.lines[-1])
    assert entry["request_id"] == "req-1" and entry["route"] == "/v1/models/{name}/generate"
    assert (entry["status"], entry["model"], entry["version"], entry["seed"], entry["n_sequences"]) == (
        200,
        MODEL,
        "v1",
        8,
        2,
    )
    assert entry["latency_ms"] > 0
    # One short line of metadata, no generated values.
    assert "data" not in entry and "columns" not in entry
    assert len(access_log.lines[-1]) < 500 and len(resp.content) > 500
