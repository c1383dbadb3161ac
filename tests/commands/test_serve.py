"""Against a real `chronogan serve` (uvicorn + worker subprocess) over HTTP."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.helpers import MODEL, ServeProcess, wait_for

KEY = "test-key"
ENV = {
    "CHRONOGAN_API_KEY": KEY,
    "CHRONOGAN_POLL_SECONDS": "0.1",
    "CHRONOGAN_HEARTBEAT_SECONDS": "0.5",
    "CHRONOGAN_ORT_THREADS": "1",
}
AUTH = {"X-API-Key": KEY}


@pytest.fixture
def serve(model_store: Path, tmp_path: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(model_store, tmp_path / "serve.log", **ENV)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _job(server: ServeProcess, job_id: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{server.url}/v1/jobs/{job_id}").json()


def test_generate_batch_and_auth_over_http(serve: ServeProcess) -> None:
    url = serve.url
    gen = httpx.post(f"{url}/v1/models/{MODEL}/generate", json={"n_sequences": 3, "seed": 2, "format": "csv"})
    assert gen.status_code == 200 and gen.headers["x-chronogan-seed"] == "2"
    stream = httpx.post(f"{url}/v1/models/{MODEL}/generate", json={"n_sequences": 3, "seed": 2, "format": "ndjson"})
    assert len(stream.text.splitlines()) == len(pd.read_csv(io.StringIO(gen.text)))

    assert httpx.post(f"{url}/v1/models/{MODEL}/batches", json={"n_sequences": 5}).status_code == 401
    wrong = httpx.post(f"{url}/v1/models/{MODEL}/batches", json={"n_sequences": 5}, headers={"X-API-Key": "x"})
    assert wrong.status_code == 403
    resp = httpx.post(f"{url}/v1/models/{MODEL}/batches", json={"n_sequences": 50, "seed": 2}, headers=AUTH)
    assert resp.status_code == 202
    job_id = resp.json()["id"]
    wait_for(lambda: _job(serve, job_id)["state"] == "succeeded", timeout=60, interval=0.1)
    result = httpx.get(f"{url}/v1/jobs/{job_id}/result")
    assert result.status_code == 200
    assert pd.read_parquet(io.BytesIO(result.content))["meter_id"].nunique() == 50
    assert 'chronogan_jobs{state="succeeded"} 1' in httpx.get(f"{url}/metrics").text


def test_clean_shutdown_stops_the_worker(model_store: Path, tmp_path: Path) -> None:
    server = ServeProcess(model_store, tmp_path / "serve.log", **ENV)
    server.wait_ready()
    job_id = httpx.post(f"{server.url}/v1/models/{MODEL}/batches", json={"n_sequences": 1}, headers=AUTH).json()["id"]
    wait_for(lambda: _job(server, job_id)["state"] == "succeeded", timeout=60, interval=0.1)
    worker_pid = _job(server, job_id)["worker_pid"]
    assert server.stop() == 0
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)


def test_restart_with_job_in_flight(model_store: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = ServeProcess(model_store, log, **ENV)
    try:
        server.wait_ready()
        # Big enough to be still running when the process group is killed.
        resp = httpx.post(
            f"{server.url}/v1/models/{MODEL}/batches", json={"n_sequences": 50_000, "seed": 4}, headers=AUTH
        )
        job_id = resp.json()["id"]
        wait_for(lambda: _job(server, job_id)["state"] == "running", timeout=60, interval=0.05)
        dead_worker = _job(server, job_id)["worker_pid"]
    finally:
        server.kill()  # serve and worker die mid-job: no chance to clean up

    server = ServeProcess(model_store, log, **ENV)
    try:
        server.wait_ready()
        wait_for(lambda: _job(server, job_id)["state"] == "failed", timeout=30, interval=0.1)
        failed = _job(server, job_id)
        assert f"pid {dead_worker}" in failed["error"] and "retry" in failed["error"]
        assert failed["links"]["retry"] == f"/v1/jobs/{job_id}/retry"
        assert not (model_store / ".jobs" / "files" / job_id / "result.parquet").exists()  # only a .part

        # Retry re-runs the same job (same id, same parameters and seed).
        retried = httpx.post(f"{server.url}/v1/jobs/{job_id}/retry", headers=AUTH)
        assert retried.status_code == 202 and retried.json()["state"] == "queued"
        wait_for(lambda: _job(server, job_id)["state"] in ("succeeded", "failed"), timeout=120, interval=0.2)
        done = _job(server, job_id)
        assert done["state"] == "succeeded", done["error"]
        assert done["attempts"] == 2 and done["result"]["n_sequences"] == 50_000
    finally:
        server.stop()


def test_sigterm_worker_requeues_then_finishes(serve: ServeProcess) -> None:
    # A worker that is asked to stop gives its job back; serve restarts the worker, which finishes it.
    resp = httpx.post(f"{serve.url}/v1/models/{MODEL}/batches", json={"n_sequences": 30_000, "seed": 1}, headers=AUTH)
    job_id = resp.json()["id"]
    wait_for(lambda: _job(serve, job_id)["progress"] > 0, timeout=60, interval=0.05)
    os.kill(_job(serve, job_id)["worker_pid"], signal.SIGTERM)
    wait_for(lambda: _job(serve, job_id)["state"] == "succeeded", timeout=120, interval=0.2)
    assert _job(serve, job_id)["attempts"] == 1  # released, not failed


def test_two_api_processes_share_the_port_and_their_metrics_add_up(model_store: Path, tmp_path: Path) -> None:
    from tests.helpers import parse_samples

    server = ServeProcess(model_store, tmp_path / "serve.log", **ENV, CHRONOGAN_HTTP_WORKERS="2")
    try:
        server.wait_ready()
        wait_for(lambda: len(_api_pids(server.proc.pid)) == 2, timeout=30, interval=0.1)
        n_requests = 30
        for i in range(n_requests):  # a new connection each: the kernel spreads them over both processes
            resp = httpx.post(f"{server.url}/v1/models/{MODEL}/generate", json={"n_sequences": 2, "seed": i})
            assert resp.status_code == 200
        for _ in range(3):  # whichever process answers the scrape reports every process's counts
            samples = parse_samples(httpx.get(f"{server.url}/metrics").text)
            generated = sum(s.value for s in samples if s.name == "chronogan_sequences_generated_total")
            counted = sum(
                s.value
                for s in samples
                if s.name == "chronogan_http_request_duration_seconds_count" and s.labels["route"].endswith("generate")
            )
            assert (generated, counted) == (2 * n_requests, n_requests)
    finally:
        assert server.stop() == 0


def _api_pids(serve_pid: int) -> list[int]:
    import psutil

    children = psutil.Process(serve_pid).children(recursive=True)
    return [
        c.pid for c in children if "multiprocessing" in " ".join(c.cmdline()) and "spawn_main" in " ".join(c.cmdline())
    ]


def test_processes_and_threads_are_sized_together(tmp_path: Path) -> None:
    from chronogan.service.api.settings import Settings

    from chronogan.commands.serve import ProcessPlan, plan_processes

    base = Settings(store=tmp_path)
    assert plan_processes(base, cores=2) == ProcessPlan(http_workers=2, ort_threads=1)
    assert plan_processes(base, cores=8) == ProcessPlan(http_workers=8, ort_threads=1)
    one = base.model_copy(update={"http_workers": 1})
    assert plan_processes(one, cores=2) == ProcessPlan(http_workers=1, ort_threads=2)
    fixed = base.model_copy(update={"ort_threads": 3})
    assert plan_processes(fixed, cores=2) == ProcessPlan(http_workers=2, ort_threads=3)


def test_workers_below_one_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import subprocess_env

    cmd = [sys.executable, "-m", "chronogan.cli", "serve", "--workers", "0", "--store", str(tmp_path)]
    proc = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--workers" in proc.stderr
