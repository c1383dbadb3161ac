"""The JSON float format: Python's repr text (what json.dumps wrote before orjson), byte for byte.

orjson alone writes 0 < |x| < 1e-4 differently (`0.00001`, `1.5e-7` vs `1e-05`, `1.5e-07`); formats.py passes
those values pre-rendered. These tests compare the encoder with json.dumps on values from every part of the
float64 range, so a change in orjson's formatting (or in the workaround) fails here, not in a user's diff.
"""

from __future__ import annotations

import json

import numpy as np
import orjson
import pandas as pd
import pytest
from chronogan.service.api.formats import json_body, ndjson_lines


def _reference(values: list[float | None]) -> bytes:
    return json.dumps(values, separators=(",", ":"), allow_nan=False).encode()


def _encoded_column(values: np.ndarray) -> bytes:
    """The "data" array of a one-column table, flattened to a JSON list of that column's values."""
    raw = json_body(pd.DataFrame({"x": values}), {})
    start = raw.index(b'"data":') + len(b'"data":')
    return raw[start:-1].replace(b"[[", b"[").replace(b"]]", b"]").replace(b"],[", b",")


EDGES = [
    1e-4,
    np.nextafter(1e-4, 0),
    5e-5,
    1e-5,
    1.5e-7,
    -2.5e-9,
    1e-10,
    5e-324,
    np.nextafter(1e16, 0),
    1e16,
    -1.2345e16,
    1.7976931348623157e308,
    0.0,
    -0.0,
    0.1,
    1.0,
    123.456,
]


def test_edge_values_match_json_dumps() -> None:
    values = np.array(EDGES, dtype=np.float64)
    assert _encoded_column(values) == _reference(values.tolist())
    # The part orjson alone gets "wrong": documented here so a fix upstream is noticed.
    assert orjson.dumps(1e-5) == b"0.00001" and json.dumps(1e-5) == "1e-05"


@pytest.mark.parametrize("kind", ["bits", "scaled"])
def test_random_floats_match_json_dumps(kind: str) -> None:
    rng = np.random.default_rng(42)
    if kind == "bits":  # every exponent, subnormals included
        values = rng.integers(0, 2**64, size=50_000, dtype=np.uint64).view(np.float64)
        values = values[np.isfinite(values)]
    else:  # the magnitudes generated data has, with many values near the 1e-4 and 1e16 switches
        values = rng.standard_normal(50_000) * 10.0 ** rng.integers(-12, 19, size=50_000).astype(np.float64)
    values[::97] = np.nan
    expected = _reference([None if np.isnan(v) else v for v in values.tolist()])
    assert _encoded_column(values) == expected


def test_float32_and_object_columns_use_the_same_text() -> None:
    df = pd.DataFrame(
        {
            "f32": np.array([1.5e-5, 3.25, np.nan], dtype=np.float32),
            "obj": pd.Series([2e-6, "a", None], dtype=object),
        }
    )
    rows = [[float(np.float32(1.5e-5)), 2e-6], [3.25, "a"], [None, None]]
    expected = json.dumps({"columns": ["f32", "obj"], "data": rows}, separators=(",", ":")).encode()
    assert json_body(df, {}) == expected
    line = b"".join(ndjson_lines([df])).splitlines()[0]
    assert line == json.dumps(dict(zip(["f32", "obj"], rows[0], strict=True)), separators=(",", ":")).encode()


def test_strings_escape_like_json_dumps() -> None:
    text = 'quote " backslash \\ newline \n tab \t bell \x07 del \x7f ü € \u2028 😀'
    df = pd.DataFrame({"s": pd.Series([text], dtype=object)})
    expected = json.dumps({"columns": ["s"], "data": [[text]]}, separators=(",", ":"), ensure_ascii=False)
    assert json_body(df, {}) == expected.encode()
