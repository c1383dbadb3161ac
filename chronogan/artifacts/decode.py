"""Turn the generator's outputs into the user's long table.

Layout: one row per (sequence, step): the id column (the input's sequence key, or `sequence_id`), the time
column (or `step`), then every modelled column in input order with its original dtype.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from chronogan.artifacts.schema import ColumnSpec, TableSchema
from chronogan.artifacts.time_axis import TimeAxis, sequence_steps


def _flat_rows(values: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """[B, T, k] graph output -> [rows, k]: the valid steps of each sequence, sequences end to end.

    One gather for all columns instead of one boolean mask per column; when every sequence is `width`
    long (fixed-length models) it is a reshape, with no copy at all."""
    values = values[:, :width]
    if (lengths == width).all():
        return values.reshape(len(lengths) * width, values.shape[2])
    return values[np.arange(width)[None, :] < lengths[:, None]]


def _numeric_column(spec: ColumnSpec, values: np.ndarray) -> pd.Series | np.ndarray:
    """values: float (user units, NaN = missing) -> the column's original dtype."""
    if spec.kind == "datetime":
        out = pd.Series(pd.to_datetime(np.where(np.isnan(values), np.nan, np.round(values)), unit="ns"))
        return out.astype(spec.dtype) if spec.dtype.startswith("datetime64[") else out
    if spec.kind == "integer":
        rounded = np.round(values)
        if np.isnan(rounded).any() and not spec.dtype.startswith("float"):
            return pd.Series(pd.array(rounded, dtype="Float64").astype("Int64"))  # nullable: ints with gaps
        return rounded.astype(spec.dtype)
    if spec.decimals is not None:
        values = np.round(values, spec.decimals)
    return values.astype(spec.dtype if spec.dtype.startswith("float") else "float64")


def _label_column(spec: ColumnSpec, labels: np.ndarray) -> pd.Series:
    series = pd.Series(labels, dtype=object)
    if spec.kind == "boolean":
        return series.astype("boolean" if series.isna().any() else "bool")
    try:
        return series.astype(spec.dtype) if not series.isna().any() or spec.dtype in ("object", "str") else series
    except (TypeError, ValueError):
        return series


def build_table(
    schema: TableSchema,
    *,
    numeric: np.ndarray | None,
    categorical: np.ndarray | None,
    lengths: np.ndarray,
    contexts: Mapping[str, np.ndarray],
    starts: np.ndarray | None,
    time_axis: TimeAxis | None,
    first_id: int,
) -> pd.DataFrame:
    """numeric [B, T, n_num] user units; categorical [B, T, n_cat] indices; lengths [B]; contexts: per-sequence
    values; starts: epoch ns [B] when the model has a time column; ids are first_id, first_id+1, ..."""
    b = len(lengths)
    width = int(lengths.max()) if b else 0
    cols: dict[str, object] = {}
    num_rows = _flat_rows(numeric, lengths, width) if numeric is not None and b else None
    cat_rows = _flat_rows(categorical, lengths, width) if categorical is not None and b else None

    key_dtype = schema.sequence_key_dtype or "int64"
    if key_dtype.startswith(("int", "uint", "Int")):
        cols[schema.id_column] = np.repeat(np.arange(first_id, first_id + b, dtype=np.int64), lengths)
    else:  # string keys: synthetic ids that cannot be mistaken for real entity ids (formatted once per sequence)
        keys = np.array([f"syn-{i}" for i in range(first_id, first_id + b)], dtype=object)
        cols[schema.id_column] = pd.array(np.repeat(keys, lengths), dtype=key_dtype if key_dtype == "str" else object)

    if schema.time is not None and time_axis is not None and starts is not None:
        cols[schema.time.column] = time_axis.column(starts, lengths)
    else:
        cols["step"] = sequence_steps(lengths)

    num_index = {c.name: i for i, c in enumerate(schema.numeric_columns)}
    cat_index = {c.name: i for i, c in enumerate(schema.categorical_columns)}
    for name in schema.column_order:
        if name in (schema.sequence_key, schema.time.column if schema.time else None):
            continue
        spec = schema.column(name)
        if spec.is_context:
            raw = np.repeat(np.asarray(contexts[name], dtype=object if not spec.is_numeric else np.float64), lengths)
            if spec.is_numeric:
                cols[name] = _numeric_column(spec, raw.astype(np.float64))
            else:
                cols[name] = _label_column(spec, raw)
        elif spec.is_numeric:
            assert num_rows is not None or b == 0
            values = num_rows[:, num_index[name]] if num_rows is not None else np.empty(0)
            cols[name] = _numeric_column(spec, values.astype(np.float64))  # astype: a contiguous copy
        else:
            assert cat_rows is not None or b == 0
            idx = cat_rows[:, cat_index[name]] if cat_rows is not None else np.empty(0, np.int64)
            labels = np.asarray(spec.categories or [], dtype=object)[np.clip(idx, 0, len(spec.categories or []) - 1)]
            cols[name] = _label_column(spec, labels)
    return pd.DataFrame(cols)
