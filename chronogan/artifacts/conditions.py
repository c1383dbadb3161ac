"""Sequence-level inputs of the generator, in numpy: context (condition) vectors, lengths, start times.

Used by the service/CLI to prepare ONNX inputs and by training to build the same condition vectors, so
both sides encode contexts identically.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chronogan.artifacts.errors import UserInputError
from chronogan.artifacts.schema import ColumnSpec, ContextCombo, TableSchema

MAX_GENERATED_LEN = 4096


def context_width(spec: ColumnSpec) -> int:
    return len(spec.categories or []) if not spec.is_numeric else 1


def cond_dim(schema: TableSchema) -> int:
    return sum(context_width(c) for c in schema.context_columns)


def _scale(spec: ColumnSpec, values: np.ndarray) -> np.ndarray:
    lo, hi = float(spec.minimum or 0.0), float(spec.maximum or 0.0)
    span = hi - lo if hi > lo else 1.0
    return ((values - lo) / span).astype(np.float32)


def category_index(spec: ColumnSpec, label: Any) -> int:
    """Index of `label` among the column's categories, tolerant to '3' vs 3 from JSON/CSV."""
    cats = spec.categories or []
    if label is None or (isinstance(label, float) and np.isnan(label)):
        if None in cats:
            return cats.index(None)
    else:
        for i, cat in enumerate(cats):
            if cat is not None and (cat == label or str(cat) == str(label)):
                return i
    shown = ", ".join(repr(c) for c in cats[:10]) + (", …" if len(cats) > 10 else "")
    raise UserInputError(
        f"context '{spec.name}': {label!r} is not a category seen in training (known: {shown})",
        field=f"context.{spec.name}",
    )


