"""Statistics on decoded tables (the user's long layout): category frequencies and missingness.

These run on what `generate` hands users (labels and NaNs), not on the encoding, so they catch decoding
problems too (e.g. a category the model never emits, or NaNs where the data had none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from chronogan.training.evaluation.sequences import EvaluationInputError

MAX_LISTED_CATEGORIES = 30  # per column in the report; the distance itself always uses every category


def category_frequencies(real: pd.DataFrame, synth: pd.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """Per categorical column: total variation distance between the label frequencies (0 identical, 1
    disjoint), the frequencies themselves (largest first, capped) and labels only one side produces.

    Missing cells are left out here; `missingness` reports them.
    """
    _require(real, synth, columns)
    out: dict[str, Any] = {}
    for col in columns:
        fr = _frequencies(real[col])
        fs = _frequencies(synth[col])
        if fr.empty or fs.empty:
            out[col] = {
                "tvd": None,
                "n_categories": int(len(fr.index.union(fs.index))),
                "real": {},
                "synth": {},
            }
            continue
        labels = fr.index.union(fs.index)
        pr, ps = fr.reindex(labels, fill_value=0.0), fs.reindex(labels, fill_value=0.0)
        listed = (pr.combine(ps, max)).sort_values(ascending=False).index[:MAX_LISTED_CATEGORIES]
        out[col] = {
            "tvd": float(0.5 * (pr - ps).abs().sum()),
            "n_categories": int(len(labels)),
            "real": {str(k): float(pr[k]) for k in listed},
            "synth": {str(k): float(ps[k]) for k in listed},
            "only_in_synth": sorted(str(k) for k in fs.index.difference(fr.index)),
            "never_generated": sorted(str(k) for k in fr.index.difference(fs.index)),
        }
    return out


def missingness(real: pd.DataFrame, synth: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[str, Any]:
    """Per column: fraction of missing cells in real and synthetic, and their absolute difference.

    `columns` defaults to every column the two tables share.
    """
    if columns is None:
        columns = [c for c in real.columns if c in synth.columns]
    _require(real, synth, columns)
    out: dict[str, Any] = {}
    for col in columns:
        rate_r = float(real[col].isna().mean()) if len(real) else 0.0
        rate_s = float(synth[col].isna().mean()) if len(synth) else 0.0
        out[str(col)] = {"real": rate_r, "synth": rate_s, "abs_diff": abs(rate_r - rate_s)}
    return out


def _frequencies(column: pd.Series) -> pd.Series:
    # Labels as strings: real and decoded synthetic columns can differ in dtype (e.g. int vs str codes).
    return column.dropna().astype(str).value_counts(normalize=True)


def _require(real: pd.DataFrame, synth: pd.DataFrame, columns: Sequence[str]) -> None:
    problems = [
        f"column {col!r} is missing from the {side} table"
        for side, frame in (("real", real), ("synthetic", synth))
        for col in columns
        if col not in frame.columns
    ]
    if problems:
        raise EvaluationInputError(problems)
