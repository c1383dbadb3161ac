"""Helpers for the Ray executor tests: an app whose jobs a `RayDriver` runs, the local executor's bytes
for the same request, and the Ray worker processes of this test session."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.cluster.driver import RayDriver
from chronogan.service.jobs.worker import Worker
from fastapi.testclient import TestClient

from tests.helpers import MODEL, make_settings, wait_for


def init_local_ray(attempts: int = 3) -> None:
    """`ray.init(num_cpus=2)` on loopback (127.0.0.2: Ray rewrites 127.0.0.1, see `ray_cluster`). Ray gives
    its raylet a fixed 30 s to register, which a loaded 2-core machine can miss; a second start then
    usually succeeds."""
    import ray

    from tests.service.jobs.ray_cluster import HEAD_IP

    for attempt in range(attempts):
        try:
            ray.init(
                address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address=HEAD_IP
            )
            return
        except Exception:
            ray.shutdown()
            if attempt == attempts - 1:
                raise


def ray_settings(store: Path, **overrides: Any) -> Settings:
    return make_settings(store, executor="ray", **overrides)


@contextlib.contextmanager
def ray_client(settings: Settings) -> Iterator[tuple[TestClient, RayDriver]]:
    """The API with a running driver (Ray must already be initialised by the test)."""
    app = create_app(settings)
    driver = RayDriver(settings)
    app.state.services.executor = driver
    driver.start()
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, driver
    finally:
        driver.stop()


def finished(client: TestClient, job_id: str, timeout: float = 300.0) -> dict[str, Any]:
    def done() -> bool:
        return client.get(f"/v1/jobs/{job_id}").json()["state"] not in ("queued", "running")

    wait_for(done, timeout=timeout, interval=0.2)
    return client.get(f"/v1/jobs/{job_id}").json()


def upload_retrain(client: TestClient, csv: Path, options: dict[str, Any]) -> str:
    """POST a retrain of the test model; returns the job id."""
    resp = client.post(
        f"/v1/models/{MODEL}/retrain",
        files={"file": (csv.name, csv.read_bytes(), "text/csv")},
        data={"options": json.dumps(options)},
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["id"]


def local_result(store: Path, body: dict[str, Any]) -> bytes:
    """The file the local executor writes for the same request (same model version and seed)."""
    settings = make_settings(store, jobs_db=store / ".local-jobs" / "jobs.sqlite3", jobs_dir=store / ".local-jobs")
    with TestClient(create_app(settings)) as client:
        job = client.post(f"/v1/models/{MODEL}/batches", json=body).json()
        assert Worker(settings).run(until_empty=True) == 1
        resp = client.get(f"/v1/jobs/{job['id']}/result")
        assert resp.status_code == 200, resp.text
        return resp.content


def shard_processes() -> list[psutil.Process]:
    """Ray workers of this test session (our descendants) busy with a batch shard."""
    found = []
    for proc in psutil.Process(os.getpid()).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any("ray::batch_shard" in part for part in proc.cmdline()):
                found.append(proc)
    return found
