"""Encode a prepared table into the tensors the GANs train on (and generated tables, for evaluation).

Per step: numeric columns min-max scaled to [0, 1]; a missing-indicator channel right after each numeric
column that had gaps, whose value channel is imputed (last observation carried forward within the
sequence, then backward, then the column's median) so the network never sees NaN; categorical columns
one-hot. Per sequence: the condition vector from the context columns. Variable lengths are padded with
zeros to the longest sequence and carried as `lengths` (pad + mask: every loss ignores the padding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.infer import PreparedTable
from chronogan.training.data.layout import FeatureLayout, LayoutBuilder

from chronogan.artifacts.conditions import context_width, encode_context_columns
from chronogan.artifacts.schema import ColumnSpec, TableSchema


def feature_layout(schema: TableSchema) -> FeatureLayout:
    builder = LayoutBuilder()
    for spec in schema.temporal_columns:
        if spec.is_numeric:
            builder.add(spec.name, "numeric")
            if spec.has_missing:
                builder.add(spec.name, "missing")
        else:
            builder.add(spec.name, "categorical", len(spec.categories or []))
    return builder.build()


def condition_layout(schema: TableSchema) -> FeatureLayout:
    builder = LayoutBuilder()
    for spec in schema.context_columns:
        builder.add(spec.name, "numeric" if spec.is_numeric else "categorical", context_width(spec))
    return builder.build()


def _scaled(spec: ColumnSpec, values: np.ndarray) -> np.ndarray:
    lo, hi = float(spec.minimum or 0.0), float(spec.maximum or 0.0)
    span = hi - lo if hi > lo else 1.0
    return np.clip((values - lo) / span, 0.0, 1.0)


def _numeric_values(spec: ColumnSpec, s: pd.Series) -> np.ndarray:
    if spec.kind == "datetime" and pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]").astype("int64").astype(float).where(s.notna()).to_numpy(float)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _category_codes(spec: ColumnSpec, s: pd.Series) -> np.ndarray:
    cats = spec.categories or []
    lookup = {("__none__" if c is None else str(c)): i for i, c in enumerate(cats)}
    keys = s.map(lambda v: "__none__" if pd.isna(v) else str(v.item() if hasattr(v, "item") else v))
    codes = keys.map(lookup)
    # Labels unseen in training (only possible when encoding generated or new data) map to the first one.
    return codes.fillna(0).to_numpy(dtype=np.int64)


def row_features(df: pd.DataFrame, schema: TableSchema, spans: list[tuple[int, int]]) -> np.ndarray:
    """[n_rows, F] float32 encoded features; `spans` delimit sequences for the within-sequence imputation."""
    layout = feature_layout(schema)
    out = np.zeros((len(df), layout.n_features), dtype=np.float32)
    seq_id = np.zeros(len(df), dtype=np.int64)
    for i, (a, n) in enumerate(spans):
        seq_id[a : a + n] = i
    for block in layout.blocks:
        spec = schema.column(block.column)
        if block.kind == "categorical":
            codes = _category_codes(spec, df[spec.name])
            out[np.arange(len(df)), block.start + codes] = 1.0
            continue
        raw = _numeric_values(spec, df[spec.name])
        missing = np.isnan(raw)
        if block.kind == "missing":
            out[:, block.start] = missing
            continue
        values = pd.Series(raw)
        if missing.any():
            grouped = values.groupby(seq_id)
            values = grouped.ffill()
            values = values.groupby(seq_id).bfill()
            values = values.fillna(np.nanmedian(raw) if (~missing).any() else 0.0)
        out[:, block.start] = _scaled(spec, values.to_numpy(float))
    return out


def _stack(features: np.ndarray, spans: list[tuple[int, int]], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([n for _, n in spans], dtype=np.int64)
    if len(set(lengths.tolist())) == 1 and lengths[0] == max_len:
        starts = np.array([a for a, _ in spans], dtype=np.int64)
        idx = starts[:, None] + np.arange(max_len)[None, :]
        return features[idx], lengths
    x = np.zeros((len(spans), max_len, features.shape[1]), dtype=np.float32)
    for i, (a, n) in enumerate(spans):
        x[i, :n] = features[a : a + n]
    return x, lengths


def _conditions(df: pd.DataFrame, schema: TableSchema, starts: list[int]) -> np.ndarray:
    firsts = df.iloc[starts]
    values = {}
    for spec in schema.context_columns:
        col = firsts[spec.name]
        values[spec.name] = _numeric_values(spec, col) if spec.is_numeric else col.to_numpy(dtype=object)
    return encode_context_columns(schema, values) if values else np.zeros((len(starts), 0), np.float32)


def encode_prepared(prepared: PreparedTable) -> EncodedData:
    """Training tensors from a prepared table (windows of one series, or one sequence per entity piece)."""
    schema, df, spans = prepared.schema, prepared.df, prepared.spans
    if schema.layout == "windows":
        features = row_features(df, schema, [(0, len(df))])
    else:
        features = row_features(df, schema, spans)
    return _encoded(df, schema, features, spans, schema.lengths.max_len)


def _encoded(
    df: pd.DataFrame, schema: TableSchema, features: np.ndarray, spans: list[tuple[int, int]], max_len: int
) -> EncodedData:
    x, lengths = _stack(features, spans, max_len)
    return EncodedData(
        x=x.astype(np.float32),
        lengths=lengths,
        cond=_conditions(df, schema, [a for a, _ in spans]),
        layout=feature_layout(schema),
        cond_layout=condition_layout(schema),
    )


def encode_generated(table: pd.DataFrame, schema: TableSchema, max_len: int | None = None) -> EncodedData:
    """Encode a table in the generated long layout (id column, time/step, columns) with a model's schema."""
    id_col = schema.id_column
    codes = pd.factorize(table[id_col])[0]
    order = np.argsort(codes, kind="stable")
    df = table.iloc[order].reset_index(drop=True)
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    spans = list(zip(starts.tolist(), sizes.tolist(), strict=True))
    features = row_features(df, schema, spans)
    return _encoded(df, schema, features, spans, max_len or int(sizes.max()))