def encode_context_columns(schema: TableSchema, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Condition vectors [B, cond_dim] from per-sequence context values (labels / numbers in user units)."""
    parts: list[np.ndarray] = []
    n = len(next(iter(values.values()))) if values else 0
    for spec in schema.context_columns:
        column = np.asarray(values[spec.name], dtype=object if not spec.is_numeric else np.float64)
        if spec.is_numeric:
            parts.append(_scale(spec, column.astype(np.float64))[:, None])
        else:
            onehot = np.zeros((n, context_width(spec)), dtype=np.float32)
            idx = np.array([category_index(spec, v) for v in column], dtype=np.int64)
            onehot[np.arange(n), idx] = 1.0
            parts.append(onehot)
    if not parts:
        return np.zeros((n, 0), dtype=np.float32)
    return np.concatenate(parts, axis=1).astype(np.float32)


def validate_context(schema: TableSchema, context: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check a user-given partial context: known columns, known categories, numbers in a sane range."""
    if not context:
        return {}
    if not isinstance(context, Mapping):
        raise UserInputError("context must be an object mapping context columns to values", field="context")
    known = {c.name: c for c in schema.context_columns}
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in context.items():
        spec = known.get(key)
        if spec is None:
            names = ", ".join(known) or "none: this model has no context columns"
            problems.append(f"context '{key}' is not a context column of this model (context columns: {names})")
            continue
        if spec.is_numeric:
            try:
                number = float(value)
            except (TypeError, ValueError):
                problems.append(f"context '{key}': {value!r} is not a number")
                continue
            if not np.isfinite(number):
                problems.append(f"context '{key}': {value!r} is not a finite number")
                continue
            clean[key] = number
        else:
            try:
                clean[key] = (spec.categories or [])[category_index(spec, value)]
            except UserInputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise UserInputError(problems, field="context")
    return clean


# A numeric context column with more distinct per-entity values than this is stored snapped to its
# quantile grid in `context_rows`: few-valued columns (a capacity of 5, 7.5, 10 or 15) keep their exact
# values, while a continuous one does not put any entity's exact value into the artifact.
EXACT_CONTEXT_VALUES = 32


def _label(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def observed_context_rows(firsts: pd.DataFrame, contexts: list[ColumnSpec]) -> list[ContextCombo]:
    """The observed joint rows of all context columns (one row per sequence in `firsts`), with counts,
    most frequent first. Numeric columns use their quantiles (set before), so call it after them."""
    columns: list[list[Any]] = []
    for spec in contexts:
        raw = firsts[spec.name]
        if not spec.is_numeric:
            columns.append([_label(v) for v in raw])
            continue
        values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
        finite = values[np.isfinite(values)]
        if len(np.unique(finite)) > EXACT_CONTEXT_VALUES and spec.quantiles:
            grid = np.asarray(spec.quantiles, dtype=np.float64)
            values = np.where(np.isfinite(values), grid[np.abs(values[:, None] - grid[None, :]).argmin(1)], values)
        columns.append([None if not np.isfinite(v) else float(v) for v in values])
    tally = Counter(zip(*columns, strict=True))
    return [ContextCombo(values=list(k), count=c) for k, c in sorted(tally.items(), key=lambda kv: -kv[1])]


def _matches(spec: ColumnSpec, observed: Any, wanted: Any) -> bool:
    if spec.is_numeric:
        return observed is not None and bool(np.isclose(float(observed), float(wanted), rtol=1e-9, atol=1e-12))
    return observed == wanted or (observed is not None and str(observed) == str(wanted))


def _pick_rows(schema: TableSchema, fixed: Mapping[str, Any]) -> list[ContextCombo]:
    """Observed rows that agree with every fixed value; a numeric value never observed selects the rows
    nearest to it (in scaled units) among those that agree on the fixed categories."""
    specs = schema.context_columns
    rows = schema.context_rows
    cat_ok = [
        r
        for r in rows
        if all(
            _matches(s, r.values[i], fixed[s.name]) for i, s in enumerate(specs) if s.name in fixed and not s.is_numeric
        )
    ] or rows  # a category combination never seen together: condition on the numeric values only
    numeric = [(i, s) for i, s in enumerate(specs) if s.name in fixed and s.is_numeric]
    if not numeric:
        return cat_ok
    distance = np.array(
        [
            sum(
                abs(
                    _scale(s, np.array([r.values[i] if r.values[i] is not None else np.nan]))[0]
                    - _scale(s, np.array([float(fixed[s.name])]))[0]
                )
                for i, s in numeric
            )
            for r in cat_ok
        ],
        dtype=np.float64,
    )
    distance = np.where(np.isnan(distance), np.inf, distance)
    if not np.isfinite(distance).any():
        return cat_ok
    return [r for r, d in zip(cat_ok, distance, strict=True) if d <= distance.min() + 1e-9]


def sample_contexts(
    schema: TableSchema, n: int, rng: np.random.Generator, fixed: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Draw context values for n sequences: whole observed rows of context values from their joint
    frequencies (restricted to those agreeing with the fixed values), so a generated entity only ever has a
    context that a real one had; fixed values then replace their columns. Artifacts saved before
    `context_rows` existed draw categorical combinations jointly and numeric values from their quantiles."""
    specs = schema.context_columns
    if not specs:
        return {}
    if not schema.context_rows:
        return _sample_contexts_legacy(schema, n, rng, fixed)
    rows = _pick_rows(schema, fixed)
    weights = np.array([r.count for r in rows], dtype=np.float64)
    pick = rng.choice(len(rows), size=n, p=weights / weights.sum())
    out: dict[str, np.ndarray] = {}
    for i, spec in enumerate(specs):
        if spec.name in fixed:
            value = float(fixed[spec.name]) if spec.is_numeric else fixed[spec.name]
            out[spec.name] = np.full(n, value, dtype=np.float64 if spec.is_numeric else object)
        elif spec.is_numeric:
            out[spec.name] = np.array(
                [np.nan if rows[j].values[i] is None else float(rows[j].values[i]) for j in pick], dtype=np.float64
            )
        else:
            out[spec.name] = np.array([rows[j].values[i] for j in pick], dtype=object)
    return out


def _sample_contexts_legacy(
    schema: TableSchema, n: int, rng: np.random.Generator, fixed: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Artifacts without `context_rows`: categorical combinations from their observed joint frequencies
    (restricted to those matching the fixed values), numeric ones from their quantiles."""
    specs = schema.context_columns
    out: dict[str, np.ndarray] = {}
    cat_specs = [c for c in specs if not c.is_numeric]
    if cat_specs:
        combos = schema.context_combos
        match = [
            combo
            for combo in combos
            if all(c.name not in fixed or combo.values[i] == fixed[c.name] for i, c in enumerate(cat_specs))
        ]
        if match:
            weights = np.array([c.count for c in match], dtype=np.float64)
            pick = rng.choice(len(match), size=n, p=weights / weights.sum())
            for i, spec in enumerate(cat_specs):
                out[spec.name] = np.array([match[j].values[i] for j in pick], dtype=object)
        else:  # a combination never seen together: fall back to independent marginals for the rest
            for i, spec in enumerate(cat_specs):
                counts: dict[Any, int] = {}
                for combo in combos:
                    counts[combo.values[i]] = counts.get(combo.values[i], 0) + combo.count
                labels = list(counts)
                w = np.array([counts[label] for label in labels], dtype=np.float64)
                pick = rng.choice(len(labels), size=n, p=w / w.sum())
                out[spec.name] = np.array([labels[j] for j in pick], dtype=object)
        for spec in cat_specs:
            if spec.name in fixed:
                out[spec.name] = np.full(n, fixed[spec.name], dtype=object)
    for spec in specs:
        if not spec.is_numeric:
            continue
        u = rng.random(n)
        if spec.name in fixed:
            out[spec.name] = np.full(n, float(fixed[spec.name]))
        else:
            q = np.asarray(spec.quantiles or [spec.minimum or 0.0, spec.maximum or 0.0], dtype=np.float64)
            out[spec.name] = np.interp(u, np.linspace(0.0, 1.0, len(q)), q)
            if spec.kind == "integer":
                out[spec.name] = np.round(out[spec.name])
    return out


def validate_seq_len(seq_len: int | None) -> int | None:
    if seq_len is None:
        return None
    if isinstance(seq_len, bool) or not isinstance(seq_len, int | np.integer) or not 1 <= seq_len <= MAX_GENERATED_LEN:
        raise UserInputError(
            f"seq_len must be an integer from 1 to {MAX_GENERATED_LEN}, got {seq_len!r}", field="seq_len"
        )
    return int(seq_len)


def sample_lengths(schema: TableSchema, n: int, rng: np.random.Generator, seq_len: int | None) -> np.ndarray:
    if seq_len is not None:
        return np.full(n, seq_len, dtype=np.int64)
    spec = schema.lengths
    if not spec.variable:
        return np.full(n, spec.max_len, dtype=np.int64)
    counts = np.asarray(spec.counts, dtype=np.float64)
    return np.asarray(spec.values, dtype=np.int64)[rng.choice(len(counts), size=n, p=counts / counts.sum())]
