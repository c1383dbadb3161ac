"""Same seed, same bytes, across code changes: a version saved by an earlier chronogan (tests/data/golden,
trained with TimeGAN on `chronogan sample-data energy`, with the schema.json that older versions wrote)
still loads, and generates exactly the bytes recorded in golden_hashes.json, in all four formats, from the
CLI, the HTTP API and the torch estimator.

An intended change of the output (a new column encoding, another Parquet writer) must update
golden_hashes.json in the same commit, saying why: run this file with CHRONOGAN_WRITE_GOLDEN=1.
Parquet bytes also depend on the pyarrow version (its writer name is in the file).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronogan.cli import main
from tests.helpers import make_settings

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
HASHES = GOLDEN.parent / "golden_hashes.json"
HTTP = {"n_sequences": 50, "seed": 11}
HTTP_CONDITIONED = {"n_sequences": 5, "seed": 2, "seq_len": 4, "context": {"region": "south"}}


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from chronogan.service.api.main import create_app

    root = tmp_path_factory.mktemp("golden")
    store = root / "models"
    shutil.copytree(GOLDEN, store)
    out: dict[str, str] = {}
    for fmt in ("csv", "parquet"):
        path = root / f"cli.{fmt}"
        assert (
            main(["generate", "energy", "--n", "1500", "--seed", "7", "--out", str(path), "--store", str(store)]) == 0
        )
        out[f"cli-{fmt}"] = _sha(path.read_bytes())
    path = root / "conditioned.csv"
    conditioned = ["--n", "20", "--seed", "3", "--context", "region=west", "--seq-len", "9"]
    assert main(["generate", "energy", *conditioned, "--out", str(path), "--store", str(store)]) == 0
    out["cli-conditioned"] = _sha(path.read_bytes())
    with TestClient(create_app(make_settings(store))) as client:
        for fmt in ("csv", "parquet", "json", "ndjson"):
            resp = client.post("/v1/models/energy/generate", json={**HTTP, "format": fmt})
            assert resp.status_code == 200, resp.text
            out[f"http-{fmt}"] = _sha(resp.content)
        resp = client.post("/v1/models/energy/generate", json={**HTTP_CONDITIONED, "format": "csv"})
        assert resp.status_code == 200, resp.text
        out["http-conditioned"] = _sha(resp.content)
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_generated_bytes_are_unchanged(produced: dict[str, str]) -> None:
    if os.environ.get("CHRONOGAN_WRITE_GOLDEN") == "1":
        HASHES.write_text(json.dumps({**json.loads(HASHES.read_text()), **produced}, indent=1) + "\n")
    expected = json.loads(HASHES.read_text())
    assert {k: produced[k] for k in produced} == {k: expected[k] for k in produced}


def test_old_version_loads_in_the_estimator_and_samples_the_same_bytes() -> None:
    from chronogan.training import load

    from chronogan.artifacts.tables import table_bytes

    model = load(GOLDEN / "energy" / "v1")
    got = _sha(table_bytes(model.sample(30, seed=5), "csv"))
    if os.environ.get("CHRONOGAN_WRITE_GOLDEN") == "1":
        HASHES.write_text(json.dumps({**json.loads(HASHES.read_text()), "estimator-csv": got}, indent=1) + "\n")
    assert got == json.loads(HASHES.read_text())["estimator-csv"]
