"""The vectorised decode/render paths give exactly what the straightforward per-value code gave.

The reference implementations below are the previous (slow, obviously correct) versions, kept here only as
oracles: same seed -> same bytes must survive every performance change.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from chronogan.service.api.formats import json_body, ndjson_lines, table_rows

from chronogan.artifacts.time_axis import sequence_steps


def _reference_values(series: pd.Series) -> list[Any]:
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.isoformat() for v in series]
    if pd.api.types.is_float_dtype(series.dtype):
        return [None if math.isnan(v) else v for v in series.astype("float64").tolist()]
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        return [None if pd.isna(v) else v for v in series.astype(object).tolist()]
    out = []
    for v in series.tolist():
        try:
            missing = bool(pd.isna(v))
        except (TypeError, ValueError):
            missing = False
        out.append(None if missing else (v.item() if hasattr(v, "item") else v))
    return out


def _reference_body(df: pd.DataFrame, header: dict[str, Any]) -> bytes:
    columns = [_reference_values(df[c]) for c in df.columns]
    rows = [list(r) for r in zip(*columns, strict=True)]
    doc = {**header, "columns": [str(c) for c in df.columns], "data": rows}
    return json.dumps(doc, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def _mixed_table(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=n) * 1e6
    x[rng.random(n) < 0.1] = np.nan
    stamps = pd.date_range("2024-03-30", periods=n, freq="h", tz="Europe/Berlin").to_series().reset_index(drop=True)
    stamps[rng.random(n) < 0.05] = pd.NaT
    labels = pd.Series(rng.choice(["a", "b", "ü"], size=n), dtype="str")
    labels[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "sequence_id": np.repeat(np.arange(n // 10, dtype=np.int64), 10),
            "t": stamps,
            "naive": pd.date_range("2020-01-01", periods=n, freq="37s"),
            "x": x,
            "x32": x.astype(np.float32),
            "n": rng.integers(-5, 5, size=n),
            "n_gaps": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, size=n)), dtype="Int64"),
            "flag": rng.random(n) < 0.5,
            "flag_gaps": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5), dtype="boolean"),
            "label": labels,
            "obj": pd.Series(rng.choice(np.array(["x", 1, True, None], dtype=object), size=n), dtype=object),
        }
    )


def test_json_body_matches_reference() -> None:
    df = _mixed_table()
    header = {"model": "m", "version": "v1", "seed": 7}
    assert json_body(df, header) == _reference_body(df, header)
    assert json_body(df.iloc[:0], header) == _reference_body(df.iloc[:0], header)


def test_ndjson_matches_reference() -> None:
    df = _mixed_table(50)
    names = list(df.columns)
    rows = [list(r) for r in zip(*[_reference_values(df[c]) for c in names], strict=True)]
    expected = "".join(
        json.dumps(dict(zip(names, r, strict=True)), separators=(",", ":"), allow_nan=False, ensure_ascii=False) + "\n"
        for r in rows
    )
    assert b"".join(ndjson_lines([df])).decode() == expected
    assert [list(r) for r in table_rows(df)] == rows


@pytest.mark.parametrize("lengths", [[24] * 5, [3, 1, 4, 1, 5], [7], []])
def test_sequence_steps(lengths: list[int]) -> None:
    arr = np.array(lengths, dtype=np.int64)
    expected = np.concatenate([np.arange(n, dtype=np.int64) for n in arr]) if len(arr) else np.array([], np.int64)
    got = sequence_steps(arr)
    assert got.dtype == np.int64 and np.array_equal(got, expected)


def test_prefetched_chunks_equal_sequential_chunks(trained_store: Path) -> None:
    """Running the graph for the next chunk on a helper thread changes nothing in the output."""
    from chronogan.artifacts.runtime import LoadedModel
    from chronogan.artifacts.store import ModelStore
    from tests.helpers import MODEL

    store = ModelStore(trained_store)
    folder = store.version_dir(MODEL, store.resolve(MODEL))
    fast = LoadedModel.load(folder, threads=1)
    slow = LoadedModel.load(folder, threads=1)
    slow.prefetch_workers = 0
    assert fast.prefetch_workers >= 1
    kwargs: dict[str, Any] = {"seed": 11, "chunk_size": 40}
    got = list(fast.iter_chunks(130, **kwargs))
    expected = list(slow.iter_chunks(130, **kwargs))
    assert len(got) == len(expected) == 4
    for a, b in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(a, b)
