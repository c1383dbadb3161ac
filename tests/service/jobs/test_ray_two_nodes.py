"""A two-node Ray cluster on loopback (`ray start --head` plus a second `ray start --address`): a batch
job of a million sequences across both nodes, equal to the local executor's file, and a retrain."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from tests.helpers import MODEL, TINY  # noqa: E402
from tests.service.jobs.ray_helpers import (  # noqa: E402
    finished,
    local_result,
    ray_client,
    ray_settings,
    upload_retrain,
)

# Opt-in: on the loaded 2-core development machine the second `ray start` never joined within Ray's fixed
# registration window, so this test has not passed here yet (issue 12 stays open until it does in CI).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CHRONOGAN_TEST_RAY_TWO_NODES") != "1",
        reason="two-node Ray cluster test is opt-in: set CHRONOGAN_TEST_RAY_TWO_NODES=1",
    ),
]
RAY = Path(sys.executable).with_name("ray")


def _free_port_below_10000() -> int:
    for port in range(6391, 6500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 6391-6499")


def _node(*args: str, log: Path) -> subprocess.Popen[bytes]:
    # --block: the `ray start` process stays in the foreground and stops its node when it is terminated,
    # so the test stops exactly what it started.
    cmd = [str(RAY), "start", "--block", "--node-ip-address", "127.0.0.1", "--num-cpus", "1", *args]
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if ray.is_initialized():
        ray.shutdown()
    logs = tmp_path_factory.mktemp("ray-logs")
    port = _free_port_below_10000()
    address = f"127.0.0.1:{port}"
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        # Ray gives a starting raylet a fixed 30 s to register, which a loaded 2-core machine can miss
        # (the `ray start` then exits): the head gets three tries.
        for attempt in range(3):
            head = _node("--head", "--port", str(port), "--include-dashboard", "false", log=logs / f"head{attempt}.log")
            nodes.append(head)
            try:
                _connect(address, head)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        for attempt in range(3):
            worker = _node("--address", address, log=logs / f"worker{attempt}.log")
            nodes.append(worker)
            deadline = time.monotonic() + 300
            while len([n for n in ray.nodes() if n["Alive"]]) < 2 and worker.poll() is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the second ray node did not join; see {logs}")
                time.sleep(1)
            if worker.poll() is None:
                break
        else:
            raise RuntimeError(f"the second ray node did not start; see {logs}")
        yield address
    finally:
        ray.shutdown()
        for proc in reversed(nodes):
            proc.terminate()
        for proc in nodes:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _connect(address: str, head: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    """Join the head once its GCS answers (the driver authenticates with the token `ray start` saved)."""
    deadline = time.monotonic() + timeout
    while True:
        if head.poll() is not None:
            raise RuntimeError(f"ray head exited with {head.returncode}")
        try:
            ray.init(address=address, log_to_driver=False)
            return
        except Exception:
            ray.shutdown()
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def test_million_sequences_across_two_nodes(cluster: str, model_store: Path) -> None:
    body = {"n_sequences": 1_000_000, "seed": 2024, "format": "parquet"}
    settings = ray_settings(model_store, ray_address=cluster)
    with ray_client(settings) as (client, _):
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        job = client.post(f"/v1/models/{MODEL}/batches", json=body).json()
        done = finished(client, job["id"], timeout=1800)
        assert done["state"] == "succeeded", done["error"]
        assert done["result"]["nodes"] == 2 and done["result"]["parts"] == 16
        ray_file = model_store.parent / "ray.parquet"
        with ray_file.open("wb") as fh, client.stream("GET", f"/v1/jobs/{job['id']}/result") as resp:
            for piece in resp.iter_bytes():
                fh.write(piece)
    local = local_result(model_store, body)
    assert ray_file.stat().st_size == len(local) and ray_file.read_bytes() == local
    shutil.rmtree(Path(done["result"]["dataset"]))


def test_retrain_on_the_cluster(cluster: str, model_store: Path, training_csv: Path) -> None:
    settings = ray_settings(model_store, ray_address=cluster)
    with ray_client(settings) as (client, _):
        job_id = upload_retrain(client, training_csv, {**TINY, "evaluate": False, "promote": True})
        done = finished(client, job_id, timeout=600)
    assert done["state"] == "succeeded", done["error"]
    assert (done["result"]["version"], done["result"]["active_version"]) == ("v2", "v2")
