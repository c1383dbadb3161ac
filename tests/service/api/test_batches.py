"""Batch jobs through the API and an in-process worker: completion, download, reproducibility."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from chronogan.service.api.settings import Settings
from chronogan.service.jobs.worker import Worker
from fastapi.testclient import TestClient

from tests.helpers import MODEL


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_batch_to_completion_and_download(model_client: TestClient, settings: Settings, fmt: str) -> None:
    # More than one chunk (1024 sequences), so chunked writing is exercised.
    resp = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 1100, "seed": 3, "format": fmt})
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert resp.headers["location"] == f"/v1/jobs/{job['id']}"
    assert (job["state"], job["params"]["version"], job["params"]["seed"]) == ("queued", "v1", 3)
    assert model_client.get(f"/v1/jobs/{job['id']}/result").status_code == 409

    assert Worker(settings).run(until_empty=True) == 1
    done = model_client.get(f"/v1/jobs/{job['id']}").json()
    assert done["state"] == "succeeded", done["error"]
    assert done["progress"] == 1.0 and done["links"]["result"] == f"/v1/jobs/{job['id']}/result"

    download = model_client.get(done["links"]["result"])
    assert download.status_code == 200 and download.headers["x-chronogan-seed"] == "3"
    reader = pd.read_parquet if fmt == "parquet" else pd.read_csv
    table = reader(io.BytesIO(download.content))
    assert len(table) == done["result"]["rows"] and table["meter_id"].nunique() == 1100

    # Same version + seed as a synchronous request: the same sequences (the first ones compared).
    sync = model_client.post(f"/v1/models/{MODEL}/generate", json={"n_sequences": 1100, "seed": 3, "format": fmt})
    expected = reader(io.BytesIO(sync.content))
    pd.testing.assert_frame_equal(table, expected)


def test_batch_seed_drawn_and_validated(model_client: TestClient) -> None:
    job = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 10}).json()
    assert isinstance(job["params"]["seed"], int)
    bad = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 10, "context": {"nope": 1}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "context"
    assert model_client.post("/v1/models/unknown/batches", json={"n_sequences": 10}).status_code == 404
    big = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 5_000_000})
    assert big.status_code == 202  # millions are fine as a batch


def test_cancel_queued_batch(model_client: TestClient, settings: Settings) -> None:
    job = model_client.post(f"/v1/models/{MODEL}/batches", json={"n_sequences": 10}).json()
    assert model_client.post(f"/v1/jobs/{job['id']}/cancel").json()["state"] == "canceled"
    assert Worker(settings).run(until_empty=True) == 0
    listed = model_client.get("/v1/jobs", params={"state": "canceled"}).json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert 'chronogan_jobs{state="canceled"} 1' in model_client.get("/metrics").text


@pytest.mark.parametrize("route", ["batches", "generate"])
@pytest.mark.parametrize("field", ["seed", "n_sequences", "seq_len"])
def test_booleans_are_not_numbers(model_client: TestClient, route: str, field: str) -> None:
    """`true` is not a seed or a count (schemathesis found `{"seed": true}` queued as seed 1): 422 naming it."""
    body: dict[str, object] = {"n_sequences": 4, field: True}
    resp = model_client.post(f"/v1/models/{MODEL}/{route}", json=body)
    assert resp.status_code == 422, resp.text
    assert field in resp.text
