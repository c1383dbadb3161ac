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
        held = set(entities[np.sort(rng.choice(len(entities), size=n_val, replace=False))].tolist())
        mask = df[sequence_key].isin(held)
        info = {"kind": "entities", "n_train": len(entities) - n_val, "n_validation": n_val, "seed": seed}
        return HoldoutSplit(df[~mask].reset_index(drop=True), df[mask].reset_index(drop=True), info)

    ordered = _time_ordered(df, time_column)
    n_val = max(seq_len + 1, int(round(len(ordered) * fraction)))
    if len(ordered) - n_val < seq_len + 1:
        return None
    cut = len(ordered) - n_val
    info = {"kind": "final stretch", "n_train_rows": cut, "n_validation_rows": n_val}
    return HoldoutSplit(ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True), info)


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
