"""Same seed, same bytes, in all four formats, before and after the fast paths (orjson, streamed CSV).

"Before" is the code this service had: json.dumps for JSON and NDJSON (the reference encoders in
tests/artifacts/test_decode_fast_paths.py) and one CSV/Parquet body built from the whole table. The request
spans two generation chunks, so the streamed CSV and NDJSON bodies are joined from several pieces.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronogan.artifacts.runtime import CHUNK_SEQUENCES, LoadedModel
from chronogan.artifacts.store import ModelStore
from chronogan.artifacts.tables import table_bytes
from tests.artifacts.test_decode_fast_paths import _reference_body, _reference_values
from tests.helpers import MODEL

URL = f"/v1/models/{MODEL}/generate"
N = CHUNK_SEQUENCES + 76  # two chunks
SEED = 21


def _reference(model_store: Path, fmt: str) -> bytes:
    store = ModelStore(model_store)
    model = LoadedModel.load(store.version_dir(MODEL, store.resolve(MODEL)), threads=1)
    df = model.generate(N, seed=SEED)
    if fmt == "json":
        return _reference_body(df, {"model": MODEL, "version": "v1", "seed": SEED})
    if fmt == "ndjson":
        names = [str(c) for c in df.columns]
        rows = zip(*[_reference_values(df[c]) for c in df.columns], strict=True)
        dumps = [json.dumps(dict(zip(names, r, strict=True)), separators=(",", ":"), ensure_ascii=False) for r in rows]
        return "".join(line + "\n" for line in dumps).encode()
    return table_bytes(df, fmt)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["json", "csv", "ndjson", "parquet"])
def test_bytes_match_the_previous_encoders(model_client: TestClient, model_store: Path, fmt: str) -> None:
    resp = model_client.post(URL, json={"n_sequences": N, "seed": SEED, "format": fmt})
    assert resp.status_code == 200, resp.text
    assert resp.content == _reference(model_store, fmt)
    assert model_client.post(URL, json={"n_sequences": N, "seed": SEED, "format": fmt}).content == resp.content


def test_large_csv_is_streamed(model_client: TestClient) -> None:
    small = model_client.post(URL, json={"n_sequences": 3, "seed": 1, "format": "csv"})
    large = model_client.post(URL, json={"n_sequences": N, "seed": 1, "format": "csv"})
    # A streamed body has no Content-Length (chunked transfer); the small one is built whole.
    assert "content-length" in small.headers
    assert "content-length" not in large.headers and large.headers["content-type"].startswith("text/csv")
    assert large.text.count("\n") > N and large.text.splitlines()[0] == small.text.splitlines()[0]
