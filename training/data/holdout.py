"""Hold real data out of training, and find the same held-out part again when evaluating.

A discriminative score against the sequences a model trained on rewards memorising them; the score that
says something about new data compares against real data the model never saw. The split is made on the
raw table, before any windowing, so no held-out step can reach training through an overlapping window:

- many entities (a `sequence_key`): a seeded random `fraction` of the entities, whole;
- one long series: the final `fraction` of its rows (in time order), so the model is judged on the part
  that comes after everything it saw.

`HoldoutSpec` is the identity of the held-out part (JSON-able): `chronogan train --holdout` writes it into
the manifest and `chronogan evaluate` splits the same file the same way again. The retrain quality gate
(`chronogan.service.jobs.retrain`) holds its validation data out with the same split (`holdout_or_none`).

Held-out entities are drawn so that every label and every column's missingness stays in the training part:
otherwise the model trained on it has another schema (fewer categories, no missing-value channel) than the
held-out data it is scored on, and a warm start from a version trained on the whole data fails.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from chronogan.training.data.infer import _detect_time_column
from chronogan.training.data.options import SchemaOptions

from chronogan.artifacts.errors import UserInputError

HoldoutKind = Literal["entities", "final_stretch"]
MIN_FRACTION, MAX_FRACTION = 0.05, 0.5


@dataclass(frozen=True)
class HoldoutSpec:
    kind: HoldoutKind
    fraction: float
    seed: int
    rows_total: int  # rows of the whole table, so a different file is caught instead of mis-split
    sequence_key: str | None = None
    keys: list[str] = field(default_factory=list)  # held-out entity keys, as strings
    first_row: int | None = None  # final stretch: its first row, counted in time order
    time_column: str | None = None
    time_from: str | None = None  # final stretch: the first held-out timestamp (ISO), when there is a time column

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HoldoutSpec:
        return cls(**data)


def check_fraction(fraction: float) -> float:
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not (MIN_FRACTION <= fraction <= MAX_FRACTION)
    ):
        raise UserInputError(
            f"holdout must be a fraction between {MIN_FRACTION} and {MAX_FRACTION}, got {fraction!r}", field="holdout"
        )
    return float(fraction)


def split_holdout(
    df: pd.DataFrame, options: SchemaOptions, fraction: float, *, seq_len: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, HoldoutSpec]:
    """(training rows, held-out rows, identity). Row order within each part is the table's own. `seq_len`
    (the config's window length) is the fewest rows each side of a single series needs."""
    fraction = check_fraction(fraction)
    key = options.sequence_key
    if key is not None:
        if key not in df.columns:
            raise UserInputError(f"sequence key {key!r} is not a column of the table", field="sequence_key")
        entities = pd.unique(df[key].astype(str))
        n_out = int(round(len(entities) * fraction))
        if n_out < 2 or len(entities) - n_out < 2:
            raise UserInputError(
                f"holdout {fraction} of {len(entities)} entities leaves {n_out} held out and "
                f"{len(entities) - n_out} to train on; each side needs at least 2",
                field="holdout",
            )
        rng = np.random.default_rng(seed)
        keys = sorted(_covering_holdout(df, key, [entities[i] for i in rng.permutation(len(entities))], n_out))
        if len(keys) < 2:
            raise UserInputError(
                f"holdout {fraction} of {len(entities)} entities: only {len(keys)} can be held out without taking "
                "every entity that has some label or missing value out of training; each side needs at least 2",
                field="holdout",
            )
        spec = HoldoutSpec("entities", fraction, seed, len(df), sequence_key=key, keys=keys)
    else:
        ordered, time_name = _time_order(df, options)
        first = len(df) - int(round(len(df) * fraction))
        # Both sides are prepared like a training table, which needs seq_len + 1 rows.
        if len(df) - first < seq_len + 1 or first < seq_len + 1:
            raise UserInputError(
                f"holdout {fraction} of {len(df)} rows leaves {len(df) - first} held-out and {first} training rows; "
                f"each side needs at least seq_len + 1 = {seq_len + 1} rows",
                field="holdout",
            )
        time_from = None
        if time_name is not None:
            value = ordered[time_name].iloc[first]
            numeric = pd.api.types.is_numeric_dtype(ordered[time_name])
            time_from = str(value) if numeric else pd.Timestamp(value).isoformat()
        spec = HoldoutSpec(
            "final_stretch", fraction, seed, len(df), first_row=first, time_column=time_name, time_from=time_from
        )
    train, held = apply_holdout(df, spec, options)
    return train, held, spec


def holdout_or_none(
    df: pd.DataFrame, options: SchemaOptions, fraction: float, *, seq_len: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, HoldoutSpec] | None:
    """`split_holdout`, or None when the data is too small to hold anything out (the caller goes without)."""
    try:
        return split_holdout(df, options, fraction, seq_len=seq_len, seed=seed)
    except UserInputError as exc:
        if exc.field == "holdout":
            return None
        raise


def split_summary(train: pd.DataFrame, held: pd.DataFrame, spec: HoldoutSpec) -> dict[str, Any]:
    """What a split held out, in the counts a reader wants (entities, or rows of the final stretch)."""
    if spec.kind == "entities":
        return {
            "kind": "entities",
            "n_train": int(pd.unique(train[spec.sequence_key].astype(str)).size),
            "n_validation": len(spec.keys),
            "seed": spec.seed,
        }
    return {"kind": "final stretch", "n_train_rows": len(train), "n_validation_rows": len(held)}


def _covering_holdout(df: pd.DataFrame, key: str, order: list, n_out: int) -> set[str]:
    """Up to `n_out` entities (tried in `order`, as strings) whose removal leaves every label and every
    column's missingness in the training part."""
    entity = df[key].astype(str)
    tokens: dict[str, set] = {str(e): set() for e in order}
    for col in df.columns:
        if col == key:
            continue
        s = df[col]
        # Only columns that can be categorical carry labels (at most 256 distinct values, not a float column
        # with many values; timestamps and free text are never category sets).
        n_unique = s.nunique()
        labels = n_unique <= 256 and (not pd.api.types.is_float_dtype(s) or n_unique <= 10)
        for ent, values in s.groupby(entity, sort=False):
            found = tokens.setdefault(str(ent), set())
            if values.isna().any():
                found.add((col, "<missing>"))
            if labels:
                found.update((col, v) for v in values.dropna().unique().tolist())
    counts: dict = {}
    for found in tokens.values():
        for t in found:
            counts[t] = counts.get(t, 0) + 1
    held: set[str] = set()
    for ent in (str(e) for e in order):
        if len(held) == n_out:
            break
        if all(counts[t] > 1 for t in tokens.get(ent, ())):
            held.add(ent)
            for t in tokens[ent]:
                counts[t] -= 1
    return held


def apply_holdout(df: pd.DataFrame, spec: HoldoutSpec, options: SchemaOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split `df` as `spec` says: (training rows, held-out rows). Raises when `df` is not the table it came from."""
    if len(df) != spec.rows_total:
        raise UserInputError(
            f"the data has {len(df)} rows, but the model's holdout was drawn from a table of {spec.rows_total} rows; "
            "pass the file the model was trained on",
            field="data",
        )
    if spec.kind == "entities":
        assert spec.sequence_key is not None
        if spec.sequence_key not in df.columns:
            raise UserInputError(
                f"the data has no column {spec.sequence_key!r} (the model's sequence key)", field="data"
            )
        held = df[spec.sequence_key].astype(str).isin(set(spec.keys)).to_numpy()
        if int(pd.unique(df.loc[held, spec.sequence_key].astype(str)).size) != len(spec.keys):
            raise UserInputError(
                "the data lacks some of the model's held-out entities; pass its training file", field="data"
            )
        return df[~held], df[held]
    ordered, _ = _time_order(df, options, time_column=spec.time_column)
    assert spec.first_row is not None
    return ordered.iloc[: spec.first_row], ordered.iloc[spec.first_row :]


def _time_order(
    df: pd.DataFrame, options: SchemaOptions, *, time_column: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The rows in the order training reads them: by the time column when there is one, else as in the file."""
    name = time_column or options.time_column or _detect_time_column(df, set())
    if name is None or name not in df.columns:
        return df, None
    if pd.api.types.is_numeric_dtype(df[name]) and not pd.api.types.is_bool_dtype(df[name]):
        # An integer time index (step numbers, yyyymmdd): its own order.
        numbers = pd.to_numeric(df[name], errors="coerce")
        if numbers.isna().any():
            return df, None
        return df.iloc[np.argsort(numbers.to_numpy(), kind="stable")], name
    times = pd.to_datetime(df[name], errors="coerce", format="mixed", utc=True)
    if times.isna().any():  # unparseable times are training's error to report; keep the file's order here
        return df, None
    order = np.argsort(times.to_numpy(), kind="stable")
    return df.iloc[order], name
