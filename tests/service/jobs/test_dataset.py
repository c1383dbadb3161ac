"""Dataset part files (the Ray executor's output) without Ray: shards joined back give the local file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from chronogan.service.jobs.dataset import (
    MANIFEST_FILE,
    Part,
    read_manifest,
    stream_dataset,
    sweep_temporaries,
    write_manifest,
    write_part,
)

from chronogan.artifacts.runtime import LoadedModel
from chronogan.artifacts.tables import ChunkedTableWriter
from tests.helpers import MODEL

N, SEED = 2600, 11
SHARDS = [(0, 1024), (1024, 2048), (2048, 2600)]  # the last one shorter, as a job's last shard is


@pytest.fixture
def model(model_store: Path) -> LoadedModel:
    return LoadedModel.load(model_store / MODEL / "v1", threads=1)


def _local_file(model: LoadedModel, path: Path, fmt: str) -> bytes:
    with ChunkedTableWriter(path, fmt) as writer:  # exactly what the local batch job does
        for chunk in model.iter_chunks(N, seed=SEED):
            writer.write(chunk)
    return path.read_bytes()


def _write_dataset(model: LoadedModel, uri: str, fmt: str, order: list[int]) -> None:
    parts = {}
    for i in order:  # shards finish in any order on a cluster, and a retried one runs twice
        first, stop = SHARDS[i]
        chunks = model.iter_chunks(N, seed=SEED, shard=(first, stop))
        part = write_part(chunks, uri, index=i, first_sequence=first, sequences=stop - first, fmt=fmt)
        assert parts.setdefault(i, part) == part  # same bytes, same digest
    write_manifest(uri, list(parts.values()), {"format": fmt, "n_sequences": N})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_joined_parts_equal_local_file(model: LoadedModel, tmp_path: Path, fmt: str) -> None:
    local = _local_file(model, tmp_path / f"local.{fmt}", fmt)
    uri = str(tmp_path / "ds")
    _write_dataset(model, uri, fmt, order=[2, 0, 1])
    assert b"".join(stream_dataset(uri)) == local

    manifest = read_manifest(uri)
    assert [p["index"] for p in manifest["parts"]] == [0, 1, 2]
    whole = pd.read_csv(io.BytesIO(local)) if fmt == "csv" else pd.read_parquet(io.BytesIO(local))
    assert sum(p["rows"] for p in manifest["parts"]) == len(whole)
    # Each part is a complete file of its own (header, footer), holding its shard's sequences.
    first = tmp_path / "ds" / manifest["parts"][1]["file"]
    part = pd.read_csv(first) if fmt == "csv" else pq.read_table(first).to_pandas()
    assert list(part.columns) == list(whole.columns) and len(part) == manifest["parts"][1]["rows"]
    ids = part.iloc[:, 0]
    assert ids.nunique() == 1024


def test_rewritten_part_and_file_uri(model: LoadedModel, tmp_path: Path) -> None:
    """A retried shard rewrites its own part with the same bytes; URIs go through pyarrow filesystems."""
    uri = (tmp_path / "ds").as_uri()  # file:///...
    _write_dataset(model, uri, "parquet", order=[0, 1, 2, 1])
    before = read_manifest(uri)
    names = sorted(p.name for p in (tmp_path / "ds").iterdir())
    assert names == [MANIFEST_FILE, "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert [p["index"] for p in before["parts"]] == [0, 1, 2]
    with pytest.raises(ValueError, match="once each"):
        write_manifest(uri, [Part(**before["parts"][0])] * 2, {})
    (tmp_path / "ds" / ".part-00001.parquet.dead.tmp").write_bytes(b"half a part")
    sweep_temporaries(uri)
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "ds").iterdir())
    assert json.loads((tmp_path / "ds" / MANIFEST_FILE).read_text())["format"] == "parquet"


def test_shard_must_be_chunk_aligned(model: LoadedModel) -> None:
    with pytest.raises(ValueError, match="chunk-aligned"):
        next(model.iter_chunks(N, seed=SEED, shard=(100, 1124)))
    with pytest.raises(ValueError, match="chunk-aligned"):
        next(model.iter_chunks(N, seed=SEED, shard=(0, 1500)))
    with pytest.raises(ValueError, match="chunk-aligned"):
        next(model.iter_chunks(N, seed=SEED, shard=(2048, 4096)))
