"""A two-node Ray cluster on loopback (`ray start --head` plus a second `ray start --address`): a batch
job of a million sequences across both nodes, equal to the local executor's file, and a retrain."""

from __future__ import annotations

import json
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
from tests.service.jobs.ray_helpers import finished, local_result, ray_client, ray_settings  # noqa: E402

pytestmark = pytest.mark.slow
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
        # Ray gives a starting raylet a fixed 30 s to register, which a loaded 2-core machine can miss:
        # each node gets three tries.
        head = _start(nodes, address, 1, "--head", "--port", str(port), "--include-dashboard", "false", log=logs)
        _start(nodes, address, 2, "--address", address, log=logs, head=head)
        ray.init(address=address, log_to_driver=False)
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


def _start(
    nodes: list[subprocess.Popen[bytes]],
    address: str,
    count: int,
    *args: str,
    log: Path,
    head: subprocess.Popen[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    for attempt in range(3):
        proc = _node(*args, log=log / f"node{count}-{attempt}.log")
        nodes.append(proc)
        if _wait_nodes(address, count, proc, head or proc):
            return proc
        proc.wait()
    raise RuntimeError(f"ray node {count} did not start; see {log}")


def _wait_nodes(
    address: str,
    count: int,
    proc: subprocess.Popen[bytes],
    head: subprocess.Popen[bytes],
    timeout: float = 240.0,
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if head.poll() is not None:
            raise RuntimeError(f"ray head exited with {head.returncode}")
        try:
            status = subprocess.run(
                [str(RAY), "status", "--address", address], capture_output=True, text=True, timeout=60, check=False
            ).stdout
        except subprocess.TimeoutExpired:
            continue
        if status.count("node_") >= count and "Active:" in status:
            return True
        time.sleep(2)
    raise TimeoutError(f"{count} ray node(s) not up within {timeout}s")


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
        resp = client.post(
            f"/v1/models/{MODEL}/retrain",
            files={"file": (training_csv.name, training_csv.read_bytes(), "text/csv")},
            data={"options": json.dumps({**TINY, "evaluate": False, "promote": True})},
        )
        assert resp.status_code == 202, resp.text
        done = finished(client, resp.json()["id"], timeout=600)
    assert done["state"] == "succeeded", done["error"]
    assert (done["result"]["version"], done["result"]["active_version"]) == ("v2", "v2")
