"""A two-node Ray cluster on loopback (`ray start --head` plus a second `ray start --address`): a batch
job of a million sequences across both nodes, equal to the local executor's file, and a retrain."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from tests.helpers import MODEL, TINY  # noqa: E402
from tests.service.jobs.ray_cluster import HEAD_IP, WORKER_IP, alive_nodes, loopback_cluster  # noqa: E402
from tests.service.jobs.ray_helpers import (  # noqa: E402
    finished,
    local_result,
    ray_client,
    ray_settings,
    upload_retrain,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with loopback_cluster() as address:
        yield address


def test_million_sequences_across_two_nodes(cluster: str, model_store: Path) -> None:
    # A million sequences of 3 steps: the count is the point (16 shards over two nodes), not the row count,
    # which would make this test minutes of onnxruntime work on both executors (4.7-9.5 min at full length).
    body = {"n_sequences": 1_000_000, "seed": 2024, "format": "parquet", "seq_len": 3}
    settings = ray_settings(model_store, ray_address=cluster)
    with ray_client(settings) as (client, _):
        assert sorted(node["NodeManagerAddress"] for node in alive_nodes()) == [HEAD_IP, WORKER_IP]
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
