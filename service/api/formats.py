"""Output formats for synchronous generation: choosing one (body `format` or `Accept`) and rendering.

Rendering is deterministic: the same table gives the same bytes, so the same version + seed + request
gives an identical response (JSON keys in a fixed order, timestamps in ISO 8601, missing values null).

JSON floats are the text of Python's `repr` (and of `json.dumps`, which this module used before): the
shortest decimal that reads back as the same float64, in exponent form (`1e-05`, `1.5e+16`) below 1e-4 and
from 1e16 on. orjson writes the bytes; its float text is identical to repr except for 0 < |x| < 1e-4,
where it writes `0.00001` / `1.5e-7` instead of `1e-05` / `1.5e-07`: those (rare) values are passed to
orjson pre-rendered by repr (`orjson.Fragment`), so the bytes are exactly what `json.dumps` gave. Infinite
values (which a generator never returns) are written as null. `tests/service/api/test_float_format.py`
checks this against `json.dumps` on random bit patterns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd
from chronogan.service.api.errors import ApiError

from chronogan.artifacts.tables import csv_bytes

OutputFormat = Literal["json", "csv", "ndjson", "parquet"]

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
# Accept values we understand (aliases included) -> format.
_ACCEPT: dict[str, OutputFormat] = {
    "application/json": "json",
    "text/csv": "csv",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/parquet": "parquet",
}


def negotiate(explicit: OutputFormat | None, accept: str | None) -> OutputFormat:
    """The body's `format` wins; else the best `Accept` entry we can produce; else JSON."""
    if explicit is not None:
        return explicit
    if not accept:
        return "json"
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            choices.append((-q, i, media.lower()))
    for _, _, media in sorted(choices):
        if media in _ACCEPT:
            return _ACCEPT[media]
        if media in ("*/*", "application/*"):
            return "json"
    raise ApiError(
        406,
        "Not acceptable",
        f"cannot produce {accept!r}; use one of {sorted(set(_ACCEPT))} or the body field `format`",
        kind="not-acceptable",
    )


def _column_values(series: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values: NaN/NaT/NA -> null, timestamps -> ISO 8601 strings.

    Vectorised where it matters (this runs for every cell of every synchronous response): numpy's
    `tolist()` gives the same Python floats/ints/bools the per-value path produced, and repeated values
    (timestamps on a grid, category labels) are converted once per distinct value.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return _by_distinct(series, lambda v: v.isoformat())
    if pd.api.types.is_float_dtype(dtype):
        return _float_values(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":  # numpy ints/bools cannot hold a missing value
        return series.to_numpy().tolist()
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):  # nullable Int64/boolean
        return [None if pd.isna(v) else v for v in series.astype(object).tolist()]
    if isinstance(dtype, pd.StringDtype):  # only strings: distinct values cannot collide (unlike 1 == True)
        return _by_distinct(series, _plain)
    return [None if _is_missing(v) else _plain(v) for v in series.tolist()]


def _float_values(values: np.ndarray) -> list[Any]:
    """Python floats for orjson, except NaN -> None and 0 < |x| < 1e-4 -> repr text (see the module doc)."""
    out: list[Any] = values.tolist()
    with np.errstate(invalid="ignore"):
        # One vectorised test finds both kinds: NaN fails `>= 1e-4` and is not 0.
        special = np.flatnonzero(~(np.abs(values) >= 1e-4) & (values != 0))
    for i in special.tolist():
        v = out[i]
        out[i] = None if v != v else orjson.Fragment(repr(v).encode())
    return out


def _by_distinct(series: pd.Series, convert: Callable[[Any], Any]) -> list[Any]:
    """convert() applied once per distinct non-missing value; missing values (code -1) -> None."""
    codes, uniques = pd.factorize(series)
    converted = [convert(v) for v in uniques] + [None]  # index -1 picks the trailing None
    return [converted[c] for c in codes.tolist()]


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists etc.
        return False


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value != 0 and not abs(value) >= 1e-4:  # object columns: as _float_values
        return None if value != value else orjson.Fragment(repr(value).encode())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def table_rows(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    # Tuples, not lists: json encodes them identically and zip() already made them.
    columns = [_column_values(df.iloc[:, i]) for i in range(df.shape[1])]
    return list(zip(*columns, strict=True)) if columns else []


def json_body(df: pd.DataFrame, header: dict[str, Any]) -> bytes:
    # orjson's output is compact UTF-8 with keys in insertion order: what json.dumps(separators=(",", ":"),
    # ensure_ascii=False) gave.
    return orjson.dumps({**header, "columns": [str(c) for c in df.columns], "data": table_rows(df)})


def csv_chunks(chunks: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """CSV streamed chunk by chunk: the header with the first chunk only (same bytes as one table_bytes)."""
    for i, df in enumerate(chunks):
        yield csv_bytes(df, header=i == 0)


def ndjson_lines(chunks: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """One JSON object per row, column name -> value, streamed chunk by chunk."""
    for df in chunks:
        names = [str(c) for c in df.columns]
        lines = [orjson.dumps(dict(zip(names, row, strict=True))) for row in table_rows(df)]
        if lines:
            yield b"\n".join(lines) + b"\n"
