"""Crashes and faults: a killed worker, broken model files, a full disk, concurrent retrains.

Each scenario checks the same promises: the active version keeps serving, no partial version or file is
visible, the affected job ends `failed` with a reason (and can be retried), and nothing else changes.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from chronogan.service.api.main import create_app
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.worker import Worker
from fastapi.testclient import TestClient

from chronogan.artifacts.errors import ConflictError
from chronogan.artifacts.store import ModelStore
from chronogan.artifacts.tables import ChunkedTableWriter
from tests.helpers import MODEL, TINY, ServeProcess, fixed_quality, make_settings, wait_for
from tests.reliability.storecheck import active_versions, store_snapshot

KEY = "crash-key"
AUTH = {"X-API-Key": KEY}
ENV = {
    "CHRONOGAN_API_KEY": KEY,
    "CHRONOGAN_POLL_SECONDS": "0.1",
    "CHRONOGAN_HEARTBEAT_SECONDS": "0.5",
    "CHRONOGAN_ORT_THREADS": "1",
    "CHRONOGAN_GATE_STEPS": "20",  # the retrain gate's classifiers: seconds, not minutes
    "CHRONOGAN_GATE_REPEATS": "2",
}
# Short training without the minute-long quality evaluation; long enough to be killed in the middle.
RETRAIN = {**TINY, "max_minutes": 0.15, "evaluate": False}


def _job(url: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{url}/v1/jobs/{job_id}", timeout=10).json()


def _visible_versions(store: Path) -> list[str]:
    return sorted(p.name for p in (store / MODEL).iterdir() if p.is_dir())


def _kill_worker_of(url: str, job_id: str) -> int:
    pid = int(_job(url, job_id)["worker_pid"])
    os.kill(pid, signal.SIGKILL)  # a crash: no handler runs, nothing is cleaned up
    return pid


def _assert_failed_then_retry(url: str, job_id: str, dead_pid: int) -> dict[str, Any]:
    # serve restarts the worker; its start-up recovery marks the orphaned job failed with the reason.
    wait_for(lambda: _job(url, job_id)["state"] == "failed", timeout=60, interval=0.1)
    failed = _job(url, job_id)
    assert f"pid {dead_pid}" in failed["error"] and "retry" in failed["error"], failed
    retried = httpx.post(f"{url}/v1/jobs/{job_id}/retry", headers=AUTH, timeout=10)
    assert retried.status_code == 202, retried.text
    wait_for(lambda: _job(url, job_id)["state"] in ("succeeded", "failed"), timeout=150, interval=0.2)
    done = _job(url, job_id)
    assert done["state"] == "succeeded", done["error"]
    assert done["attempts"] == 2
    return done


def test_sigkill_worker_mid_batch_and_mid_training(model_store: Path, tmp_path: Path) -> None:
    server = ServeProcess(model_store, tmp_path / "serve.log", **ENV)
    url = server.url
    try:
        server.wait_ready()
        before = store_snapshot(model_store)

        # --- mid-batch: big enough to be still writing when the worker dies.
        batch = httpx.post(
            f"{url}/v1/models/{MODEL}/batches", json={"n_sequences": 40_000, "seed": 9}, headers=AUTH
        ).json()
        wait_for(lambda: _job(url, batch["id"])["progress"] > 0, timeout=60, interval=0.05)
        dead = _kill_worker_of(url, batch["id"])
        # The API process is untouched: the active version keeps serving while the worker is down.
        gen = httpx.post(f"{url}/v1/models/{MODEL}/generate", json={"n_sequences": 2, "seed": 1})
        assert gen.status_code == 200 and gen.json()["version"] == "v1"
        wait_for(lambda: _job(url, batch["id"])["state"] == "failed", timeout=60, interval=0.1)
        files = model_store / ".jobs" / "files" / batch["id"]
        # No complete-looking file, and the recovering worker removes the dead one's .part right after the reap.
        wait_for(lambda: not any(files.glob("result.*")), timeout=10)
        assert httpx.get(f"{url}/v1/jobs/{batch['id']}/result").status_code == 409
        done = _assert_failed_then_retry(url, batch["id"], dead)
        result = httpx.get(f"{url}/v1/jobs/{batch['id']}/result", timeout=60)
        assert pd.read_parquet(io.BytesIO(result.content))["meter_id"].nunique() == 40_000
        assert done["result"]["n_sequences"] == 40_000

        # --- mid-training: the retrain's worker dies while the GAN trains.
        job = _retrain_over_http(url, model_store)
        # Training reports progress rarely; a few seconds after the claim, torch is loaded and the GAN trains.
        wait_for(lambda: _job(url, job["id"])["state"] == "running", timeout=60, interval=0.05)
        time.sleep(4)
        assert _job(url, job["id"])["state"] == "running"
        dead = _kill_worker_of(url, job["id"])
        gen = httpx.post(f"{url}/v1/models/{MODEL}/generate", json={"n_sequences": 2, "seed": 1})
        assert gen.status_code == 200 and gen.json()["version"] == "v1"
        wait_for(lambda: _job(url, job["id"])["state"] == "failed", timeout=60, interval=0.1)
        # No partial version: v1 only, nothing left in staging, the store as it was (but the job db).
        assert _visible_versions(model_store) == ["v1"]
        assert not list((model_store / ".staging").glob("*")) if (model_store / ".staging").exists() else True
        # A killed process cannot clean up: its (unlocked, empty) lock file and staging folder may stay.
        left = {k: v for k, v in store_snapshot(model_store).items() if not k.startswith((".staging", ".locks"))}
        assert left == {k: v for k, v in before.items() if not k.startswith((".staging", ".locks"))}
        done = _assert_failed_then_retry(url, job["id"], dead)
        assert done["result"]["version"] == "v2" and _visible_versions(model_store) == ["v1", "v2"]
        # The gate decided on held-out data; the active pointer is what it decided.
        live = "v2" if done["result"]["activated"] else "v1"
        assert active_versions(model_store)[MODEL] == json.dumps({"version": live}) + "\n"
    finally:
        server.stop()


_CSV: dict[str, bytes] = {}


def _retrain_over_http(url: str, store: Path) -> dict[str, Any]:
    from chronogan.training.data.samples import energy_meters

    from chronogan.artifacts.tables import table_bytes

    if "energy" not in _CSV:
        _CSV["energy"] = table_bytes(energy_meters(n_entities=16, seed=0), "csv")
    resp = httpx.post(
        f"{url}/v1/models/{MODEL}/retrain",
        files={"file": ("energy.csv", _CSV["energy"], "text/csv")},
        data={"options": json.dumps(RETRAIN)},
        headers=AUTH,
        timeout=60,
    )
    assert resp.status_code == 202, resp.text
    return resp.json()


# ---- broken model files ----------------------------------------------------------------------------


@pytest.fixture
def two_versions(model_store: Path) -> Path:
    """`energy` v1 (active) and v2, a byte copy of v1 with its own manifest version."""
    v1, v2 = model_store / MODEL / "v1", model_store / MODEL / "v2"
    shutil.copytree(v1, v2)
    manifest = json.loads((v2 / "manifest.json").read_text())
    manifest["version"] = "v2"
    (v2 / "manifest.json").write_text(json.dumps(manifest))
    return model_store


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _gen(client: TestClient, version: str | None = None) -> Any:
    body: dict[str, Any] = {"n_sequences": 2, "seed": 5}
    if version:
        body["version"] = version
    return client.post(f"/v1/models/{MODEL}/generate", json=body)


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
@pytest.mark.parametrize("target", ["inactive", "active"])
def test_broken_onnx_refused_others_serve(two_versions: Path, settings: Settings, damage: str, target: str) -> None:
    broken, good = ("v2", "v1") if target == "inactive" else ("v1", "v2")
    graph = two_versions / MODEL / broken / "generator.onnx"
    if damage == "corrupt":
        _flip_bytes(graph)
    else:
        graph.unlink()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        refused = _gen(client, broken)
        assert refused.status_code == 503, refused.text
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert f"{MODEL}/{broken}" in problem["detail"]
        assert ("corrupt" if damage == "corrupt" else "missing") in problem["detail"]
        assert str(two_versions) not in refused.text  # names the version, not the server's paths

        assert _gen(client, good).status_code == 200  # the other version keeps serving
        default = _gen(client)
        assert default.status_code == (503 if target == "active" else 200)

        ready = client.get("/readyz").json()
        assert f"{MODEL}/{broken}" in ready["failed"] and f"{MODEL}/{good}" in ready["loaded"]
        detail = client.get(f"/v1/models/{MODEL}").json()
        status = {v["version"]: v["status"] for v in detail["versions"]}
        assert status[broken] == "failed" and status[good] == "loaded"
        # A broken version cannot be activated; a good one can (the way out of a broken active version).
        if target == "inactive":
            assert client.post(f"/v1/models/{MODEL}/versions/{broken}/activate").status_code == 409
            assert active_versions(two_versions)[MODEL].strip() == json.dumps({"version": "v1"})
        else:
            assert client.post(f"/v1/models/{MODEL}/versions/{good}/activate").status_code == 200
            assert _gen(client).json()["version"] == good


def test_broken_active_version_makes_readyz_not_ready(model_store: Path, settings: Settings) -> None:
    _flip_bytes(model_store / MODEL / "v1" / "generator.onnx")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.app.state.services.registry.warm_active()  # type: ignore[attr-defined]
        ready = client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert f"{MODEL}/v1" in ready.json()["failed"]


def test_unreadable_manifest_does_not_hide_other_versions(two_versions: Path, settings: Settings) -> None:
    (two_versions / MODEL / "v2" / "manifest.json").write_text("{not json")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        detail = client.get(f"/v1/models/{MODEL}")
        assert detail.status_code == 200
        status = {v["version"]: v["status"] for v in detail.json()["versions"]}
        assert status == {"v1": "not_loaded", "v2": "unreadable"}
        assert _gen(client).status_code == 200
        assert _gen(client, "v2").status_code == 503


# ---- disk full -------------------------------------------------------------------------------------


def _mount_tmpfs(path: Path, size: str) -> bool:
    """A size-limited tmpfs at `path`: a real full disk. Needs privileges; False where there are none."""
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture
def small_jobs_dir(tmp_path: Path) -> Iterator[Path | None]:
    """The jobs folder on a 256 KiB tmpfs when one can be mounted, else None (the writer is patched)."""
    import subprocess

    path = tmp_path / "jobs-tmpfs"
    if not _mount_tmpfs(path, "256k"):
        yield None
        return
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)


def test_disk_full_during_batch_fails_cleanly(
    model_store: Path, small_jobs_dir: Path | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(model_store, **({"jobs_dir": small_jobs_dir} if small_jobs_dir else {}))
    real_write = ChunkedTableWriter.write
    if small_jobs_dir is None:
        # No privileges to mount a tmpfs: the writer runs out of space after its first chunk instead.
        def write(self: ChunkedTableWriter, df: pd.DataFrame) -> None:
            if self.rows:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
            real_write(self, df)

        monkeypatch.setattr(ChunkedTableWriter, "write", write)
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    # CSV: uncompressed, so 2,500 sequences are far more than 256 KiB.
    job = client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 2500, "seed": 1, "format": "csv"}).json()
    assert Worker(settings).run(until_empty=True) == 1
    failed = client.get(f"/v1/jobs/{job['id']}").json()
    assert failed["state"] == "failed" and "No space left on device" in failed["error"], failed
    assert str(settings.store) not in failed["error"] and str(settings.jobs_dir_path) not in failed["error"]
    job_dir = settings.jobs_dir_path / job["id"]
    assert not job_dir.exists() or not any(job_dir.iterdir())  # no .part, no result
    assert client.get(f"/v1/jobs/{job['id']}/result").status_code == 409
    # Space is back: the retry writes the whole file.
    if small_jobs_dir is None:
        monkeypatch.setattr(ChunkedTableWriter, "write", real_write)
    else:
        import subprocess

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_jobs_dir)], check=True, timeout=10)
    assert client.post(f"/v1/jobs/{job['id']}/retry").status_code == 202
    assert Worker(settings).run(until_empty=True) == 1
    assert client.get(f"/v1/jobs/{job['id']}").json()["result"]["n_sequences"] == 2500


def test_disk_full_while_saving_an_upload(
    model_client: TestClient, settings: Settings, training_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil as shutil_mod

    def full(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/somewhere/upload.csv")

    monkeypatch.setattr(shutil_mod, "copyfileobj", full)
    before = store_snapshot(settings.store)
    resp = model_client.post(
        f"/v1/models/{MODEL}/retrain",
        files={"file": ("energy.csv", training_csv.read_bytes(), "text/csv")},
        data={"options": json.dumps(TINY)},
    )
    assert resp.status_code == 507, resp.text
    assert "space" in resp.json()["detail"] and "/somewhere" not in resp.text
    assert store_snapshot(settings.store) == before
    assert model_client.get("/v1/jobs").json() == {"jobs": []}
    assert not settings.jobs_dir_path.exists() or not any(settings.jobs_dir_path.iterdir())


# ---- concurrent retrains -----------------------------------------------------------------------------


def test_two_concurrent_retrains_one_rejected(model_client: TestClient, settings: Settings, training_csv: Path) -> None:
    payload = training_csv.read_bytes()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        barrier.wait()
        resp = model_client.post(
            f"/v1/models/{MODEL}/retrain",
            files={"file": ("energy.csv", payload, "text/csv")},
            data={"options": json.dumps(TINY)},
        )
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [202, 409]
    jobs = model_client.get("/v1/jobs").json()["jobs"]
    assert len(jobs) == 1 and jobs[0]["kind"] == "retrain"
    assert len(list(settings.jobs_dir_path.iterdir())) == 1  # the rejected upload was removed


def test_training_lock_refuses_a_second_writer(model_store: Path, training_csv: Path) -> None:
    # Two processes training one model (CLI + worker): the second is refused before it writes anything.
    from chronogan.training.api import train_version

    store = ModelStore(model_store)
    before = store_snapshot(model_store)
    with store.model_lock(MODEL), fixed_quality(0.3), pytest.raises(ConflictError):
        train_version(training_csv, name=MODEL, store=model_store, options=TINY)
    assert store_snapshot(model_store) == before
