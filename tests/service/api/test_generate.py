"""Models, synchronous generation (every format), reproducibility, conditioning, broken versions, rollback."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.helpers import MODEL

URL = f"/v1/models/{MODEL}/generate"


def clone_version(store: Path, src: str, dst: str) -> None:
    """A second version without a second training run: same files, manifest renamed."""
    target = store / MODEL / dst
    shutil.copytree(store / MODEL / src, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["version"] = dst
    (target / "manifest.json").write_text(json.dumps(manifest))


def test_list_and_detail(model_client: TestClient) -> None:
    assert model_client.get("/v1/models").json() == {
        "models": [{"name": MODEL, "active_version": "v1", "versions": ["v1"]}]
    }
    detail = model_client.get(f"/v1/models/{MODEL}").json()
    assert detail["active_version"] == "v1" and detail["id_column"] == "meter_id"
    assert detail["versions"][0]["active"] and "discriminative" in detail["versions"][0]["metrics"]
    assert {c["name"] for c in detail["columns"]} >= {"load_kw", "region"}


def test_json_generation_echoes_seed(model_client: TestClient) -> None:
    resp = model_client.post(URL, json={"n_sequences": 3, "seed": 11})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["model"], body["version"], body["seed"]) == (MODEL, "v1", 11)
    assert resp.headers["x-chronogan-seed"] == "11" and resp.headers["x-chronogan-version"] == "v1"
    assert body["columns"][:2] == ["meter_id", "timestamp"]
    df = pd.DataFrame(body["data"], columns=body["columns"])
    assert df["meter_id"].nunique() == 3 and len(df) >= 3


def test_seed_is_drawn_when_absent(model_client: TestClient) -> None:
    a = model_client.post(URL, json={"n_sequences": 2})
    b = model_client.post(URL, json={"n_sequences": 2})
    assert a.json()["seed"] == int(a.headers["x-chronogan-seed"])
    assert a.json()["seed"] != b.json()["seed"]
    again = model_client.post(URL, json={"n_sequences": 2, "seed": a.json()["seed"]})
    assert again.content == a.content


@pytest.mark.parametrize("fmt", ["json", "csv", "ndjson", "parquet"])
def test_same_seed_same_bytes(model_client: TestClient, fmt: str) -> None:
    body = {"n_sequences": 4, "seed": 5, "format": fmt}
    first, second = model_client.post(URL, json=body), model_client.post(URL, json=body)
    assert first.status_code == 200 and first.content == second.content
    assert model_client.post(URL, json={**body, "seed": 6}).content != first.content


def test_formats_agree(model_client: TestClient) -> None:
    body = {"n_sequences": 3, "seed": 9}
    as_json = model_client.post(URL, json=body).json()
    csv = model_client.post(URL, json=body, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    ndjson = model_client.post(URL, json=body, headers={"Accept": "application/x-ndjson"})
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in ndjson.text.splitlines()]
    parquet = model_client.post(URL, json={**body, "format": "parquet"})
    table = pd.read_parquet(io.BytesIO(parquet.content))

    n = len(as_json["data"])
    assert len(rows) == n == len(table) == len(pd.read_csv(io.StringIO(csv.text)))
    assert list(rows[0]) == as_json["columns"] == list(table.columns)
    assert rows[0]["load_kw"] == pytest.approx(as_json["data"][0][as_json["columns"].index("load_kw")])


def test_context_conditioning(model_client: TestClient) -> None:
    detail = model_client.get(f"/v1/models/{MODEL}").json()
    ctx = next(c for c in detail["columns"] if c["is_context"] and c["categories"])
    value = ctx["categories"][-1]
    resp = model_client.post(URL, json={"n_sequences": 6, "seed": 1, "context": {ctx["name"]: value}})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    column = body["columns"].index(ctx["name"])
    assert {row[column] for row in body["data"]} == {value}


def test_bad_request_fields_are_named(model_client: TestClient) -> None:
    bad = model_client.post(URL, json={"n_sequences": 2, "context": {"no_such_column": 1}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "context"
    bad = model_client.post(URL, json={"n_sequences": 2, "start": "not a time"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "start"
    bad = model_client.post(URL, json={"n_sequences": 2, "start": "not a time", "format": "ndjson"})
    assert bad.status_code == 422  # streamed format: validated before the 200 goes out


def test_seq_len_and_start(model_client: TestClient) -> None:
    body = model_client.post(URL, json={"n_sequences": 2, "seed": 3, "seq_len": 5, "start": "2024-03-01"}).json()
    df = pd.DataFrame(body["data"], columns=body["columns"])
    assert df.groupby("meter_id").size().tolist() == [5, 5]
    assert set(df.groupby("meter_id")["timestamp"].first()) == {"2024-03-01T00:00:00"}


def test_unknown_and_invalid_versions(model_client: TestClient) -> None:
    assert model_client.post(URL, json={"n_sequences": 1, "version": "v9"}).status_code == 404
    assert model_client.post(URL, json={"n_sequences": 1, "version": "latest"}).status_code == 422


def test_versions_activate_and_rollback(model_client: TestClient, model_store: Path) -> None:
    clone_version(model_store, "v1", "v2")
    resp = model_client.post(f"/v1/models/{MODEL}/versions/v2/activate")
    assert resp.status_code == 200 and resp.json()["active_version"] == "v2"
    assert model_client.post(URL, json={"n_sequences": 1}).json()["version"] == "v2"
    assert model_client.post(f"/v1/models/{MODEL}/versions/v1/activate").json()["active_version"] == "v1"
    assert model_client.post(URL, json={"n_sequences": 1}).json()["version"] == "v1"
    assert model_client.post(f"/v1/models/{MODEL}/versions/v7/activate").status_code == 404


def test_broken_version_is_refused_while_others_serve(model_client: TestClient, model_store: Path) -> None:
    clone_version(model_store, "v1", "v2")
    graph = model_store / MODEL / "v2" / "generator.onnx"
    graph.write_bytes(graph.read_bytes()[:-10] + b"corrupted!")

    broken = model_client.post(URL, json={"n_sequences": 1, "version": "v2"})
    assert broken.status_code == 503 and "v2" in broken.json()["detail"]
    assert model_client.post(URL, json={"n_sequences": 1}).status_code == 200  # v1 still serves

    ready = model_client.get("/readyz")
    assert ready.status_code == 200 and f"{MODEL}/v2" in ready.json()["failed"]
    versions = {v["version"]: v for v in model_client.get(f"/v1/models/{MODEL}").json()["versions"]}
    assert versions["v2"]["status"] == "failed" and versions["v1"]["status"] == "loaded"

    refused = model_client.post(f"/v1/models/{MODEL}/versions/v2/activate")
    assert refused.status_code == 409 and "broken" in refused.json()["detail"]
    assert model_client.get(f"/v1/models/{MODEL}").json()["active_version"] == "v1"


def test_readyz_warms_active_versions(model_store: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from chronogan.service.api.main import create_app

    from tests.helpers import wait_for

    app = create_app(settings.model_copy(update={"warm_on_start": True}))
    with TestClient(app) as c:
        wait_for(lambda: c.get("/readyz").status_code == 200)
        assert c.get("/readyz").json()["loaded"] == [f"{MODEL}/v1"]


def test_metrics_count_sequences(model_client: TestClient) -> None:
    model_client.post(URL, json={"n_sequences": 7, "seed": 1})
    assert f'chronogan_sequences_generated_total{{model="{MODEL}"}} 7' in model_client.get("/metrics").text
