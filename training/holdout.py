"""Splitting an upload into a training part and a validation part the model never sees.

The retrain quality gate scores the new and the active version on the validation part, and the privacy
check compares synthetic data with it. Entities are split whole (a seeded random subset of entities is
held out); one long series gives up its final stretch (the most recent rows, as a forecast would).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from chronogan.training.data.infer import _detect_time_column

MIN_ENTITIES = 2  # per side: the discriminative classifier needs two sequences of each class


@dataclass(frozen=True)
class HoldoutSplit:
    train: pd.DataFrame
    validation: pd.DataFrame
    info: dict[str, Any]


def split_upload(
    df: pd.DataFrame,
    *,
    sequence_key: str | None,
    time_column: str | None,
    seq_len: int,
    fraction: float = 0.2,
    seed: int = 0,
) -> HoldoutSplit | None:
    """The train and validation parts of `df`, or None when the data is too small to hold anything out
    (fewer than 2 entities per side, or fewer than seq_len + 1 rows per side for one series)."""
    if sequence_key is not None:
        entities = pd.unique(df[sequence_key].dropna())
        n_val = max(MIN_ENTITIES, int(round(len(entities) * fraction)))
        if len(entities) - n_val < MIN_ENTITIES:
            return None
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
        held = _covering_holdout(df, sequence_key, list(entities[rng.permutation(len(entities))]), n_val)
        if len(held) < MIN_ENTITIES:
            return None
        mask = df[sequence_key].isin(held)
        info = {"kind": "entities", "n_train": len(entities) - len(held), "n_validation": len(held), "seed": seed}
        return HoldoutSplit(df[~mask].reset_index(drop=True), df[mask].reset_index(drop=True), info)

    ordered = _time_ordered(df, time_column)
    n_val = max(seq_len + 1, int(round(len(ordered) * fraction)))
    if len(ordered) - n_val < seq_len + 1:
        return None
    cut = len(ordered) - n_val
    info = {"kind": "final stretch", "n_train_rows": cut, "n_validation_rows": n_val}
    return HoldoutSplit(ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True), info)


def _covering_holdout(df: pd.DataFrame, key: str, order: list, n_val: int) -> set:
    """Up to `n_val` entities (tried in `order`) whose removal leaves every label and every column's
    missingness in the training part: otherwise the model trained on it has another schema (fewer
    categories, no missing-value channel) than the data, and a warm start from the active version fails."""
    tokens = {e: set() for e in order}
    for col in df.columns:
        if col == key:
            continue
        s = df[col]
        # Only columns that can be categorical carry labels (at most 256 distinct values, not a float column
        # with many values; timestamps and free text are never category sets).
        n_unique = s.nunique()
        labels = n_unique <= 256 and (not pd.api.types.is_float_dtype(s) or n_unique <= 10)
        for entity, values in s.groupby(df[key], sort=False):
            found = tokens.setdefault(entity, set())
            if values.isna().any():
                found.add((col, "<missing>"))
            if labels:
                found.update((col, v) for v in values.dropna().unique().tolist())
    counts: dict = {}
    for found in tokens.values():
        for t in found:
            counts[t] = counts.get(t, 0) + 1
    held: set = set()
    for entity in order:
        if len(held) == n_val:
            break
        if all(counts[t] > 1 for t in tokens.get(entity, ())):
            held.add(entity)
            for t in tokens[entity]:
                counts[t] -= 1
    return held


def _time_ordered(df: pd.DataFrame, time_column: str | None) -> pd.DataFrame:
    """Rows in time order (the final stretch must be the latest rows, not the last lines of the file)."""
    name = time_column or _detect_time_column(df, set())
    if name is None or name not in df.columns:
        return df
    s = df[name]
    if pd.api.types.is_numeric_dtype(s):
        key = pd.to_numeric(s, errors="coerce")
    else:
        key = pd.to_datetime(s.astype(str), errors="coerce", format="mixed", utc=True)
    return df.assign(_order=key).sort_values("_order", kind="stable").drop(columns="_order")
